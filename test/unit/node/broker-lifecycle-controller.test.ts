/**
 * Proves the controller side of broker registration and liveness (ControllerDuties) on a fake
 * one-node metadata quorum, a manual session-check timer and a fake clock: a registered broker
 * stays fenced until its heartbeat's metadata offset reaches its registration, then is unfenced;
 * an expired session fences it and moves its leaderships; a new controller grants fresh leases
 * (no mass fencing on failover); wantShutDown fences and answers shouldShutDown; unregister
 * removes the broker (and, when it was fenced, its node from the quorum: onUnregistered); a second live process with the same id is refused; a non-controller
 * answers NOT_CONTROLLER; a registration from an id outside the metadata quorum, or with a host,
 * port or rack no node config could hold, is refused INVALID_REQUEST with no record (issue 13).
 * Internal topics grow: a broker unfenced (not merely registered) gets replicas of
 * `__consumer_offsets`, and a new controller completes growth left undone. Also the DescribeQuorum
 * view of a Raft status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRecords, emptyImage, type MetadataRecord } from '../../../src/metadata/index.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { ControllerDuties, quorumStatusOf } from '../../../src/node/controller-duties.js';
import type { Status } from '../../../src/raft/index.js';
import { withTopic } from '../controller/support.js';
import { FakeClock, FakeMetadata, manualTimer, silent, testClock } from './lifecycle-fakes.js';
import { brokerHeartbeatHandler } from '../../../src/server/handlers/broker-heartbeat.js';

const sessionTimeoutMs = 1200;

function setup(records: MetadataRecord[] = []) {
  const metadata = new FakeMetadata(applyRecords(emptyImage('cluster'), records));
  const clock = new FakeClock();
  const timer = manualTimer();
  const unfenced: number[] = [];
  const duties = new ControllerDuties({
    metadata, metadataOffset: () => metadata.offset, log: silent,
    clock: testClock({ clock, every: timer.every }), sessionTimeoutMs, sessionCheckIntervalMs: 100,
    onBrokerUnfenced: (id) => unfenced.push(id), isQuorumMember: (id) => id < 100,
  });
  duties.onLeaderChange(true);
  return { metadata, clock, timer, duties, unfenced };
}

const reg = (brokerId: number, incarnationId = `inc-${brokerId}`) => ({
  brokerId, clusterId: 'cluster', incarnationId, host: '127.0.0.1', port: 9000 + brokerId,
  rack: null,
});
const hb = (brokerId: number, brokerEpoch: number, currentMetadataOffset: number,
  more: { wantShutdown?: boolean; wantFence?: boolean } = {}) => ({
  brokerId, brokerEpoch, currentMetadataOffset, wantFence: more.wantFence ?? false,
  wantShutdown: more.wantShutdown ?? false,
});

/** Registers and unfences brokers 1..n; returns their epochs. */
async function live(s: ReturnType<typeof setup>, n: number): Promise<number[]> {
  const epochs: number[] = [];
  for (let id = 1; id <= n; id++) {
    const r = await s.duties.registerBroker(reg(id));
    assert.equal(r.errorCode, 0);
    const h = await s.duties.brokerHeartbeat(hb(id, r.brokerEpoch, s.metadata.offset));
    assert.equal(h.isFenced, false);
    epochs.push(r.brokerEpoch);
  }
  return epochs;
}

const offsetsReplicas = (s: ReturnType<typeof setup>) => s.metadata.image().topicsByName
  .get('__consumer_offsets')?.partitions.map((p) => [...p.replicas]);
/** Resolves once every decision queued before it has been applied. */
const applied = (s: ReturnType<typeof setup>) =>
  s.metadata.propose(() => ({ records: [], result: undefined }));

