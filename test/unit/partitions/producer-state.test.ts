/**
 * Proves the idempotent-producer rules (KIP-98) on the pure ProducerState: a retry of any of the
 * last five batches is a duplicate answered with its original offsets (the sixth-oldest is
 * forgotten), a sequence gap is outOfOrderSequence, an older epoch is fenced, a new epoch must
 * start at 0, sequences wrap at 2^31 - 1, and snapshot/restore keeps it all (bad bytes refused).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastSequenceOf, ProducerState } from '../../../src/partitions/producer-state.js';

function withBatches(count: number): ProducerState {
  const state = new ProducerState();
  for (let i = 0; i < count; i++) state.record(7, 0, i * 10, i * 10 + 9, 100 + i * 10, 109 + i * 10, i);
  return state;
}

test('duplicates of each of the last five batches return their original offsets', () => {
  const state = withBatches(8);
  for (let i = 3; i < 8; i++) {
    assert.deepEqual(state.check(7, 0, i * 10, i * 10 + 9), {
      kind: 'duplicate', baseOffset: 100 + i * 10, lastOffset: 109 + i * 10,
    });
  }
  assert.deepEqual(state.check(7, 0, 20, 29), { kind: 'error', error: 'outOfOrderSequence' });
  assert.deepEqual(state.check(7, 0, 80, 89), { kind: 'append' });
});

test('a gap is outOfOrderSequence; unknown producers must start at 0; -1 is not idempotent', () => {
  const state = withBatches(2);
  assert.deepEqual(state.check(7, 0, 21, 25), { kind: 'error', error: 'outOfOrderSequence' });
  assert.deepEqual(state.check(8, 0, 5, 9), { kind: 'error', error: 'unknownProducerId' });
  assert.deepEqual(state.check(8, 0, 0, 9), { kind: 'append' });
  assert.deepEqual(state.check(-1, -1, -1, -1), { kind: 'append' });
});

test('an older epoch is fenced; a newer one must start at sequence 0 and resets the batches', () => {
  const state = withBatches(2);
  state.record(7, 2, 0, 0, 200, 200, 9);
  assert.deepEqual(state.check(7, 1, 0, 0), { kind: 'error', error: 'invalidProducerEpoch' });
  assert.deepEqual(state.check(7, 3, 5, 5), { kind: 'error', error: 'outOfOrderSequence' });
  assert.deepEqual(state.check(7, 3, 0, 3), { kind: 'append' });
  assert.deepEqual(state.check(7, 2, 1, 1), { kind: 'append' });
  assert.equal(state.batchesOf(7).length, 1);
});

test('sequences wrap at int32 max', () => {
  const max = 0x7fff_ffff;
  assert.equal(lastSequenceOf(max - 1, 3), 1);
  const state = new ProducerState();
  state.record(7, 0, max - 4, max, 0, 4, 0);
  assert.deepEqual(state.check(7, 0, 0, 4), { kind: 'append' });
  assert.deepEqual(state.check(7, 0, 1, 4), { kind: 'error', error: 'outOfOrderSequence' });
});

test('snapshot and restore round-trip; malformed snapshots are refused', () => {
  const state = withBatches(7);
  state.record(2 ** 40, 5, 0, 0, 1, 1, 1);
  const copy = new ProducerState();
  assert.ok(copy.restore(state.snapshot()));
  assert.deepEqual(copy.snapshot(), state.snapshot());
  assert.deepEqual(copy.check(7, 0, 60, 69), { kind: 'duplicate', baseOffset: 160, lastOffset: 169 });
  assert.equal(copy.epochOf(2 ** 40), 5);
  const snapshot = state.snapshot();
  assert.equal(copy.restore(snapshot.subarray(0, snapshot.length - 3)), false);
  assert.equal(copy.producerCount, 0);
  const huge = Buffer.from(snapshot);
  huge.writeUInt32BE(0xffffffff, 2);
  assert.equal(copy.restore(huge), false);
});

test('expire forgets idle producers', () => {
  const state = withBatches(3);
  state.record(9, 0, 0, 0, 500, 500, 1000);
  assert.equal(state.expire(500), 1);
  assert.equal(state.producerCount, 1);
});
