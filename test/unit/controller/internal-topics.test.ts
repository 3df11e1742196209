/**
 * Proves the controller's growth of internal topics (issue 13), on images built by the pure
 * decisions: `__consumer_offsets` created by a cluster of one gets a replica on each broker that
 * joins, up to offsets.topic.replication.factor, spread evenly and on new racks first; the leader,
 * leader epoch and ISR stay as they are (the partition epoch goes up); deciding again on the result
 * proposes nothing; nothing shrinks, fenced replicas keep their place, offline partitions and
 * ordinary topics are left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRecords, type MetadataImage } from '../../../src/metadata/index.js';
import {
  brokerLoad, fenceAndMoveAway, growInternalTopics,
} from '../../../src/controller/index.js';
import { cluster, withTopic } from './support.js';

const offsets = '__consumer_offsets';

/** Registers and unfences broker `id` (epoch 100 + id, above every test cluster's). */
function join(image: MetadataImage, id: number, rack: string | null = null): MetadataImage {
  const brokerEpoch = 100 + id;
  return applyRecords(image, [
    { type: 'registerBroker', brokerId: id, incarnationId: `inc-${id}`, host: 'h', port: 9000 + id,
      rack, brokerEpoch },
    { type: 'unfenceBroker', brokerId: id, brokerEpoch },
  ]);
}

function grow(image: MetadataImage, replicationFactor = 3): MetadataImage {
  return applyRecords(image, growInternalTopics(image, replicationFactor));
}

function replicas(image: MetadataImage, topic = offsets): number[][] {
  return (image.topicsByName.get(topic)?.partitions ?? []).map((p) => [...p.replicas]);
}

test('the README flow: one replica, then one more per broker that joins, up to 3', () => {
  const alone = withTopic(cluster(1), offsets, 4, 1);
  assert.deepEqual(growInternalTopics(alone, 3), [], 'a cluster of one has nothing to add');
  const two = grow(join(alone, 2));
  assert.deepEqual(replicas(two), [[1, 2], [1, 2], [1, 2], [1, 2]]);
  const three = grow(join(two, 3));
  assert.deepEqual(replicas(three), [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  const four = join(three, 4);
  assert.deepEqual(growInternalTopics(four, 3), [], 'capped at offsets.topic.replication.factor');
  for (const [i, p] of (three.topicsByName.get(offsets)?.partitions ?? []).entries()) {
    const was = alone.topicsByName.get(offsets)?.partitions[i];
    assert.deepEqual([p.leader, p.leaderEpoch, p.isr], [1, was?.leaderEpoch, [1]],
      'leader, leader epoch and ISR unchanged: new replicas join the ISR once caught up');
    assert.equal(p.partitionEpoch, (was?.partitionEpoch ?? 0) + 2, 'one change per growth');
  }
});

test('two brokers joining at once: both added in one change per partition', () => {
  const image = join(join(withTopic(cluster(1), offsets, 2, 1), 2), 3);
  const records = growInternalTopics(image, 3);
  assert.deepEqual(records.map((r) => r.type === 'partitionChange' ? r.replicas : null),
    [[1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(records.map((r) => [r.leader, r.isr, r.leaderRecoveryState]),
    [[undefined, undefined, undefined], [undefined, undefined, undefined]],
    'only the replica set changes');
  assert.deepEqual(growInternalTopics(applyRecords(image, records), 3), [], 'idempotent');
});

test('new replicas go to the least-loaded brokers, and on new racks first', () => {
  // Broker 2 already holds 3 replicas of another topic: both offsets partitions prefer broker 3.
  let image = withTopic(withTopic(cluster(1), offsets, 2, 1), 'busy', 3, 1);
  image = join(join(image, 2), 3);
  const busy = image.topicsByName.get('busy')?.topicId ?? '';
  image = applyRecords(image, [0, 1, 2].map((partition) =>
    ({ type: 'partitionChange', topicId: busy, partition, replicas: [1, 2] }) as const));
  const grown = grow(image, 2);
  assert.deepEqual(replicas(grown), [[1, 3], [1, 3]]);
  assert.deepEqual(replicas(grown, 'busy'), [[1, 2], [1, 2], [1, 2]],
    'ordinary topics are left alone');
  const load = brokerLoad(grow(join(join(withTopic(cluster(1), offsets, 6, 1), 2), 3), 2));
  assert.deepEqual([load.replicas.get(2), load.replicas.get(3)], [3, 3], 'spread evenly');
  const racked = join(join(withTopic(cluster(1, ['a']), offsets, 1, 1), 2, 'a'), 3, 'b');
  assert.deepEqual(replicas(grow(racked, 2)), [[1, 3]], 'rack b before a second replica in a');
});

test('never shrinks, keeps fenced replicas, skips offline partitions', () => {
  const three = withTopic(cluster(3), offsets, 2, 3);
  assert.deepEqual(growInternalTopics(three, 1), [], 'a lower factor removes nothing');
  const fenced = join(applyRecords(three, [{ type: 'fenceBroker', brokerId: 3, brokerEpoch: 3 }]),
    4);
  assert.deepEqual(growInternalTopics(fenced, 3), [], 'a fenced replica keeps its place');
  const alone = withTopic(cluster(1), offsets, 2, 1);
  const noLeader = applyRecords(alone, fenceAndMoveAway(alone, 1));
  assert.deepEqual(noLeader.topicsByName.get(offsets)?.partitions.map((p) => p.leader), [-1, -1]);
  assert.deepEqual(growInternalTopics(join(join(noLeader, 2), 3), 3), [],
    'nobody to copy from: grown once a leader is back');
});
