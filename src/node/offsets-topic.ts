/**
 * Consumer-group state lives in the internal topic `__consumer_offsets`, like Kafka's: a group's
 * records go to partition abs(javaHashCode(groupId)) % partitions, whose leader is the group's
 * coordinator. One `OffsetsPartitionStore` per partition this node leads: it replays the log on
 * load and writes through that leader's PartitionReplica with acks=all (Kafka's
 * offsets.commit.required.acks=-1), so a commit survives the loss of the leader.
 *
 * Recovery is bounded by checkpoints: every `snapshotEveryRecords` records (at least as many as
 * are live) the partition's live records (one per key) are appended again, then saved locally
 * with the offset they cover, and the log below the re-appended copy is deleted. The log from
 * its start is therefore complete on every replica (followers copy it byte for byte), and the
 * local snapshot is only a shortcut: a node whose snapshot is stale or missing replays the log.
 */
import type { Logger } from 'pino';
import { assert, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import { offsetsTopicName, partitionForGroup, type GroupRecord } from '../groups/index.js';
import {
  buildBatch, decodeRecords, parseBatchHeader, batchLogOverheadBytes,
} from '../protocol/records/index.js';
import type { ProduceAcks, ProduceOutcome, ReadOutcome } from '../server/index.js';
import {
  decodeGroupRecord, encodeGroupRecord, groupRecordKey, type GroupSnapshot,
} from '../storage/index.js';
import type { GroupStore } from './group-driver.js';

/** Records appended to a partition between two checkpoints (at least the live count). */
export const snapshotEveryRecords = 10_000;
const readChunkBytes = 1024 * 1024;
/** Records per re-appended checkpoint batch: well under max.message.bytes below. */
const checkpointBatchRecords = 1_000;
/**
 * Kafka's offsets.commit.required.acks (-1) and offsets.commit.timeout.ms. Every ISR member has a
 * commit once it is acknowledged; `minIsr` is the topic's min.insync.replicas (by default 2 once
 * the topic has 3 replicas, 1 before), so a commit is refused rather than kept by the leader alone.
 */
function commitAcks(minIsr: number): ProduceAcks {
  return { requiredAcks: -1, minIsr, timeoutMs: 5_000 };
}

/** Topic configs of the internal topic: never expire by time or size; trimmed after snapshots. */
export const offsetsTopicConfigs = [
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: '-1' },
  { name: 'segment.bytes', value: String(16 * 1024 * 1024) },
  { name: 'max.message.bytes', value: String(8 * 1024 * 1024) },
];

/** What a store needs of the partition it writes (a PartitionReplica this node leads). */
export interface OffsetsLog {
  logStartOffset(): number;
  logEndOffset(): number;
  highWatermark(): number;
  read(fetchOffset: number, maxBytes: number): Promise<ReadOutcome>;
  produce(records: Buffer, nowMs: number, acks?: ProduceAcks): Promise<ProduceOutcome>;
  deleteRecords(offset: number): Promise<{ errorCode: number; lowWatermark: number }>;
}

/** The local snapshots (storage's GroupSnapshotStore), one per partition. */
export interface SnapshotStore {
  get(partition: number): Promise<GroupSnapshot | undefined>;
  put(partition: number, snapshot: GroupSnapshot): Promise<void>;
}

/**
 * Where the replay of a partition starts. A snapshot is a state of the log's committed prefix,
 * which every replica shares, so it may be used when it lies within the log: at or above the log
 * start (below it, tombstones it predates may have been deleted) and at most `end` (a log that
 * was deleted and copied again may be shorter than what the snapshot saw).
 */
export function replayStart(snapshotOffset: number | undefined, logStart: number, end: number):
  { useSnapshot: boolean; from: number } {
  if (snapshotOffset !== undefined && snapshotOffset >= logStart && snapshotOffset <= end) {
    return { useSnapshot: true, from: snapshotOffset };
  }
  return { useSnapshot: false, from: logStart };
}

export class OffsetsPartitionStore implements GroupStore {
  private readonly partition: number;
  private readonly partitionCount: number;
  private readonly log: OffsetsLog;
  private readonly snapshots: SnapshotStore;
  private readonly logger: Logger;
  private readonly minInsyncReplicas: () => number;
  private readonly clock: Clock;
  /** The live record of every key (what a checkpoint saves). */
  private readonly live = new Map<string, GroupRecord>();
  private sinceSnapshot = 0;
  private closed = false;

  constructor(opts: {
    partition: number;
    partitionCount: number;
    log: OffsetsLog;
    snapshots: SnapshotStore;
    logger: Logger;
    /** The topic's min.insync.replicas now (it follows the replication factor by default). */
    minInsyncReplicas: () => number;
    clock: Clock;
  }) {
    this.minInsyncReplicas = opts.minInsyncReplicas;
    this.clock = opts.clock;
    this.partition = opts.partition;
    this.partitionCount = opts.partitionCount;
    this.log = opts.log;
    this.snapshots = opts.snapshots;
    this.logger = opts.logger;
  }

  /** After this, appends fail: the partition is led elsewhere (or by a newer incarnation). */
  close(): void {
    this.closed = true;
  }

