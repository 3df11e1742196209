/**
 * Seeded random test of the controller as a whole: 3–5 brokers that die, come back as new
 * incarnations, heartbeat (sometimes with stale epochs), shut down; sessions that expire; topics
 * created; ISR changes from leaders (some stale); preferred-leader elections; producer-id blocks;
 * `__consumer_offsets` created with one replica and grown as brokers come (internal-topics.ts).
 * After every step: each partition's leader is in its ISR or -1; ISR ⊆ replicas; no fenced or
 * unregistered broker leads; leader and partition epochs never go back; replicas are never
 * removed except by a reassignment (KIP-455: a removing replica once every target replica is in
 * the ISR, an adding one when cancelled); growing changes no leader, epoch or ISR and is
 * idempotent; a broker in maintenance mode is elected only when no other live ISR member could
 * be; a snapshot of the image decodes to the same image. Rare events are counted over all seeds and must each happen.
 * Replay one seed: PADO_SEED=<n> node --test dist/test/unit/controller/random.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  applyRecords, decodeImageSnapshot, emptyImage, encodeImageSnapshot,
  type MetadataImage, type MetadataRecord,
} from '../../../src/metadata/index.js';
import {
  allocateProducerIds, alterPartition, alterReassignment, BrokerLeases, completeReassignments,
  completionsAfter, createTopics, electPreferredLeaders, expireSessions, growInternalTopics,
  heartbeat, isLive, registerBroker, setMaintenance,
} from '../../../src/controller/index.js';
import { seededUuid } from '../metadata/support.js';

const sessionTimeoutMs = 1000;
const steps = 150;
const seeds = process.env.PADO_SEED !== undefined ? [Number(process.env.PADO_SEED)] : range(1, 30);

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

interface World {
  readonly p: Prng;
  image: MetadataImage;
  readonly leases: BrokerLeases;
  nowMs: number;
  /** Broker processes running now (they heartbeat), by id → incarnation. */
  readonly running: Map<number, string>;
  readonly brokerCount: number;
}

const marks = new Map<string, number>();
const mark = (name: string) => marks.set(name, (marks.get(name) ?? 0) + 1);

function commit(w: World, records: readonly MetadataRecord[]): void {
  const before = w.image;
  w.image = applyRecords(w.image, records);
  for (const r of records) {
    if (r.type === 'fenceBroker' || r.type === 'unfenceBroker') mark(r.type);
    if (r.type === 'partitionChange' && r.leader === -1) mark('offline');
    if (r.type === 'partitionChange' && r.leader !== undefined && r.leader >= 0) mark('elected');
  }
  checkInvariants(before, w.image, records);
}

function startBroker(w: World, id: number): void {
  const incarnationId = seededUuid(w.p);
  const req = { brokerId: id, clusterId: w.image.clusterId, incarnationId, host: 'h', port: 9092,
    rack: w.p.chance(0.5) ? `r${id % 2}` : null };
  const { records, result } = registerBroker(w.image, req,
    { leases: w.leases, nowMs: w.nowMs, sessionTimeoutMs });
  if (result.errorCode !== 0) {
    mark('registration refused');
    return;
  }
  w.running.set(id, incarnationId);
  commit(w, records);
}

function heartbeats(w: World): void {
  for (const [id, incarnation] of w.running) {
    const b = w.image.brokers.get(id);
    if (b === undefined || b.incarnationId !== incarnation || w.p.chance(0.1)) continue;
    const stale = w.p.chance(0.05);
    const wantShutdown = w.p.chance(0.02);
    const out = heartbeat(w.image, w.leases, { brokerId: id, brokerEpoch: b.brokerEpoch - (stale ? 1 : 0),
      caughtUp: w.p.chance(0.8), wantShutdown }, w.nowMs);
    commit(w, out.records);
    if (out.result.shouldShutdown) {
      mark('controlled shutdown');
      w.running.delete(id);
    }
  }
}

function createTopic(w: World): void {
  const name = `t${w.p.below(1_000_000)}`;
  const { records } = createTopics(w.image, [{ name, numPartitions: w.p.between(1, 4),
    replicationFactor: w.p.between(1, 3), assignments: [], configs: [] }], {
    newTopicId: () => seededUuid(w.p), defaultPartitions: 1, defaultReplicationFactor: 1,
    partitionsPerTopicMax: 100 });
  commit(w, records);
}

