/**
 * Proves PartitionReplica's acks paths on a real partition log, with followers played by
 * `readAsReplica` calls: acks=all is answered only once the ISR has fetched past the batch;
 * refused with NOT_ENOUGH_REPLICAS (nothing appended) below min.insync.replicas; answered
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrinks while it waits; a retried idempotent
 * batch gets its original offset but only on the original's terms (after the ISR has it). And
 * the append gate: with the log too far ahead of the HW an acks=all produce is held before its
 * append (the log does not grow), goes in arrival order once followers catch up, times out with
 * REQUEST_TIMED_OUT and nothing appended, and retries its checks when leadership moves.
 * A damaged batch (a byte flipped on disk) is never served, to consumers or followers: reads stop
 * before it and a read at it answers KAFKA_STORAGE_ERROR; the damaged leader then proposes an ISR
 * without itself (the hand-off), or, alone in the ISR, keeps leading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PartitionReplica } from '../../../src/node/partition-replica.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { buildBatch } from '../../../src/protocol/records/index.js';
import type { IsrChangeProposal } from '../../../src/partitions/index.js';
import { leaseWaitMs } from '../../../src/server/index.js';
import { logConfigDefaults, PartitionLog } from '../../../src/storage/index.js';
import type { ProduceOutcome } from '../../../src/server/index.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { storageIo } from '../../support/storage-io.js';
import { MemFs } from '../../support/mem-fs.js';
import { Prng } from '../../../src/common/index.js';
import { decodeFetchedRecords } from '../../../src/client/index.js';

const state = { leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2, 3], isr: [1, 2, 3] };
const all = (minIsr = 2, timeoutMs = 30_000) => ({ requiredAcks: -1 as const, minIsr, timeoutMs });

function batch(value: string, idempotent?: { sequence: number }): Buffer {
  return buildBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: 1 }],
    compression: 'none',
    ...(idempotent === undefined ? {} : { producerId: 7, producerEpoch: 0,
      baseSequence: idempotent.sequence }) });
}

async function leader(t: { after: (fn: () => Promise<void>) => void },
  over: { acksAllBacklogBytesMax?: number; state?: typeof state; holdsLease?: () => boolean;
    onIsrChange?: (r: PartitionReplica, p: IsrChangeProposal) => void } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'pado-replica-'));
  const log = await PartitionLog.open(join(dir, 't-0'), { ...logConfigDefaults,
    diskReserveBytes: 0 }, storageIo);
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const replica = new PartitionReplica({ topic: 't', partition: 0, brokerId: 1, state, log,
    nowMs: 0, clock: systemClock, logger: pino({ level: 'silent' }), maxMessageBytes: 1 << 20,
    onAdvance: () => undefined, ...over });
  t.after(async () => replica.release(0));
  /** Followers 2 and 3 fetch at `offset` (they hold, fsynced, everything below it). */
  const fetchAll = async (offset: number, nowMs = 1) => {
    for (const id of [2, 3]) {
      const r = await replica.readAsReplica(offset, offset > 0 ? 1 : -1, 1 << 20, id, nowMs);
      assert.equal(r.errorCode, 0);
    }
  };
  return { replica, log, fetchAll };
}

/** Producer 7's first batch (sequence 0), acknowledged once both followers fetched it. */
async function firstAcked(replica: PartitionReplica,
  fetchAll: (offset: number, nowMs?: number) => Promise<void>): Promise<void> {
  const zero = replica.produce(batch('a', { sequence: 0 }), 1, all(2));
  await settled(zero);
  await fetchAll(1, 2);
  assert.equal((await zero).errorCode, 0);
}

