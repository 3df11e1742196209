/**
 * Proves the active controller's AlterPartition and AllocateProducerIds decisions and its
 * preferred-leader rebalancing (ControllerDuties on the fake one-node metadata quorum of
 * lifecycle-fakes.ts, a manual timer per interval): a stale leader epoch is FENCED_LEADER_EPOCH, a
 * stale partition epoch INVALID_UPDATE_VERSION, a stale broker epoch STALE_BROKER_EPOCH for the
 * whole request, each with the partition's current state; an ISR shrink commits and bumps the
 * partition epoch; an unchanged ISR is accepted without a record; v3 member epochs that do not
 * match are INELIGIBLE_REPLICA; a partition named twice is refused the second time; v0–v1 names
 * resolve to ids. Producer-id blocks never overlap and are refused to stale or unknown brokers
 * and by a non-controller. The rebalance timer runs every 30 s while active and moves leaders
 * back to the preferred replica; it stops when leadership is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRecords, type MetadataImage } from '../../../src/metadata/index.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { producerIdBlockSize } from '../../../src/controller/index.js';
import {
  ControllerDuties, preferredLeaderCheckIntervalMsDefault,
} from '../../../src/node/controller-duties.js';
import type { AlterPartitionItem } from '../../../src/server/index.js';
import { cluster, partition, withTopic } from '../controller/support.js';
import { FakeMetadata, silent, testClock, type IntervalTimer } from './lifecycle-fakes.js';

/** One callback per interval, fired by the test; cancel marks it. */
interface Timers {
  every: IntervalTimer;
  fire: (ms: number) => void;
  active: (ms: number) => boolean;
}

function timers(): Timers {
  const runs = new Map<number, { run: () => void; cancelled: boolean }>();
  return {
    every: (run, intervalMs) => {
      const entry = { run, cancelled: false };
      runs.set(intervalMs, entry);
      return { cancel: () => { entry.cancelled = true; } };
    },
    fire: (ms) => {
      const e = runs.get(ms);
      if (e !== undefined && !e.cancelled) e.run();
    },
    active: (ms) => runs.get(ms)?.cancelled === false,
  };
}

function setup(image: MetadataImage) {
  const metadata = new FakeMetadata(image);
  const t = timers();
  const duties = new ControllerDuties({ metadata, metadataOffset: () => metadata.offset,
    log: silent, clock: testClock({ every: t.every }), sessionCheckIntervalMs: 100,
    isQuorumMember: () => true });
  duties.onLeaderChange(true);
  return { metadata, duties, timers: t };
}

/** Brokers 1–3 (epochs 1–3), topic t: one partition, replicas [leader, …] RF 3. */
function threeReplicas(): MetadataImage {
  return withTopic(cluster(3), 't', 1, 3);
}

function item(image: MetadataImage, newIsr: number[], over: Partial<AlterPartitionItem> = {}):
  AlterPartitionItem {
  const p = partition(image, 't', 0);
  const topicId = image.topicsByName.get('t')?.topicId ?? '';
  return { topicId, topicName: '', partition: 0, leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch, newIsr, newIsrEpochs: null, ...over };
}

test('AlterPartition: a shrink commits, bumps the partition epoch, answers the new state',
  async () => {
  const s = setup(threeReplicas());
  const before = partition(s.metadata.image(), 't', 0);
  const leader = before.leader;
  const isr = [leader];
  const r = await s.duties.alterPartition({ brokerId: leader, brokerEpoch: leader,
    partitions: [item(s.metadata.image(), isr)] });
  assert.equal(r.errorCode, 0);
  assert.deepEqual(r.partitions, [{ errorCode: 0, leaderId: leader, leaderEpoch: before.leaderEpoch,
    isr, leaderRecoveryState: 0, partitionEpoch: before.partitionEpoch + 1 }]);
  const after = partition(s.metadata.image(), 't', 0);
  assert.deepEqual(after.isr, isr);
  assert.equal(after.partitionEpoch, before.partitionEpoch + 1);
});

test('AlterPartition: an unchanged ISR is accepted without a record', async () => {
  const s = setup(threeReplicas());
  const p = partition(s.metadata.image(), 't', 0);
  const reordered = [...p.isr].reverse();
  const r = await s.duties.alterPartition({ brokerId: p.leader, brokerEpoch: p.leader,
    partitions: [item(s.metadata.image(), reordered)] });
  assert.equal(r.partitions[0]?.errorCode, 0);
  assert.equal(r.partitions[0]?.partitionEpoch, p.partitionEpoch);
  assert.deepEqual(r.partitions[0]?.isr, p.isr);
  assert.equal(s.metadata.proposals, 0);
});

