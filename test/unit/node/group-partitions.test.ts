/**
 * Proves that the group coordinator follows `__consumer_offsets` leadership (node/
 * group-partitions.ts, offsets-topic.ts): the pure decisions (what a leadership event does, which
 * error a group gets, where replay starts) by table; then, over an in-memory partition log with a
 * HW the test moves by hand, that a new leader answers COORDINATOR_LOAD_IN_PROGRESS until its HW
 * covers the log end it had on becoming leader, then serves the committed offsets; that losing the
 * partition answers waiting joins and later requests with NOT_COORDINATOR; that commits are
 * written with acks=all; that a copy of the log (another replica) loads the same state, with a
 * stale, a missing or a current snapshot; and that a checkpoint keeps the log complete from its
 * new start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { partitionForGroup } from '../../../src/groups/index.js';
import {
  GroupPartitions, coordinatorError, leadershipStep,
} from '../../../src/node/group-partitions.js';
import {
  OffsetsPartitionStore, replayStart, snapshotEveryRecords, type OffsetsLog, type SnapshotStore,
} from '../../../src/node/offsets-topic.js';
import { KafkaError as E } from '../../../src/protocol/index.js';
import { parseBatchHeader } from '../../../src/protocol/records/index.js';
import type { ProduceAcks, ProduceOutcome, ReadOutcome } from '../../../src/server/index.js';
import type { GroupSnapshot } from '../../../src/storage/index.js';
import { base } from '../groups/harness.js';
import { SteppedClock } from '../../support/manual-clock.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { Prng, seededRandom } from '../../../src/common/index.js';

const log = pino({ level: 'silent' });

/** A partition log in memory: whole batches, a HW moved by `commit()` (or at once if `auto`). */
class MemoryLog implements OffsetsLog {
  batches: { base: number; next: number; bytes: Buffer }[] = [];
  start = 0;
  hw = 0;
  auto = true;
  readonly acks: ProduceAcks[] = [];
  private readonly waiting = new Set<() => void>();

