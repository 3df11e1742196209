/**
 * Proves the partition log on real files in a temp directory: offsets and reads across segment
 * rolls via the sparse index (reopened too), crash recovery of a torn or corrupt tail, retention
 * by size and time, DeleteRecords, ListOffsets by time, truncation, an ENOSPC injected through the
 * fs seam (log rolled back, appends continue), group commit (N appends in one turn → one fsync,
 * counted through the seam), the disk-space guard, and producer state across close and crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, truncate, appendFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, decodeRecords, validateBatches } from '../../../src/protocol/records/index.js';
import {
  DiskSpaceGuard,
  type FsOps,
  type LogConfig,
  logConfigDefaults,
  PartitionLog,
  type StorageFile,
} from '../../../src/storage/index.js';
import { storageIo, systemDisk } from '../../support/storage-io.js';

const t0 = 1_700_000_000_000;
const config: LogConfig = { ...logConfigDefaults, diskReserveBytes: 0, segmentBytes: 16 * 1024 };

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pado-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'topic-0');
}

interface BatchOptions {
  records?: number;
  timestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  valueBytes?: number;
}

function batch(options: BatchOptions = {}): { records: Buffer; batches: ReturnType<typeof headers> } {
  const count = options.records ?? 1;
  const value = Buffer.alloc(options.valueBytes ?? 100, 0x61);
  const records = buildBatch({
    records: Array.from({ length: count }, (_, i) => ({ key: null, value, timestamp: (options.timestamp ?? t0) + i })),
    compression: 'none',
    ...(options.producerId === undefined ? {} : { producerId: options.producerId }),
    ...(options.producerEpoch === undefined ? {} : { producerEpoch: options.producerEpoch }),
    ...(options.baseSequence === undefined ? {} : { baseSequence: options.baseSequence }),
  });
  return { records, batches: headers(records) };
}

function headers(records: Buffer) {
  const result = validateBatches(records);
  assert.ok(result.ok);
  return result.batches;
}

async function appendMany(log: PartitionLog, count: number, options: BatchOptions = {}): Promise<void> {
  const acks: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const { records, batches } = batch({ ...options, timestamp: (options.timestamp ?? t0) + i * 10 });
    acks.push(log.append(records, batches, 3, t0).durable);
  }
  await Promise.all(acks);
}

/** Base offsets of the batches in a read result. */
function offsetsIn(records: Buffer): number[] {
  const result = validateBatches(records);
  if (!result.ok) return records.length === 0 ? [] : [-1];
  return result.batches.map((b) => b.baseOffset);
}

/** A seam that counts fsyncs and can fail the next writev with ENOSPC. */
function countingFs(): { fs: FsOps; syncs: number; failNextWrite: boolean } {
  const state = { syncs: 0, failNextWrite: false, fs: undefined as unknown as FsOps };
  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    async writev(buffers, position) {
      if (state.failNextWrite) {
        state.failNextWrite = false;
        // Half the bytes reach the disk, then the disk is full: a torn write to undo.
        const first = buffers[0];
        if (first !== undefined) await file.writev([first.subarray(0, first.length >> 1)], position);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      return file.writev(buffers, position);
    },
    read: (into, length, position) => file.read(into, length, position),
    async sync() {
      state.syncs++;
      return file.sync();
    },
    truncate: (length) => file.truncate(length),
    size: () => file.size(),
    close: () => file.close(),
  });
  state.fs = { ...systemDisk, open: async (path, create) => wrap(await systemDisk.open(path, create)) };
  return state;
}

test('append and read across segment rolls, through the index, before and after reopen', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  await appendMany(log, 300);
  assert.equal(log.logEndOffset, 300);
  assert.equal(log.durableEndOffset, 300);
  assert.ok(log.segmentCount > 2, `rolled: ${log.segmentCount}`);
  for (let pass = 0; pass < 2; pass++) {
    for (const offset of [0, 1, 37, 150, 151, 298, 299]) {
      const read = await log.read(offset, 1, 300);
      assert.equal(read.kind, 'records');
      if (read.kind === 'records') assert.deepEqual(offsetsIn(read.records), [offset]);
    }
    const many = await log.read(10, 2000, 300);
    assert.ok(many.kind === 'records' && offsetsIn(many.records).length > 5);
    const capped = await log.read(10, 100_000, 12);
    assert.ok(capped.kind === 'records');
    assert.deepEqual(offsetsIn(capped.records), [10, 11]);
    const atEnd = await log.read(300, 1000, 300);
    assert.ok(atEnd.kind === 'records' && atEnd.records.length === 0);
    assert.equal((await log.read(301, 1000, 300)).kind, 'offsetOutOfRange');
    const decoded = atEnd.kind === 'records' ? decodeRecords((await readOne(log, 5)).records) : undefined;
    assert.ok(decoded?.ok && decoded.header.partitionLeaderEpoch === 3);
    await log.close();
    log = await PartitionLog.open(dir, config, storageIo);
    assert.equal(log.logEndOffset, 300);
  }
  const names = await readdir(dir);
  assert.ok(names.includes('00000000000000000000.log'));
  assert.ok(names.includes('00000000000000000000.index'));
  assert.ok(names.includes('00000000000000000000.timeindex'));
  await log.close();
});