/** Creates `__consumer_offsets` with one replica (a cluster of one), or grows it to 3. */
function internalTopic(w: World): void {
  if (!w.image.topicsByName.has('__consumer_offsets')) {
    const { records } = createTopics(w.image, [{ name: '__consumer_offsets', numPartitions: 3,
      replicationFactor: 1, assignments: [], configs: [] }], {
      newTopicId: () => seededUuid(w.p), defaultPartitions: 1, defaultReplicationFactor: 1,
      partitionsPerTopicMax: 100 });
    commit(w, records);
    return;
  }
  const before = w.image;
  const records = growInternalTopics(w.image, 3);
  commit(w, records);
  if (records.length > 0) mark('internal topic grown');
  assert.deepEqual(growInternalTopics(w.image, 3), [], 'growing is idempotent');
  for (const r of records) {
    const was = before.topicsById.get(r.topicId)?.partitions[r.partition];
    const now = w.image.topicsById.get(r.topicId)?.partitions[r.partition];
    assert.ok(was !== undefined && now !== undefined);
    assert.deepEqual([now.leader, now.leaderEpoch, now.isr], [was.leader, was.leaderEpoch, was.isr],
      'growing changes no leader, leader epoch or ISR');
    assert.ok(now.replicas.length > was.replicas.length && now.replicas.length <= 3);
  }
}

function changeIsr(w: World): void {
  const topics = [...w.image.topicsById.values()];
  if (topics.length === 0) return;
  const topic = w.p.pick(topics);
  const p = w.p.pick(topic.partitions);
  if (p.leader < 0) return;
  const leader = w.image.brokers.get(p.leader);
  if (leader === undefined) return;
  const others = p.replicas.filter((id) => id !== p.leader && w.p.chance(0.6));
  const stale = w.p.chance(0.1);
  const out = alterPartition(w.image, { brokerId: p.leader, brokerEpoch: leader.brokerEpoch,
    topicId: topic.topicId, partition: p.partition, leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch - (stale ? 1 : 0), newIsr: [p.leader, ...others] });
  mark(out.errorCode === 0 ? 'isr changed' : 'isr change refused');
  // As node/controller-decisions.ts does: a reassignment completes in the ISR change's batch.
  const done = completionsAfter(w.image, out.records);
  if (done.length > 0) mark('reassignment completed');
  commit(w, [...out.records, ...done]);
}

/** Starts, replaces or cancels a partition's reassignment (KIP-455). */
function reassign(w: World): void {
  const topics = [...w.image.topicsById.values()];
  if (topics.length === 0) return;
  const topic = w.p.pick(topics);
  const p = w.p.pick(topic.partitions);
  const reassigning = p.addingReplicas !== undefined || p.removingReplicas !== undefined;
  const ids = [...w.image.brokers.keys()];
  const target = reassigning && w.p.chance(0.4) ? null
    : Array.from({ length: w.p.between(1, 3) }, () => w.p.pick(ids))
      .filter((id, i, all) => all.indexOf(id) === i);
  const out = alterReassignment(w.image, topic.name, p.partition, target);
  mark(out.outcome.errorCode !== 0 ? 'reassignment refused'
    : target === null ? 'reassignment cancelled' : 'reassignment started');
  commit(w, out.records);
}

/** Maintenance mode on or off for a broker; on drains what another live ISR member can lead. */
function maintenance(w: World): void {
  const id = w.p.between(1, w.brokerCount);
  const enable = !w.image.maintenance.has(id) && w.p.chance(0.7);
  const out = setMaintenance(w.image, id, enable);
  commit(w, out.records);
  if (out.outcome.errorCode !== 0 || !enable) return;
  mark('maintenance drained');
  for (const topic of w.image.topicsById.values()) {
    for (const p of topic.partitions) {
      if (p.leader !== id) continue;
      assert.ok(!p.isr.some((o) => o !== id && isLive(w.image, o) && !w.image.maintenance.has(o)),
        `${topic.name}/${p.partition}: drained broker ${id} still leads with another candidate`);
    }
  }
}

function step(w: World): void {
  const roll = w.p.below(10);
  if (roll === 0) {
    const id = w.p.between(1, w.brokerCount);
    if (w.running.has(id)) w.running.delete(id);
    else startBroker(w, id);
  } else if (roll <= 2) createTopic(w);
  else if (roll <= 4) changeIsr(w);
  else if (roll === 5) commit(w, [...electPreferredLeaders(w.image)]);
  else if (roll === 8 && w.p.chance(0.5)) commit(w, completeReassignments(w.image));
  else if (roll === 8) reassign(w);
  else if (roll === 9 && w.p.chance(0.3)) maintenance(w);
  else if (roll === 6 && w.image.brokers.size > 0) {
    commit(w, allocateProducerIds(w.image, w.p.pick([...w.image.brokers.keys()])).records);
  } else if (roll === 7) internalTopic(w);
  w.nowMs += w.p.between(50, 400);
  heartbeats(w);
  commit(w, expireSessions(w.image, w.leases, w.nowMs, sessionTimeoutMs));
}