  logStartOffset(): number {
    return this.start;
  }
  logEndOffset(): number {
    return this.batches.at(-1)?.next ?? this.start;
  }
  highWatermark(): number {
    return this.hw;
  }
  /** Followers caught up: the HW reaches the log end and waiters wake. */
  commit(): void {
    this.hw = this.logEndOffset();
    for (const w of this.waiting) w();
    this.waiting.clear();
  }
  waitForAdvance(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
  copy(): MemoryLog {
    const c = new MemoryLog();
    c.batches = this.batches.map((b) => ({ ...b, bytes: Buffer.from(b.bytes) }));
    c.start = this.start;
    return c;
  }
  async read(fetchOffset: number): Promise<ReadOutcome> {
    const found = this.batches.filter((b) => b.next > fetchOffset && b.base < this.hw);
    return { errorCode: 0, highWatermark: this.hw, logStartOffset: this.start,
      records: found.length === 0 ? null : Buffer.concat(found.map((b) => b.bytes)) };
  }
  async produce(records: Buffer, _nowMs: number, acks?: ProduceAcks): Promise<ProduceOutcome> {
    if (acks !== undefined) this.acks.push(acks);
    const bytes = Buffer.from(records);
    const baseOffset = this.logEndOffset();
    bytes.writeBigInt64BE(BigInt(baseOffset), 0);
    const parsed = parseBatchHeader(bytes, 0);
    assert.ok(parsed.ok);
    this.batches.push({ base: baseOffset, next: baseOffset + parsed.header.lastOffsetDelta + 1,
      bytes });
    if (this.auto) this.commit();
    return { errorCode: 0, errorMessage: null, baseOffset, logAppendTimeMs: -1,
      logStartOffset: this.start };
  }
  async deleteRecords(offset: number): Promise<{ errorCode: number; lowWatermark: number }> {
    this.batches = this.batches.filter((b) => b.next > offset);
    this.start = offset;
    return { errorCode: 0, lowWatermark: offset };
  }
}

class MemorySnapshots implements SnapshotStore {
  readonly saved = new Map<number, GroupSnapshot>();
  async get(partition: number): Promise<GroupSnapshot | undefined> {
    return this.saved.get(partition);
  }
  async put(partition: number, snapshot: GroupSnapshot): Promise<void> {
    this.saved.set(partition, snapshot);
  }
}

const partitionCount = 2;
/** A group of each partition. */
const groupOf = [0, 1].map((p) => {
  for (let i = 0; ; i++) if (partitionForGroup(`g${i}`, partitionCount) === p) return `g${i}`;
}) as [string, string];

function coordinator(logs: Map<number, MemoryLog>, snapshots = new MemorySnapshots()) {
  const clock = new SteppedClock(1_000);
  const groups = new GroupPartitions({
    partitionCount, snapshots, log, minInsyncReplicas: () => 2,
    waitForAdvance: (p, ms, signal) => logs.get(p)?.waitForAdvance(ms, signal) ?? Promise.resolve(),
    clock, random: seededRandom(new Prng(3)), driver: { seed: 3, tickIntervalMs: 60_000,
      config: { initialRebalanceDelayMs: 0 } },
  });
  return { groups, clock, snapshots };
}

const commit = (groupId: string, offset: number) => ({
  groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
  retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0,
    committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
});
const topics = [{ name: 't', partitionIndexes: [0] }];

async function committed(groups: GroupPartitions, groupId: string): Promise<number | undefined> {
  const r = await groups.fetchOffsets(groupId, topics);
  return r.errorCode === 0 ? r.topics[0]?.partitions[0]?.committedOffset : -r.errorCode;
}

test('decisions: leadership steps, coordinator errors, replay start', () => {
  const a = new MemoryLog();
  const b = new MemoryLog();
  assert.equal(leadershipStep(undefined, a), 'load');
  assert.equal(leadershipStep(a, a), 'keep', 'a new epoch of the same replica keeps its groups');
  assert.equal(leadershipStep(a, b), 'reload');
  assert.equal(leadershipStep(a, undefined), 'unload');
  assert.equal(leadershipStep(undefined, undefined), 'keep');
  assert.equal(coordinatorError(undefined), E.notCoordinator.code);
  assert.equal(coordinatorError('loading'), E.coordinatorLoadInProgress.code);
  assert.equal(coordinatorError('loaded'), 0);
  assert.deepEqual(replayStart(undefined, 0, 10), { useSnapshot: false, from: 0 });
  assert.deepEqual(replayStart(5, 0, 10), { useSnapshot: true, from: 5 });
  assert.deepEqual(replayStart(5, 7, 10), { useSnapshot: false, from: 7 }, 'older than the log');
  assert.deepEqual(replayStart(12, 0, 10), { useSnapshot: false, from: 0 }, 'past the log end');
});

test('a new leader loads once its HW covers its log end; losing the partition unloads it',
  async () => {
    const first = new MemoryLog();
    const logs = new Map([[0, first]]);
    const one = coordinator(logs);
    one.groups.follow(0, first);
    await one.groups.settled();
    assert.equal(await committed(one.groups, groupOf[1]), -E.notCoordinator.code);
    const written = await one.groups.commitOffsets(commit(groupOf[0], 42));
    assert.equal(written[0]?.partitions[0]?.errorCode, 0);
    assert.deepEqual(first.acks.map((a) => [a.requiredAcks, a.minIsr]), [[-1, 2]],
      'commits wait for the ISR, at the topic\'s min.insync.replicas');

    // Another replica: a full copy whose HW trails its log end until followers fetch.
    const second = first.copy();
    second.auto = false;
    logs.set(0, second);
    const two = coordinator(logs);
    two.groups.follow(0, second);
    assert.equal(await committed(two.groups, groupOf[0]), -E.coordinatorLoadInProgress.code);
    const join = await two.groups.joinGroup({ ...base, groupId: groupOf[0], memberId: '' });
    assert.equal(join.errorCode, E.coordinatorLoadInProgress.code);
    second.commit();
    await two.groups.settled();
    assert.equal(await committed(two.groups, groupOf[0]), 42, 'the committed offset is back');

    one.groups.follow(0, undefined);
    assert.equal(await committed(one.groups, groupOf[0]), -E.notCoordinator.code);
    const refused = await one.groups.commitOffsets(commit(groupOf[0], 43));
    assert.equal(refused[0]?.partitions[0]?.errorCode, E.notCoordinator.code);
    await one.groups.close();
    await two.groups.close();
  });

test('unloading answers a waiting join with NOT_COORDINATOR', async () => {
  const partitionLog = new MemoryLog();
  const c = coordinator(new Map([[0, partitionLog]]));
  c.groups.follow(0, partitionLog);
  await c.groups.settled();
  const a = await c.groups.joinGroup({ ...base, groupId: groupOf[0], memberId: '' });
  assert.equal(a.errorCode, 0);
  // A second member: the rebalance waits for the first to rejoin.
  const waiting = c.groups.joinGroup({ ...base, groupId: groupOf[0], memberId: '' });
  await new Promise((r) => setImmediate(r));
  c.groups.follow(0, undefined);
  assert.equal((await waiting).errorCode, E.notCoordinator.code);
  assert.deepEqual(c.groups.loadedPartitions(), []);
  await c.groups.close();
});

test('a copy loads the same offsets with a missing, stale or current snapshot', async () => {
  const leader = new MemoryLog();
  const snapshots = new MemorySnapshots();
  const store = new OffsetsPartitionStore({ partition: 0, partitionCount, clock: systemClock, log: leader, snapshots,
    logger: log, minInsyncReplicas: () => 1 });
  await store.load();
  for (let i = 1; i <= 5; i++) await store.append([offsetRecord(groupOf[0], i)]);
  snapshots.saved.set(0, { offset: 3, records: [offsetRecord(groupOf[0], 3)] });
  const cases = [['current', snapshots], ['missing', new MemorySnapshots()]] as const;
  for (const [name, saved] of cases) {
    const copy = leader.copy();
    copy.commit();
    const again = new OffsetsPartitionStore({ partition: 0, partitionCount, clock: systemClock, log: copy,
      snapshots: saved, logger: log, minInsyncReplicas: () => 1 });
    const records = await again.load();
    assert.deepEqual(records.map((r) => r.type === 'offset' ? r.offset : -1), [5], name);
  }
  // A snapshot older than the log start is ignored: the log from its start is complete.
  const trimmed = leader.copy();
  trimmed.commit();
  const stale = new MemorySnapshots();
  stale.saved.set(0, { offset: 1, records: [offsetRecord(groupOf[0], 1),
    offsetRecord(groupOf[0], 1, 'old')] });
  await trimmed.deleteRecords(2);
  const records = await new OffsetsPartitionStore({ partition: 0, partitionCount, clock: systemClock, log: trimmed,
    snapshots: stale, logger: log, minInsyncReplicas: () => 1 }).load();
  assert.deepEqual(records.map((r) => r.type === 'offset' ? `${r.topic}:${r.offset}` : ''),
    ['t:5']);
});

test('a checkpoint re-appends the live records, so the trimmed log alone is complete', async () => {
  const leader = new MemoryLog();
  const snapshots = new MemorySnapshots();
  const store = new OffsetsPartitionStore({ partition: 0, partitionCount, clock: systemClock, log: leader, snapshots,
    logger: log, minInsyncReplicas: () => 1 });
  await store.load();
  await store.append([offsetRecord(groupOf[0], 1, 'kept')]);
  for (let i = 0; i < snapshotEveryRecords; i += 1_000) {
    await store.append(Array.from({ length: 1_000 }, (_, j) => offsetRecord(groupOf[0], i + j)));
  }
  assert.ok(leader.logStartOffset() > 1, 'the log below the checkpoint was deleted');
  assert.ok(snapshots.saved.get(0) !== undefined);
  const copy = leader.copy();
  copy.commit();
  const records = await new OffsetsPartitionStore({ partition: 0, partitionCount, clock: systemClock, log: copy,
    snapshots: new MemorySnapshots(), logger: log, minInsyncReplicas: () => 1 }).load();
  const byTopic = new Map(records.map((r) => [r.type === 'offset' ? r.topic : '', r]));
  const kept = byTopic.get('kept');
  assert.equal(kept?.type === 'offset' ? kept.offset : -1, 1);
  const last = byTopic.get('t');
  assert.equal(last?.type === 'offset' ? last.offset : -1, snapshotEveryRecords - 1);
});

function offsetRecord(groupId: string, offset: number, topic = 't') {
  return { type: 'offset' as const, groupId, topic, partition: 0, offset, leaderEpoch: -1,
    metadata: null, commitTimestampMs: 1, expireTimestampMs: null };
}
