/**
 * Proves safeLeaders implements Pado's election rule: only live members of the last ISR are safe
 * (the "last replica standing" kept in the ISR included), ordered by longest log; a replica that
 * restarted uncleanly is unsafe only when copies count before fsync; and uncleanChoice takes the
 * longest live log. Small explicit cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeLeaders, uncleanChoice, type LeaderCandidate } from '../../../src/partitions/index.js';

const c = (brokerId: number, live: boolean, lastEpoch: number, logEndOffset: number,
  uncleanShutdown = false): LeaderCandidate => ({ brokerId, live, lastEpoch, logEndOffset,
  uncleanShutdown });

test('only live ISR members are safe, longest log first', () => {
  const all = [c(1, true, 3, 10), c(2, true, 4, 8), c(3, true, 4, 12)];
  assert.deepEqual(safeLeaders(all, [1, 2]), [2, 1]);
  assert.deepEqual(safeLeaders(all, [1, 2, 3]), [3, 2, 1]);
  assert.deepEqual(safeLeaders([c(1, false, 9, 99), c(2, true, 1, 1)], [1, 2]), [2]);
});

test('last replica standing: the sole ISR member is the only safe leader, crash or not', () => {
  const all = [c(1, true, 5, 50, true), c(2, true, 5, 60), c(3, false, 5, 40)];
  assert.deepEqual(safeLeaders(all, [1]), [1]);
  assert.deepEqual(safeLeaders(all, [3]), [], 'down: the partition stays offline');
  assert.deepEqual(safeLeaders(all, [1], false), [], 'without fsync a crash may lose acks');
});

test('unclean choice takes the longest live log', () => {
  assert.equal(uncleanChoice([c(1, true, 4, 10), c(2, true, 5, 3), c(3, false, 9, 9)]), 2);
  assert.equal(uncleanChoice([c(1, false, 4, 10)]), undefined);
});