test('an unfenced broker gets replicas of __consumer_offsets, up to min(3, live)', async () => {
  const s = setup();
  await live(s, 1);
  s.metadata.current = withTopic(s.metadata.current, '__consumer_offsets', 2, 1);
  const r2 = await s.duties.registerBroker(reg(2));
  await applied(s);
  assert.deepEqual(offsetsReplicas(s), [[1], [1]], 'registered but fenced: nothing yet');
  await s.duties.brokerHeartbeat(hb(2, r2.brokerEpoch, s.metadata.offset));
  await applied(s);
  assert.deepEqual(offsetsReplicas(s), [[1, 2], [1, 2]]);
  const proposals = s.metadata.proposals;
  await s.duties.growInternalTopics();
  await applied(s);
  assert.equal(s.metadata.proposals, proposals, 'nothing more to do: nothing proposed');
});

test('a new controller completes internal topic growth left undone', async () => {
  const s = setup();
  await live(s, 2);
  s.metadata.current = withTopic(s.metadata.current, '__consumer_offsets', 2, 1);
  s.duties.onLeaderChange(false);
  const next = new ControllerDuties({ metadata: s.metadata, metadataOffset: () => s.metadata.offset,
    log: silent, clock: testClock({ clock: s.clock, every: s.timer.every }),
    offsetsTopicReplicationFactor: 3,
    isQuorumMember: () => true });
  assert.deepEqual(offsetsReplicas(s), [[1], [2]],
    'one replica each, as if created by a cluster of one');
  next.onLeaderChange(true);
  await applied(s);
  assert.deepEqual(offsetsReplicas(s), [[1, 2], [2, 1]]);
  next.close();
});

test('a broker is unfenced only once its metadata offset reaches its registration', async () => {
  const s = setup();
  const r = await s.duties.registerBroker(reg(1));
  assert.equal(r.errorCode, 0);
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  const behind = await s.duties.brokerHeartbeat(hb(1, r.brokerEpoch, s.metadata.offset - 1));
  assert.deepEqual(behind,
    { errorCode: 0, isCaughtUp: false, isFenced: true, shouldShutdown: false });
  const caughtUp = await s.duties.brokerHeartbeat(hb(1, r.brokerEpoch, s.metadata.offset));
  assert.deepEqual(caughtUp,
    { errorCode: 0, isCaughtUp: true, isFenced: false, shouldShutdown: false });
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, false);
  assert.deepEqual(s.unfenced, [1]);
  const stale = await s.duties.brokerHeartbeat(hb(1, r.brokerEpoch - 1, s.metadata.offset));
  assert.equal(stale.errorCode, KafkaError.staleBrokerEpoch.code);
});

test('an expired session fences the broker and moves its leaderships', async () => {
  const s = setup();
  const epochs = await live(s, 2);
  s.metadata.current = withTopic(s.metadata.current, 't', 2, 2);
  const led = (id: number) => s.metadata.image().topicsByName.get('t')?.partitions
    .filter((p) => p.leader === id).length;
  assert.equal(led(1), 1);
  s.clock.ms += 800;
  await s.duties.brokerHeartbeat(hb(2, epochs[1] as number, s.metadata.offset));
  s.clock.ms += 500; // broker 1: 1300 ms silent; broker 2: 500 ms
  await s.duties.checkSessions();
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  assert.equal(s.metadata.image().brokers.get(2)?.fenced, false);
  assert.equal(led(1), 0);
  assert.equal(led(2), 2);
  // The fenced broker heartbeats again (it was only stalled): caught up, so unfenced.
  const back = await s.duties.brokerHeartbeat(hb(1, epochs[0] as number, s.metadata.offset));
  assert.equal(back.isFenced, false);
});

test('a broker fenced while cut off is unfenced only once it has applied its fence (found by the ' +
  'whole-cluster simulation)', async () => {
  const s = setup();
  const epochs = await live(s, 2);
  s.metadata.current = withTopic(s.metadata.current, 't', 2, 2);
  const before = s.metadata.offset; // what broker 1 had applied when it was cut off
  s.clock.ms += 800;
  await s.duties.brokerHeartbeat(hb(2, epochs[1] as number, s.metadata.offset));
  s.clock.ms += 500;
  await s.duties.checkSessions();
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  // Back, with the image it had: unfenced now it would take its lease back and name itself leader
  // of the partitions the fence moved away.
  const stale = await s.duties.brokerHeartbeat(hb(1, epochs[0] as number, before));
  assert.deepEqual(stale, { errorCode: 0, isCaughtUp: false, isFenced: true, shouldShutdown: false });
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  const caughtUp = await s.duties.brokerHeartbeat(hb(1, epochs[0] as number, s.metadata.offset));
  assert.equal(caughtUp.isFenced, false);
});