function checkInvariants(before: MetadataImage, image: MetadataImage,
  records: readonly MetadataRecord[]): void {
  /** Replicas a reassignment in this batch started moving, by `topicId/partition`. */
  const moving = new Map<string, number[]>();
  for (const r of records) {
    if (r.type !== 'partitionChange') continue;
    const key = `${r.topicId}/${r.partition}`;
    moving.set(key, [...moving.get(key) ?? [], ...r.removingReplicas ?? [], ...r.addingReplicas ?? []]);
  }
  for (const topic of image.topicsById.values()) {
    const old = before.topicsById.get(topic.topicId);
    for (const p of topic.partitions) {
      const where = `${topic.name}/${p.partition}`;
      assert.ok(p.leader === -1 || p.isr.includes(p.leader), `${where}: leader in ISR`);
      assert.ok(p.isr.every((id) => p.replicas.includes(id)), `${where}: ISR ⊆ replicas`);
      if (p.leader !== -1) {
        assert.equal(image.brokers.get(p.leader)?.fenced, false, `${where}: leader is live`);
      }
      const prev = old?.partitions[p.partition];
      if (prev === undefined) continue;
      assert.ok(p.leaderEpoch >= prev.leaderEpoch, `${where}: leader epoch never goes back`);
      assert.ok(p.partitionEpoch >= prev.partitionEpoch, `${where}: partition epoch never goes back`);
      const gone = prev.replicas.filter((id) => !p.replicas.includes(id));
      const moved = [...prev.removingReplicas ?? [], ...prev.addingReplicas ?? [],
        ...moving.get(`${topic.topicId}/${p.partition}`) ?? []];
      assert.ok(gone.every((id) => moved.includes(id)), `${where}: replicas kept unless reassigned`);
      // A completed reassignment leaves only target replicas that were all in sync.
      if (gone.length > 0 && p.addingReplicas === undefined && p.removingReplicas === undefined
        && !gone.every((id) => prev.addingReplicas?.includes(id) === true)) {
        assert.ok(p.replicas.every((id) => p.isr.includes(id) || p.leader === -1),
          `${where}: completed with every target replica in the ISR`);
      }
      if (p.leader !== prev.leader && p.leader !== -1 && image.maintenance.has(p.leader)) {
        assert.ok(!p.isr.some((id) => id !== p.leader && isLive(image, id)
          && !image.maintenance.has(id)), `${where}: a broker in maintenance elected over another`);
      }
    }
  }
}

function checkSnapshot(image: MetadataImage): void {
  const snapshot = decodeImageSnapshot(encodeImageSnapshot(image));
  assert.ok(snapshot.ok);
  assert.deepEqual(snapshot.image, image, 'snapshot round trip');
}

test('random cluster histories keep the controller invariants', (t) => {
  for (const seed of seeds) {
    const p = new Prng(seed);
    const w: World = { p, image: emptyImage(`c${seed}`), leases: new BrokerLeases(), nowMs: 0,
      running: new Map(), brokerCount: p.between(3, 5) };
    for (let id = 1; id <= w.brokerCount; id++) startBroker(w, id);
    try {
      for (let i = 0; i < steps; i++) {
        step(w);
        checkSnapshot(w.image);
      }
    } catch (err) {
      throw new Error(`seed=${seed} brokers=${w.brokerCount} replay: PADO_SEED=${seed}: ${String(err)}`, { cause: err });
    }
  }
  t.diagnostic(`events: ${JSON.stringify(Object.fromEntries(marks))}`);
  if (seeds.length === 1) return;
  for (const name of ['fenceBroker', 'unfenceBroker', 'offline', 'elected', 'isr changed',
    'isr change refused', 'controlled shutdown', 'internal topic grown', 'reassignment started',
    'reassignment completed', 'reassignment cancelled', 'maintenance drained']) {
    assert.ok((marks.get(name) ?? 0) > 0, `rare event '${name}' never happened: ${[...marks]}`);
  }
});