  /** The live records up to the HW (the caller waits for it to cover the log end). */
  async load(): Promise<GroupRecord[]> {
    const end = this.log.highWatermark();
    const snapshot = await this.snapshots.get(this.partition);
    const start = replayStart(snapshot?.offset, this.log.logStartOffset(), end);
    const saved = start.useSnapshot ? snapshot?.records ?? [] : [];
    for (const r of saved) this.live.set(groupRecordKey(r), r);
    let offset = start.from;
    while (offset < end) {
      const read = await this.log.read(offset, readChunkBytes);
      if (read.errorCode !== 0 || read.records === null) {
        // Serving a partial state would hide committed offsets: fail, and the loader retries.
        throw new PadoError(PadoErrorCode.storageIo, `${offsetsTopicName}-${this.partition}: ` +
          `read at ${offset} below the HW ${end} failed (error ${read.errorCode})`);
      }
      const next = this.replayBatches(read.records, offset);
      assert(next > offset, 'a read below the HW returns at least one whole batch');
      offset = next;
    }
    this.sinceSnapshot = end - start.from;
    this.logger.debug({ partition: this.partition, from: start.from, end,
      snapshot: start.useSnapshot, liveKeys: this.live.size }, 'group partition loaded');
    return ordered(this.live);
  }

  /** Applies every record at or above `from` of the whole batches in `buf`; the offset after. */
  private replayBatches(buf: Buffer, from: number): number {
    let position = 0;
    let next = -1;
    while (position < buf.length) {
      const parsed = parseBatchHeader(buf, position);
      if (!parsed.ok) break;
      const size = parsed.header.batchLength + batchLogOverheadBytes;
      const decoded = decodeRecords(buf.subarray(position, position + size));
      if (!decoded.ok) {
        const why = `${offsetsTopicName}-${this.partition}: ${decoded.message}`;
        throw new PadoError(PadoErrorCode.storageCorrupt, why);
      }
      for (const rec of decoded.records) {
        if (rec.offset < from) continue;
        const record = rec.key === null ? undefined : decodeGroupRecord(rec.key, rec.value);
        if (record !== undefined) apply(this.live, record);
      }
      next = parsed.header.baseOffset + parsed.header.lastOffsetDelta + 1;
      position += size;
    }
    return next;
  }

  async append(records: readonly GroupRecord[]): Promise<void> {
    if (this.closed) {
      throw new PadoError(PadoErrorCode.notController,
        `${offsetsTopicName}-${this.partition} is no longer led by this broker`);
    }
    for (const r of records) {
      assert(partitionForGroup(r.groupId, this.partitionCount) === this.partition,
        `group ${r.groupId} belongs to partition ${this.partition}`);
    }
    await this.write(records);
    for (const r of records) apply(this.live, r);
    this.sinceSnapshot += records.length;
    // At least as many new records as live ones: a checkpoint at most doubles what is written.
    const due = Math.max(snapshotEveryRecords, this.live.size);
    if (this.sinceSnapshot >= due) await this.checkpoint();
  }

  /** One batch through the leader, acknowledged by the ISR; its base offset. */
  private async write(records: readonly GroupRecord[]): Promise<number> {
    const now = this.clock.now();
    const batch = buildBatch({
      records: records.map((r) => ({
        key: Buffer.from(groupRecordKey(r)), value: encodeGroupRecord(r), timestamp: now,
      })),
      compression: 'none',
    });
    const outcome = await this.log.produce(batch, now, commitAcks(this.minInsyncReplicas()));
    if (outcome.errorCode !== 0) {
      throw new PadoError(PadoErrorCode.storageIo, `${offsetsTopicName}-${this.partition}: ` +
        `${outcome.errorMessage ?? `append failed (error ${outcome.errorCode})`}`);
    }
    return outcome.baseOffset;
  }

  /**
   * Re-appends the live records, saves them locally, then deletes the log below the copy. A
   * failure leaves the log whole (it is retried after the next batch of records); the records
   * that triggered it are durable either way.
   */
  private async checkpoint(): Promise<void> {
    const records = ordered(this.live);
    try {
      let base = this.log.logEndOffset();
      for (let i = 0; i < records.length; i += checkpointBatchRecords) {
        const first = await this.write(records.slice(i, i + checkpointBatchRecords));
        if (i === 0) base = first;
      }
      const offset = this.log.highWatermark();
      await this.snapshots.put(this.partition, { offset, records });
      this.sinceSnapshot = 0;
      const trimmed = await this.log.deleteRecords(base);
      this.logger.debug({ partition: this.partition, base, offset, errorCode: trimmed.errorCode },
        'group checkpoint written');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, partition: this.partition },
        'group checkpoint failed; the log stays whole');
    }
  }
}

/** Group records before offsets, so a replayed offset always finds its group. */
function ordered(live: Map<string, GroupRecord>): GroupRecord[] {
  const all = [...live.values()];
  return [...all.filter((r) => r.type === 'group'), ...all.filter((r) => r.type !== 'group')];
}

function apply(live: Map<string, GroupRecord>, record: GroupRecord): void {
  const key = groupRecordKey(record);
  if (record.type === 'offsetRemoved' || record.type === 'groupRemoved') live.delete(key);
  else live.set(key, record);
}
