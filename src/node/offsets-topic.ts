/**
 * Consumer-group state lives in the internal topic `__consumer_offsets`, like Kafka's: a group's
 * records go to partition abs(javaHashCode(groupId)) % partitions, whose leader is the group's
 * coordinator, and they are written through the normal log and acknowledged only once durable
 * (with replication, once the high watermark passes them: acks=all). Recovery is bounded by
 * snapshots: every `snapshotEveryRecords` records a partition's live records (one per key) are
 * saved with the offset they cover, and the log below that offset is deleted.
 */
import type { Logger } from 'pino';
import { PadoError, PadoErrorCode } from '../common/index.js';
import { offsetsTopicName, partitionForGroup, type GroupRecord } from '../groups/index.js';
import { buildBatch, decodeRecords, parseBatchHeader, batchLogOverheadBytes } from '../protocol/records/index.js';
import {
  decodeGroupRecord, encodeGroupRecord, groupRecordKey, type GroupSnapshotStore,
} from '../storage/index.js';
import type { GroupStore } from './group-driver.js';
import type { PartitionReplica } from './partition-replica.js';

/** Records appended to a partition between two snapshots. */
export const snapshotEveryRecords = 10_000;
const readChunkBytes = 1024 * 1024;

/** Topic configs of the internal topic: never expire by time or size; trimmed after snapshots. */
export const offsetsTopicConfigs = [
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: '-1' },
  { name: 'segment.bytes', value: String(16 * 1024 * 1024) },
  { name: 'max.message.bytes', value: String(8 * 1024 * 1024) },
];

export class OffsetsTopicStore implements GroupStore {
  /** Indexed by partition; undefined where another broker leads (its groups are coordinated there). */
  private readonly partitions: readonly (PartitionReplica | undefined)[];
  private readonly snapshots: GroupSnapshotStore;
  private readonly log: Logger;
  /** Per partition: the live record of every key (what a snapshot saves). */
  private readonly live: Map<string, GroupRecord>[];
  private readonly sinceSnapshot: number[];

  constructor(
    partitions: readonly (PartitionReplica | undefined)[],
    snapshots: GroupSnapshotStore,
    log: Logger,
  ) {
    this.partitions = partitions;
    this.snapshots = snapshots;
    this.log = log;
    this.live = partitions.map(() => new Map());
    this.sinceSnapshot = partitions.map(() => 0);
  }

  async load(): Promise<GroupRecord[]> {
    const all: GroupRecord[] = [];
    for (let p = 0; p < this.partitions.length; p++) {
      if (this.partitions[p] === undefined) continue;
      const replayed = await this.loadPartition(p);
      all.push(...this.live[p]!.values());
      this.log.debug({ partition: p, replayed, liveKeys: this.live[p]!.size }, 'group partition loaded');
    }
    // Group records before offsets, so a replayed offset always finds its group.
    return [...all.filter((r) => r.type === 'group'), ...all.filter((r) => r.type !== 'group')];
  }

  private async loadPartition(p: number): Promise<number> {
    const replica = this.partitions[p]!;
    const live = this.live[p]!;
    const snapshot = await this.snapshots.get(p);
    for (const r of snapshot?.records ?? []) live.set(groupRecordKey(r), r);
    let offset = Math.max(snapshot?.offset ?? 0, replica.logStartOffset());
    let replayed = 0;
    while (offset < replica.highWatermark()) {
      const read = await replica.read(offset, readChunkBytes);
      if (read.errorCode !== 0 || read.records === null) break;
      const next = this.replayBatches(read.records, live);
      if (next <= offset) break;
      replayed += next - offset;
      offset = next;
    }
    this.sinceSnapshot[p] = replayed;
    return replayed;
  }

  /** Applies every whole batch in `buf`; returns the offset after the last one. */
  private replayBatches(buf: Buffer, live: Map<string, GroupRecord>): number {
    let position = 0;
    let next = -1;
    while (position < buf.length) {
      const parsed = parseBatchHeader(buf, position);
      if (!parsed.ok) break;
      const size = parsed.header.batchLength + batchLogOverheadBytes;
      const decoded = decodeRecords(buf.subarray(position, position + size));
      if (!decoded.ok) throw new PadoError(PadoErrorCode.storageCorrupt, `${offsetsTopicName}: ${decoded.message}`);
      for (const rec of decoded.records) {
        const record = rec.key === null ? undefined : decodeGroupRecord(rec.key, rec.value);
        if (record !== undefined) apply(live, record);
      }
      next = parsed.header.baseOffset + parsed.header.lastOffsetDelta + 1;
      position += size;
    }
    return next;
  }

  async append(records: readonly GroupRecord[]): Promise<void> {
    const byPartition = new Map<number, GroupRecord[]>();
    for (const r of records) {
      const p = partitionForGroup(r.groupId, this.partitions.length);
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(r);
    }
    await Promise.all([...byPartition].map(([p, list]) => this.appendTo(p, list)));
  }

  private async appendTo(p: number, records: readonly GroupRecord[]): Promise<void> {
    const replica = this.partitions[p];
    if (replica === undefined) {
      throw new PadoError(PadoErrorCode.notController,
        `${offsetsTopicName}-${p} is not led by this broker: its groups are coordinated elsewhere`);
    }
    const now = Date.now();
    const batch = buildBatch({
      records: records.map((r) => ({
        key: Buffer.from(groupRecordKey(r)), value: encodeGroupRecord(r), timestamp: now,
      })),
      compression: 'none',
    });
    const outcome = await replica.produce(batch, now);
    if (outcome.errorCode !== 0) {
      throw new PadoError(PadoErrorCode.storageIo, `${offsetsTopicName}-${p}: ${outcome.errorMessage ?? 'append failed'}`);
    }
    const live = this.live[p]!;
    for (const r of records) apply(live, r);
    this.sinceSnapshot[p]! += records.length;
    if (this.sinceSnapshot[p]! >= snapshotEveryRecords) await this.snapshot(p);
  }

  /** Saves the live records up to the log end, then trims the log below it. */
  private async snapshot(p: number): Promise<void> {
    const replica = this.partitions[p]!;
    const offset = replica.highWatermark();
    await this.snapshots.put(p, { offset, records: [...this.live[p]!.values()] });
    this.sinceSnapshot[p] = 0;
    const trimmed = await replica.deleteRecords(offset);
    this.log.debug({ partition: p, offset, errorCode: trimmed.errorCode }, 'group snapshot written');
  }
}

function apply(live: Map<string, GroupRecord>, record: GroupRecord): void {
  const key = groupRecordKey(record);
  if (record.type === 'offsetRemoved' || record.type === 'groupRemoved') live.delete(key);
  else live.set(key, record);
}