test('AlterPartition: stale epochs are refused with the current state', async () => {
  const s = setup(threeReplicas());
  const image = s.metadata.image();
  const p = partition(image, 't', 0);
  const current = { leaderId: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr,
    leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch };
  const ask = (over: Partial<AlterPartitionItem>, brokerEpoch = p.leader) =>
    s.duties.alterPartition({ brokerId: p.leader, brokerEpoch,
      partitions: [item(image, [p.leader], over)] });
  const fenced = await ask({ leaderEpoch: p.leaderEpoch + 1 });
  assert.deepEqual(fenced.partitions,
    [{ errorCode: KafkaError.fencedLeaderEpoch.code, ...current }]);
  const version = await ask({ partitionEpoch: p.partitionEpoch + 5 });
  assert.equal(version.partitions[0]?.errorCode, KafkaError.invalidUpdateVersion.code);
  const staleBroker = await ask({}, 99);
  assert.deepEqual(staleBroker, { errorCode: KafkaError.staleBrokerEpoch.code, partitions: [] });
  const follower = p.replicas.find((id) => id !== p.leader) ?? -1;
  const notLeader = await s.duties.alterPartition({ brokerId: follower, brokerEpoch: follower,
    partitions: [item(image, [follower])] });
  assert.equal(notLeader.partitions[0]?.errorCode, KafkaError.notLeaderOrFollower.code);
  assert.equal(s.metadata.proposals, 0);
});

test('AlterPartition: v3 member epochs, duplicates, names and unknown partitions', async () => {
  const s = setup(threeReplicas());
  const image = s.metadata.image();
  const p = partition(image, 't', 0);
  const other = p.replicas.find((id) => id !== p.leader) ?? -1;
  const ask = (items: AlterPartitionItem[]) =>
    s.duties.alterPartition({ brokerId: p.leader, brokerEpoch: p.leader, partitions: items });
  const restarted = await ask([item(image, [p.leader, other],
    { newIsrEpochs: [p.leader, other + 10] })]);
  assert.equal(restarted.partitions[0]?.errorCode, KafkaError.ineligibleReplica.code);
  const twice = await ask([item(image, [p.leader]), item(image, [p.leader])]);
  assert.deepEqual(twice.partitions.map((o) => o.errorCode),
    [0, KafkaError.invalidRequest.code]);
  const unknown = await ask([item(image, [p.leader], { topicId: '', topicName: 'nope' }),
    item(image, [p.leader], { partition: 7 })]);
  assert.deepEqual(unknown.partitions.map((o) => [o.errorCode, o.leaderId]), [
    [KafkaError.unknownTopicOrPartition.code, -1], [KafkaError.unknownTopicOrPartition.code, -1],
  ]);
  const now = s.metadata.image();
  const byName = await ask([item(now, [...p.isr], { topicId: '', topicName: 't' })]);
  assert.equal(byName.partitions[0]?.errorCode, 0);
  assert.deepEqual(partition(s.metadata.image(), 't', 0).isr, p.isr);
});

test('producer-id blocks never overlap; stale, unknown, non-controller requests get none',
  async () => {
  const s = setup(cluster(2));
  const a = await s.duties.allocateProducerIds(1, 1);
  const b = await s.duties.allocateProducerIds(2, -1);
  assert.deepEqual(a, { errorCode: 0, firstProducerId: 0, count: producerIdBlockSize });
  assert.deepEqual(b, { errorCode: 0, firstProducerId: producerIdBlockSize,
    count: producerIdBlockSize });
  assert.equal(s.metadata.image().nextProducerId, 2 * producerIdBlockSize);
  const none = { firstProducerId: -1, count: 0 };
  assert.deepEqual(await s.duties.allocateProducerIds(1, 7),
    { errorCode: KafkaError.staleBrokerEpoch.code, ...none });
  assert.deepEqual(await s.duties.allocateProducerIds(9, -1),
    { errorCode: KafkaError.brokerIdNotRegistered.code, ...none });
  s.metadata.controller = false;
  assert.deepEqual(await s.duties.allocateProducerIds(1, 1),
    { errorCode: KafkaError.notController.code, ...none });
  assert.deepEqual(await s.duties.alterPartition({ brokerId: 1, brokerEpoch: 1, partitions: [] }),
    { errorCode: KafkaError.notController.code, partitions: [] });
});

test('every 30 s the active controller moves leaders back to preferred replicas', async () => {
  // Broker 1 leads p0 (replicas [1, …]); fence it, so leadership moves; then it comes back.
  let image = withTopic(cluster(3), 't', 3, 3);
  const preferred = (img: MetadataImage) => img.topicsByName.get('t')?.partitions
    .map((p) => p.leader === p.replicas[0]);
  const s = setup(image);
  image = applyRecords(image, [{ type: 'partitionChange', topicId: image.topicsByName.get('t')
    ?.topicId ?? '', partition: 0, leader: partition(image, 't', 0).replicas[1] ?? -1 }]);
  s.metadata.current = image;
  assert.deepEqual(preferred(s.metadata.image()), [false, true, true]);
  const every = preferredLeaderCheckIntervalMsDefault;
  assert.equal(every, 30_000);
  s.timers.fire(every);
  // The fake quorum commits in microtasks: they have all run by the next macrotask.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(preferred(s.metadata.image()), [true, true, true]);
  const proposals = s.metadata.proposals;
  await s.duties.rebalanceLeaders();
  assert.equal(s.metadata.proposals, proposals, 'nothing to move: no record');
  s.duties.onLeaderChange(false);
  assert.equal(s.timers.active(every), false);
  assert.equal(s.timers.active(100), false);
});