async function readOne(log: PartitionLog, offset: number): Promise<{ records: Buffer }> {
  const read = await log.read(offset, 1, log.durableEndOffset);
  assert.ok(read.kind === 'records');
  return read;
}

test('recovery truncates a torn tail and a corrupt tail; appends continue', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, { ...config, segmentBytes: 1024 * 1024 }, storageIo);
  await appendMany(log, 10);
  await log.close();
  const file = join(dir, '00000000000000000000.log');
  const size = (await stat(file)).size;
  const batchBytes = size / 10;
  await truncate(file, size - Math.floor(batchBytes / 2)); // cut the last batch in half
  log = await PartitionLog.open(dir, config, storageIo);
  assert.equal(log.logEndOffset, 9);
  assert.equal((await stat(file)).size, batchBytes * 9);
  await appendMany(log, 1);
  assert.equal(log.logEndOffset, 10);
  await log.close();

  await appendFile(file, Buffer.alloc(100, 0xee)); // garbage after the last batch
  log = await PartitionLog.open(dir, config, storageIo);
  assert.equal(log.logEndOffset, 10);
  await log.close();

  const handle = await open(file, 'r+'); // flip a payload byte of the last batch: CRC mismatch
  await handle.write(Buffer.from([0x00]), 0, 1, batchBytes * 10 - 5);
  await handle.close();
  log = await PartitionLog.open(dir, config, storageIo);
  assert.equal(log.logEndOffset, 9);
  await appendMany(log, 2);
  assert.equal(log.logEndOffset, 11);
  const read = await log.read(8, 100_000, 11);
  assert.ok(read.kind === 'records');
  assert.deepEqual(offsetsIn(read.records), [8, 9, 10]);
  await log.close();
});

test('retention by size and by time never deletes the active segment', async (t) => {
  const dir = await tempDir(t);
  const log = await PartitionLog.open(dir, { ...config, retentionBytes: 40 * 1024 }, storageIo);
  await appendMany(log, 600);
  const before = log.segmentCount;
  const deleted = await log.applyRetention(t0);
  assert.ok(deleted > 0 && log.segmentCount === before - deleted);
  assert.ok(log.sizeBytes >= 40 * 1024 - 16 * 1024 && log.sizeBytes <= 40 * 1024 + 16 * 1024);
  assert.equal(log.logStartOffset, log.segmentBaseOffsets[0]);
  assert.equal((await log.read(0, 100, 600)).kind, 'offsetOutOfRange');
  await log.close();

  const timed = await PartitionLog.open(dir, { ...config, retentionMs: 1000 }, storageIo);
  const far = t0 + 1_000_000_000;
  await timed.applyRetention(far);
  assert.equal(timed.segmentCount, 1);
  assert.equal(timed.logStartOffset, timed.segmentBaseOffsets[0]);
  assert.equal(timed.logEndOffset, 600);
  await timed.close();
});

test('deleteRecordsBefore advances the start, persists it, and drops whole segments', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  await appendMany(log, 300);
  const segments = log.segmentCount;
  assert.equal(await log.deleteRecordsBefore(200), 200);
  assert.ok(log.segmentCount < segments);
  assert.equal((await log.read(199, 100, 300)).kind, 'offsetOutOfRange');
  assert.deepEqual(offsetsIn((await readOne(log, 200)).records), [200]);
  await assert.rejects(log.deleteRecordsBefore(301), /beyond the high watermark/);
  await log.close();
  log = await PartitionLog.open(dir, config, storageIo);
  assert.equal(log.logStartOffset, 200);
  await log.close();
});

test('offsetForTimestamp finds the first batch at or after a time', async (t) => {
  const dir = await tempDir(t);
  const log = await PartitionLog.open(dir, config, storageIo);
  await appendMany(log, 300); // batch i has timestamp t0 + 10 i
  assert.equal(await log.offsetForTimestamp(t0), 0);
  assert.equal(await log.offsetForTimestamp(t0 + 10 * 137), 137);
  assert.equal(await log.offsetForTimestamp(t0 + 10 * 137 - 5), 137);
  assert.equal(await log.offsetForTimestamp(t0 + 10 * 299), 299);
  assert.equal(await log.offsetForTimestamp(t0 + 10 * 300), null);
  await log.close();
});

