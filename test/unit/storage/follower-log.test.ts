/**
 * Proves the replication side of the partition log on real files in a temp directory: a follower
 * append keeps the leader's offsets, epochs and bytes; a gap is a bug (assert); the leader-epoch
 * checkpoint follows appends in new epochs, truncation (cut at the new end) and reopening; a
 * missing or corrupt checkpoint is rebuilt from the batches' epochs; an epoch a new leader
 * assigned at its log end is checkpointed, and dropped on reopen if nothing was appended in it.
 * `startAt`: a follower whose leader's log starts past its end drops everything and continues
 * empty at the leader's start, appending the leader's batches from there, across reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, validateBatches } from '../../../src/protocol/records/index.js';
import { type LogConfig, logConfigDefaults, PartitionLog } from '../../../src/storage/index.js';
import { storageIo } from '../../support/storage-io.js';

const t0 = 1_700_000_000_000;
const config: LogConfig = { ...logConfigDefaults, diskReserveBytes: 0, segmentBytes: 4 * 1024 };

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pado-follower-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function batch(records = 2): { records: Buffer; batches: ReturnType<typeof headers> } {
  const value = Buffer.alloc(300, 0x62);
  const bytes = buildBatch({
    records: Array.from({ length: records }, (_, i) => ({ key: null, value, timestamp: t0 + i })),
    compression: 'none',
  });
  return { records: bytes, batches: headers(bytes) };
}

function headers(records: Buffer) {
  const result = validateBatches(records);
  assert.ok(result.ok);
  return result.batches;
}

/** Appends `count` batches as a leader in `epoch` and waits until they are durable. */
async function lead(log: PartitionLog, count: number, epoch: number): Promise<void> {
  const acks: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const { records, batches } = batch();
    acks.push(log.append(records, batches, epoch, t0).durable);
  }
  await Promise.all(acks);
}

/** Everything readable in the log, as one buffer of batches. */
async function readAll(log: PartitionLog): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.writtenEndOffset) {
    const result = await log.read(offset, 64 * 1024, Infinity);
    assert.equal(result.kind, 'records');
    if (result.kind !== 'records') break;
    parts.push(Buffer.from(result.records));
    offset = result.nextOffset;
  }
  return Buffer.concat(parts);
}

test('a follower append keeps the leader offsets, epochs and bytes, across reopen', async (t) => {
  const root = await tempRoot(t);
  const leader = await PartitionLog.open(join(root, 'leader'), config, storageIo);
  await lead(leader, 6, 3);
  await lead(leader, 6, 5);
  assert.deepEqual(leader.leaderEpochs.entries(), [
    { epoch: 3, startOffset: 0 }, { epoch: 5, startOffset: 12 },
  ]);
  const copied = await readAll(leader);
  let follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
  // Two fetches' worth: split the leader's bytes after the first 4 batches.
  const all = headers(copied);
  const cut = all[4]?.position ?? 0;
  const first = copied.subarray(0, cut);
  const rest = Buffer.from(copied.subarray(cut));
  await follower.appendAsFollower(first, headers(first), t0).durable;
  const second = follower.appendAsFollower(rest, headers(rest), t0);
  assert.equal(second.baseOffset, 8);
  assert.equal(second.lastOffset, 23);
  await second.durable;
  assert.deepEqual(await readAll(follower), copied);
  assert.deepEqual(follower.leaderEpochs.entries(), leader.leaderEpochs.entries());
  await follower.close();
  follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
  assert.equal(follower.logEndOffset, 24);
  assert.deepEqual(follower.leaderEpochs.entries(), leader.leaderEpochs.entries());
  assert.deepEqual(await readAll(follower), copied);
  await follower.close();
  await leader.close();
});

test('a follower batch that does not continue the log is a bug', async (t) => {
  const root = await tempRoot(t);
  const leader = await PartitionLog.open(join(root, 'leader'), config, storageIo);
  await lead(leader, 3, 1);
  const copied = await readAll(leader);
  const follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
  const later = Buffer.from(copied.subarray(headers(copied)[1]?.position));
  assert.throws(() => follower.appendAsFollower(later, headers(later), t0), /log end 0/);
  await follower.close();
  await leader.close();
});

test('truncation cuts the epochs at the new end, in memory and in the checkpoint', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'p');
  let log = await PartitionLog.open(dir, config, storageIo);
  await lead(log, 3, 1);
  await lead(log, 3, 2);
  await lead(log, 3, 4);
  await log.truncateTo(8);
  assert.equal(log.logEndOffset, 8);
  assert.deepEqual(log.leaderEpochs.entries(), [
    { epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 6 },
  ]);
  // Records of the older epoch 2 continue the log; epoch 4 must not reappear on reopen.
  await lead(log, 5, 2);
  await log.close();
  log = await PartitionLog.open(dir, config, storageIo);
  assert.equal(log.logEndOffset, 18);
  assert.deepEqual(log.leaderEpochs.entries(), [
    { epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 6 },
  ]);
  await log.close();
});

