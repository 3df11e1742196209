/**
 * The controller's pure decisions for partition moves (KIP-455), elections on request (KIP-460)
 * and maintenance mode (issue 16), case by case on small images: what each writes, that a move
 * completes only once every target replica is in the ISR (the leader moving with it when it is
 * removed), that a cancel restores the original replicas, what is refused and why, and that a
 * broker in maintenance is drained and never elected while another live ISR member exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alterPartition, alterReassignment, completeReassignments, completionsAfter, drainLeaders,
  electLeader, electPreferredLeaders, ElectionType, fenceAndMoveAway, listReassignments,
  maintenanceStatus, setMaintenance,
} from '../../../src/controller/index.js';
import { applyRecords, type MetadataImage } from '../../../src/metadata/index.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { cluster, partition, withTopic } from './support.js';

/** Four live brokers and topic `t` (one partition) on replicas [1,2,3], all in sync, 1 leads. */
function base(): MetadataImage {
  const image = withTopic(cluster(4), 't', 1, 3);
  const p = partition(image, 't', 0);
  const topicId = image.topicsByName.get('t')?.topicId as string;
  // Placement chose some replicas; pin them to [1,2,3] with leader 1 for readable cases.
  return applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0,
    replicas: [1, 2, 3], isr: [1, 2, 3], ...(p.leader === 1 ? {} : { leader: 1 }) }]);
}

function topicIdOf(image: MetadataImage): string {
  return image.topicsByName.get('t')?.topicId as string;
}

/** The leader of `t`/0 reports `isr` (AlterPartition), with the completions it allows. */
function isrChange(image: MetadataImage, isr: number[]): MetadataImage {
  const p = partition(image, 't', 0);
  const broker = image.brokers.get(p.leader);
  const out = alterPartition(image, { brokerId: p.leader, brokerEpoch: broker?.brokerEpoch ?? -1,
    topicId: topicIdOf(image), partition: 0, leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch, newIsr: isr });
  assert.equal(out.errorCode, 0);
  return applyRecords(image, [...out.records, ...completionsAfter(image, out.records)]);
}

function start(image: MetadataImage, replicas: number[] | null): MetadataImage {
  const out = alterReassignment(image, 't', 0, replicas);
  assert.equal(out.outcome.errorCode, 0, out.outcome.errorMessage ?? '');
  return applyRecords(image, out.records);
}

test('a move adds replicas first and removes the others once every target replica is in sync', () => {
  let image = start(base(), [1, 2, 4]);
  let p = partition(image, 't', 0);
  assert.deepEqual([p.replicas, p.addingReplicas, p.removingReplicas, p.isr, p.leader],
    [[1, 2, 4, 3], [4], [3], [1, 2, 3], 1]);
  assert.deepEqual(listReassignments(image).map((r) => [r.topic, r.partition, r.addingReplicas]),
    [['t', 0, [4]]]);
  assert.deepEqual(completeReassignments(image), [], 'not before 4 is in sync');
  image = isrChange(image, [1, 2, 3, 4]);
  p = partition(image, 't', 0);
  assert.deepEqual([p.replicas, p.isr, p.leader, p.addingReplicas, p.removingReplicas],
    [[1, 2, 4], [1, 2, 4], 1, undefined, undefined]);
  assert.deepEqual(listReassignments(image), []);
});

test('a move that removes the leader elects an in-sync target replica when it completes', () => {
  let image = start(base(), [4, 2, 3]);
  const epoch = partition(image, 't', 0).leaderEpoch;
  image = isrChange(image, [1, 2, 3, 4]);
  const p = partition(image, 't', 0);
  assert.deepEqual([p.replicas, p.isr, p.leader, p.leaderEpoch], [[4, 2, 3], [2, 3, 4], 4, epoch + 1]);
});

test('a move that only removes replicas completes at once; one that only reorders moves no data', () => {
  const image = base();
  const shrunk = partition(start(image, [2, 1]), 't', 0);
  assert.deepEqual([shrunk.replicas, shrunk.isr, shrunk.addingReplicas], [[2, 1], [1, 2], undefined]);
  const out = alterReassignment(image, 't', 0, [3, 1, 2]);
  assert.equal(out.records.length, 1);
  const p = partition(applyRecords(image, out.records), 't', 0);
  assert.deepEqual([p.replicas, p.isr, p.leader, p.addingReplicas], [[3, 1, 2], [1, 2, 3], 1, undefined]);
  assert.deepEqual(alterReassignment(image, 't', 0, [1, 2, 3]).records, [], 'same replicas: nothing');
});

