/**
 * Proves FollowerReplica truncates exactly at the divergence (KIP-101/279), over one or two
 * OffsetForLeaderEpoch rounds or from a Fetch's divergingEpoch (KIP-595), never at its own HW;
 * that a durable follower fetches again only once synced; that fetched batches extend the log
 * and its epoch cache (an inconsistent batch is not taken); that stale answers are ignored; and
 * that a failed append (disk full) takes it back to the log end, to fetch those records again.
 * Repair of a damaged log (issue 13, break 4): the follower fetches at the damaged offset (with
 * the epoch of the record before it) while keeping its log, waits while the leader sends no
 * records there (it still counts the follower in the ISR) and its HW is past that offset, and
 * truncates there once the leader serves records at it or its HW is not past it — also when the
 * damage is at its log end, and when a divergence cut removes the damage first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FollowerReplica, type FollowerStart, LeaderEpochCache, type EpochEntry,
} from '../../../src/partitions/index.js';

function follower(entries: EpochEntry[], logEndOffset: number, over: Partial<FollowerStart> = {}) {
  const epochs = new LeaderEpochCache(entries);
  const f = new FollowerReplica({ leaderId: 9, leaderEpoch: 5, logEndOffset,
    syncedOffset: logEndOffset, highWatermark: 2, epochs, ...over });
  return { f, epochs };
}

test('one round: truncate to the smaller end of the shared epoch, not to the HW', () => {
  const { f } = follower([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 5 }], 9);
  assert.deepEqual(f.nextRequest(), { kind: 'offsetForLeaderEpoch', currentLeaderEpoch: 5,
    leaderEpoch: 2 });
  assert.deepEqual(f.onOffsetForLeaderEpoch(2, { epoch: 2, endOffset: 7 }),
    { kind: 'truncate', endOffset: 7, reason: 'divergence' });
  assert.equal(f.highWatermark, 2);
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 7,
    lastFetchedEpoch: 2 });
});

test('two rounds when the leader answers an epoch we never had (KIP-279)', () => {
  // Ours: epoch 0 from 0, epoch 3 from 5, end 9. Leader: 0 from 0, 2 from 4, 4 from 6.
  const { f, epochs } = follower([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 5 }], 9);
  assert.deepEqual(f.onOffsetForLeaderEpoch(3, { epoch: 2, endOffset: 6 }),
    { kind: 'truncate', endOffset: 5, reason: 'divergence' });
  assert.deepEqual(f.nextRequest(), { kind: 'offsetForLeaderEpoch', currentLeaderEpoch: 5,
    leaderEpoch: 0 });
  assert.equal(epochs.latestEpoch, 0);
  assert.deepEqual(f.onOffsetForLeaderEpoch(0, { epoch: 0, endOffset: 4 }),
    { kind: 'truncate', endOffset: 4, reason: 'divergence' });
  assert.equal(f.nextRequest()?.kind, 'fetch');
});

test('no truncation when the leader has all we have; stale and unknown answers', () => {
  const { f } = follower([{ epoch: 1, startOffset: 0 }], 4);
  assert.deepEqual(f.onOffsetForLeaderEpoch(0, { epoch: 1, endOffset: 9 }), { kind: 'stale' });
  assert.deepEqual(f.onOffsetForLeaderEpoch(1, { epoch: -1, endOffset: -1 }), { kind: 'retry' });
  assert.deepEqual(f.onOffsetForLeaderEpoch(1, { epoch: 1, endOffset: 9 }), { kind: 'none' });
  assert.equal(f.logEndOffset, 4);
});

test('divergingEpoch in a fetch response truncates the same way', () => {
  const { f } = follower([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 6 }], 8,
    { truncateFirst: false });
  const request = f.nextRequest();
  assert.deepEqual(request, { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 8,
    lastFetchedEpoch: 3 });
  const req = { fetchOffset: 8, lastFetchedEpoch: 3 };
  assert.deepEqual(f.onFetchResponse(req, { kind: 'diverging',
    divergingEpoch: { epoch: 1, endOffset: 7 } }),
  { kind: 'truncate', endOffset: 6, reason: 'divergence' });
  assert.deepEqual(f.onFetchResponse(req, { kind: 'diverging',
    divergingEpoch: { epoch: 1, endOffset: 7 } }), { kind: 'stale' }, 'asked from 8, now at 6');
});

test('fetched batches extend the log and epochs; a durable follower syncs before fetching', () => {
  const { f, epochs } = follower([], 0);
  const req = { fetchOffset: 0, lastFetchedEpoch: -1 };
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...req });
  const batches = [
    { baseOffset: 0, lastOffset: 2, epoch: 4 }, { baseOffset: 3, lastOffset: 3, epoch: 5 },
    { baseOffset: 5, lastOffset: 6, epoch: 5 }, // a gap: not taken
  ];
  assert.deepEqual(f.onFetchResponse(req, { kind: 'records', batches, highWatermark: 9 }),
    { kind: 'append', batchCount: 2 });
  assert.equal(f.logEndOffset, 4);
  assert.equal(f.highWatermark, 4, 'HW capped at our log end');
  assert.deepEqual(epochs.entries(), [{ epoch: 4, startOffset: 0 }, { epoch: 5, startOffset: 3 }]);
  assert.equal(f.nextRequest(), undefined, 'fetched records not yet fsynced');
  f.synced(4);
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 4,
    lastFetchedEpoch: 5 });
});

test('below the leader\'s log start: start over empty there, then fetch from it', () => {
  const { f, epochs } = follower([{ epoch: 1, startOffset: 0 }], 4, { truncateFirst: false });
  const req = { fetchOffset: 4, lastFetchedEpoch: 1 };
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...req });
  assert.deepEqual(f.onFetchResponse(req, { kind: 'outOfRange', logStartOffset: 4 }),
    { kind: 'retry' }, 'not below the start: nothing to drop');
  assert.deepEqual(f.onFetchResponse(req, { kind: 'outOfRange', logStartOffset: 100 }),
    { kind: 'startAt', startOffset: 100 });
  assert.deepEqual(epochs.entries(), [], 'no epoch covers an empty log');
  assert.deepEqual([f.logEndOffset, f.syncedOffset, f.highWatermark], [100, 100, 100]);
  assert.deepEqual(f.onFetchResponse(req, { kind: 'outOfRange', logStartOffset: 200 }),
    { kind: 'stale' }, 'an answer for the old position');
  const next = { fetchOffset: 100, lastFetchedEpoch: -1 };
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...next });
  assert.deepEqual(f.onFetchResponse(next, { kind: 'records', highWatermark: 110,
    batches: [{ baseOffset: 100, lastOffset: 104, epoch: 3 }] }),
  { kind: 'append', batchCount: 1 });
  assert.deepEqual(epochs.entries(), [{ epoch: 3, startOffset: 100 }]);
});

test('an empty log that starts above 0 fetches at once and never truncates below its start', () => {
  const { f } = follower([], 50, { logStartOffset: 50, highWatermark: 50 });
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 50,
    lastFetchedEpoch: -1 }, 'no OffsetForLeaderEpoch: nothing here to diverge');
  const { f: g } = follower([{ epoch: 2, startOffset: 50 }], 60,
    { logStartOffset: 50, truncateFirst: false });
  const req = { fetchOffset: 60, lastFetchedEpoch: 2 };
  assert.deepEqual(g.onFetchResponse(req, { kind: 'diverging',
    divergingEpoch: { epoch: 2, endOffset: 10 } }),
  { kind: 'truncate', endOffset: 50, reason: 'divergence' });
});

test('a failed append puts the follower back at the log end, so it fetches those records again',
  () => {
    const { f, epochs } = follower([{ epoch: 4, startOffset: 0 }], 3, { truncateFirst: false });
    const req = { fetchOffset: 3, lastFetchedEpoch: 4 };
    const batches = [{ baseOffset: 3, lastOffset: 5, epoch: 4 },
      { baseOffset: 6, lastOffset: 7, epoch: 5 }];
    assert.deepEqual(f.onFetchResponse(req, { kind: 'records', batches, highWatermark: 8 }),
      { kind: 'append', batchCount: 2 });
    assert.equal(f.nextRequest(), undefined, 'waiting for a sync of what it was told to append');
    // The disk refused them: the log still ends at 3.
    f.appendFailed(3);
    assert.equal(f.logEndOffset, 3);
    assert.equal(f.syncedOffset, 3);
    assert.equal(f.highWatermark, 3, 'never above what the log holds');
    assert.deepEqual(epochs.entries(), [{ epoch: 4, startOffset: 0 }], 'epoch 5 held nothing');
    assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...req });
    assert.throws(() => f.appendFailed(4), /beyond/);
  });

/** Epochs 1 from 0, 3 from 10; log end 20. */
const repairEpochs = (): EpochEntry[] =>
  [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }];

