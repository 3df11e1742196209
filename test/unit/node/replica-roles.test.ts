/**
 * Proves ReplicaManager gives each partition its role from the metadata image, on real logs in a
 * temp directory: a log for every replica (leader or follower); handlers see only partitions this
 * node leads; a follower gets one FollowerReplica per (leader, leader epoch), kept across changes
 * that move neither (an ISR change) and sharing the log's epoch cache; leadership moving away
 * makes the node a follower, moving here makes it the leader; a replica moved away drops its log.
 * A replica added to a partition's set (an internal topic growing, issue 13) starts following the
 * unchanged leader; the leader tracks it and proposes it for the ISR only once it has caught up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { nodeConfigDefaults } from '../../../src/config/index.js';
import {
  emptyImage, LeaderRecoveryState, type MetadataImage, type PartitionImage, type TopicImage,
} from '../../../src/metadata/index.js';
import { ReplicaManager } from '../../../src/node/replica-manager.js';
import { leaseWaitMs } from '../../../src/server/index.js';
import { waitFor } from '../../support/run.js';
import { buildBatch } from '../../../src/protocol/records/index.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { storageIo } from '../../support/storage-io.js';

type Placement = Pick<PartitionImage, 'leader' | 'leaderEpoch' | 'replicas'> &
  { isr?: number[]; partitionEpoch?: number };

/** Topic `t` placed as given; `live`: brokers registered and unfenced (they may join an ISR). */
function imageOf(placements: readonly Placement[], live: readonly number[] = []): MetadataImage {
  const partitions: PartitionImage[] = placements.map((p, partition) => ({
    partition,
    replicas: p.replicas,
    isr: p.isr ?? [...p.replicas],
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch ?? p.leaderEpoch,
    leaderRecoveryState: LeaderRecoveryState.recovered,
  }));
  const topic: TopicImage = { name: 't', topicId: 'id-t', partitions, configs: new Map() };
  const brokers = new Map(live.map((brokerId) => [brokerId, { brokerId, incarnationId: 'i',
    host: 'h', port: 9092, rack: null, brokerEpoch: 1, endpoints: [], fenced: false }]));
  return { ...emptyImage('c'), brokers, topicsById: new Map([['id-t', topic]]),
    topicsByName: new Map([['t', topic]]) };
}

test('each partition gets its role from the image', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pado-roles-'));
  const config = { ...nodeConfigDefaults(), nodeId: 1, dataDir, diskReserveBytes: 0 };
  const manager = await ReplicaManager.open(config, pino({ level: 'silent' }), storageIo);
  // Hooks run in order: close (which writes snapshots) before the directory goes.
  t.after(() => manager.close());
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = imageOf([
    { leader: 1, leaderEpoch: 0, replicas: [1, 2, 3] },
    { leader: 2, leaderEpoch: 0, replicas: [2, 1, 3] },
    { leader: 3, leaderEpoch: 0, replicas: [3, 2, 4] },
  ]);
  await manager.applyImage(emptyImage('c'), first);
  assert.ok(manager.get('t', 0) !== undefined);
  assert.equal(manager.follower('t', 0), undefined);
  assert.equal(manager.get('t', 1), undefined, 'handlers never see a followed partition');
  const followed = manager.follower('t', 1);
  assert.equal(followed?.replica.leaderId, 2);
  assert.equal(followed?.replica.leaderEpoch, 0);
  assert.equal(followed?.replica.lastFetchedEpoch, followed?.log.leaderEpochs.latestEpoch);
  assert.equal(manager.follower('t', 2), undefined);
  assert.deepEqual((await readdir(dataDir)).sort(), ['t-0', 't-1']);

  // Only the ISR changes: the follower state machine (and its progress) stays.
  const isrOnly = imageOf([
    { leader: 1, leaderEpoch: 0, replicas: [1, 2, 3] },
    { leader: 2, leaderEpoch: 0, replicas: [2, 1, 3], isr: [2, 3] },
    { leader: 3, leaderEpoch: 0, replicas: [3, 2, 4] },
  ]);
  await manager.applyImage(first, isrOnly);
  assert.equal(manager.follower('t', 1), followed);

  const moved = imageOf([
    { leader: 2, leaderEpoch: 1, replicas: [1, 2, 3] },
    { leader: 1, leaderEpoch: 1, replicas: [2, 1, 3] },
    { leader: 3, leaderEpoch: 0, replicas: [3, 2, 4] },
  ]);
  await manager.applyImage(isrOnly, moved);
  assert.equal(manager.get('t', 0), undefined, 'stopped leading');
  assert.equal(manager.follower('t', 0)?.replica.leaderEpoch, 1);
  assert.ok(manager.get('t', 1) !== undefined, 'became leader');
  assert.equal(manager.follower('t', 1), undefined);

  const away = imageOf([
    { leader: 2, leaderEpoch: 1, replicas: [2, 3] },
    { leader: 1, leaderEpoch: 1, replicas: [2, 1, 3] },
    { leader: 3, leaderEpoch: 0, replicas: [3, 2, 4] },
  ]);
  await manager.applyImage(moved, away);
  assert.equal(manager.follower('t', 0), undefined);
  assert.deepEqual(await readdir(dataDir), ['t-1']);
});