/** Whether `p` has settled, after letting pending I/O and microtasks run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setTimeout(r, 20));
  return done;
}

test('acks=all is answered once the ISR has fetched past the batch', async (t) => {
  const { replica, log, fetchAll } = await leader(t);
  await fetchAll(0);
  const produced = replica.produce(batch('a'), 1, all());
  assert.equal(await settled(produced), false, 'the followers have not fetched it');
  assert.equal(log.logEndOffset, 1);
  await fetchAll(1, 2);
  const outcome = await produced;
  assert.equal(outcome.errorCode, 0);
  assert.equal(outcome.baseOffset, 0);
  assert.equal(replica.highWatermark(), 1);
});

test('below min.insync.replicas acks=all is refused and nothing is appended', async (t) => {
  const { replica, log } = await leader(t);
  replica.lead({ ...state, partitionEpoch: 2, isr: [1] }, 1);
  const outcome = await replica.produce(batch('a'), 1, all(2));
  assert.equal(outcome.errorCode, KafkaError.notEnoughReplicas.code);
  assert.equal(log.logEndOffset, 0);
  const one = await replica.produce(batch('b'), 1, all(1));
  assert.equal(one.errorCode, 0, 'min.insync.replicas=1 accepts the leader alone');
});

test('an ISR shrink below min.insync.replicas while waiting answers NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  async (t) => {
    const { replica, fetchAll } = await leader(t);
    await fetchAll(0);
    const produced = replica.produce(batch('a'), 1, all(3));
    assert.equal(await settled(produced), false);
    replica.lead({ ...state, partitionEpoch: 2, isr: [1, 2] }, 2);
    assert.equal((await produced).errorCode, KafkaError.notEnoughReplicasAfterAppend.code);
  });

test('a retried idempotent acks=all batch gets its offset only once the ISR has it', async (t) => {
  const { replica, log, fetchAll } = await leader(t);
  await fetchAll(0);
  const first = replica.produce(batch('a', { sequence: 0 }), 1, all(2, 30_000));
  await settled(first);
  const retry = replica.produce(batch('a', { sequence: 0 }), 2, all(2, 30_000));
  assert.equal(await settled(retry), false, 'the original is not replicated yet');
  assert.equal(log.logEndOffset, 1, 'not written twice');
  await fetchAll(1, 3);
  const [a, b] = await Promise.all([first, retry]);
  assert.deepEqual([a.errorCode, a.baseOffset, b.errorCode, b.baseOffset], [0, 0, 0, 0]);
});

test('the gate holds acks=all before the append and admits in order as followers catch up',
  async (t) => {
    const { replica, log, fetchAll } = await leader(t, { acksAllBacklogBytesMax: 1 });
    await fetchAll(0);
    const a = replica.produce(batch('a'), 1, all());
    await settled(a);
    assert.equal(log.logEndOffset, 1);
    const b = replica.produce(batch('b'), 1, all());
    const c = replica.produce(batch('c'), 1, all());
    const acksOne = replica.produce(batch('one'), 1, { requiredAcks: 1, minIsr: 1,
      timeoutMs: 30_000 });
    assert.equal((await acksOne).errorCode, 0, 'acks=1 is never held');
    assert.equal(await settled(b), false);
    assert.equal(log.logEndOffset, 2, 'b and c wait before their append; acks=1 went in');
    await fetchAll(2, 2);
    assert.equal((await a).baseOffset, 0);
    assert.equal(await settled(c), false, 'b went in and filled the backlog');
    assert.equal(log.logEndOffset, 3);
    await fetchAll(3, 3);
    assert.equal((await b).baseOffset, 2);
    assert.equal(await settled(c), false);
    await fetchAll(4, 4);
    const outcomes: ProduceOutcome[] = [await b, await c];
    assert.deepEqual(outcomes.map((o) => [o.errorCode, o.baseOffset]), [[0, 2], [0, 3]]);
  });

test('a held produce times out with REQUEST_TIMED_OUT and is not appended', async (t) => {
  const { replica, log, fetchAll } = await leader(t, { acksAllBacklogBytesMax: 1 });
  await fetchAll(0);
  void replica.produce(batch('a'), 1, all());
  await settled(Promise.resolve());
  const held = replica.produce(batch('b'), 1, all(2, 100));
  replica.tick(100);
  assert.equal(await settled(held), false, 'deadline not passed');
  replica.tick(101);
  const outcome = await held;
  assert.equal(outcome.errorCode, KafkaError.requestTimedOut.code);
  assert.match(outcome.errorMessage ?? '', /not appended/);
  assert.equal(log.logEndOffset, 1);
});

test('a held produce retries its checks when leadership moves', async (t) => {
  const { replica, log, fetchAll } = await leader(t, { acksAllBacklogBytesMax: 1 });
  await fetchAll(0);
  const a = replica.produce(batch('a'), 1, all());
  await settled(a);
  const held = replica.produce(batch('b'), 1, all());
  replica.release(2);
  assert.equal((await a).errorCode, KafkaError.notLeaderOrFollower.code);
  assert.equal((await held).errorCode, KafkaError.notLeaderOrFollower.code);
  assert.equal(log.logEndOffset, 1, 'the held batch was never appended');
});

test('a damaged batch is never served: reads stop before it, a read at it answers ' +
  'KAFKA_STORAGE_ERROR, and the leader proposes an ISR without itself', async (t) => {
  const proposals: IsrChangeProposal[] = [];
  const { replica, log, fetchAll } = await leader(t,
    { onIsrChange: (_r, p) => proposals.push(p) });
  await fetchAll(0);
  for (const value of ['a', 'b']) {
    const produced = replica.produce(batch(value), 1, all());
    await settled(produced);
    await fetchAll(log.logEndOffset, 2);
    assert.equal((await produced).errorCode, 0);
  }
  assert.equal((await replica.produce(batch('c'), 2)).errorCode, 0, 'acks=1: not replicated');
  assert.equal(replica.highWatermark(), 2);
  // Bit rot in a record byte (after the 61-byte header) of batches 1 and 2, while running.
  const size = batch('a').length;
  const file = await open(join(log.dir, '00000000000000000000.log'), 'r+');
  for (const at of [size + 64, 2 * size + 64]) await file.write(Buffer.from([0xff]), 0, 1, at);
  await file.close();

  const first = await replica.read(0, 1 << 20);
  assert.equal(first.errorCode, 0);
  assert.equal(first.records?.length, size, 'only the batch before the damage');
  const atBad = await replica.read(1, 1 << 20);
  assert.equal(atBad.errorCode, KafkaError.kafkaStorageError.code);
  assert.equal(atBad.records, null);
  const follower = await replica.readAsReplica(2, 1, 1 << 20, 2, 3);
  assert.equal(follower.errorCode, KafkaError.kafkaStorageError.code, 'followers too');
  assert.equal(log.damage?.offset, 1, 'the lowest damage found');
  assert.equal(replica.damaged(4), 'handing-off');
  assert.deepEqual(proposals.at(-1)?.newIsr, [2, 3]);
});

test('a damaged leader alone in the ISR keeps leading', async (t) => {
  const proposals: IsrChangeProposal[] = [];
  const { replica } = await leader(t, { state: { ...state, isr: [1] },
    onIsrChange: (_r, p) => proposals.push(p) });
  assert.equal(replica.damaged(1), 'only-copy');
  assert.deepEqual(proposals, []);
  assert.equal((await replica.produce(batch('a'), 1)).errorCode, 0, 'still takes produces');
});

/*
 * A batch pipelined behind one refused before its append (librdkafka keeps five requests in
 * flight per broker) is answered with that batch's retriable error, not as a sequence gap: a gap
 * answer makes librdkafka bump its epoch and send again, under the new epoch, records already in
 * the log (issue 13's bridge-flap duplicates). Each of these answered OUT_OF_ORDER_SEQUENCE_NUMBER
 * or UNKNOWN_PRODUCER_ID before the fix.
 */
