/**
 * Proves the controller's broker rules, table-driven on small images: registration (new epoch
 * above every earlier one, retries idempotent, duplicate live ids refused, a new incarnation
 * replacing an expired one fences it and moves its leaderships first), heartbeats (unknown →
 * BROKER_ID_NOT_REGISTERED, stale epoch → STALE_BROKER_EPOCH, unfence once caught up, offline
 * partitions get the returning broker as leader), session expiry (fence + clean election from
 * the ISR with leader epoch + 1, ISR shrink keeping min.insync.replicas members (≥ 1), offline when no candidate, unclean
 * only when the topic allows it, and turning that config on elects the offline partitions of that
 * topic) and controlled shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from '../../../src/protocol/index.js';
import { applyRecords, liveBrokers, type MetadataImage } from '../../../src/metadata/index.js';
import {
  alterTopicConfigs, BrokerLeases, createTopics, expireSessions, heartbeat, registerBroker,
  sessionTimeoutMsDefault, heartbeatIntervalMsDefault,
} from '../../../src/controller/index.js';
import { cluster, clusterId, context, partition, withTopic } from './support.js';

const timeout = 1000;
const registration = (brokerId: number, incarnationId: string) =>
  ({ brokerId, clusterId, incarnationId, host: '10.0.0.9', port: 9092, rack: null });

test('session defaults leave room for several missed heartbeats', () => {
  assert.ok(sessionTimeoutMsDefault >= 5 * heartbeatIntervalMsDefault);
  assert.ok(sessionTimeoutMsDefault <= 1500, 'failover target: p99 ≤ 2 s');
});

test('registration: epochs, retries, duplicates, wrong cluster', () => {
  const leases = new BrokerLeases();
  const ctx = { leases, nowMs: 0, sessionTimeoutMs: timeout };
  const image = cluster(2);
  const fresh = registerBroker(image, registration(3, 'a'), ctx);
  assert.deepEqual(fresh.result, { errorCode: 0, brokerEpoch: 3 });
  const after = applyRecords(image, fresh.records);
  assert.equal(after.brokers.get(3)?.fenced, true, 'starts fenced');
  assert.deepEqual(registerBroker(after, registration(3, 'a'), ctx),
    { records: [], result: { errorCode: 0, brokerEpoch: 3 } }, 'a retry changes nothing');
  const table: [string, ReturnType<typeof registration>, number][] = [
    ['live id, other incarnation', registration(1, 'other'), KafkaError.duplicateBrokerRegistration.code],
    ['wrong cluster', { ...registration(4, 'x'), clusterId: 'elsewhere' },
      KafkaError.inconsistentClusterId.code],
    ['fenced id, new incarnation', registration(3, 'b'), 0],
  ];
  leases.touch(1, 0);
  for (const [label, req, errorCode] of table) {
    const { records, result } = registerBroker(after, req, ctx);
    assert.equal(result.errorCode, errorCode, label);
    assert.equal(records.length > 0, errorCode === 0, label);
  }
  const replaced = applyRecords(after, registerBroker(after, registration(3, 'b'), ctx).records);
  assert.equal(replaced.brokers.get(3)?.brokerEpoch, 4, 'above every earlier epoch');
});

test('registration: a new incarnation of an expired broker moves its leaderships first', () => {
  const image = withTopic(cluster(3), 't', 3, 3);
  const leases = new BrokerLeases();
  for (const id of [1, 2, 3]) leases.touch(id, 0);
  const led = [0, 1, 2].filter((i) => partition(image, 't', i).leader === 1);
  assert.equal(led.length, 1);
  const { records, result } = registerBroker(image, registration(1, 'restarted'),
    { leases, nowMs: timeout + 1, sessionTimeoutMs: timeout });
  assert.equal(result.errorCode, 0);
  assert.deepEqual(records.map((r) => r.type), ['fenceBroker', 'partitionChange', 'partitionChange',
    'partitionChange', 'registerBroker'], 'broker 1 leaves all three ISRs, then re-registers');
  const after = applyRecords(image, records);
  for (const i of [0, 1, 2]) assert.ok(!partition(after, 't', i).isr.includes(1));
  assert.notEqual(partition(after, 't', led[0] as number).leader, 1);
});

test('heartbeat: table of answers', () => {
  const image = applyRecords(cluster(2), [{ type: 'fenceBroker', brokerId: 2, brokerEpoch: 2 }]);
  const table: [string, { brokerId: number; brokerEpoch: number; caughtUp: boolean;
    wantShutdown: boolean }, { errorCode: number; isFenced: boolean; shouldShutdown: boolean },
    string[]][] = [
    ['unknown broker', { brokerId: 9, brokerEpoch: 1, caughtUp: true, wantShutdown: false },
      { errorCode: KafkaError.brokerIdNotRegistered.code, isFenced: true, shouldShutdown: false }, []],
    ['stale epoch', { brokerId: 1, brokerEpoch: 0, caughtUp: true, wantShutdown: false },
      { errorCode: KafkaError.staleBrokerEpoch.code, isFenced: true, shouldShutdown: false }, []],
    ['live broker', { brokerId: 1, brokerEpoch: 1, caughtUp: true, wantShutdown: false },
      { errorCode: 0, isFenced: false, shouldShutdown: false }, []],
    ['fenced, behind', { brokerId: 2, brokerEpoch: 2, caughtUp: false, wantShutdown: false },
      { errorCode: 0, isFenced: true, shouldShutdown: false }, []],
    ['fenced, caught up', { brokerId: 2, brokerEpoch: 2, caughtUp: true, wantShutdown: false },
      { errorCode: 0, isFenced: false, shouldShutdown: false }, ['unfenceBroker']],
    ['shutdown', { brokerId: 1, brokerEpoch: 1, caughtUp: true, wantShutdown: true },
      { errorCode: 0, isFenced: true, shouldShutdown: true }, ['fenceBroker']],
    ['shutdown when fenced', { brokerId: 2, brokerEpoch: 2, caughtUp: true, wantShutdown: true },
      { errorCode: 0, isFenced: true, shouldShutdown: true }, []],
  ];
  for (const [label, req, result, types] of table) {
    const out = heartbeat(image, new BrokerLeases(), req, 0);
    assert.deepEqual(out.result, result, label);
    assert.deepEqual(out.records.map((r) => r.type), types, label);
  }
});

test('heartbeat: leases renew; only silent brokers expire', () => {
  const image = cluster(3);
  const leases = new BrokerLeases();
  assert.deepEqual(expireSessions(image, leases, 0, timeout), [], 'a new controller grants leases');
  heartbeat(image, leases, { brokerId: 1, brokerEpoch: 1, caughtUp: true, wantShutdown: false }, 900);
  assert.deepEqual(expireSessions(image, leases, timeout, timeout), [], 'at the limit still alive');
  const records = expireSessions(image, leases, timeout + 1, timeout);
  assert.deepEqual(records, [
    { type: 'fenceBroker', brokerId: 2, brokerEpoch: 2 },
    { type: 'fenceBroker', brokerId: 3, brokerEpoch: 3 },
  ]);
  assert.deepEqual(liveBrokers(applyRecords(image, records)).map((b) => b.brokerId), [1]);
});

/** Expires broker `id` (every other broker heartbeats at `at`) and applies the result. */
function expire(image: MetadataImage, id: number): MetadataImage {
  const leases = new BrokerLeases();
  for (const b of image.brokers.keys()) leases.touch(b, b === id ? 0 : timeout + 1);
  return applyRecords(image, expireSessions(image, leases, timeout + 1, timeout));
}