test('a damaged follower fetches at the damage, keeps its log and waits while the leader ' +
  'withholds records; it truncates there once the leader serves it', () => {
  const { f, epochs } = follower(repairEpochs(), 20, { truncateFirst: false, highWatermark: 18 });
  f.repair(7);
  assert.equal(f.repairingFrom, 7);
  const request = f.nextRequest();
  assert.deepEqual(request, { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 7,
    lastFetchedEpoch: 1 }, 'the epoch of offset 6, not our latest');
  const req = { fetchOffset: 7, lastFetchedEpoch: 1 };
  const withheld = { kind: 'records' as const, batches: [], highWatermark: 18 };
  assert.deepEqual(f.onFetchResponse(req, withheld), { kind: 'wait' });
  assert.equal(f.logEndOffset, 20, 'the log is kept while the leader counts us in the ISR');
  const served = { kind: 'records' as const,
    batches: [{ baseOffset: 7, lastOffset: 7, epoch: 1 }], highWatermark: 18 };
  assert.deepEqual(f.onFetchResponse({ fetchOffset: 20, lastFetchedEpoch: 3 }, served),
    { kind: 'stale' }, 'an answer to a fetch from before the damage was found');
  assert.deepEqual(f.onFetchResponse(req, served),
    { kind: 'truncate', endOffset: 7, reason: 'repair' });
  assert.equal(f.repairingFrom, undefined);
  assert.equal(f.logEndOffset, 7);
  assert.ok(f.highWatermark <= 7);
  assert.deepEqual(epochs.entries(), [{ epoch: 1, startOffset: 0 }]);
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 7,
    lastFetchedEpoch: 1 });
});

