/**
 * Proves LeaderReplica's decisions on scripted event sequences: the HW is the minimum synced
 * offset over the (maximal) ISR, ignores unsynced and unvalidated copies, waits for followers to
 * fetch in a new epoch (alone in the ISR, it is our synced offset at once) and never goes back; acks=all and acks=1 waits complete, time out, fail
 * with NOT_ENOUGH_REPLICAS_AFTER_APPEND or notLeaderOrFollower, and are bounded; ISR shrink and
 * expand proposals follow the lag and catch-up rules, one at a time, resent when unanswered and
 * kept in the HW until the controller's answer is known; diverging fetches are answered with
 * divergingEpoch and not counted. Damage (issue 13, break 4): an ISR member fetching below the HW
 * is proposed out of the ISR at once, not after the lag time, and gets no records until that is
 * committed; a resigning leader proposes an ISR
 * of the other eligible members (never adding one in the same change), and alone keeps leading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LeaderEpochCache, LeaderReplica, type LeaderStart, type PartitionState,
} from '../../../src/partitions/index.js';

const partition: PartitionState = { leaderEpoch: 2, partitionEpoch: 5, replicas: [1, 2, 3],
  isr: [1, 2, 3] };

function leader(over: Partial<LeaderStart> = {}): LeaderReplica {
  return new LeaderReplica({ brokerId: 1, partition, logEndOffset: 0, syncedOffset: 0,
    highWatermark: 0, epochs: new LeaderEpochCache(), nowMs: 0, replicaLagTimeMaxMs: 100,
    isrChangeTimeoutMs: 50, ...over });
}

const fetch = (fetchOffset: number, syncedOffset?: number) => ({ fetchOffset,
  lastFetchedEpoch: fetchOffset > 0 ? 2 : -1,
  ...(syncedOffset === undefined ? {} : { syncedOffset }) });

test('HW is the minimum synced offset over the ISR, ours included, and never goes back', () => {
  const l = leader();
  l.appended(9);
  assert.deepEqual(l.followerFetched(2, fetch(10), 1), { kind: 'ok' });
  assert.equal(l.followerFetched(3, fetch(10, 4), 1).kind, 'ok');
  assert.equal(l.highWatermark, 0, 'our own copy is not synced yet');
  l.synced(10);
  assert.equal(l.highWatermark, 4, 'follower 3 has synced only 4');
  assert.equal(l.takeHighWatermarkChange(), 4);
  assert.equal(l.takeHighWatermarkChange(), undefined);
  l.followerFetched(3, fetch(10), 2);
  assert.equal(l.highWatermark, 10);
  l.followerFetched(3, fetch(6), 3); // a late request from before
  assert.equal(l.highWatermark, 10);
});

test('a new leader waits for its followers to fetch in its epoch', () => {
  const epochs = new LeaderEpochCache([{ epoch: 1, startOffset: 0 }]);
  const l = leader({ logEndOffset: 8, syncedOffset: 8, highWatermark: 3, epochs });
  assert.deepEqual(epochs.entries().at(-1), { epoch: 2, startOffset: 8 });
  assert.equal(l.epochStartOffset, 8);
  l.followerFetched(2, { fetchOffset: 8, lastFetchedEpoch: 1 }, 1);
  assert.equal(l.highWatermark, 3, 'follower 3 has not fetched yet');
  l.followerFetched(3, { fetchOffset: 6, lastFetchedEpoch: 1 }, 1);
  assert.equal(l.highWatermark, 6);
});

test('a diverging follower gets divergingEpoch and does not count', () => {
  const epochs = new LeaderEpochCache([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 5 }]);
  const l = leader({ logEndOffset: 8, syncedOffset: 8, highWatermark: 0, epochs });
  // It has epoch-0 records up to 7, but ours end at 5.
  assert.deepEqual(l.followerFetched(2, { fetchOffset: 7, lastFetchedEpoch: 0 }, 1),
    { kind: 'diverging', divergingEpoch: { epoch: 0, endOffset: 5 } });
  assert.equal(l.followerProgress(2)?.fetchOffset, -1);
  assert.deepEqual(l.followerFetched(2, { fetchOffset: 9, lastFetchedEpoch: 2 }, 1),
    { kind: 'diverging', divergingEpoch: { epoch: 2, endOffset: 8 } });
  assert.equal(l.followerFetched(9, fetch(0), 1).kind, 'notReplica');
  assert.equal(l.followerFetched(2, { fetchOffset: 9, lastFetchedEpoch: -1 }, 1).kind,
    'offsetOutOfRange');
});

test('acks=all completes at the HW; acks=1 at our fsync; deadlines time out', () => {
  const l = leader();
  assert.equal(l.canAcceptAcksAll(2), true);
  l.appended(4);
  l.waitForAcks(1, 2, -1, 2, 100);
  l.waitForAcks(2, 4, -1, 2, 50);
  l.waitForAcks(3, 4, 1, 2, 100);
  l.synced(5);
  assert.deepEqual(l.takeCompletions(), [{ requestId: 3, error: 'none' }]);
  l.followerFetched(2, fetch(3), 1);
  l.followerFetched(3, fetch(5), 1);
  assert.deepEqual(l.takeCompletions(), [{ requestId: 1, error: 'none' }]);
  l.tick(49);
  assert.deepEqual(l.takeCompletions(), []);
  l.tick(50);
  assert.deepEqual(l.takeCompletions(), [{ requestId: 2, error: 'requestTimedOut' }]);
  assert.equal(l.waitingCount, 0);
});

test('a duplicate waiting for an earlier offset than waits already queued completes in order',
  () => {
    // A client resends batch 0–1 (answered as a duplicate: it waits for offset 1) while its next
    // batch, 2–3, already waits: found by the disk-fault chaos run (an assertion failed and the
    // connection closed).
    const l = leader();
    l.appended(4);
    l.waitForAcks(1, 3, -1, 2, 100);
    l.waitForAcks(2, 1, -1, 2, 50);
    l.waitForAcks(3, 3, 1, 2, 100);
    l.waitForAcks(4, 1, 1, 2, 100);
    l.synced(2);
    assert.deepEqual(l.takeCompletions(), [{ requestId: 4, error: 'none' }]);
    l.followerFetched(2, fetch(2), 1);
    l.followerFetched(3, fetch(2), 1);
    assert.deepEqual(l.takeCompletions(), [{ requestId: 2, error: 'none' }]);
    l.synced(4);
    l.followerFetched(2, fetch(4), 2);
    l.followerFetched(3, fetch(4), 2);
    assert.deepEqual(l.takeCompletions(), [{ requestId: 3, error: 'none' },
      { requestId: 1, error: 'none' }]);
    assert.equal(l.waitingCount, 0);
  });

test('waits fail when the ISR shrinks below min.insync.replicas, or leadership is lost', () => {
  const l = leader();
  l.appended(1);
  l.waitForAcks(1, 0, -1, 2, 100);
  l.waitForAcks(2, 1, -1, 3, 100);
  l.updatePartition({ ...partition, partitionEpoch: 6, isr: [1, 2] }, 1);
  assert.deepEqual(l.takeCompletions(), [{ requestId: 2, error: 'notEnoughReplicasAfterAppend' }]);
  assert.equal(l.canAcceptAcksAll(3), false);
  l.abort();
  assert.deepEqual(l.takeCompletions(), [{ requestId: 1, error: 'notLeaderOrFollower' }]);
});

test('the purgatory is bounded', () => {
  const l = leader({ waitsMax: 2 });
  l.appended(2);
  for (const id of [1, 2, 3]) l.waitForAcks(id, id - 1, -1, 1, 100);
  assert.deepEqual(l.takeCompletions(), [{ requestId: 3, error: 'requestTimedOut' }]);
  assert.equal(l.waitingCount, 2);
});

test('a laggard is proposed out of the ISR, one change at a time, resent until answered', () => {
  const l = leader();
  l.appended(4);
  l.synced(5);
  l.followerFetched(2, fetch(5), 90);
  l.tick(100);
  assert.equal(l.takeIsrChangeProposal(100), undefined, 'within replica.lag.time.max.ms');
  l.tick(101);
  const shrink = l.takeIsrChangeProposal(101);
  assert.deepEqual(shrink, { newIsr: [1, 2], leaderEpoch: 2, partitionEpoch: 5 });
  assert.equal(l.takeIsrChangeProposal(120), undefined, 'in flight');
  assert.equal(l.takeIsrChangeProposal(151), shrink, 'no answer within the timeout: resent');
  assert.equal(l.highWatermark, 0, 'still counting 3 until the controller decides');
  l.updatePartition({ ...partition, partitionEpoch: 6, isr: [1, 2] }, 160);
  assert.equal(l.highWatermark, 5);
  assert.equal(l.takeIsrChangeProposal(160), undefined);
});

test('lag is time: a follower a steady 15 ms behind stays, one losing ground leaves at 100 ms',
  () => {
    // The leader grows 10 offsets every 5 ms, more than a fetch returns between two fetches.
    // Follower 2 fetches 30 behind our end (Kafka's previous-fetch rule alone would drop it);
    // follower 3 copies half as fast: at time t it is where we were at t/2, so it lags t/2 ms.
    const l = leader();
    let shrinkAt: number | undefined;
    for (let t = 5; t <= 300 && shrinkAt === undefined; t += 5) {
      const end = 2 * t;
      l.appended(end - 1);
      l.synced(end);
      l.followerFetched(2, fetch(Math.max(0, end - 30)), t);
      l.followerFetched(3, fetch(t), t);
      l.tick(t);
      const proposal = l.takeIsrChangeProposal(t);
      if (proposal !== undefined) {
        assert.deepEqual(proposal.newIsr, [1, 2], `at ${t} ms only 3 is out of sync`);
        shrinkAt = t;
      }
      assert.ok(t - l.followerProgress(2)!.lastCaughtUpMs <= 20, `at ${t} ms 2 lags ≤ 20 ms`);
    }
    assert.ok(shrinkAt !== undefined && shrinkAt >= 200 && shrinkAt <= 215,
      `follower 3 proposed out once it lagged > 100 ms, at ${shrinkAt} ms`);
  });

test('remembered leader ends stay bounded by the lag window', () => {
  const l = leader();
  for (let t = 1; t <= 1000; t++) {
    l.appended(t * 10 - 1);
    l.followerFetched(2, fetch(0), t); // stuck at 0: every fetch sees a new end
  }
  // One sample per lagMaxMs / 50 = 2 ms over the last 100 ms, not one per fetch.
  const ends = (l as unknown as { progress: Map<number, { ends: unknown[] }> })
    .progress.get(2)!.ends;
  assert.ok(ends.length <= 51, `${ends.length} samples kept`);
});

test('a replica rejoins once synced to HW and epoch start; it counts from the proposal', () => {
  const epochs = new LeaderEpochCache([{ epoch: 1, startOffset: 0 }]);
  const l = leader({ partition: { ...partition, isr: [1, 2] }, logEndOffset: 6, syncedOffset: 6,
    highWatermark: 2, epochs });
  l.followerFetched(2, { fetchOffset: 6, lastFetchedEpoch: 1 }, 1);
  assert.equal(l.highWatermark, 6);
  l.followerFetched(3, { fetchOffset: 4, lastFetchedEpoch: 1 }, 1);
  assert.equal(l.takeIsrChangeProposal(1), undefined, 'below the HW');
  l.appended(9);
  l.synced(10);
  l.followerFetched(3, { fetchOffset: 6, lastFetchedEpoch: 1 }, 2);
  const expand = l.takeIsrChangeProposal(2);
  assert.deepEqual(expand?.newIsr, [1, 2, 3]);
  l.followerFetched(2, fetch(10), 3);
  assert.equal(l.highWatermark, 6, 'the joining replica already holds the HW back');
  // Refused with a newer partition epoch: maybe applied, so it keeps counting until the image.
  l.isrChangeRejected(expand!, 6, 3);
  l.followerFetched(2, fetch(10), 4);
  assert.equal(l.highWatermark, 6);
  l.updatePartition({ ...partition, partitionEpoch: 7, isr: [1, 2] }, 5);
  assert.equal(l.highWatermark, 10, 'the image says it was not applied');
});

test('a refusal at the same partition epoch drops the proposal; a new one waits a back-off', () => {
  const l = leader({ isrChangeRetryMs: 200 });
  l.tick(200);
  const p = l.takeIsrChangeProposal(200)!;
  l.isrChangeRejected(p, 5, 201);
  assert.equal(l.takeIsrChangeProposal(201), undefined);
  l.tick(300);
  assert.equal(l.takeIsrChangeProposal(300), undefined, 'not within the back-off');
  l.tick(401);
  assert.deepEqual(l.takeIsrChangeProposal(401), p, 'proposed afresh on tick');
});

test('a caught-up follower the controller would refuse (fenced) is not added to the ISR', () => {
  const l = leader({ partition: { ...partition, isr: [1, 2] }, eligibleBrokers: new Set([1, 2]) });
  l.appended(9);
  l.synced(10);
  l.followerFetched(2, fetch(10), 1);
  l.followerFetched(3, fetch(10), 1);
  assert.equal(l.takeIsrChangeProposal(1), undefined, 'broker 3 is fenced');
  l.setEligibleBrokers(new Set([1, 2, 3]));
  l.followerFetched(3, fetch(10), 2);
  assert.deepEqual(l.takeIsrChangeProposal(2)?.newIsr, [1, 2, 3], 'unfenced: added');
});

test('alone in the ISR, a new leader\'s HW is its synced offset at once, not the HW it was given',
  () => {
    const l = leader({ partition: { ...partition, replicas: [1], isr: [1] }, logEndOffset: 8,
      syncedOffset: 6, highWatermark: 0 });
    assert.equal(l.highWatermark, 6);
    const shared = leader({ logEndOffset: 8, syncedOffset: 6, highWatermark: 0 });
    assert.equal(shared.highWatermark, 0, 'followers have not fetched in this epoch yet');
  });

test('an ISR member fetching below the HW is proposed out of the ISR at once', () => {
  const l = leader();
  l.appended(9);
  l.synced(10);
  l.followerFetched(2, fetch(10), 1);
  l.followerFetched(3, fetch(10), 1);
  assert.equal(l.highWatermark, 10);
  assert.equal(l.takeIsrChangeProposal(1), undefined);
  // Follower 3 found a damaged range from 4: it fetches there, holding on to its log.
  assert.deepEqual(l.followerFetched(3, fetch(4), 2), { kind: 'outOfSync' }, 'no records');
  assert.deepEqual(l.takeIsrChangeProposal(2)?.newIsr, [1, 2], 'long before the 100 ms lag');
  assert.equal(l.followerFetched(3, fetch(4), 3).kind, 'outOfSync', 'until the removal commits');
  assert.equal(l.highWatermark, 10, 'the HW never goes back');
  l.appended(10);
  l.synced(11);
  l.followerFetched(2, fetch(11), 3);
  assert.equal(l.highWatermark, 10, 'follower 3 still counts until the shrink is committed');
  l.updatePartition({ ...partition, partitionEpoch: 6, isr: [1, 2] }, 4);
  assert.equal(l.highWatermark, 11);
  assert.equal(l.followerFetched(3, fetch(4), 4).kind, 'ok', 'out of the ISR: served again');
  // Caught up again (synced to the HW), it rejoins by the normal rule.
  l.followerFetched(3, fetch(11), 5);
  assert.deepEqual(l.takeIsrChangeProposal(5)?.newIsr, [1, 2, 3]);
});

test('a follower outside the ISR below the HW is just catching up: nothing is proposed', () => {
  const l = leader({ partition: { ...partition, isr: [1, 2] } });
  l.appended(9);
  l.synced(10);
  l.followerFetched(2, fetch(10), 1);
  l.followerFetched(3, fetch(4), 1);
  assert.equal(l.takeIsrChangeProposal(1), undefined);
});

test('a resigning leader proposes the other eligible ISR members; alone it keeps leading', () => {
  const l = leader({ eligibleBrokers: new Set([1, 2]) });
  assert.equal(l.canResign, true);
  l.resign(1);
  assert.deepEqual(l.takeIsrChangeProposal(1), { newIsr: [2], leaderEpoch: 2,
    partitionEpoch: 5 }, 'broker 3 is fenced: the controller would refuse it');
  const both = leader();
  both.appended(9);
  both.synced(10);
  both.followerFetched(2, fetch(10), 1);
  both.followerFetched(3, fetch(10), 1);
  both.takeIsrChangeProposal(1);
  both.updatePartition({ ...partition, partitionEpoch: 6 }, 1);
  both.followerFetched(3, fetch(4), 2); // damaged too; its removal is pending
  both.updatePartition({ ...partition, partitionEpoch: 7, isr: [1, 2, 3] }, 2);
  both.resign(3);
  assert.deepEqual(both.takeIsrChangeProposal(3)?.newIsr, [2], 'not the lacking follower 3');
  const alone = leader({ partition: { ...partition, isr: [1] } });
  alone.resign(1);
  assert.equal(alone.canResign, false);
  alone.followerFetched(2, fetch(0), 2);
  const expand = alone.takeIsrChangeProposal(2);
  assert.deepEqual(expand?.newIsr, [1, 2], 'a caught-up follower is added first, not elected');
  alone.updatePartition({ ...partition, partitionEpoch: 6, isr: [1, 2] }, 3);
  assert.equal(alone.canResign, true);
  alone.tick(3);
  assert.deepEqual(alone.takeIsrChangeProposal(3)?.newIsr, [2], 'then the hand-off');
});