test('cancel restores the original replicas; an adding replica that led hands over', () => {
  let image = start(base(), [4, 2, 3]);
  image = start(image, null);
  let p = partition(image, 't', 0);
  assert.deepEqual([p.replicas, p.isr, p.leader, p.addingReplicas], [[2, 3, 1], [1, 2, 3], 1, undefined]);
  // 4 joins the ISR and leads before the cancel (written directly, as a state between a
  // preferred election and the completion that would follow).
  image = start(base(), [4, 2, 3]);
  const topicId = topicIdOf(image);
  image = applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0, isr: [1, 2, 3, 4] }]);
  image = applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0, leader: 4 }]);
  image = start(image, null);
  p = partition(image, 't', 0);
  assert.deepEqual([p.replicas, p.isr, p.leader], [[2, 3, 1], [1, 2, 3], 2]);
});

test('moves are refused for unknown brokers, fenced new ones, repeats and absent partitions', () => {
  const image = base();
  const code = (replicas: number[] | null, topic = 't') =>
    alterReassignment(image, topic, 0, replicas).outcome;
  assert.equal(code([1, 2, 9]).errorCode, KafkaError.invalidReplicaAssignment.code);
  assert.match(code([1, 2, 9]).errorMessage ?? '', /broker 9 is not registered/);
  assert.equal(code([1, 1, 2]).errorCode, KafkaError.invalidReplicaAssignment.code);
  assert.equal(code([]).errorCode, KafkaError.invalidReplicaAssignment.code);
  assert.equal(code([1, 2, 3], 'nope').errorCode, KafkaError.unknownTopicOrPartition.code);
  assert.equal(code(null).errorCode, KafkaError.noReassignmentInProgress.code);
  const fenced = applyRecords(image, fenceAndMoveAway(image, 4));
  const out = alterReassignment(fenced, 't', 0, [1, 2, 4]).outcome;
  assert.equal(out.errorCode, KafkaError.invalidReplicaAssignment.code);
  assert.match(out.errorMessage ?? '', /broker 4 is fenced/);
});

test('preferred election on request: not needed, not in sync, in maintenance, or done', () => {
  let image = start(base(), [2, 1, 3]);
  assert.equal(electLeader(base(), 't', 0, ElectionType.preferred).outcome.errorCode,
    KafkaError.electionNotNeeded.code);
  const elected = electLeader(image, 't', 0, ElectionType.preferred);
  assert.equal(elected.outcome.errorCode, 0);
  assert.equal(partition(applyRecords(image, elected.records), 't', 0).leader, 2);
  const outOfSync = applyRecords(image, [{ type: 'partitionChange', topicId: topicIdOf(image),
    partition: 0, isr: [1, 3] }]);
  const refused = electLeader(outOfSync, 't', 0, ElectionType.preferred).outcome;
  assert.equal(refused.errorCode, KafkaError.preferredLeaderNotAvailable.code);
  assert.match(refused.errorMessage ?? '', /broker 2 is not in the ISR \[1,3\]/);
  image = applyRecords(image, [{ type: 'brokerMaintenance', brokerId: 2, enabled: true }]);
  assert.match(electLeader(image, 't', 0, ElectionType.preferred).outcome.errorMessage ?? '',
    /maintenance/);
});

test('maintenance drains leaders to other in-sync replicas; the only in-sync replica stays, stuck', () => {
  let image = withTopic(cluster(3), 'm', 6, 3);
  const led = (img: MetadataImage, id: number) =>
    (img.topicsByName.get('m')?.partitions ?? []).filter((p) => p.leader === id).length;
  assert.ok(led(image, 2) > 0);
  const on = setMaintenance(image, 2, true);
  assert.equal(on.outcome.errorCode, 0);
  image = applyRecords(image, on.records);
  assert.equal(led(image, 2), 0);
  assert.deepEqual(maintenanceStatus(image), [{ brokerId: 2, leaderCount: 0, stuckLeaders: 0 }]);
  assert.deepEqual(electPreferredLeaders(image).filter((r) => r.type === 'partitionChange'
    && r.leader === 2), [], 'rebalancing skips it');
  // Brokers 1 and 3 die: 2 is the only live in-sync replica, so it leads (and says so).
  image = applyRecords(image, fenceAndMoveAway(image, 1));
  image = applyRecords(image, fenceAndMoveAway(image, 3));
  assert.equal(led(image, 2), 6);
  assert.deepEqual(maintenanceStatus(image), [{ brokerId: 2, leaderCount: 6, stuckLeaders: 6 }]);
  assert.deepEqual(drainLeaders(image, 2), []);
  const off = setMaintenance(image, 2, false);
  assert.deepEqual(applyRecords(image, off.records).maintenance, new Set());
  assert.equal(setMaintenance(image, 7, true).outcome.errorCode,
    KafkaError.brokerIdNotRegistered.code);
});

test('disabling maintenance gives the broker back the partitions it is preferred for', () => {
  let image = withTopic(cluster(3), 'm', 6, 3);
  const preferred = (image.topicsByName.get('m')?.partitions ?? []).filter((p) => p.replicas[0] === 2);
  assert.ok(preferred.length > 0);
  image = applyRecords(image, setMaintenance(image, 2, true).records);
  image = applyRecords(image, setMaintenance(image, 2, false).records);
  for (const p of preferred) assert.equal(partition(image, 'm', p.partition).leader, 2);
});
