/**
 * RefusedBatches: the last retriably refused batch per producer, matched only by a gap that
 * starts exactly at it in the same epoch, forgotten once the producer appends, bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefusedBatches } from '../../../src/partitions/index.js';

test('a gap is excused only when it opens at the refused batch, in its epoch', () => {
  const refused = new RefusedBatches();
  refused.refused(7, 2, 10, 19);
  assert.deepEqual(refused.gapOpenedBy(7, 2, 10), { producerEpoch: 2, baseSequence: 10, errorCode: 19 });
  assert.equal(refused.gapOpenedBy(7, 2, 9), undefined, 'the gap opens before it');
  assert.equal(refused.gapOpenedBy(7, 3, 10), undefined, 'another epoch');
  assert.equal(refused.gapOpenedBy(8, 2, 10), undefined, 'another producer');
  refused.refused(7, 2, 10, 6);
  assert.equal(refused.gapOpenedBy(7, 2, 10)?.errorCode, 6, 'the latest refusal');
  refused.appended(7);
  assert.equal(refused.gapOpenedBy(7, 2, 10), undefined, 'appended: forgotten');
  refused.refused(-1, 0, 0, 19);
  assert.equal(refused.size, 0, 'not an idempotent producer');
});

test('bounded: the oldest refusal is forgotten first', () => {
  const refused = new RefusedBatches(2);
  refused.refused(1, 0, 0, 19);
  refused.refused(2, 0, 0, 19);
  refused.refused(1, 0, 5, 19);
  refused.refused(3, 0, 0, 19);
  assert.equal(refused.size, 2);
  assert.equal(refused.gapOpenedBy(2, 0, 0), undefined, 'producer 2 was the oldest');
  assert.equal(refused.gapOpenedBy(1, 0, 5)?.errorCode, 19);
  assert.equal(refused.gapOpenedBy(3, 0, 0)?.errorCode, 19);
});
