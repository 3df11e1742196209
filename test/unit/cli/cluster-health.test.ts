// Proves `pado cluster health`'s evaluation and `pado cluster info`'s view, both pure functions
// over a snapshot of Metadata / DescribeCluster / DescribeQuorum answers: a table of cluster
// states (healthy, broker down, partition offline — every replica down, or only replicas outside
// the ISR up — leaderless, under min.insync.replicas, under-replicated, no controller, quorum
// voter behind or silent, quorum without leader, a broker reporting its own copy damaged:
// repairing, a leader handing off, the only in-sync copy; a broker's disk full or low, as its newest
// disk event says; `__consumer_offsets` on fewer replicas than the live brokers allow, or its
// partitions out of sync, with what that means for consumer groups) each yields exactly the
// expected problem kinds, and the messages name the partition, the broker and the next step.
// Also which disk event of a broker counts (its newest) for `latestDiskStates`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSnapshot } from '../../../src/cli/cluster/common.js';
import { evaluateHealth, latestDiskStates, quorumLagRecordsMax } from '../../../src/client/index.js';
import type { ClusterEventView } from '../../../src/client/index.js';
import { clusterInfoView } from '../../../src/cli/cluster/info.js';
import type { QuorumDescription, QuorumReplica } from '../../../src/client/index.js';
import type { MetadataResponseTopic } from '../../../src/protocol/index.js';

function broker(id: number): ClusterSnapshot['brokers'][number] {
  return { brokerId: id, host: '127.0.0.1', port: 9091 + id, rack: null };
}

/** A topic whose partitions are [leader, replicas, isr]. */
function topic(name: string, partitions: [number, number[], number[]][]): MetadataResponseTopic {
  return {
    errorCode: 0, name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', isInternal: false,
    topicAuthorizedOperations: -2147483648,
    partitions: partitions.map(([leaderId, replicaNodes, isrNodes], partitionIndex) => ({
      errorCode: leaderId < 0 ? 5 : 0, partitionIndex, leaderId, leaderEpoch: 0, replicaNodes,
      isrNodes, offlineReplicas: [],
    })),
  };
}

function replica(
  replicaId: number, logEndOffset: number, lastCaughtUpTimestamp = -1,
): QuorumReplica {
  return { replicaId, logEndOffset, lastFetchTimestamp: -1, lastCaughtUpTimestamp };
}

function quorum(leaderId: number, voters: QuorumReplica[]): QuorumDescription {
  return { errorCode: 0, errorMessage: null, leaderId, leaderEpoch: 4, highWatermark: 100,
    voters, observers: [] };
}

function snapshot(over: Partial<ClusterSnapshot>): ClusterSnapshot {
  return { clusterId: 'c', controllerId: 1, brokers: [broker(1), broker(2), broker(3)],
    topics: [], quorum: null, ...over };
}

const healthyQuorum = quorum(1, [replica(1, 100), replica(2, 100), replica(3, 99)]);