test('the timer drives the session check, and stops with leadership', async () => {
  const s = setup();
  await live(s, 1);
  s.clock.ms += sessionTimeoutMs + 1;
  s.timer.fire();
  // Queued behind the check's decision: resolves after it.
  await s.metadata.propose(() => ({ records: [], result: undefined }));
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  s.duties.onLeaderChange(false);
  assert.equal(s.timer.cancelled(), true);
});

test('a new controller grants every broker a fresh lease: no fencing on failover', async () => {
  const s = setup();
  await live(s, 3);
  s.duties.onLeaderChange(false);
  s.clock.ms += 10 * sessionTimeoutMs; // leadership elsewhere for a long time
  s.duties.onLeaderChange(true);
  await s.duties.checkSessions();
  for (const id of [1, 2, 3]) assert.equal(s.metadata.image().brokers.get(id)?.fenced, false);
  s.clock.ms += sessionTimeoutMs + 1;
  await s.duties.checkSessions();
  for (const id of [1, 2, 3]) assert.equal(s.metadata.image().brokers.get(id)?.fenced, true);
});

test('a registration this controller did not see needs the offset of its takeover', async () => {
  const s = setup([
    { type: 'registerBroker', brokerId: 4, incarnationId: 'x', host: 'h', port: 1, rack: null,
      brokerEpoch: 7 },
  ]);
  s.metadata.offset = 50;
  const behind = await s.duties.brokerHeartbeat(hb(4, 7, 49));
  assert.equal(behind.isFenced, true);
  const caughtUp = await s.duties.brokerHeartbeat(hb(4, 7, 50));
  assert.equal(caughtUp.isFenced, false);
});

test('controlled shutdown: wantShutDown fences, moves leaderships, says shut down', async () => {
  const s = setup();
  const epochs = await live(s, 2);
  s.metadata.current = withTopic(s.metadata.current, 't', 2, 2);
  const r = await s.duties.brokerHeartbeat(hb(1, epochs[0] as number, s.metadata.offset,
    { wantShutdown: true }));
  assert.deepEqual(r, { errorCode: 0, isCaughtUp: true, isFenced: true, shouldShutdown: true });
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  for (const p of s.metadata.image().topicsByName.get('t')?.partitions ?? []) {
    assert.equal(p.leader, 2);
    assert.deepEqual(p.isr, [2]);
  }
  const again = await s.duties.brokerHeartbeat(hb(1, epochs[0] as number, s.metadata.offset,
    { wantShutdown: true }));
  assert.equal(again.shouldShutdown, true);
});

test('wantFence fences without shutting down', async () => {
  const s = setup();
  const [epoch] = await live(s, 1);
  const r = await s.duties.brokerHeartbeat(
    hb(1, epoch as number, s.metadata.offset, { wantFence: true }));
  assert.equal(r.isFenced, true);
  assert.equal(r.shouldShutdown, false);
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
});

test('unregister removes the broker; an unknown id is BROKER_ID_NOT_REGISTERED', async () => {
  const s = setup();
  const [epoch] = await live(s, 1);
  assert.deepEqual(await s.duties.unregisterBroker(1), { errorCode: 0, errorMessage: null });
  assert.equal(s.metadata.image().brokers.has(1), false);
  const again = await s.duties.unregisterBroker(1);
  assert.equal(again.errorCode, KafkaError.brokerIdNotRegistered.code);
  const h = await s.duties.brokerHeartbeat(hb(1, epoch as number, s.metadata.offset));
  assert.equal(h.errorCode, KafkaError.brokerIdNotRegistered.code);
});