test('a missing or corrupt checkpoint is rebuilt from the batches', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'p');
  let log = await PartitionLog.open(dir, config, storageIo);
  await lead(log, 4, 0);
  await lead(log, 4, 7);
  const expected = [{ epoch: 0, startOffset: 0 }, { epoch: 7, startOffset: 8 }];
  await log.close();
  await rm(join(dir, 'leader-epoch.checkpoint'));
  log = await PartitionLog.open(dir, config, storageIo);
  assert.deepEqual(log.leaderEpochs.entries(), expected);
  await log.close();
  await writeFile(join(dir, 'leader-epoch.checkpoint'), Buffer.from('rotten bytes'));
  log = await PartitionLog.open(dir, config, storageIo);
  assert.deepEqual(log.leaderEpochs.entries(), expected);
  await log.close();
});

test('an epoch assigned at the log end is checkpointed, and dropped on reopen if unused',
  async (t) => {
    const root = await tempRoot(t);
    const dir = join(root, 'p');
    let log = await PartitionLog.open(dir, config, storageIo);
    await lead(log, 2, 1);
    // As a new LeaderReplica does: assign at the log end, then the host checkpoints.
    log.leaderEpochs.assign(2, log.logEndOffset);
    log.checkpointLeaderEpochs();
    await log.flush();
    await log.close();
    log = await PartitionLog.open(dir, config, storageIo);
    assert.deepEqual(log.leaderEpochs.entries(), [{ epoch: 1, startOffset: 0 }]);
    log.leaderEpochs.assign(3, log.logEndOffset);
    await lead(log, 1, 3);
    await log.close();
    log = await PartitionLog.open(dir, config, storageIo);
    assert.deepEqual(log.leaderEpochs.entries(), [
      { epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 4 },
    ]);
    await log.close();
  });

test('startAt drops the log and continues empty at the leader\'s start, across reopen',
  async (t) => {
    const root = await tempRoot(t);
    const leader = await PartitionLog.open(join(root, 'leader'), config, storageIo);
    await lead(leader, 10, 2);
    const old = await readAll(leader);
    assert.equal(await leader.deleteRecordsBefore(12), 12);
    assert.ok(leader.segmentBaseOffsets[0]! > 0, 'whole segments below the start are gone');
    // The follower holds the first two records only: all below the leader's start now.
    let follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
    const two = old.subarray(0, headers(old)[1]?.position);
    await follower.appendAsFollower(two, headers(two), t0).durable;
    assert.equal(follower.logEndOffset, 2);

    await follower.startAt(12);
    assert.deepEqual([follower.logStartOffset, follower.logEndOffset, follower.durableEndOffset],
      [12, 12, 12]);
    assert.deepEqual(follower.leaderEpochs.entries(), []);
    assert.equal(follower.checkpointedHighWatermark, 12);
    assert.equal((await follower.read(0, 1024, Infinity)).kind, 'offsetOutOfRange');
    const tail = Buffer.from((await leader.read(12, 64 * 1024, Infinity) as { records: Buffer })
      .records);
    await follower.appendAsFollower(tail, headers(tail), t0).durable;
    assert.equal(follower.logEndOffset, leader.logEndOffset);
    assert.deepEqual(follower.leaderEpochs.entries(), [{ epoch: 2, startOffset: 12 }]);
    await follower.close();

    follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
    assert.deepEqual([follower.logStartOffset, follower.logEndOffset], [12, 20]);
    assert.deepEqual(follower.leaderEpochs.entries(), [{ epoch: 2, startOffset: 12 }]);
    assert.deepEqual(await readAll(follower), tail);
    await assert.rejects(async () => follower.startAt(3), /below end/);
    await follower.close();
    await leader.close();
  });

test('a log reset by startAt and closed before any append reopens empty at that start',
  async (t) => {
    const root = await tempRoot(t);
    let follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
    await lead(follower, 3, 1);
    await follower.startAt(40);
    await follower.close();
    follower = await PartitionLog.open(join(root, 'follower'), config, storageIo);
    assert.deepEqual([follower.logStartOffset, follower.logEndOffset], [40, 40]);
    assert.deepEqual(follower.leaderEpochs.entries(), []);
    await follower.close();
  });