test('a replica added to the set follows the same leader; the ISR waits for it to catch up',
  async (t) => {
    const dirs = await Promise.all([1, 2].map(() => mkdtemp(join(tmpdir(), 'pado-roles-'))));
    const [one, two] = await Promise.all([1, 2].map((nodeId) => ReplicaManager.open(
      { ...nodeConfigDefaults(), nodeId, dataDir: dirs[nodeId - 1] as string, diskReserveBytes: 0 },
      pino({ level: 'silent' }), storageIo)));
    assert.ok(one !== undefined && two !== undefined);
    t.after(() => Promise.all([one.close(), two.close()]));
    t.after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
    const proposals: number[][] = [];
    one.onIsrChange = (_r, p) => proposals.push([...p.newIsr]);
    const alone = imageOf([{ leader: 1, leaderEpoch: 3, replicas: [1] }], [1, 2]);
    await one.applyImage(emptyImage('c'), alone);
    await two.applyImage(emptyImage('c'), alone);
    assert.equal(two.follower('t', 0), undefined, 'not a replica yet');
    const leader = one.get('t', 0);
    assert.ok(leader !== undefined);
    const batch = buildBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1 }],
      compression: 'none' });
    assert.equal((await leader.produce(batch, Date.now())).errorCode, 0);

    const grown = imageOf([{ leader: 1, leaderEpoch: 3, partitionEpoch: 4, replicas: [1, 2],
      isr: [1] }], [1, 2]);
    await one.applyImage(alone, grown);
    await two.applyImage(alone, grown);
    const slot = two.follower('t', 0);
    assert.deepEqual([slot?.replica.leaderId, slot?.replica.leaderEpoch, slot?.log.logEndOffset],
      [1, 3, 0], 'an empty log following the same leader and epoch');
    assert.equal(one.get('t', 0), leader, 'the leader keeps its epoch and state');
    assert.deepEqual([...(leader.leaderReplica?.followerIds() ?? [])], [2]);

    // Behind: no ISR change. Caught up with the leader's end: proposed for the ISR.
    const now = Date.now();
    const behind = await leader.readAsReplica(0, -1, 1 << 20, 2, now);
    assert.equal(behind.errorCode, 0);
    assert.deepEqual(proposals, []);
    await leader.readAsReplica(1, 3, 1 << 20, 2, now + 1);
    assert.deepEqual(proposals, [[1, 2]]);
  });

test('a long poll sees a write that landed while it was reading (dataMark)', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pado-roles-'));
  const config = { ...nodeConfigDefaults(), nodeId: 1, dataDir, diskReserveBytes: 0 };
  const manager = await ReplicaManager.open(config, pino({ level: 'silent' }), storageIo);
  t.after(() => manager.close());
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await manager.applyImage(emptyImage('c'),
    imageOf([{ leader: 1, leaderEpoch: 0, replicas: [1, 2], isr: [1] }]));
  const leader = manager.get('t', 0);
  assert.ok(leader !== undefined);
  const signal = new AbortController().signal;
  const mark = manager.dataMark();
  // The write lands after the fetch read the log and before its long poll registers.
  const batch = buildBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1 }],
    compression: 'none' });
  assert.equal((await leader.produce(batch, Date.now())).errorCode, 0);
  const started = Date.now();
  await manager.waitForData([leader], 60_000, signal, true, mark);
  await manager.waitForData([leader], 60_000, signal, false, mark);
  assert.ok(Date.now() - started < 30_000, 'answered at once, not after the poll timeout');
  // Nothing new since a fresh mark: the poll waits (here until its short timeout).
  const fresh = manager.dataMark();
  let woke = false;
  const waiting = manager.waitForData([leader], 50, signal, true, fresh).then(() => { woke = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, false);
  await waiting;
});

/**
 * A manager of one node whose lease the test holds in `lease.held`; the image, restored from disk
 * at start-up, names it leader of `t-0` before any heartbeat was answered.
 */
