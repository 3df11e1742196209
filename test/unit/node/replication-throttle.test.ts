/**
 * The follower-side replication throttle of partition moves (node/replication-throttle.ts): it
 * applies only to a partition this node is being added to and is not yet in sync for, only
 * while a rate is set; and its bucket lets through at most the rate per second on average (a
 * fetch may overshoot; the debt is paid before the next one). Virtual time, a hand-made image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicationThrottle, followerThrottleConfigName } from '../../../src/node/replication-throttle.js';
import { applyRecords, emptyImage, type MetadataImage } from '../../../src/metadata/index.js';

const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';

function image(rate: string | null, adding: number[], isr: number[]): MetadataImage {
  return applyRecords(emptyImage('c'), [
    { type: 'topic', name: 't', topicId },
    { type: 'partition', topicId, partition: 0, replicas: [1, 2, 3, 4], isr, leader: 1,
      leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 0, addingReplicas: adding,
      removingReplicas: [3] },
    ...(rate === null ? [] : [{ type: 'config' as const, resourceType: 'broker' as const,
      resourceName: '', name: followerThrottleConfigName, value: rate }]),
  ]);
}

test('a partition is throttled while this node is adding it and out of sync, and a rate is set', () => {
  let current = image('1000', [4], [1, 2, 3]);
  const throttle = new ReplicationThrottle(4, () => current);
  assert.equal(throttle.applies('t', 0), true);
  assert.equal(new ReplicationThrottle(2, () => current).applies('t', 0), false, 'not adding');
  current = image('1000', [4], [1, 2, 3, 4]);
  assert.equal(throttle.applies('t', 0), false, 'in sync: never held back');
  current = image(null, [4], [1, 2, 3]);
  assert.equal(throttle.applies('t', 0), false, 'no rate');
  assert.equal(throttle.available(0), Number.MAX_SAFE_INTEGER);
});

test('the bucket lets through the rate per second on average, starting empty', () => {
  const current = image('1000', [4], [1, 2, 3]);
  const throttle = new ReplicationThrottle(4, () => current);
  assert.equal(throttle.available(0), 0, 'no burst when a rate appears');
  assert.equal(throttle.available(500), 500);
  throttle.charge(1500);
  assert.equal(throttle.available(1000), -500, 'a fetch that overshoots leaves a debt');
  assert.equal(throttle.available(1500), 0);
  assert.equal(throttle.available(10_000), 1000, 'at most one second of rate is saved up');
  // Over 10 s of fetching whatever is allowed, about 10 × the rate gets through.
  let fetched = 0;
  const t0 = 20_000;
  throttle.available(t0);
  throttle.charge(throttle.available(t0));
  for (let now = t0; now <= t0 + 10_000; now += 100) {
    const budget = throttle.available(now);
    if (budget > 0) {
      const bytes = budget + 300; // a batch is never split
      throttle.charge(bytes);
      fetched += bytes;
    }
  }
  assert.ok(fetched <= 10 * 1000 + 1300 && fetched >= 9 * 1000, `fetched ${fetched}`);
});