test('behind a batch refused with NOT_ENOUGH_REPLICAS, a new producer\'s next batch gets ' +
  'NOT_ENOUGH_REPLICAS too, then both are taken in order', async (t) => {
  const { replica, log, fetchAll } = await leader(t);
  replica.lead({ ...state, partitionEpoch: 2, isr: [1] }, 1);
  const first = await replica.produce(batch('a', { sequence: 0 }), 1, all(2));
  assert.equal(first.errorCode, KafkaError.notEnoughReplicas.code);
  replica.lead({ ...state, partitionEpoch: 3, isr: [1, 2, 3] }, 2);
  await fetchAll(0, 2);
  const behind = await replica.produce(batch('b', { sequence: 1 }), 2, all(2));
  assert.equal(behind.errorCode, KafkaError.notEnoughReplicas.code,
    `not UNKNOWN_PRODUCER_ID: ${behind.errorMessage}`);
  assert.match(behind.errorMessage ?? '', /sequence 0\) was refused/);
  assert.equal(log.logEndOffset, 0, 'nothing appended');
  const a = replica.produce(batch('a', { sequence: 0 }), 3, all(2));
  const b = replica.produce(batch('b', { sequence: 1 }), 3, all(2));
  await settled(b);
  await fetchAll(2, 4);
  assert.deepEqual([(await a).baseOffset, (await b).baseOffset], [0, 1]);
});