test('a broker unregistered once fenced (its node gone: decommission) leaves the quorum too; a ' +
  'live one unregistered stays a member (it registers again at its next heartbeat)', async () => {
  const s = setup();
  const forgotten: number[] = [];
  const duties = new ControllerDuties({
    metadata: s.metadata, metadataOffset: () => s.metadata.offset, log: silent,
    clock: testClock({ clock: s.clock, every: s.timer.every }), sessionTimeoutMs, sessionCheckIntervalMs: 100,
    isQuorumMember: () => true, onUnregistered: async (id) => { forgotten.push(id); },
  });
  s.duties.onLeaderChange(false);
  duties.onLeaderChange(true);
  const epochs: number[] = [];
  for (const id of [1, 2]) {
    const r = await duties.registerBroker(reg(id));
    await duties.brokerHeartbeat(hb(id, r.brokerEpoch, s.metadata.offset));
    epochs.push(r.brokerEpoch);
  }
  s.clock.ms += 800;
  await duties.brokerHeartbeat(hb(2, epochs[1] as number, s.metadata.offset));
  s.clock.ms += 500; // broker 1 silent for 1300 ms: fenced
  await duties.checkSessions();
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  assert.equal((await duties.unregisterBroker(1)).errorCode, 0);
  assert.deepEqual(forgotten, [1]);
  assert.equal((await duties.unregisterBroker(2)).errorCode, 0, 'live: unregistered all the same');
  assert.deepEqual(forgotten, [1], 'but not taken out of the quorum');
  duties.close();
});

test('an unregistered broker leaves every ISR, the last place too: back on a new disk under its ' +
  'id it is not elected from an old one (sim seed 683)', async () => {
  const s = setup();
  const epochs = await live(s, 3);
  s.metadata.current = withTopic(s.metadata.current, 't', 1, 3);
  const topicId = s.metadata.image().topicsByName.get('t')?.topicId ?? '';
  // Only broker 1 in sync, and it is gone (fenced).
  s.metadata.current = applyRecords(s.metadata.current, [
    { type: 'partitionChange', topicId, partition: 0, leader: 1, isr: [1] },
    { type: 'fenceBroker', brokerId: 1, brokerEpoch: epochs[0] as number },
  ]);
  assert.equal((await s.duties.unregisterBroker(1)).errorCode, 0);
  const p = s.metadata.image().topicsByName.get('t')?.partitions[0];
  assert.deepEqual([p?.leader, p?.isr], [-1, []], 'offline, waiting for an explicit unclean election');
  // Broker 1 registers again (a new disk): nothing to be elected from.
  const r = await s.duties.registerBroker(reg(1, 'inc-new'));
  await s.duties.brokerHeartbeat(hb(1, r.brokerEpoch, s.metadata.offset));
  assert.equal(s.metadata.image().topicsByName.get('t')?.partitions[0]?.leader, -1);
});

test('a second live process with the same id waits out the first one\'s session', async () => {
  const s = setup();
  await live(s, 1);
  const dup = await s.duties.registerBroker(reg(1, 'other-process'));
  assert.equal(dup.errorCode, KafkaError.duplicateBrokerRegistration.code);
  s.clock.ms += sessionTimeoutMs + 1;
  const ok = await s.duties.registerBroker(reg(1, 'other-process'));
  assert.equal(ok.errorCode, 0);
  assert.equal(s.metadata.image().brokers.get(1)?.incarnationId, 'other-process');
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  const wrongCluster = await s.duties.registerBroker({ ...reg(2), clusterId: 'elsewhere' });
  assert.equal(wrongCluster.errorCode, KafkaError.inconsistentClusterId.code);
});

test('a node that is not the controller answers NOT_CONTROLLER and writes nothing', async () => {
  const s = setup();
  s.metadata.controller = false;
  const code = KafkaError.notController.code;
  assert.equal((await s.duties.registerBroker(reg(1))).errorCode, code);
  assert.equal((await s.duties.brokerHeartbeat(hb(1, 1, 0))).errorCode, code);
  assert.equal((await s.duties.unregisterBroker(1)).errorCode, code);
  s.metadata.controller = true;
  s.duties.onLeaderChange(false);
  assert.equal((await s.duties.registerBroker(reg(1))).errorCode, code);
  assert.equal(s.metadata.proposals, 0);
});

