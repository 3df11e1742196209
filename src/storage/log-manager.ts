/**
 * All partition logs under one data directory: opens them at start, creates and deletes them,
 * runs retention in the background with bounded work per run, scrubs sealed segments a budget at
 * a time (`scrub`, paced by the node's timer), and closes everything (each log writes what is
 * pending, fsyncs and snapshots producer state).
 *
 * Clean shutdown marker (Kafka's `.kafka_cleanshutdown`): `close` writes `.clean-shutdown` once
 * every log is closed; `open` reads and removes it (durably) before anything is written, so its
 * presence at open means nothing was written after the last orderly close. Without it each log's
 * recovery also CRC-checks the sealed data beyond its HW checkpoint.
 */
import { join } from 'node:path';
import { assert, type Timer } from '../common/index.js';
import { DiskSpaceGuard } from './disk-space.js';
import type { FsOps, StorageIo } from './fs-ops.js';
import type { LogConfig } from './log-config.js';
import type { LogDamage } from './log-damage.js';
import { PartitionLog } from './partition-log.js';
import { LogScrubber } from './scrub.js';

export const cleanShutdownFileName = '.clean-shutdown';

export interface LogManagerOptions {
  /** Free-space reserve for the whole data directory. */
  readonly diskReserveBytes: number;
  /** Config for a partition found on disk at start (topic configs come later from metadata). */
  readonly configFor: (topic: string, partition: number) => LogConfig;
  /** Background retention period; default 5 minutes (log.retention.check.interval.ms). */
  readonly retentionCheckMs?: number;
  /** Segments deleted per partition per retention run. */
  readonly retentionSegmentsPerRun?: number;
  /** Seam for disk-space measurement (default: the disk's `freeBytes`). */
  readonly measureFreeBytes?: (dir: string) => Promise<number>;
}

/** Told of damage found in a log after it opened (see PartitionLog.onDamage). */
export type DamageListener = (topic: string, partition: number, damage: LogDamage) => void;

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
  private readonly io: StorageIo;
  private readonly logs = new Map<string, PartitionLog>();
  private retentionTimer: Timer | undefined;
  private retentionRunning = false;
  private readonly scrubber = new LogScrubber();
  private scrubbing: Promise<number> | undefined;
  /** Whether the last run closed every log in order (the marker was there at open). */
  private cleanAtOpen = false;
  /** Damage found in an open log (scrubber, reads): set by the node before it starts serving. */
  onDamage: DamageListener = () => undefined;

  private constructor(dataDir: string, io: StorageIo, options: LogManagerOptions) {
    this.dataDir = dataDir;
    this.io = io;
    this.options = options;
    this.fs = io.fs;
    this.diskGuard = new DiskSpaceGuard(dataDir, {
      reserveBytes: options.diskReserveBytes,
      measure: options.measureFreeBytes ?? ((dir) => io.fs.freeBytes(dir)),
    });
  }

  /** Opens every `<topic>-<partition>` directory under `dataDir` (created if missing). */
  static async open(dataDir: string, io: StorageIo, options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(dataDir, io, options);
    await manager.fs.mkdir(dataDir);
    const marker = join(dataDir, cleanShutdownFileName);
    manager.cleanAtOpen = (await manager.fs.readFile(marker)) !== undefined;
    for (const name of await manager.fs.readdir(dataDir)) {
      const parsed = parsePartitionDirName(name);
      if (parsed === undefined) continue;
      await manager.openLog(
        parsed.topic,
        parsed.partition,
        options.configFor(parsed.topic, parsed.partition),
      );
    }
    if (manager.cleanAtOpen) {
      // Gone before any write: a crash from now on must read as unclean at the next open.
      await manager.fs.unlink(marker);
      await manager.fs.syncDir(dataDir);
    }
    await manager.diskGuard.refresh();
    return manager;
  }

  /** Whether the marker of an orderly close was there when this manager opened. */
  get openedClean(): boolean {
    return this.cleanAtOpen;
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
      this.io,
      { diskGuard: this.diskGuard, cleanShutdown: this.cleanAtOpen },
    );
    log.onDamage = (damage) => this.onDamage(topic, partition, damage);
    this.logs.set(name, log);
    return log;
  }

  async deletePartition(topic: string, partition: number): Promise<void> {
    const name = partitionDirName(topic, partition);
    const log = this.logs.get(name);
    this.logs.delete(name);
    if (log !== undefined) await log.delete();
  }

  /** Starts periodic retention on the node's clock. */
  startRetention(): void {
    const { clock } = this.io;
    assert(this.retentionTimer === undefined, 'retention started once');
    const every = this.options.retentionCheckMs ?? 300_000;
    this.retentionTimer = clock.every(every, () => void this.runRetention(clock.now()));
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

  /**
   * Checks about `budgetBytes` of sealed segments, continuing where the last call stopped (one
   * scrub at a time: a call while one runs returns 0). Damage found goes to `onDamage`.
   */
  async scrub(budgetBytes: number): Promise<number> {
    if (this.scrubbing !== undefined) return 0;
    this.scrubbing = this.scrubber.step(() => [...this.logs.values()], budgetBytes);
    try {
      return await this.scrubbing;
    } finally {
      this.scrubbing = undefined;
    }
  }

  /** Completed scrub passes over every log, and the bytes the last one checked. */
  get scrubPasses(): { passes: number; lastPassBytes: number } {
    return { passes: this.scrubber.passes, lastPassBytes: this.scrubber.lastPassBytes };
  }

  /**
   * Stops retention and closes every log (write, fsync, snapshot); then marks the data directory
   * as cleanly closed. A log that fails to close leaves no marker (the next open is unclean).
   */
  async close(): Promise<void> {
    this.retentionTimer?.cancel();
    this.retentionTimer = undefined;
    const logs = [...this.logs.values()];
    this.logs.clear();
    await this.scrubbing?.catch(() => undefined);
    for (const log of logs) await log.close();
    await this.fs.writeFileDurable(join(this.dataDir, cleanShutdownFileName), Buffer.alloc(0));
  }
}
