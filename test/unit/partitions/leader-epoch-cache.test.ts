/**
 * Proves LeaderEpochCache answers OffsetForLeaderEpoch with Kafka's semantics (KIP-101/279):
 * latest epoch ends at the log end, an older epoch ends where the next known one starts (answered
 * with the floor epoch when the asked one is unknown), a newer or undefined one is undefined, and
 * truncation from either end keeps the cache consistent with the log. Table-driven on one cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LeaderEpochCache, undefinedEpoch, undefinedOffset,
} from '../../../src/partitions/index.js';

const cache = () => new LeaderEpochCache([
  { epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }, { epoch: 4, startOffset: 10 },
  { epoch: 6, startOffset: 25 },
]);

test('endOffsetFor follows Kafka rules', () => {
  const c = cache();
  const logEnd = 30;
  const cases: [number, number, number][] = [
    [6, 6, 30], // latest: the log end
    [5, 4, 25], // unknown: the floor epoch, ending where the next starts
    [4, 4, 25],
    [3, 3, 10], // an epoch with no records ends where it starts
    [2, 1, 10],
    [1, 1, 10],
    [0, 0, 0], // older than all known: ends at our first start
    [7, undefinedEpoch, undefinedOffset],
    [undefinedEpoch, undefinedEpoch, undefinedOffset],
  ];
  for (const [asked, epoch, endOffset] of cases) {
    assert.deepEqual(c.endOffsetFor(asked, logEnd), { epoch, endOffset }, `epoch ${asked}`);
  }
  assert.deepEqual(new LeaderEpochCache().endOffsetFor(0, 0),
    { epoch: undefinedEpoch, endOffset: undefinedOffset });
});

test('assign keeps the first start of an epoch and refuses going back', () => {
  const c = cache();
  c.assign(6, 28);
  assert.equal(c.entries().at(-1)?.startOffset, 25);
  assert.throws(() => c.assign(5, 30), /epoch 5 after 6/);
  assert.throws(() => c.assign(7, 20), /starts at 20/);
  c.assign(7, 30);
  assert.equal(c.latestEpoch, 7);
});

test('truncateFromEnd drops epochs starting at or after the new end', () => {
  const c = cache();
  c.truncateFromEnd(25);
  assert.equal(c.latestEpoch, 4);
  c.truncateFromEnd(10);
  assert.deepEqual(c.entries(), [{ epoch: 1, startOffset: 0 }]);
  c.truncateFromEnd(0);
  assert.equal(c.latestEpoch, undefinedEpoch);
  // An empty cache and an end below every offset: nothing to drop, and it returns (it used to pop
  // an empty list forever when the end was negative: sim seed 5145).
  c.truncateFromEnd(-2_147_483_256);
  assert.deepEqual(c.entries(), []);
});

test('truncateFromStart moves the covering epoch to the new log start', () => {
  const c = cache();
  c.truncateFromStart(12);
  assert.deepEqual(c.entries(), [{ epoch: 4, startOffset: 12 }, { epoch: 6, startOffset: 25 }]);
  c.truncateFromStart(5); // already past: nothing changes
  assert.equal(c.entries()[0]?.startOffset, 12);
});