const cases: { name: string; snapshot: ClusterSnapshot; kinds: string[]; match?: RegExp[];
  minIsr?: Record<string, number> }[] = [
  {
    name: 'a damaged follower repairing (out of the ISR)',
    snapshot: snapshot({ topics: [topic('orders', [[1, [1, 2, 3], [1, 2]]])],
      damagedReplicas: [{ topic: 'orders', partition: 0, brokerId: 3 }] }),
    kinds: ['damaged-replica'],
    match: [/partition orders-0: broker 3's copy is damaged .*from the leader, broker 1,/],
  },
  {
    name: 'a damaged leader handing off',
    snapshot: snapshot({ topics: [topic('orders', [[2, [1, 2, 3], [2, 3]]])],
      damagedReplicas: [{ topic: 'orders', partition: 0, brokerId: 2 }] }),
    kinds: ['damaged-replica'],
    match: [/broker 2's copy is damaged.*its leader, broker 2, is handing leadership/],
  },
  {
    name: 'a damaged leader that is the only in-sync replica',
    snapshot: snapshot({ topics: [topic('orders', [[2, [1, 2, 3], [2]]])],
      damagedReplicas: [{ topic: 'orders', partition: 0, brokerId: 2 }] }),
    kinds: ['damaged-replica'],
    match: [/only in-sync replica: consumers stop at the damaged offset/],
  },
  {
    name: 'all replicas in sync, quorum caught up',
    snapshot: snapshot({ topics: [topic('orders', [[1, [1, 2, 3], [1, 2, 3]]])],
      quorum: healthyQuorum }),
    kinds: [],
  },
  {
    name: 'no DescribeQuorum: partitions still checked',
    snapshot: snapshot({ topics: [topic('orders', [[2, [2], [2]]])] }),
    kinds: [],
  },
  {
    name: 'RF=1 partition whose only broker is down',
    snapshot: snapshot({ brokers: [broker(1), broker(2)],
      topics: [topic('orders', [[1, [1], [1]], [2, [2], [2]], [-1, [3], [3]]])] }),
    kinds: ['missing-broker', 'offline'],
    match: [/broker 3 is named as a replica or voter but is not registered.*start broker 3/,
      /^partition orders-2 has no leader: its only replica, broker 3, is down; start broker 3$/],
  },
  {
    name: 'leader id still names a broker that left the broker list',
    snapshot: snapshot({ brokers: [broker(1)], topics: [topic('t', [[2, [2], [2]]])] }),
    kinds: ['missing-broker', 'offline'],
  },
  {
    name: 'no leader although an in-sync replica is up',
    snapshot: snapshot({ topics: [topic('t', [[-1, [1, 2], [1]]])] }),
    kinds: ['leaderless'],
    match: [/^partition t-0 has no leader \(none elected\) although in-sync broker 1 is up; /],
  },
  {
    name: 'no leader: the ISR member is down, the live replicas are behind',
    snapshot: snapshot({ brokers: [broker(1), broker(2)],
      topics: [topic('orders', [[-1, [1, 2, 3], [3]]])] }),
    kinds: ['missing-broker', 'offline'],
    match: [/broker 3/, new RegExp('^partition orders-0 has no leader \\(none elected\\) and no ' +
      'replica holding every acknowledged record is up: brokers 1,2 are up but not in sync; ' +
      'start broker 3, or, accepting the loss of acknowledged records, run `pado topic ' +
      'alter-config orders --set unclean\\.leader\\.election\\.enable=true` to let brokers ' +
      '1,2 lead$')],
  },
  {
    name: 'the last ISR member led and is down, the other replica is behind',
    snapshot: snapshot({ brokers: [broker(1), broker(3)],
      topics: [topic('t', [[2, [2, 1], [2]]])] }),
    kinds: ['missing-broker', 'offline'],
    match: [/broker 2/, new RegExp('^partition t-0 has no leader \\(its leader, broker 2, is ' +
      'down\\) and no .*: broker 1 is up but not in sync; start broker 2, or, .*to let broker 1 ' +
      'lead$')],
  },
  {
    name: 'no leader and an empty ISR',
    snapshot: snapshot({ topics: [topic('t', [[-1, [1, 2], []]])] }),
    kinds: ['offline'],
    match: [/no in-sync replica is known \(empty ISR\); accepting the loss .*--set unclean/],
  },
  {
    name: 'ISR smaller than replicas, lagging broker up',
    snapshot: snapshot({ topics: [topic('t', [[1, [1, 2, 3], [1, 2]]])] }),
    kinds: ['under-replicated'],
    match: [/partition t-0: 2 of 3 replicas in sync \(behind: 3\); check that broker 3 can fetch/],
  },
  {
    name: 'ISR shrunk because a broker is down',
    snapshot: snapshot({ brokers: [broker(1), broker(2)],
      topics: [topic('t', [[1, [1, 2, 3], [1, 2]]])] }),
    kinds: ['missing-broker', 'under-replicated'],
    match: [/broker 3/, /start broker 3$/],
  },
  {
    name: 'ISR below min.insync.replicas (2 of 3 down): acks=all refused',
    snapshot: snapshot({ brokers: [broker(1)], topics: [topic('t', [[1, [1, 2, 3], [1]]]),
      topic('u', [[1, [1, 2, 3], [1, 2]]])] }),
    minIsr: { t: 2, u: 2 },
    kinds: ['missing-broker', 'missing-broker', 'under-min-isr', 'under-replicated'],
    match: [/broker 2/, /broker 3/, new RegExp('^partition t-0: 1 of 3 replicas in sync, fewer ' +
      'than min\\.insync\\.replicas=2: acks=all produces are refused \\(NOT_ENOUGH_REPLICAS\\); ' +
      'start brokers 2,3$')],
  },
  {
    name: 'min.insync.replicas above the replica count',
    snapshot: snapshot({ topics: [topic('t', [[1, [1], [1]]])] }),
    minIsr: { t: 2 },
    kinds: ['under-min-isr'],
    match: [/only 1 replica: run `pado topic alter-config t --set min\.insync\.replicas=1`$/],
  },
  {
    name: 'ISR at min.insync.replicas: only under-replicated',
    snapshot: snapshot({ topics: [topic('t', [[1, [1, 2, 3], [1, 2]]])] }),
    minIsr: { t: 2 },
    kinds: ['under-replicated'],
  },
  {
    name: 'no controller',
    snapshot: snapshot({ controllerId: -1 }),
    kinds: ['no-controller'],
  },
  {
    name: 'quorum voter far behind, another never fetched',
    snapshot: snapshot({ quorum: quorum(1, [replica(1, 5_000), replica(2, 5_000 -
      quorumLagRecordsMax - 1), replica(3, -1)]) }),
    kinds: ['quorum-voter-behind', 'quorum-voter-behind'],
    match: [/voter 2 is 1001 records behind/,
      /voter 3 has not fetched from the leader; start node 3/],
  },
  {
    name: 'quorum without a leader',
    snapshot: snapshot({ controllerId: -1, quorum: quorum(-1, [replica(1, 10), replica(2, -1),
      replica(3, -1)]) }),
    kinds: ['no-controller', 'quorum-no-leader'],
    match: [/no active controller/, /quorum has no leader.*majority \(2 of 3\)/],
  },
  {
    name: 'a live broker\'s disk full, another\'s low; a dead broker\'s stale state is not repeated',
    snapshot: snapshot({ brokers: [broker(1), broker(2), broker(3)], diskStates: [
      { brokerId: 2, state: 'full', message: 'data disk full: 7 MiB free, under the 16 MiB reserve',
        timeMs: 0 },
      { brokerId: 3, state: 'low', message: 'data disk low: 40 MiB free', timeMs: 0 },
      { brokerId: 4, state: 'full', message: 'data disk full', timeMs: 0 }] }),
    kinds: ['disk-full', 'disk-low'],
    match: [new RegExp('^broker 2\'s data disk is full \\(it reported: data ' +
      'disk full: 7 MiB free, under the 16 MiB reserve\\): produces to the partitions it leads ' +
      'are refused with KAFKA_STORAGE_ERROR .*; free space on it: lower `retention\\.ms`'),
    /^broker 3's data disk is low .*data disk low: 40 MiB free\); free space on it: .*, before produces are refused$/],
  },
  {
    name: '__consumer_offsets on fewer replicas than the live brokers could hold',
    snapshot: snapshot({ topics: [{ ...topic('__consumer_offsets', [[1, [1], [1]], [2, [2, 3], [2, 3]],
      [3, [3, 1, 2], [3, 1, 2]]]), isInternal: true }] }),
    kinds: ['internal-topic-under-replicated'],
    match: [/^internal topic __consumer_offsets: 2 of 3 partitions have fewer than 3 replicas \(as few as 1\), so one broker's loss can lose consumer groups' committed offsets; the controller adds replicas/],
  },
  {
    name: '__consumer_offsets on 2 replicas with 2 live brokers is all it can have',
    snapshot: snapshot({ brokers: [broker(1), broker(2)],
      topics: [{ ...topic('__consumer_offsets', [[1, [1, 2], [1, 2]]]), isInternal: true }] }),
    kinds: [],
  },
  {
    name: '__consumer_offsets partitions out of sync or under min ISR say what it means for groups',
    snapshot: snapshot({ brokers: [broker(1), broker(2)], topics: [{ ...topic('__consumer_offsets',
      [[1, [1, 2, 3], [1, 2]], [1, [1, 3, 2], [1]], [-1, [3], [3]]]), isInternal: true }] }),
    minIsr: { __consumer_offsets: 2 },
    kinds: ['missing-broker', 'under-replicated', 'under-min-isr', 'offline',
      'internal-topic-under-replicated'],
    match: [/broker 3/, /^partition __consumer_offsets-0: 2 of 3 replicas in sync \(behind: 3\); start broker 3 \(an internal partition: its consumer groups still commit, on fewer copies\)$/,
      /acks=all produces are refused .*; start broker 3 \(an internal partition: the consumer groups it coordinates cannot commit offsets\)$/,
      /^partition __consumer_offsets-2 has no leader.*cannot join, sync or commit until it has a leader\)$/,
      /1 of 3 partitions have fewer than 2 replicas/],
  },
  {
    name: 'quorum voter missing from the broker list',
    snapshot: snapshot({ brokers: [broker(1), broker(2)],
      quorum: quorum(1, [replica(1, 10), replica(2, 10), replica(3, -1)]) }),
    kinds: ['missing-broker', 'quorum-voter-behind'],
  },
];

for (const c of cases) {
  test(`health: ${c.name}`, () => {
    const report = evaluateHealth(c.snapshot, new Map(Object.entries(c.minIsr ?? {})));
    assert.deepEqual(report.problems.map((p) => p.kind), c.kinds);
    assert.equal(report.healthy, c.kinds.length === 0);
    assert.equal(report.quorumChecked, c.snapshot.quorum !== null);
    (c.match ?? []).forEach((re, i) => assert.match(report.problems[i]?.message ?? '', re));
  });
}

test('health: problems come in a stable order (topics by name, partitions by index)', () => {
  const report = evaluateHealth(snapshot({ topics: [
    topic('b', [[1, [1], [1]], [-1, [1, 2], []]]), topic('a', [[1, [1, 2], [1]]]),
  ] }));
  assert.deepEqual(report.problems.map((p) => p.subject), ['a-0', 'b-1']);
});

test('info: live and missing brokers, controller, quorum members with lag and age', () => {
  const view = clusterInfoView(snapshot({
    controllerId: 2, brokers: [broker(2), broker(1)],
    topics: [topic('t', [[1, [1, 3], [1]]])],
    quorum: { ...quorum(2, [replica(1, 90, 9_000), replica(2, 100, 10_000), replica(3, -1)]),
      observers: [replica(4, 100, 10_000)] },
  }));
  assert.deepEqual(view.brokers.map((b) => [b.id, b.state, b.controller, b.address]), [
    [1, 'live', false, '127.0.0.1:9092'], [2, 'live', true, '127.0.0.1:9093'],
    [3, 'missing', false, null],
  ]);
  assert.deepEqual(view.quorum?.members, [
    { id: 1, role: 'voter', logEndOffset: 90, lag: 10, caughtUpMsAgo: 1_000 },
    { id: 2, role: 'leader', logEndOffset: 100, lag: 0, caughtUpMsAgo: 0 },
    { id: 3, role: 'voter', logEndOffset: -1, lag: null, caughtUpMsAgo: null },
    { id: 4, role: 'observer', logEndOffset: 100, lag: 0, caughtUpMsAgo: 0 },
  ]);
  assert.equal(clusterInfoView(snapshot({})).quorum, null);
});

test('disks: each broker\'s newest disk event tells its state; other events do not count', () => {
  const e = (id: number, kind: string, brokerId: number): ClusterEventView =>
    ({ id, timeMs: id * 1000, kind, severity: 0, brokerId, topic: null, message: `${kind} #${id}` });
  assert.deepEqual(latestDiskStates([e(1, 'disk-low', 2), e(2, 'disk-full', 2), e(3, 'disk-low', 3),
    e(4, 'broker-fenced', 3), e(5, 'disk-ok', 3), e(6, 'disk-full', 1), e(7, 'disk-low', -1)]), [
    { brokerId: 1, state: 'full', message: 'disk-full #6', timeMs: 6000 },
    { brokerId: 2, state: 'full', message: 'disk-full #2', timeMs: 2000 },
  ]);
  assert.deepEqual(latestDiskStates([e(9, 'disk-ok', 2), e(8, 'disk-full', 2)]), [],
    'by id, not by position');
});