async function leaseManager(t: { after: (fn: () => Promise<unknown>) => void },
  replicas: number[] = [1]) {
  const dataDir = await mkdtemp(join(tmpdir(), 'pado-lease-'));
  const config = { ...nodeConfigDefaults(), nodeId: 1, dataDir, diskReserveBytes: 0 };
  const manager = await ReplicaManager.open(config, pino({ level: 'silent' }), storageIo);
  t.after(() => manager.close());
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const lease = { held: false };
  manager.holdsLease = () => lease.held;
  await manager.applyImage(emptyImage('c'),
    imageOf([{ leader: 1, leaderEpoch: 1, replicas }], replicas));
  const batch = buildBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1 }],
    compression: 'none' });
  const produce = async () => (await manager.get('t', 0)!.produce(batch, Date.now())).errorCode;
  return { manager, lease, produce };
}

test('the lease: partitions opened before it are suspended, served once it is held, suspended ' +
  'again when it lapses (issue 13: an isolated leader stops taking produces)', async (t) => {
  const { manager, lease, produce } = await leaseManager(t);
  const notLeader = 6;
  assert.equal(await produce(), notLeader, 'no lease yet');
  manager.applyLease(Date.now());
  lease.held = true;
  manager.applyLease(Date.now());
  assert.equal(await produce(), 0, 'lease held: served');
  lease.held = false;
  manager.applyLease(Date.now());
  assert.equal(await produce(), notLeader, 'lease lapsed');
  lease.held = true;
  manager.applyLease(Date.now());
  assert.equal(await produce(), 0, 'lease back');
});

test('a lease lapse shorter than the grace ends no acks=all wait; a longer one ends them with ' +
  'NOT_LEADER_OR_FOLLOWER (issue 13: failing them at once made librdkafka see a sequence gap, ' +
  'bump its epoch and send a stored batch again)', async (t) => {
  const { manager, lease } = await leaseManager(t, [1, 2]);
  lease.held = true;
  manager.applyLease(Date.now());
  const replica = manager.get('t', 0)!;
  const batch = (v: string) => buildBatch({ records: [{ key: null, value: Buffer.from(v),
    timestamp: 1 }], compression: 'none' });
  const all = { requiredAcks: -1 as const, minIsr: 1, timeoutMs: 30_000 };
  // The follower fetches up to `offset` (once the leader has it) until the HW gets there.
  const fetchedTo = (offset: number) => waitFor(`the HW at ${offset}`, async () => {
    const r = await replica.readAsReplica(offset, 1, 1 << 20, 2, Date.now());
    return r.highWatermark >= offset ? true : undefined;
  }, 10_000, 5);

  // A short lapse: the wait survives it and completes once the follower has the record.
  const first = replica.produce(batch('a'), Date.now(), all);
  const lapsedAt = Date.now();
  lease.held = false;
  manager.applyLease(lapsedAt);
  manager.applyLease(lapsedAt + leaseWaitMs - 1);
  lease.held = true;
  manager.applyLease(lapsedAt + leaseWaitMs - 1);
  await fetchedTo(1);
  assert.equal((await first).errorCode, 0, 'acknowledged after a lapse within the grace');

  // A produce arriving in the lapse waits for the lease like the client gate, then is taken.
  lease.held = false;
  manager.applyLease(Date.now());
  const during = replica.produce(batch('b'), Date.now(), all);
  lease.held = true;
  manager.applyLease(Date.now());
  await fetchedTo(2);
  assert.equal((await during).errorCode, 0, 'taken once the lease was back');

  // A lapse past the grace: the waiting produce ends NOT_LEADER_OR_FOLLOWER, none is taken.
  const second = replica.produce(batch('c'), Date.now(), all);
  const lapsed2 = Date.now();
  lease.held = false;
  manager.applyLease(lapsed2);
  manager.applyLease(lapsed2 + leaseWaitMs);
  assert.equal((await second).errorCode, 6);
  assert.equal((await replica.produce(batch('d'), Date.now(), all)).errorCode, 6,
    'refused while the lapse is older than the grace');
});

test('a produce finding its replica suspended while the lease is already back (the tick that ' +
  'resumes replicas not run yet) is taken at once', async (t) => {
  const { manager, lease, produce } = await leaseManager(t);
  lease.held = true;
  manager.applyLease(Date.now());
  lease.held = false;
  const lapsedAt = Date.now() - 10 * leaseWaitMs; // a suspension long past its grace
  manager.applyLease(lapsedAt);
  manager.applyLease(lapsedAt + leaseWaitMs);
  lease.held = true; // back, but no tick since
  assert.equal(await produce(), 0);
});

test('a replica opened suspended at start-up is resumed by the first tick that holds the lease',
  async (t) => {
    const { manager, lease, produce } = await leaseManager(t);
    // No tick ran while the lease was missing (the node starts its timers after registering).
    lease.held = true;
    manager.applyLease(Date.now());
    assert.equal(await produce(), 0);
  });