test('expiry: clean election from the ISR, leader epoch + 1, ISR keeps ≥ 1 member', () => {
  const image = withTopic(cluster(3), 't', 3, 3);
  const p0 = partition(image, 't', 0);
  const after = expire(image, p0.leader);
  const q0 = partition(after, 't', 0);
  assert.equal(q0.leader, p0.replicas[1], 'next in replica order');
  assert.equal(q0.leaderEpoch, p0.leaderEpoch + 1);
  assert.deepEqual(q0.isr, p0.isr.filter((id) => id !== p0.leader));
  const single = withTopic(cluster(2), 'one', 1, 1);
  const lone = partition(single, 'one', 0).leader;
  const offline = partition(expire(single, lone), 'one', 0);
  assert.deepEqual([offline.leader, offline.isr, offline.leaderEpoch], [-1, [lone], 1]);
});

test('expiry: no unclean election unless the topic enables it', () => {
  let image = withTopic(cluster(2), 'u', 1, 2);
  const p = partition(image, 'u', 0);
  const [first, second] = p.replicas as [number, number];
  // The second replica falls out of the ISR, then the leader dies: nobody in sync is left.
  image = applyRecords(image, [{ type: 'partitionChange', topicId: image.topicsByName.get('u')?.topicId
    ?? '', partition: 0, isr: [first] }]);
  assert.equal(partition(expire(image, first), 'u', 0).leader, -1);
  const allowed = applyRecords(image, [{ type: 'config', resourceType: 'topic', resourceName: 'u',
    name: 'unclean.leader.election.enable', value: 'true' }]);
  const unclean = partition(expire(allowed, first), 'u', 0);
  assert.deepEqual([unclean.leader, unclean.isr, unclean.leaderRecoveryState], [second, [second], 1]);
});