test('a damaged follower truncates at once when the leader\'s HW is not past the damage', () => {
  const { f } = follower(repairEpochs(), 20, { truncateFirst: false, highWatermark: 12 });
  f.repair(15);
  const req = { fetchOffset: 15, lastFetchedEpoch: 3 };
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...req });
  assert.deepEqual(f.onFetchResponse(req, { kind: 'records', batches: [], highWatermark: 15 }),
    { kind: 'truncate', endOffset: 15, reason: 'repair' });
});

test('damage at the log end (a lost tail) still waits for the ISR exit; the cut only clears it',
  () => {
    const { f } = follower(repairEpochs(), 20, { truncateFirst: false, damagedFrom: 20 });
    const req = { fetchOffset: 20, lastFetchedEpoch: 3 };
    assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...req });
    assert.deepEqual(f.onFetchResponse(req, { kind: 'records', batches: [],
      highWatermark: 30 }), { kind: 'wait' });
    assert.deepEqual(f.onFetchResponse(req, { kind: 'records',
      batches: [{ baseOffset: 20, lastOffset: 24, epoch: 3 }], highWatermark: 30 }),
    { kind: 'truncate', endOffset: 20, reason: 'repair' });
    assert.equal(f.logEndOffset, 20);
  });

test('a divergence cut below the damage repairs it; one above keeps the repair pending', () => {
  const { f } = follower(repairEpochs(), 20, { damagedFrom: 15 });
  assert.equal(f.nextRequest()?.kind, 'offsetForLeaderEpoch');
  assert.deepEqual(f.onOffsetForLeaderEpoch(3, { epoch: 3, endOffset: 17 }),
    { kind: 'truncate', endOffset: 17, reason: 'divergence' });
  assert.equal(f.repairingFrom, 15);
  const other = follower(repairEpochs(), 20, { damagedFrom: 15 }).f;
  assert.deepEqual(other.onOffsetForLeaderEpoch(3, { epoch: 3, endOffset: 12 }),
    { kind: 'truncate', endOffset: 12, reason: 'repair' });
  assert.equal(other.repairingFrom, undefined);
});

test('an empty log that starts past 0 (restarted at a repair) fetches with no last epoch', () => {
  const { f } = follower([], 1000, { logStartOffset: 1000, highWatermark: 1000 });
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, fetchOffset: 1000,
    lastFetchedEpoch: -1 });
});

test('an epoch that starts at the log end holds nothing: it is dropped, so an empty log fetches ' +
  'with no last epoch and takes the leader\'s older batches (sim seed 63)', () => {
  // A new disk's replica led in epoch 1 (briefly, replaying the metadata log) without a record.
  const { f, epochs } = follower([{ epoch: 1, startOffset: 0 }], 0, { highWatermark: 0 });
  assert.deepEqual(epochs.entries(), []);
  const req = { fetchOffset: 0, lastFetchedEpoch: -1 };
  assert.deepEqual(f.nextRequest(), { kind: 'fetch', currentLeaderEpoch: 5, ...req },
    'was: lastFetchedEpoch 1, and epoch-0 batches refused as going back');
  assert.deepEqual(f.onFetchResponse(req, { kind: 'records', highWatermark: 3,
    batches: [{ baseOffset: 0, lastOffset: 2, epoch: 0 }] }), { kind: 'append', batchCount: 1 });
  // With records: only the empty epoch after them goes.
  const more = follower([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 10 }], 10);
  assert.deepEqual(more.epochs.entries(), [{ epoch: 0, startOffset: 0 }]);
  assert.equal(more.f.lastFetchedEpoch, 0);
});
