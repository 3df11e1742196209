/**
 * Proves the group coordinator follows Kafka's classic protocol, by scripted scenarios over the
 * pure core with a fake clock (harness.ts): joins of 1–3 members, leader election and sync,
 * session expiry followed by a rebalance, leave, static membership (rejoin without rebalance and
 * fencing), MEMBER_ID_REQUIRED, the initial rebalance delay, offset commit validation (OffsetFetch
 * sees a commit only once its record is persisted), OffsetDelete
 * and retention, and replay of the persisted records into a fresh coordinator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError as E } from '../../../src/protocol/index.js';
import { Harness, subscription } from './harness.js';

const G = 'g';

test('one member: joins, is leader, syncs its own assignment, heartbeats', () => {
  const h = new Harness();
  const t = h.join(G, '');
  const r = h.joined(t);
  assert.equal(r.errorCode, 0);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, r.memberId);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.members.length, 1);
  const s = h.sync({ groupId: G, generationId: 1, memberId: r.memberId,
    assignments: [{ memberId: r.memberId, assignment: Buffer.from('A') }] });
  assert.equal(h.synced(s).assignment.toString(), 'A');
  assert.equal(h.core.group(G)?.state, 'Stable');
  assert.equal(h.core.heartbeat({ groupId: G, generationId: 1, memberId: r.memberId,
    groupInstanceId: null }, h.nowMs), 0);
  const rec = h.records.find((x) => x.type === 'group');
  assert.ok(rec?.type === 'group' && rec.generationId === 1 && rec.members.length === 1);
});

test('two then three members: rebalance waits for every member; leader gets the member list', () => {
  const h = new Harness();
  const a = h.joined(h.join(G, ''));
  h.sync({ groupId: G, generationId: 1, memberId: a.memberId, assignments: [] });
  const tb = h.join(G, '');
  assert.equal(h.joins.has(tb), false, 'b waits for a to rejoin');
  assert.equal(h.core.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId,
    groupInstanceId: null }, h.nowMs), E.rebalanceInProgress.code);
  const ta = h.join(G, a.memberId);
  const ra = h.joined(ta);
  const rb = h.joined(tb);
  assert.equal(ra.generationId, 2);
  assert.equal(rb.generationId, 2);
  assert.equal(ra.leader, a.memberId);
  assert.equal(ra.members.length, 2);
  assert.equal(rb.members.length, 0, 'followers get no member list');
  // Follower syncs first and waits for the leader.
  const sb = h.sync({ groupId: G, generationId: 2, memberId: rb.memberId, assignments: [] });
  assert.equal(h.syncs.has(sb), false);
  const sa = h.sync({ groupId: G, generationId: 2, memberId: a.memberId, assignments: [
    { memberId: a.memberId, assignment: Buffer.from('p0') },
    { memberId: rb.memberId, assignment: Buffer.from('p1') }] });
  assert.equal(h.synced(sb).assignment.toString(), 'p1');
  assert.equal(h.synced(sa).assignment.toString(), 'p0');
  // A third member: both old members rejoin, generation 3.
  const tc = h.join(G, '');
  const ta3 = h.join(G, a.memberId);
  assert.equal(h.joins.has(tc), false);
  const tb3 = h.join(G, rb.memberId);
  for (const t of [tc, ta3, tb3]) assert.equal(h.joined(t).generationId, 3);
  assert.equal(h.joined(ta3).members.length, 3);
});

test('a member that stops heartbeating is removed after its session timeout; a rebalance follows',
  () => {
    const h = new Harness();
    const a = h.joined(h.join(G, ''));
    h.sync({ groupId: G, generationId: 1, memberId: a.memberId, assignments: [] });
    const tb = h.join(G, '');
    const ta = h.join(G, a.memberId);
    const b = h.joined(tb);
    h.sync({ groupId: G, generationId: 2, memberId: b.memberId, assignments: [] });
    h.sync({ groupId: G, generationId: 2, memberId: a.memberId, assignments: [] });
    assert.equal(h.joined(ta).generationId, 2);
    // b keeps heartbeating, a goes silent.
    for (let i = 0; i < 4; i++) {
      h.advance(3_000);
      h.core.heartbeat({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: null },
        h.nowMs);
    }
    const g = h.core.group(G);
    assert.equal(g?.members.has(a.memberId), false, 'a expired');
    assert.equal(g?.state, 'PreparingRebalance');
    assert.equal(h.core.heartbeat({ groupId: G, generationId: 2, memberId: b.memberId,
      groupInstanceId: null }, h.nowMs), E.rebalanceInProgress.code);
    const rb = h.joined(h.join(G, b.memberId));
    assert.equal(rb.generationId, 3);
    assert.equal(rb.leader, b.memberId, 'the survivor becomes leader');
  });

test('the rebalance timeout removes members that did not rejoin', () => {
  const h = new Harness();
  const a = h.joined(h.join(G, ''));
  h.sync({ groupId: G, generationId: 1, memberId: a.memberId, assignments: [] });
  const tb = h.join(G, '', { rebalanceTimeoutMs: 5_000 });
  // a keeps heartbeating (so its session lives) but never rejoins.
  for (let i = 0; i < 11; i++) {
    h.advance(3_000);
    h.core.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: null },
      h.nowMs);
    if (h.joins.has(tb)) break;
  }
  const b = h.joined(tb);
  assert.equal(b.generationId, 2);
  assert.equal(b.leader, b.memberId);
  assert.equal(h.core.group(G)?.members.has(a.memberId), false);
});

test('leave: the group rebalances without the member; the last one leaving empties it', () => {
  const h = new Harness();
  const a = h.joined(h.join(G, ''));
  h.sync({ groupId: G, generationId: 1, memberId: a.memberId, assignments: [] });
  const res = h.core.leave({ groupId: G, members: [{ memberId: a.memberId, groupInstanceId: null },
    { memberId: 'nobody', groupInstanceId: null }] }, h.nowMs);
  h.collect();
  assert.deepEqual(res.members.map((m) => m.errorCode), [0, E.unknownMemberId.code]);
  const g = h.core.group(G);
  assert.equal(g?.state, 'Empty');
  assert.equal(g?.generationId, 2);
  const last = h.records.at(-1);
  assert.ok(last?.type === 'group' && last.members.length === 0 && last.generationId === 2);
  assert.equal(h.core.heartbeat({ groupId: G, generationId: 2, memberId: a.memberId,
    groupInstanceId: null }, h.nowMs), E.unknownMemberId.code);
});

test('static member: rejoin with a new id keeps the generation; the old id is fenced', () => {
  const h = new Harness();
  const a = h.joined(h.join(G, '', { groupInstanceId: 'ia' }));
  const b0 = h.join(G, '', { groupInstanceId: 'ib' });
  const a2 = h.joined(h.join(G, a.memberId, { groupInstanceId: 'ia' }));
  const b = h.joined(b0);
  assert.equal(a2.generationId, 2);
  h.sync({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: 'ib',
    assignments: [] });
  h.sync({ groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: 'ia', assignments: [
    { memberId: b.memberId, assignment: Buffer.from('B') }] });
  // b restarts without its member id: replaced at once, no rebalance, same assignment.
  const b2 = h.joined(h.join(G, '', { groupInstanceId: 'ib' }));
  assert.equal(b2.errorCode, 0);
  assert.equal(b2.generationId, 2);
  assert.notEqual(b2.memberId, b.memberId);
  assert.equal(h.core.group(G)?.state, 'Stable');
  const s = h.sync({ groupId: G, generationId: 2, memberId: b2.memberId, groupInstanceId: 'ib',
    assignments: [] });
  assert.equal(h.synced(s).assignment.toString(), 'B');
  // The old incarnation is fenced everywhere.
  const hb = { groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: 'ib' };
  assert.equal(h.core.heartbeat(hb, h.nowMs), E.fencedInstanceId.code);
  assert.equal(h.joined(h.join(G, b.memberId, { groupInstanceId: 'ib' })).errorCode,
    E.fencedInstanceId.code);
  const commit = h.core.commitOffsets({ groupId: G, generationIdOrMemberEpoch: 2,
    memberId: b.memberId, groupInstanceId: 'ib', retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5,
      committedLeaderEpoch: -1, committedMetadata: null }] }] }, h.nowMs);
  assert.equal(commit[0]?.partitions[0]?.errorCode, E.fencedInstanceId.code);
  // Leaving by instance id with the stale member id is fenced too; with the right one it works.
  const left = h.core.leave({ groupId: G, members: [{ memberId: b.memberId, groupInstanceId: 'ib' },
    { memberId: '', groupInstanceId: 'ib' }] }, h.nowMs);
  assert.deepEqual(left.members.map((m) => m.errorCode), [E.fencedInstanceId.code, 0]);
});

test('MEMBER_ID_REQUIRED: a v4+ member gets its id first and joins with it', () => {
  const h = new Harness();
  const first = h.joined(h.join(G, '', { requireKnownMemberId: true }));
  assert.equal(first.errorCode, E.memberIdRequired.code);
  assert.ok(first.memberId.startsWith('c-'));
  assert.equal(h.core.group(G)?.state, 'Empty');
  const r = h.joined(h.join(G, first.memberId, { requireKnownMemberId: true }));
  assert.equal(r.errorCode, 0);
  assert.equal(r.memberId, first.memberId);
  assert.equal(r.generationId, 1);
  // An id never handed out is unknown.
  assert.equal(h.joined(h.join(G, 'made-up')).errorCode, E.unknownMemberId.code);
});

test('the initial delay gathers members joining an empty group into one generation', () => {
  const h = new Harness({ initialRebalanceDelayMs: 100 });
  const t1 = h.join(G, '');
  h.advance(60);
  const t2 = h.join(G, '');
  h.advance(60);
  h.advance(60);
  assert.equal(h.joins.size, 0, 'the second join extended the delay by another 100 ms');
  h.advance(60);
  assert.equal(h.joined(t1).generationId, 1);
  assert.equal(h.joined(t2).generationId, 1);
  assert.equal(h.joined(t1).members.length + h.joined(t2).members.length, 2);
});

test('join validation: session timeout bounds, protocol mismatch, group size', () => {
  const h = new Harness({ membersPerGroupMax: 1 });
  assert.equal(h.joined(h.join(G, '', { sessionTimeoutMs: 5_999 })).errorCode,
    E.invalidSessionTimeout.code);
  assert.equal(h.joined(h.join(G, '', { sessionTimeoutMs: 1_800_001 })).errorCode,
    E.invalidSessionTimeout.code);
  assert.equal(h.joined(h.join(G, '')).errorCode, 0);
  const other = [{ name: 'roundrobin', metadata: subscription(['t']) }];
  assert.equal(h.joined(h.join(G, '', { protocols: other })).errorCode,
    E.inconsistentGroupProtocol.code);
  assert.equal(h.joined(h.join(G, '')).errorCode, E.groupMaxSizeReached.code);
});

test('protocol selection: the protocol all members support, most voted first', () => {
  const h = new Harness();
  const both = [{ name: 'range', metadata: subscription(['t']) },
    { name: 'roundrobin', metadata: subscription(['t']) }];
  const rr = [{ name: 'roundrobin', metadata: subscription(['t']) },
    { name: 'range', metadata: subscription(['t']) }];
  const a = h.joined(h.join(G, '', { protocols: both }));
  const tb = h.join(G, '', { protocols: rr });
  const tc = h.join(G, '', { protocols: rr });
  h.join(G, a.memberId, { protocols: both });
  assert.equal(h.joined(tb).protocolName, 'roundrobin');
  assert.equal(h.joined(tc).protocolName, 'roundrobin');
});

test('offset commit: generation checked; -1 only for an empty group; fetch and delete', () => {
  const h = new Harness();
  const part = (o: number) => [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: o,
    committedLeaderEpoch: 3, committedMetadata: 'm' }] }];
  const simple = h.core.commitOffsets({ groupId: 's', generationIdOrMemberEpoch: -1, memberId: '',
    groupInstanceId: null, retentionTimeMs: -1, topics: part(7) }, h.nowMs);
  assert.equal(simple[0]?.partitions[0]?.errorCode, 0);
  const unpersisted = h.core.fetchOffsets('s', [{ name: 't', partitionIndexes: [0] }]);
  assert.equal(unpersisted[0]?.partitions[0]?.committedOffset, -1,
    'OffsetFetch does not see a commit before its record is persisted');
  h.collect();
  const fetched = h.core.fetchOffsets('s', [{ name: 't', partitionIndexes: [0, 1] }]);
  assert.deepEqual(fetched[0]?.partitions.map((p) => p.committedOffset), [7, -1]);
  assert.equal(fetched[0]?.partitions[0]?.committedLeaderEpoch, 3);

  const a = h.joined(h.join(G, ''));
  h.sync({ groupId: G, generationId: 1, memberId: a.memberId, assignments: [] });
  const commit = (generation: number, memberId: string) => h.core.commitOffsets({ groupId: G,
    generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: part(10) }, h.nowMs)[0]?.partitions[0]?.errorCode;
  assert.equal(commit(0, a.memberId), E.illegalGeneration.code, 'stale generation');
  assert.equal(commit(-1, ''), E.unknownMemberId.code, 'simple commit to a live group');
  assert.equal(commit(1, 'other'), E.unknownMemberId.code);
  assert.equal(commit(1, a.memberId), 0);
  assert.equal(h.core.commitOffsets({ groupId: 'unknown', generationIdOrMemberEpoch: 4,
    memberId: 'x', groupInstanceId: null, retentionTimeMs: -1, topics: part(1) },
  h.nowMs)[0]?.partitions[0]?.errorCode, E.illegalGeneration.code);
  // OffsetDelete: refused for a subscribed topic while consuming, fine once empty.
  const del = h.core.deleteOffsets(G, [{ name: 't', partitionIndexes: [0] }]);
  assert.equal(del.topics[0]?.partitions[0]?.errorCode, E.groupSubscribedToTopic.code);
  h.core.leave({ groupId: G, members: [{ memberId: a.memberId, groupInstanceId: null }] }, h.nowMs);
  const del2 = h.core.deleteOffsets(G, [{ name: 't', partitionIndexes: [0] }]);
  assert.equal(del2.topics[0]?.partitions[0]?.errorCode, 0);
  h.collect();
  assert.equal(h.core.fetchOffsets(G, null).length, 0);
  assert.deepEqual(h.core.deleteGroups([G, 'nope'], h.nowMs).map((r) => r.errorCode),
    [0, E.groupIdNotFound.code]);
});

test('retention: an empty group\'s offsets expire after offsets.retention.ms, then the group', () => {
  const h = new Harness({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  const a = h.joined(h.join(G, ''));
  h.sync({ groupId: G, generationId: 1, memberId: a.memberId, assignments: [] });
  h.core.commitOffsets({ groupId: G, generationIdOrMemberEpoch: 1, memberId: a.memberId,
    groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] },
  h.nowMs);
  h.core.leave({ groupId: G, members: [{ memberId: a.memberId, groupInstanceId: null }] }, h.nowMs);
  h.advance(50_000);
  assert.equal(h.core.fetchOffsets(G, null).length, 1, 'not yet');
  for (let i = 0; i < 3; i++) h.advance(10_000);
  assert.equal(h.core.group(G), undefined, 'offsets expired and the group removed');
  assert.ok(h.records.some((r) => r.type === 'offsetRemoved'));
  assert.equal(h.records.at(-1)?.type, 'groupRemoved');
});

test('replay of the records rebuilds groups and committed offsets', () => {
  const h = new Harness();
  const a = h.joined(h.join(G, '', { groupInstanceId: 'ia' }));
  h.sync({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: 'ia',
    assignments: [{ memberId: a.memberId, assignment: Buffer.from('X') }] });
  for (const offset of [3, 9]) {
    h.core.commitOffsets({ groupId: G, generationIdOrMemberEpoch: 1, memberId: a.memberId,
      groupInstanceId: 'ia', retentionTimeMs: -1, topics: [{ name: 't', partitions: [
        { partitionIndex: 2, committedOffset: offset, committedLeaderEpoch: -1,
          committedMetadata: null }] }] }, h.nowMs);
  }
  h.core.commitOffsets({ groupId: 'gone', generationIdOrMemberEpoch: -1, memberId: '',
    groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] },
  h.nowMs);
  h.core.deleteGroups(['gone'], h.nowMs);
  h.collect();

  const r = new Harness({}, 2);
  r.core.replay(h.records, 5_000);
  assert.equal(r.core.group('gone'), undefined);
  const g = r.core.group(G);
  assert.equal(g?.state, 'Stable');
  assert.equal(g?.generationId, 1);
  assert.equal(r.core.fetchOffsets(G, null)[0]?.partitions[0]?.committedOffset, 9);
  // The restored member carries on: heartbeat, sync (same assignment), static fencing.
  assert.equal(r.core.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId,
    groupInstanceId: 'ia' }, 5_000), 0);
  r.nowMs = 5_000;
  const s = r.sync({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: 'ia',
    assignments: [] });
  assert.equal(r.synced(s).assignment.toString(), 'X');
  assert.equal(r.core.heartbeat({ groupId: G, generationId: 1, memberId: 'old',
    groupInstanceId: 'ia' }, 5_000), E.fencedInstanceId.code);
});

test('sync errors: wrong generation, unknown member, during rebalance; pending sync timeout', () => {
  const h = new Harness();
  const a = h.joined(h.join(G, ''));
  const sync = (generationId: number, memberId: string) =>
    h.synced(h.sync({ groupId: G, generationId, memberId, assignments: [] })).errorCode;
  assert.equal(sync(2, a.memberId), E.illegalGeneration.code);
  assert.equal(sync(1, 'x'), E.unknownMemberId.code);
  const tb = h.join(G, '');
  assert.equal(sync(1, a.memberId), E.rebalanceInProgress.code);
  h.join(G, a.memberId);
  const b = h.joined(tb);
  // Only the follower syncs; the leader never does: after the rebalance timeout the leader is
  // removed and the follower's sync is answered REBALANCE_IN_PROGRESS.
  const sb = h.sync({ groupId: G, generationId: 2, memberId: b.memberId, assignments: [] });
  h.core.heartbeat({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: null },
    h.nowMs);
  h.advance(30_000);
  assert.equal(h.synced(sb).errorCode, E.rebalanceInProgress.code);
  assert.equal(h.core.group(G)?.members.has(a.memberId), false);
});