test('turning unclean election on elects the offline partitions of that topic only', () => {
  const [first, second] = [1, 2];
  let image = cluster(2);
  for (const name of ['u', 'other']) {
    const { results, records } = createTopics(image, [{ name, numPartitions: -1,
      replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [first, second] }],
      configs: [] }], context());
    assert.equal(results[0]?.errorCode, 0, results[0]?.errorMessage ?? '');
    image = applyRecords(image, records);
  }
  const shrink = (name: string, keep: number) => ({ type: 'partitionChange' as const,
    topicId: image.topicsByName.get(name)?.topicId ?? '', partition: 0, isr: [keep] });
  // Both topics: only the first replica in sync, and it dies; both go offline.
  image = applyRecords(image, [shrink('u', first), shrink('other', first)]);
  image = expire(image, first);
  assert.equal(partition(image, 'u', 0).leader, -1);
  const off = alterTopicConfigs(image, 'u', [{ name: 'unclean.leader.election.enable',
    value: 'false' }]);
  assert.equal(off.records.length, 1, 'false changes the config only');
  const on = alterTopicConfigs(image, 'u', [{ name: 'unclean.leader.election.enable',
    value: 'TRUE' }]);
  assert.equal(on.outcome.errorCode, 0);
  const after = applyRecords(image, on.records);
  const u = partition(after, 'u', 0);
  assert.deepEqual([u.leader, u.isr, u.leaderRecoveryState], [second, [second], 1]);
  assert.equal(partition(after, 'other', 0).leader, -1, 'another topic stays offline');
});

test('a returning broker leads the offline partitions whose ISR it is in', () => {
  const image = withTopic(cluster(2), 'one', 2, 1);
  const ids = [0, 1].map((i) => partition(image, 'one', i).leader);
  const down = expire(image, ids[0] as number);
  const epoch = down.brokers.get(ids[0] as number)?.brokerEpoch as number;
  const back = heartbeat(down, new BrokerLeases(),
    { brokerId: ids[0] as number, brokerEpoch: epoch, caughtUp: true, wantShutdown: false }, 0);
  const after = applyRecords(down, back.records);
  const p = partition(after, 'one', 0);
  assert.deepEqual([p.leader, p.leaderEpoch], [ids[0], 2]);
});

test('a fenced replica leaves an ISR only while min.insync.replicas members stay: after a whole-' +
  'cluster restart a returning replica, not the one whose disk died, leads (sim seed 683)', () => {
  let image = withTopic(cluster(3), 't', 1, 3);
  const p = partition(image, 't', 0);
  const [leader, a, b] = p.replicas as [number, number, number];
  assert.equal(p.leader, leader);
  // Power returns: the controller fences the followers' old sessions first, then the leader's.
  image = expire(image, a);
  assert.deepEqual([...partition(image, 't', 0).isr].sort(), [leader, b].sort(), 'two stay: a leaves');
  image = expire(image, b);
  assert.deepEqual([...partition(image, 't', 0).isr].sort(), [leader, b].sort(),
    'was: [leader] alone — b keeps its place, min.insync.replicas=2');
  image = expire(image, leader);
  const offline = partition(image, 't', 0);
  assert.equal(offline.leader, -1);
  assert.deepEqual([...offline.isr].sort(), [leader, b].sort());
  // b comes back: it leads (clean: it holds everything acks=all acknowledged); the dead leader stays
  // in the ISR while b alone would be below min.insync.replicas.
  const epoch = image.brokers.get(b)?.brokerEpoch as number;
  const back = heartbeat(image, new BrokerLeases(), { brokerId: b, brokerEpoch: epoch, caughtUp: true,
    wantShutdown: false }, 0);
  image = applyRecords(image, back.records);
  const led = partition(image, 't', 0);
  assert.equal(led.leader, b);
  assert.deepEqual([...led.isr].sort(), [leader, b].sort());
  // min.insync.replicas=1: the old rule, only the last member stays.
  let one = withTopic(cluster(3), 'o', 1, 3, [{ name: 'min.insync.replicas', value: '1' }]);
  const q = partition(one, 'o', 0);
  one = expire(expire(one, q.replicas[1] as number), q.replicas[2] as number);
  assert.deepEqual(partition(one, 'o', 0).isr, [q.leader]);
});

test('controlled shutdown moves leaderships away before saying stop', () => {
  const image = withTopic(cluster(3), 't', 6, 3);
  const { records, result } = heartbeat(image, new BrokerLeases(),
    { brokerId: 2, brokerEpoch: 2, caughtUp: true, wantShutdown: true }, 0);
  assert.equal(result.shouldShutdown, true);
  const after = applyRecords(image, records);
  for (let i = 0; i < 6; i++) {
    const p = partition(after, 't', i);
    assert.notEqual(p.leader, 2);
    assert.ok(p.leader !== -1 && !p.isr.includes(2));
  }
});
