/**
 * Proves the high-watermark checkpoint of a partition log on real files in a temp directory: it
 * round-trips across reopen; an unchanged value is not written again (writes counted through
 * the fs seam); a value above the durable end is cut to it; a missing or corrupt file reads as
 * unknown; a truncation below it cuts it to the new end in memory and on disk (so batches
 * appended after the cut are not covered on the next open, even when a checkpoint write races
 * the truncation); and a file above the log end recovered at open is clamped and rewritten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildBatch, validateBatches } from '../../../src/protocol/records/index.js';
import {
  type FsOps, type LogConfig, logConfigDefaults, PartitionLog,
} from '../../../src/storage/index.js';
import {
  decodeHighWatermark, encodeHighWatermark, highWatermarkFileName,
} from '../../../src/storage/high-watermark-file.js';
import { storageIo, systemDisk } from '../../support/storage-io.js';

const t0 = 1_700_000_000_000;
const config: LogConfig = { ...logConfigDefaults, diskReserveBytes: 0 };

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pado-hw-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return join(root, 't-0');
}

/** Appends `count` batches of two records in `epoch` and waits until they are durable. */
async function lead(log: PartitionLog, count: number, epoch: number): Promise<void> {
  const acks: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const records = buildBatch({ records: [0, 1].map((j) => ({ key: null,
      value: Buffer.from(`v${j}`), timestamp: t0 })), compression: 'none' });
    const checked = validateBatches(records);
    assert.ok(checked.ok);
    acks.push(log.append(records, checked.batches, epoch, t0).durable);
  }
  await Promise.all(acks);
}

/** systemDisk, counting the durable writes of the HW checkpoint. */
function countingFs(): { fs: FsOps; writes: number } {
  const state = { writes: 0, fs: systemDisk };
  state.fs = { ...systemDisk, writeFileDurable: async (path, data) => {
    if (basename(path) === highWatermarkFileName) state.writes++;
    await systemDisk.writeFileDurable(path, data);
  } };
  return state;
}

async function storedValue(dir: string): Promise<number | undefined> {
  return decodeHighWatermark(await readFile(join(dir, highWatermarkFileName)));
}

test('the checkpoint round-trips, is written only when it changes, never above the durable end',
  async (t) => {
    const dir = await tempDir(t);
    const seam = countingFs();
    let log = await PartitionLog.open(dir, config, { ...storageIo, fs: seam.fs });
    assert.equal(log.checkpointedHighWatermark, undefined, 'a new log has none');
    await lead(log, 3, 0);
    await log.checkpointHighWatermark(4);
    assert.equal(log.checkpointedHighWatermark, 4);
    await log.checkpointHighWatermark(4);
    assert.equal(seam.writes, 1, 'an unchanged HW is not written again');
    await log.checkpointHighWatermark(100);
    assert.equal(log.checkpointedHighWatermark, 6, 'cut to the durable end');
    assert.equal(seam.writes, 2);
    await log.close();
    log = await PartitionLog.open(dir, config, { ...storageIo, fs: seam.fs });
    assert.equal(log.checkpointedHighWatermark, 6);
    await log.checkpointHighWatermark(6);
    assert.equal(seam.writes, 2, 'the value read at open counts as written');
    await log.close();
    await log.checkpointHighWatermark(2);
    assert.equal(seam.writes, 2, 'a closed log writes nothing');
  });

test('a missing or corrupt checkpoint reads as unknown', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  await lead(log, 2, 0);
  await log.checkpointHighWatermark(3);
  await log.close();
  const file = join(dir, highWatermarkFileName);
  const valid = await readFile(file);
  const flipped = Buffer.from(valid);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
  for (const bytes of [Buffer.from('rotten bytes'), flipped, valid.subarray(0, 6), undefined]) {
    if (bytes === undefined) await rm(file);
    else await writeFile(file, bytes);
    log = await PartitionLog.open(dir, config, storageIo);
    assert.equal(log.checkpointedHighWatermark, undefined);
    assert.equal(log.logEndOffset, 4, 'the log itself is untouched');
    await log.close();
  }
  assert.equal(decodeHighWatermark(encodeHighWatermark(-1)), undefined, 'negative is malformed');
});

test('a truncation below the checkpoint cuts it to the new end, in memory and on disk',
  async (t) => {
    const dir = await tempDir(t);
    let log = await PartitionLog.open(dir, config, storageIo);
    await lead(log, 3, 0);
    await log.checkpointHighWatermark(6);
    await log.truncateTo(2);
    assert.equal(log.checkpointedHighWatermark, 2);
    assert.equal(await storedValue(dir), 2);
    // A new leader's records continue the log past the old checkpoint; none of them is covered.
    await lead(log, 3, 1);
    await log.close();
    log = await PartitionLog.open(dir, config, storageIo);
    assert.equal(log.logEndOffset, 8);
    assert.equal(log.checkpointedHighWatermark, 2);
    await log.close();
  });

test('a checkpoint write racing a truncation never leaves the file above the cut', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  await lead(log, 3, 0);
  const checkpointed = log.checkpointHighWatermark(6);
  const truncated = log.truncateTo(2);
  await Promise.all([checkpointed, truncated]);
  await lead(log, 3, 1);
  await log.close();
  log = await PartitionLog.open(dir, config, storageIo);
  assert.ok((log.checkpointedHighWatermark ?? 0) <= 2);
  await log.close();
});

test('a checkpoint above the log end recovered at open is clamped and rewritten', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  await lead(log, 3, 0);
  await log.close();
  // As after recovery cut a corrupt tail the checkpoint had covered.
  await writeFile(join(dir, highWatermarkFileName), encodeHighWatermark(100));
  log = await PartitionLog.open(dir, config, storageIo);
  assert.equal(log.checkpointedHighWatermark, 6);
  assert.equal(await storedValue(dir), 6);
  await log.close();
});
