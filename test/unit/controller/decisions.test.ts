/**
 * Proves the controller's other rules, table-driven: placement (even replicas and leaders over
 * live brokers, fenced brokers skipped, rack-aware, deterministic, balanced across successive
 * topics, used by createTopics and createPartitions), preferred-leader election, AlterPartition
 * (every refusal code and the accepted change), and producer-id blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from '../../../src/protocol/index.js';
import { applyRecords, liveBrokers, type MetadataImage } from '../../../src/metadata/index.js';
import {
  allocateProducerIds, alterPartition, brokerLoad, createPartitions, electPreferredLeaders,
  placeReplicas, producerIdBlockSize, type AlterPartitionRequest,
} from '../../../src/controller/index.js';
import { cluster, context, partition, withTopic } from './support.js';

function counts(image: MetadataImage): { replicas: number[]; leaders: number[] } {
  const load = brokerLoad(image);
  const ids = [...image.brokers.keys()].sort((a, b) => a - b);
  return { replicas: ids.map((id) => load.replicas.get(id) ?? 0),
    leaders: ids.map((id) => load.leaders.get(id) ?? 0) };
}

test('placement spreads replicas and leaders evenly, across successive topics too', () => {
  let image = withTopic(cluster(3), 'a', 6, 2);
  assert.deepEqual(counts(image), { replicas: [4, 4, 4], leaders: [2, 2, 2] });
  image = withTopic(image, 'b', 1, 1);
  image = withTopic(image, 'c', 2, 1);
  assert.deepEqual(counts(image).leaders, [3, 3, 3], 'later topics fill the least-loaded brokers');
  for (const p of image.topicsByName.get('a')?.partitions ?? []) {
    assert.equal(new Set(p.replicas).size, 2);
    assert.equal(p.leader, p.replicas[0], 'the preferred replica leads');
  }
});

test('placement skips fenced brokers and is deterministic', () => {
  const image = applyRecords(cluster(4), [{ type: 'fenceBroker', brokerId: 3, brokerEpoch: 3 }]);
  const one = placeReplicas(liveBrokers(image), brokerLoad(image), 9, 2);
  const two = placeReplicas(liveBrokers(image), brokerLoad(image), 9, 2);
  assert.deepEqual(one, two);
  assert.ok(one.every((r) => !r.includes(3)));
  const grown = createPartitions(withTopic(cluster(2), 'x', 1, 2),
    { name: 'x', count: 2, assignments: null }, context());
  assert.equal(grown.outcome.errorCode, 0);
  const oneLive = applyRecords(withTopic(cluster(2), 'y', 1, 2),
    [{ type: 'fenceBroker', brokerId: 2, brokerEpoch: 2 }]);
  const tooBig = createPartitions(oneLive, { name: 'y', count: 2, assignments: null }, context());
  assert.equal(tooBig.outcome.errorCode, KafkaError.invalidReplicationFactor.code);
});

test('placement puts one partition on distinct racks when it can', () => {
  const image = cluster(6, ['a', 'a', 'b', 'b', 'c', 'c']);
  const rack = (id: number) => image.brokers.get(id)?.rack;
  for (const replicas of placeReplicas(liveBrokers(image), brokerLoad(image), 12, 3)) {
    assert.equal(new Set(replicas.map(rack)).size, 3, `replicas ${replicas.join(',')}`);
  }
  const twoRacks = cluster(4, ['a', 'a', 'b', 'b']);
  for (const replicas of placeReplicas(liveBrokers(twoRacks), brokerLoad(twoRacks), 8, 3)) {
    assert.equal(new Set(replicas.map((id) => twoRacks.brokers.get(id)?.rack)).size, 2);
  }
});

test('preferred-leader election moves leadership back when the first replica is in sync', () => {
  const image = withTopic(cluster(3), 't', 3, 3);
  const topicId = image.topicsByName.get('t')?.topicId ?? '';
  const p0 = partition(image, 't', 0);
  const p1 = partition(image, 't', 1);
  const moved = applyRecords(image, [
    { type: 'partitionChange', topicId, partition: 0, leader: p0.replicas[1] as number },
    { type: 'partitionChange', topicId, partition: 1, leader: p1.replicas[1] as number,
      isr: p1.replicas.slice(1) },
  ]);
  const records = electPreferredLeaders(moved);
  assert.deepEqual(records, [{ type: 'partitionChange', topicId, partition: 0, leader: p0.replicas[0] }],
    'partition 1: preferred replica out of the ISR, no move');
  assert.equal(partition(applyRecords(moved, records), 't', 0).leaderEpoch, 2);
  assert.deepEqual(electPreferredLeaders(image), []);
});

test('alterPartition: refusals and the accepted change', () => {
  const image = applyRecords(withTopic(cluster(4), 't', 1, 3), []);
  const topicId = image.topicsByName.get('t')?.topicId ?? '';
  const p = partition(image, 't', 0);
  const leader = p.leader;
  const outsider = [1, 2, 3, 4].find((id) => !p.replicas.includes(id)) as number;
  const follower = p.replicas.find((id) => id !== leader) as number;
  const fenced = applyRecords(image, [{ type: 'fenceBroker', brokerId: follower,
    brokerEpoch: follower }]);
  const req: AlterPartitionRequest = { brokerId: leader, brokerEpoch: leader, topicId, partition: 0,
    leaderEpoch: 0, partitionEpoch: 0, newIsr: [leader, follower] };
  const table: [string, MetadataImage, AlterPartitionRequest, number][] = [
    ['accepted', image, req, 0],
    ['stale broker epoch', image, { ...req, brokerEpoch: 99 }, KafkaError.staleBrokerEpoch.code],
    ['unknown topic', image, { ...req, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }, KafkaError.unknownTopicId.code],
    ['unknown partition', image, { ...req, partition: 3 }, KafkaError.unknownTopicOrPartition.code],
    ['old leader epoch', image, { ...req, leaderEpoch: 1 }, KafkaError.fencedLeaderEpoch.code],
    ['old partition epoch', image, { ...req, partitionEpoch: 5 }, KafkaError.invalidUpdateVersion.code],
    ['not the leader', image, { ...req, brokerId: follower, brokerEpoch: follower },
      KafkaError.notLeaderOrFollower.code],
    ['isr outside replicas', image, { ...req, newIsr: [leader, outsider] }, KafkaError.invalidRequest.code],
    ['duplicate', image, { ...req, newIsr: [leader, leader] }, KafkaError.invalidRequest.code],
    ['fenced member', fenced, req, KafkaError.ineligibleReplica.code],
  ];
  for (const [label, img, r, errorCode] of table) {
    const out = alterPartition(img, r);
    assert.equal(out.errorCode, errorCode, label);
    assert.equal(out.records.length, errorCode === 0 ? 1 : 0, label);
  }
  const accepted = alterPartition(image, req);
  const after = partition(applyRecords(image, accepted.records), 't', 0);
  assert.deepEqual([after.isr, after.partitionEpoch, after.leaderEpoch], [[leader, follower], 1, 0]);
  assert.equal(accepted.partitionEpoch, 1);
  // A refusal at the proposal's own partition epoch says so: the leader may propose afresh at
  // once (a damaged leader's hand-off to a successor that was fenced a moment ago, seed 1954).
  assert.equal(alterPartition(fenced, req).partitionEpoch, 0);
  assert.equal(alterPartition(image, { ...req, partitionEpoch: 5 }).partitionEpoch, -1,
    'an epoch mismatch is not confirmed: the image will tell');
});

test('alterPartition without the leader hands leadership to the first ISR member in replica ' +
  'order (Pado\'s extension for a damaged leader), only within the current ISR', () => {
  const image = withTopic(cluster(3), 't', 1, 3);
  const topicId = image.topicsByName.get('t')?.topicId ?? '';
  const p = partition(image, 't', 0);
  const [leader, second, third] = p.replicas as [number, number, number];
  const req: AlterPartitionRequest = { brokerId: leader, brokerEpoch: leader, topicId, partition: 0,
    leaderEpoch: 0, partitionEpoch: 0, newIsr: [third, second] };
  const handOff = alterPartition(image, req);
  assert.equal(handOff.errorCode, 0);
  assert.equal(handOff.newLeader, second, 'replica order, not the order of the request');
  const after = partition(applyRecords(image, handOff.records), 't', 0);
  assert.deepEqual([after.leader, after.leaderEpoch, after.isr, after.partitionEpoch],
    [second, 1, [third, second], 1]);

  // From ISR [leader, second], a hand-off may not bring `third` in: it may lack acked records.
  const shrunk = applyRecords(image, alterPartition(image,
    { ...req, newIsr: [leader, second] }).records);
  const refused = alterPartition(shrunk, { ...req, partitionEpoch: 1, newIsr: [third] });
  assert.equal(refused.errorCode, KafkaError.invalidRequest.code);
  const fenced = applyRecords(shrunk, [{ type: 'fenceBroker', brokerId: second,
    brokerEpoch: second }]);
  const toFenced = alterPartition(fenced, { ...req, partitionEpoch: 1, newIsr: [second] });
  assert.equal(toFenced.errorCode, KafkaError.ineligibleReplica.code);
  assert.equal(alterPartition(shrunk, { ...req, partitionEpoch: 1, newIsr: [] }).errorCode,
    KafkaError.invalidRequest.code, 'an empty ISR elects nobody');
});

test('producer-id blocks never overlap', () => {
  let image = cluster(2);
  const seen: number[] = [];
  for (const brokerId of [1, 2, 1]) {
    const { records, result } = allocateProducerIds(image, brokerId);
    assert.equal(result.errorCode, 0);
    assert.equal(result.count, producerIdBlockSize);
    seen.push(result.firstProducerId);
    image = applyRecords(image, records);
  }
  assert.deepEqual(seen, [0, 1000, 2000]);
  assert.equal(image.nextProducerId, 3000);
  const unknown = allocateProducerIds(image, 9);
  assert.deepEqual([unknown.records, unknown.result.errorCode],
    [[], KafkaError.brokerIdNotRegistered.code]);
});