test('behind a batch refused with NOT_ENOUGH_REPLICAS, a known producer\'s next batch is not ' +
  'OUT_OF_ORDER_SEQUENCE_NUMBER once the ISR is back', async (t) => {
  const { replica, log, fetchAll } = await leader(t);
  await fetchAll(0);
  await firstAcked(replica, fetchAll);
  replica.lead({ ...state, partitionEpoch: 2, isr: [1] }, 3);
  assert.equal((await replica.produce(batch('b', { sequence: 1 }), 3, all(2))).errorCode,
    KafkaError.notEnoughReplicas.code);
  replica.lead({ ...state, partitionEpoch: 3, isr: [1, 2, 3] }, 4);
  await fetchAll(1, 4);
  const behind = await replica.produce(batch('c', { sequence: 2 }), 4, all(2));
  assert.equal(behind.errorCode, KafkaError.notEnoughReplicas.code, `${behind.errorMessage}`);
  assert.equal(log.logEndOffset, 1);
  const b = replica.produce(batch('b', { sequence: 1 }), 5, all(2));
  const c = replica.produce(batch('c', { sequence: 2 }), 5, all(2));
  await settled(c);
  await fetchAll(3, 6);
  assert.deepEqual([(await b).baseOffset, (await c).baseOffset], [1, 2]);
  // The gap is closed: a real one is OUT_OF_ORDER_SEQUENCE_NUMBER again.
  const gap = await replica.produce(batch('e', { sequence: 4 }), 7, all(2));
  assert.equal(gap.errorCode, KafkaError.outOfOrderSequenceNumber.code);
});

test('behind a batch refused for a lapsed lease, the next batch taken once the lease is back ' +
  'gets NOT_LEADER_OR_FOLLOWER too, not OUT_OF_ORDER_SEQUENCE_NUMBER', async (t) => {
  let lease = true;
  const { replica, fetchAll } = await leader(t, { holdsLease: () => lease });
  await fetchAll(0);
  await firstAcked(replica, fetchAll);
  lease = false;
  replica.suspend(10);
  // Arrives when the lapse is a whole grace old: refused at once.
  const refused = await replica.produce(batch('b', { sequence: 1 }), 10 + leaseWaitMs, all(2));
  assert.equal(refused.errorCode, KafkaError.notLeaderOrFollower.code);
  lease = true;
  replica.resume();
  const behind = await replica.produce(batch('c', { sequence: 2 }), 11 + leaseWaitMs, all(2));
  assert.equal(behind.errorCode, KafkaError.notLeaderOrFollower.code, `${behind.errorMessage}`);
});

test('a fenced epoch is still INVALID_PRODUCER_EPOCH behind a refused batch', async (t) => {
  const { replica, fetchAll } = await leader(t);
  await fetchAll(0);
  const epochOne = (value: string, sequence: number) => buildBatch({ records: [{ key: null,
    value: Buffer.from(value), timestamp: 1 }], compression: 'none', producerId: 7,
  producerEpoch: 1, baseSequence: sequence });
  const x = replica.produce(epochOne('x', 0), 1, all(2));
  await settled(x);
  await fetchAll(1, 2);
  assert.equal((await x).errorCode, 0);
  replica.lead({ ...state, partitionEpoch: 2, isr: [1] }, 3);
  assert.equal((await replica.produce(epochOne('y', 1), 3, all(2))).errorCode,
    KafkaError.notEnoughReplicas.code);
  replica.lead({ ...state, partitionEpoch: 3, isr: [1, 2, 3] }, 4);
  const stale = await replica.produce(batch('b', { sequence: 2 }), 4, all(2));
  assert.equal(stale.errorCode, KafkaError.invalidProducerEpoch.code);
});