test('quorumStatusOf: the leader reports match indexes, a follower only its own log end', () => {
  const base = {
    id: 1, term: 4, vote: 1, leaderId: 1, role: 'leader', commit: 40, applied: 40, firstIndex: 1,
    lastIndex: 42, conf: { voters: [1, 2, 3], learners: [4] }, leadTransferee: 0,
    progress: new Map([[1, { match: 42 }], [2, { match: 40 }], [4, { match: 12 }]]),
  } as unknown as Status;
  assert.deepEqual(quorumStatusOf(base), {
    leaderId: 1, leaderEpoch: 4, highWatermark: 40,
    voters: [{ replicaId: 1, logEndOffset: 42 }, { replicaId: 2, logEndOffset: 40 },
      { replicaId: 3, logEndOffset: -1 }],
    observers: [{ replicaId: 4, logEndOffset: 12 }],
  });
  const follower = { ...base, id: 2, role: 'follower', leaderId: 0, progress: new Map() } as Status;
  const f = quorumStatusOf(follower);
  assert.equal(f.leaderId, -1);
  assert.deepEqual(f.voters.map((v) => v.logEndOffset), [-1, 42, -1]);
});

test('a registration from outside the quorum or with bad fields changes nothing', async () => {
  const s = setup();
  const before = s.metadata.image();
  const refused = [
    reg(100),
    reg(-1),
    { ...reg(2), host: '' },
    { ...reg(2), host: 'h'.repeat(254) },
    { ...reg(2), port: 0 },
    { ...reg(2), rack: 'r'.repeat(65) },
  ];
  for (const req of refused) {
    assert.deepEqual(await s.duties.registerBroker(req),
      { errorCode: KafkaError.invalidRequest.code, brokerEpoch: -1 }, JSON.stringify(req));
  }
  assert.equal(s.metadata.image(), before, 'no record was proposed');
  assert.equal((await s.duties.registerBroker({ ...reg(2), rack: 'r'.repeat(64) })).errorCode, 0);
});

test('a broker whose heartbeat connection closed is fenced after the grace, not a whole ' +
  'session; a heartbeat within the grace keeps it', async () => {
  const s = setup();
  await live(s, 2);
  const start = s.clock.ms;
  s.duties.brokerConnectionClosed(2);
  s.clock.ms = start + 400;
  await s.duties.checkSessions();
  assert.equal(s.metadata.image().brokers.get(2)?.fenced, false, 'within the 500 ms grace');
  s.clock.ms = start + 501;
  await s.duties.checkSessions();
  assert.equal(s.metadata.image().brokers.get(2)?.fenced, true, 'fenced at the grace');
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, false, 'only that broker');

  // Broker 1's connection breaks but it reconnects and heartbeats at once: kept.
  const epoch1 = s.metadata.image().brokers.get(1)!.brokerEpoch;
  s.duties.brokerConnectionClosed(1);
  await s.duties.brokerHeartbeat(hb(1, epoch1, s.metadata.offset));
  s.clock.ms += 600;
  await s.duties.checkSessions();
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, false);
});

test('the heartbeat handler reports the close of a connection a broker heartbeated on, once',
  async () => {
    const closed: number[] = [];
    const controller = {
      registerBroker: async () => ({ errorCode: 0, brokerEpoch: 1 }),
      brokerHeartbeat: async () => ({ errorCode: 0, isCaughtUp: true, isFenced: false,
        shouldShutdown: false }),
      unregisterBroker: async () => ({ errorCode: 0, errorMessage: null }),
      brokerConnectionClosed: (id: number) => closed.push(id),
    };
    const handler = brokerHeartbeatHandler(controller);
    const connection = new AbortController();
    const ctx = { apiVersion: 0, correlationId: 1, clientId: 'b', clientHost: 'h', connectionId: 7,
      log: silent, signal: connection.signal };
    const req = { brokerId: 3, brokerEpoch: 1, currentMetadataOffset: 0, wantFence: false,
      wantShutDown: false, offlineLogDirs: [] };
    await handler.handle(ctx, req);
    await handler.handle(ctx, req);
    assert.deepEqual(closed, []);
    connection.abort();
    assert.deepEqual(closed, [3], 'once, for the broker that heartbeated on it');
  });
