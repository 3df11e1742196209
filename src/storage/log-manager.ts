/**
 * All partition logs under one data directory: opens them at start, creates and deletes them,
 * runs retention in the background with bounded work per run, and closes everything (each log
 * writes what is pending, fsyncs and snapshots producer state).
 */
import { join } from 'node:path';
import { assert } from '../common/index.js';
import { DiskSpaceGuard } from './disk-space.js';
import { type FsOps, nodeFsOps } from './fs-ops.js';
import type { LogConfig } from './log-config.js';
import { PartitionLog } from './partition-log.js';

export interface LogManagerOptions {
  readonly fs?: FsOps;
  /** Free-space reserve for the whole data directory. */
  readonly diskReserveBytes: number;
  /** Config for a partition found on disk at start (topic configs come later from metadata). */
  readonly configFor: (topic: string, partition: number) => LogConfig;
  /** Background retention period; default 5 minutes (log.retention.check.interval.ms). */
  readonly retentionCheckMs?: number;
  /** Segments deleted per partition per retention run. */
  readonly retentionSegmentsPerRun?: number;
  /** Seam for disk-space measurement. */
  readonly measureFreeBytes?: (dir: string) => Promise<number>;
}

/** `<topic>-<partition>`: Kafka's directory naming; topic names cannot contain '/'. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const partition = Number(name.slice(dash + 1));
  if (!Number.isSafeInteger(partition) || partition < 0) return undefined;
  if (String(partition) !== name.slice(dash + 1)) return undefined;
  return { topic: name.slice(0, dash), partition };
}

export class LogManager {
  readonly dataDir: string;
  readonly diskGuard: DiskSpaceGuard;
  private readonly options: LogManagerOptions;
  private readonly fs: FsOps;
  private readonly logs = new Map<string, PartitionLog>();
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRunning = false;

  private constructor(dataDir: string, options: LogManagerOptions) {
    this.dataDir = dataDir;
    this.options = options;
    this.fs = options.fs ?? nodeFsOps;
    this.diskGuard = new DiskSpaceGuard(dataDir, {
      reserveBytes: options.diskReserveBytes,
      ...(options.measureFreeBytes === undefined ? {} : { measure: options.measureFreeBytes }),
    });
  }

  /** Opens every `<topic>-<partition>` directory under `dataDir` (created if missing). */
  static async open(dataDir: string, options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(dataDir, options);
    await manager.fs.mkdir(dataDir);
    for (const name of await manager.fs.readdir(dataDir)) {
      const parsed = parsePartitionDirName(name);
      if (parsed === undefined) continue;
      await manager.openLog(
        parsed.topic,
        parsed.partition,
        options.configFor(parsed.topic, parsed.partition),
      );
    }
    await manager.diskGuard.refresh();
    return manager;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /** Every open log (for metrics and shutdown). */
  all(): IterableIterator<[string, PartitionLog]> {
    return this.logs.entries();
  }

  /** Opens the partition's log, creating its directory when new; idempotent. */
  async getOrCreate(topic: string, partition: number, config: LogConfig): Promise<PartitionLog> {
    return this.get(topic, partition) ?? this.openLog(topic, partition, config);
  }

  private async openLog(
    topic: string,
    partition: number,
    config: LogConfig,
  ): Promise<PartitionLog> {
    assert(!topic.includes('/') && topic.length > 0, `topic name ${topic}`);
    const name = partitionDirName(topic, partition);
    const log = await PartitionLog.open(
      join(this.dataDir, name),
      config,
      { fs: this.fs, diskGuard: this.diskGuard },
    );
    this.logs.set(name, log);
    return log;
  }

  async deletePartition(topic: string, partition: number): Promise<void> {
    const name = partitionDirName(topic, partition);
    const log = this.logs.get(name);
    this.logs.delete(name);
    if (log !== undefined) await log.delete();
  }

  /** Starts periodic retention; `nowMs` is the node's clock. */
  startRetention(nowMs: () => number): void {
    assert(this.retentionTimer === undefined, 'retention started once');
    const every = this.options.retentionCheckMs ?? 300_000;
    this.retentionTimer = setInterval(() => void this.runRetention(nowMs()), every);
    this.retentionTimer.unref();
  }

  /** One retention pass over all partitions (bounded per partition); skipped if one is running. */
  async runRetention(nowMs: number): Promise<number> {
    if (this.retentionRunning) return 0;
    this.retentionRunning = true;
    let deleted = 0;
    try {
      for (const log of [...this.logs.values()]) {
        deleted += await log.applyRetention(nowMs, this.options.retentionSegmentsPerRun ?? 16);
      }
    } finally {
      this.retentionRunning = false;
    }
    return deleted;
  }

  /** Stops retention and closes every log (write, fsync, snapshot). */
  async close(): Promise<void> {
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    this.retentionTimer = undefined;
    const logs = [...this.logs.values()];
    this.logs.clear();
    for (const log of logs) await log.close();
  }
}