test('a produce waiting out a lease lapse is appended before the one behind it that finds the ' +
  'lease back (not overtaken and refused as out of order)', async (t) => {
  let lease = true;
  const { replica, log, fetchAll } = await leader(t, { holdsLease: () => lease });
  await fetchAll(0);
  await firstAcked(replica, fetchAll);
  lease = false;
  replica.suspend(10);
  const waiting = replica.produce(batch('b', { sequence: 1 }), 20, all(2));
  assert.equal(await settled(waiting), false, 'waits for the lease');
  lease = true;
  // The tick that resumes replicas has not run: this produce resumes it, behind the waiting one.
  const behind = replica.produce(batch('c', { sequence: 2 }), 30, all(2));
  assert.equal(log.logEndOffset, 3, 'both appended at once, in arrival order');
  await fetchAll(3, 31);
  const [b, c] = await Promise.all([waiting, behind]);
  assert.deepEqual([b.errorCode, b.baseOffset, c.errorCode, c.baseOffset], [0, 1, 0, 2],
    `${b.errorMessage} / ${c.errorMessage}`);
});

test('produces waiting out a lease lapse longer than the grace are all refused together', async (t) => {
  let lease = true;
  const { replica, log, fetchAll } = await leader(t, { holdsLease: () => lease });
  await fetchAll(0);
  lease = false;
  const start = Date.now();
  replica.suspend(start);
  const a = replica.produce(batch('a', { sequence: 0 }), start, all(2));
  const b = replica.produce(batch('b', { sequence: 1 }), start + 5, all(2));
  const [ra, rb] = await Promise.all([a, b]);
  assert.deepEqual([ra.errorCode, rb.errorCode],
    [KafkaError.notLeaderOrFollower.code, KafkaError.notLeaderOrFollower.code]);
  assert.ok(Date.now() - start >= leaseWaitMs - 5, 'after the grace');
  assert.equal(log.logEndOffset, 0);
});

test('at a new leader, a gap from a producer that has written nothing in its epoch yet is ' +
  'NOT_LEADER_OR_FOLLOWER (its earlier batch is still on its way), then OUT_OF_ORDER once it has',
async (t) => {
  const { replica, log, fetchAll } = await leader(t);
  await fetchAll(0);
  await firstAcked(replica, fetchAll);
  // Leadership moves away and back: a new leader epoch.
  replica.lead({ ...state, leaderEpoch: 2, partitionEpoch: 2 }, 3);
  await fetchAll(1, 3);
  const early = await replica.produce(batch('c', { sequence: 2 }), 4, all(2));
  assert.equal(early.errorCode, KafkaError.notLeaderOrFollower.code, `${early.errorMessage}`);
  assert.match(early.errorMessage ?? '', /sequence 1 has not reached this new leader/);
  assert.equal(log.logEndOffset, 1);
  // Sent again without the batch before it: excused three times in all, then Kafka's answer.
  const again = [];
  for (let i = 0; i < 3; i++) again.push((await replica.produce(batch('c', { sequence: 2 }), 4, all(2))).errorCode);
  assert.deepEqual(again, [KafkaError.notLeaderOrFollower.code, KafkaError.notLeaderOrFollower.code,
    KafkaError.outOfOrderSequenceNumber.code]);
  const b = replica.produce(batch('b', { sequence: 1 }), 5, all(2));
  const c = replica.produce(batch('c', { sequence: 2 }), 5, all(2));
  await settled(c);
  // Followers that hold both, in leader epoch 2.
  for (const id of [2, 3]) assert.equal((await replica.readAsReplica(3, 2, 1 << 20, id, 6)).errorCode, 0);
  assert.deepEqual([(await b).baseOffset, (await c).baseOffset], [1, 2]);
  const gap = await replica.produce(batch('e', { sequence: 4 }), 7, all(2));
  assert.equal(gap.errorCode, KafkaError.outOfOrderSequenceNumber.code,
    'written in this epoch: a gap is a gap');
  const old = await replica.produce(batch('z', { sequence: 0 }), 7, all(2));
  assert.equal(old.errorCode, 0, 'an old retry is answered as a duplicate, as before');
});