test('truncateTo removes the tail and appends continue from there', async (t) => {
  const dir = await tempDir(t);
  const log = await PartitionLog.open(dir, config, storageIo);
  await appendMany(log, 300);
  await log.truncateTo(120);
  assert.equal(log.logEndOffset, 120);
  assert.equal(log.durableEndOffset, 120);
  await appendMany(log, 5);
  assert.deepEqual(offsetsIn((await readOne(log, 124)).records), [124]);
  await log.close();
  const reopened = await PartitionLog.open(dir, config, storageIo);
  assert.equal(reopened.logEndOffset, 125);
  await reopened.close();
});

test('ENOSPC rejects the append, rolls the log back to what is on disk, and appends continue', async (t) => {
  const dir = await tempDir(t);
  const seam = countingFs();
  const log = await PartitionLog.open(dir, config, { ...storageIo, fs: seam.fs });
  await appendMany(log, 3);
  seam.failNextWrite = true;
  const { records, batches } = batch();
  const failed = log.append(records, batches, 3, t0);
  assert.equal(failed.baseOffset, 3);
  await assert.rejects(failed.durable, (error: unknown) => (error as { code?: string }).code === 'PADO_DISK_FULL');
  await log.flush();
  assert.equal(log.logEndOffset, 3);
  await appendMany(log, 2);
  assert.equal(log.logEndOffset, 5);
  await log.close();
  const reopened = await PartitionLog.open(dir, config, storageIo);
  assert.equal(reopened.logEndOffset, 5);
  const read = await reopened.read(0, 100_000, 5);
  assert.ok(read.kind === 'records');
  assert.deepEqual(offsetsIn(read.records), [0, 1, 2, 3, 4]);
  await reopened.close();
});

test('group commit: N appends in one turn share one fsync; durable: false needs none', async (t) => {
  const dir = await tempDir(t);
  const seam = countingFs();
  const log = await PartitionLog.open(dir, { ...config, segmentBytes: 1024 * 1024 }, { ...storageIo, fs: seam.fs });
  seam.syncs = 0;
  await appendMany(log, 50);
  assert.equal(seam.syncs, 1);
  await log.close();
  const relaxed = await PartitionLog.open(dir, { ...config, segmentBytes: 1024 * 1024, durable: false }, { ...storageIo, fs: seam.fs });
  seam.syncs = 0;
  await appendMany(relaxed, 50);
  assert.equal(seam.syncs, 0);
  assert.equal(relaxed.durableEndOffset, 100);
  await relaxed.close();
});

test('the disk-space guard refuses appends below the reserve and accepts again by itself', async (t) => {
  const dir = await tempDir(t);
  let free = 10;
  const guard = new DiskSpaceGuard(dir, { reserveBytes: 1000, checkIntervalMs: 100, measure: async () => free });
  const log = await PartitionLog.open(dir, config, storageIo, { diskGuard: guard });
  await guard.refresh();
  const { records, batches } = batch();
  assert.throws(() => log.append(records, batches, 0, t0), /free disk space below the reserve/);
  assert.equal(log.logEndOffset, 0);
  await guard.refresh(); // let the measurement that append started settle
  free = 1_000_000;
  assert.throws(() => log.append(records, batches, 0, t0 + 50)); // not re-measured yet
  assert.throws(() => log.append(records, batches, 0, t0 + 150)); // starts a re-measure
  await guard.refresh();
  await log.append(records, batches, 0, t0 + 160).durable;
  assert.equal(log.logEndOffset, 1);
  await log.close();
});

test('producer state survives close/reopen and a crash without a snapshot', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  for (let i = 0; i < 8; i++) {
    const { records, batches } = batch({ records: 2, producerId: 42, producerEpoch: 0, baseSequence: i * 2 });
    await log.append(records, batches, 0, t0).durable;
  }
  assert.deepEqual(log.producerState.check(42, 0, 14, 15), { kind: 'duplicate', baseOffset: 14, lastOffset: 15 });
  await log.close();
  log = await PartitionLog.open(dir, config, storageIo);
  assert.deepEqual(log.producerState.check(42, 0, 12, 13), { kind: 'duplicate', baseOffset: 12, lastOffset: 13 });
  assert.deepEqual(log.producerState.check(42, 0, 16, 17), { kind: 'append' });
  await log.flush();
  // Crash: no snapshot at the log end; state comes back from the batch headers.
  for (const name of await readdir(dir)) if (name.endsWith('.snapshot')) await rm(join(dir, name));
  const crashed = await PartitionLog.open(dir, config, storageIo);
  assert.deepEqual(crashed.producerState.check(42, 0, 14, 15), { kind: 'duplicate', baseOffset: 14, lastOffset: 15 });
  assert.deepEqual(crashed.producerState.check(42, 0, 20, 21), { kind: 'error', error: 'outOfOrderSequence' });
  await crashed.close();
  await log.close();
});