test('after a write the full disk failed (ENOSPC, rolled back), the next produce reuses its offsets ' +
  'and is taken (found by the whole-cluster simulation, seed 21)', async (t) => {
  const fs = new MemFs(new Prng(21));
  const log = await PartitionLog.open('/data/t-0', { ...logConfigDefaults, diskReserveBytes: 0 },
    { fs, clock: systemClock });
  t.after(async () => log.close());
  const replica = new PartitionReplica({ topic: 't', partition: 0, brokerId: 1,
    state: { ...state, isr: [1] }, log, nowMs: 0, clock: systemClock, logger: pino({ level: 'silent' }),
    maxMessageBytes: 1 << 20, onAdvance: () => undefined });
  t.after(async () => replica.release(0));
  const one = { requiredAcks: 1 as const, minIsr: 1, timeoutMs: 30_000 };
  assert.equal((await replica.produce(batch('a'), 1, one)).errorCode, 0);
  fs.free = 0; // the disk fills between two free-space measurements: the write itself fails
  const refused = await replica.produce(batch('b'), 2, one);
  assert.equal(refused.errorCode, KafkaError.kafkaStorageError.code);
  fs.free = Number.MAX_SAFE_INTEGER;
  // Until the log has repaired (truncated the partial write) and measured the space back (once a
  // second), it refuses too; a client retries.
  let taken = await replica.produce(batch('c'), 1_000, one);
  for (let i = 2; i < 100 && taken.errorCode === KafkaError.kafkaStorageError.code; i++) {
    await new Promise((r) => setTimeout(r, 5));
    taken = await replica.produce(batch('c'), i * 1_000, one);
  }
  assert.equal(taken.errorCode, 0, 'was: AssertionFailed "append ending at 1 below end 2"');
  assert.equal(taken.baseOffset, 1);
  const read = await replica.read(0, 1 << 20);
  assert.deepEqual(decodeFetchedRecords(read.records ?? null).records.map((r) => r.value?.toString()),
    ['a', 'c']);
});

test('after a write the full disk failed, the leader follows the rolled-back log end at once: its ' +
  'followers at that end stay in the ISR with no further append (found by the whole-cluster ' +
  'simulation, seed 51)', async (t) => {
  const fs = new MemFs(new Prng(51));
  const log = await PartitionLog.open('/data/t-0', { ...logConfigDefaults, diskReserveBytes: 0 },
    { fs, clock: systemClock });
  t.after(async () => log.close());
  const proposals: IsrChangeProposal[] = [];
  const lagMs = 1_000;
  const replica = new PartitionReplica({ topic: 't', partition: 0, brokerId: 1, state, log, nowMs: 0,
    clock: systemClock, logger: pino({ level: 'silent' }), maxMessageBytes: 1 << 20,
    onAdvance: () => undefined, onIsrChange: (_r, p) => proposals.push(p), replicaLagTimeMaxMs: lagMs });
  t.after(async () => replica.release(0));
  const fetchAll = async (offset: number, nowMs: number) => {
    for (const id of [2, 3]) {
      const r = await replica.readAsReplica(offset, offset > 0 ? 1 : -1, 1 << 20, id, nowMs);
      assert.equal(r.errorCode, 0);
    }
  };
  await fetchAll(0, 1);
  const a = replica.produce(batch('a'), 2, all(2));
  await settled(a);
  await fetchAll(1, 3);
  assert.equal((await a).errorCode, 0);
  fs.free = 0; // the disk fills between two free-space measurements: the write itself fails
  const refused = await replica.produce(batch('b'), 4, all(2));
  assert.equal(refused.errorCode, KafkaError.kafkaStorageError.code);
  await log.flush(); // the repair (rollback to offset 1) is done
  assert.equal(log.logEndOffset, 1);
  // The followers hold everything the log holds, and keep fetching; nothing else is produced.
  for (let now = 100; now <= 5 * lagMs; now += 100) {
    await fetchAll(1, now);
    replica.tick(now);
  }
  assert.deepEqual(proposals.map((p) => p.newIsr), [], 'was: the ISR shrank to [1] (leader end 2, log end 1)');
});
