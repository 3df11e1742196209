/**
 * Bit rot and lost files in a partition log, on real files in a temp directory (issue 13, break
 * 4). Proves that damage is found — by a read (never served: the read stops before the bad batch
 * and a read that would start with it reports `damaged`), by the scrubber (bounded steps, every
 * sealed batch's CRC and offset continuity), and at open (a deleted middle or first segment, a
 * cut sealed segment, CRC failures beyond the HW checkpoint after an unclean stop, a log that
 * ends below its HW checkpoint) — and that a truncation at the damaged offset removes it, after
 * which the log takes the refetched batches. The log manager's clean-shutdown marker decides
 * whether an open is clean. Each case builds a log of several 16 KiB segments, closes it, damages
 * a file with node:fs, and reopens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtemp, open, readdir, readFile, rm, truncate, unlink, writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, validateBatches } from '../../../src/protocol/records/index.js';
import {
  type LogConfig, logConfigDefaults, LogManager, PartitionLog,
} from '../../../src/storage/index.js';
import { storageIo } from '../../support/storage-io.js';

const t0 = 1_700_000_000_000;
const config: LogConfig = { ...logConfigDefaults, diskReserveBytes: 0, segmentBytes: 16 * 1024 };
/** ~170-byte batches: about 95 per segment. */
const batchCount = 400;

type Cleanup = (fn: () => Promise<void>) => void;

/**
 * A temp dir and a cleanup list run in reverse (logs close before their directory goes; node:test
 * runs `t.after` hooks in the order they were added).
 */
async function tempDir(t: { after: (fn: () => Promise<void>) => void }):
  Promise<{ root: string; defer: Cleanup }> {
  const root = await mkdtemp(join(tmpdir(), 'pado-damage-'));
  const stack: (() => Promise<void>)[] = [async () => rm(root, { recursive: true, force: true })];
  t.after(async () => {
    for (const fn of stack.reverse()) await fn();
  });
  return { root, defer: (fn) => stack.push(fn) };
}

/** The log's damage, read anew (assert.equal narrows a property it has checked). */
function damageOf(log: PartitionLog | undefined) {
  return log?.damage;
}

function batch(i: number): { records: Buffer; batches: ReturnType<typeof headers> } {
  const value = Buffer.from(`value-${i}-`.padEnd(100, 'x'));
  const records = buildBatch({ records: [{ key: null, value, timestamp: t0 + i }],
    compression: 'none' });
  return { records, batches: headers(records) };
}

function headers(records: Buffer) {
  const result = validateBatches(records);
  assert.ok(result.ok);
  return result.batches;
}

/** A log of `batchCount` one-record batches (offset i holds value-i), closed cleanly. */
async function writeLog(dir: string, hw?: number): Promise<void> {
  const log = await PartitionLog.open(dir, config, storageIo);
  const acks: Promise<void>[] = [];
  for (let i = 0; i < batchCount; i++) {
    const { records, batches } = batch(i);
    acks.push(log.append(records, batches, 1, t0).durable);
  }
  await Promise.all(acks);
  if (hw !== undefined) await log.checkpointHighWatermark(hw);
  await log.close();
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
}

/** Base offsets and file positions of the batches in a segment file. */
async function batchesIn(file: string): Promise<{ baseOffset: number; position: number }[]> {
  const checked = validateBatches(await readFile(file));
  assert.ok(checked.ok);
  return checked.batches.map((b) => ({ baseOffset: b.baseOffset, position: b.position }));
}

/** Flips one payload byte of the middle batch of segment `index`; returns that batch's offset. */
async function flipMiddleBatch(dir: string, index: number): Promise<number> {
  const file = join(dir, (await segmentFiles(dir))[index]!);
  const batches = await batchesIn(file);
  const target = batches[Math.floor(batches.length / 2)]!;
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, target.position + 80);
    byte[0] = byte[0]! ^ 0x10;
    await handle.write(byte, 0, 1, target.position + 80);
  } finally {
    await handle.close();
  }
  return target.baseOffset;
}

function valuesOf(records: Buffer): number[] {
  const checked = validateBatches(records);
  assert.ok(checked.ok);
  return checked.batches.map((b) => b.baseOffset);
}

/** Reads from `from` batch by batch until a read fails or the end; the offsets served. */
async function readAllFrom(log: PartitionLog, from: number):
  Promise<{ offsets: number[]; stoppedAt: number; damaged: boolean }> {
  const offsets: number[] = [];
  let at = from;
  for (;;) {
    const r = await log.read(at, 64 * 1024, log.logEndOffset);
    if (r.kind === 'damaged') return { offsets, stoppedAt: at, damaged: true };
    assert.equal(r.kind, 'records');
    if (r.kind !== 'records' || r.records.length === 0) {
      return { offsets, stoppedAt: at, damaged: false };
    }
    offsets.push(...valuesOf(r.records));
    at = r.nextOffset;
  }
}

test('a flipped byte in a sealed segment is never served: reads stop before it, a read at it ' +
  'reports the damage, and truncating there then refetching heals the log', async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  await writeLog(dir);
  const bad = await flipMiddleBatch(dir, 1);
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => log.close());
  assert.equal(damageOf(log), undefined, 'a clean open does not read old sealed data');
  const found: number[] = [];
  log.onDamage = (d) => found.push(d.offset);

  const read = await readAllFrom(log, 0);
  assert.ok(read.damaged);
  assert.equal(read.stoppedAt, bad);
  assert.deepEqual(read.offsets, Array.from({ length: bad }, (_, i) => i));
  const at = await log.read(bad, 1024 * 1024, log.logEndOffset);
  assert.equal(at.kind, 'damaged');
  assert.ok(at.kind === 'damaged' && /CRC32C/.test(at.damage.detail), JSON.stringify(at));
  assert.equal(damageOf(log)?.offset, bad);
  assert.equal(damageOf(log)?.kind, 'corrupt');
  assert.equal(damageOf(log)?.foundBy, 'read');
  assert.match(damageOf(log)?.file ?? '', /\.log$/);
  assert.deepEqual(found, [bad], 'told once, however often it is read');
  // Batches after the bad one still read (their CRCs are fine).
  const after = await log.read(bad + 1, 1024, log.logEndOffset);
  assert.equal(after.kind, 'records');

  // The repair: truncate at the damage, append what the leader would send.
  await log.truncateTo(bad);
  assert.equal(damageOf(log), undefined);
  assert.equal(log.logEndOffset, bad);
  for (let i = bad; i < batchCount; i++) {
    const { records, batches } = batch(i);
    const rewritten = Buffer.from(records);
    rewritten.writeBigInt64BE(BigInt(i), 0);
    await log.appendAsFollower(rewritten, headers(rewritten), t0).durable;
  }
  const healed = await readAllFrom(log, 0);
  assert.equal(healed.damaged, false);
  assert.deepEqual(healed.offsets, Array.from({ length: batchCount }, (_, i) => i));
});

test('the scrubber finds a flipped byte in a sealed segment, in steps bounded by its budget',
  async (t) => {
  const { root: dataDir, defer } = await tempDir(t);
  await writeLog(join(dataDir, 'topic-0'));
  const bad = await flipMiddleBatch(join(dataDir, 'topic-0'), 2);
  const manager = await LogManager.open(dataDir, storageIo, { diskReserveBytes: 0, configFor: () => config });
  defer(() => manager.close());
  const found: { topic: string; partition: number; offset: number; foundBy: string }[] = [];
  manager.onDamage = (topic, partition, d) =>
    found.push({ topic, partition, offset: d.offset, foundBy: d.foundBy });
  const budget = 4096;
  let steps = 0;
  while (found.length === 0 && steps < 1000) {
    const spent = await manager.scrub(budget);
    // At most one batch beyond the budget.
    assert.ok(spent <= budget + 512, `step checked ${spent} bytes`);
    steps++;
  }
  assert.deepEqual(found, [{ topic: 'topic', partition: 0, offset: bad, foundBy: 'scrub' }]);
  assert.ok(steps > 5, `${steps} steps: the budget bounds each one`);
  assert.equal(damageOf(manager.get('topic', 0))?.offset, bad);
});

test('a whole scrub pass over a healthy log finds nothing and covers every sealed byte',
  async (t) => {
  const { root: dataDir, defer } = await tempDir(t);
  await writeLog(join(dataDir, 'topic-0'));
  const manager = await LogManager.open(dataDir, storageIo, { diskReserveBytes: 0, configFor: () => config });
  defer(() => manager.close());
  manager.onDamage = () => assert.fail('no damage in a healthy log');
  for (let i = 0; i < 100 && manager.scrubPasses.passes === 0; i++) await manager.scrub(64 * 1024);
  assert.equal(manager.scrubPasses.passes, 1);
  const files = await segmentFiles(join(dataDir, 'topic-0'));
  let sealedBytes = 0;
  for (const name of files.slice(0, -1)) {
    sealedBytes += (await readFile(join(dataDir, 'topic-0', name))).length;
  }
  assert.equal(manager.scrubPasses.lastPassBytes, sealedBytes);
});

test('a deleted middle segment is found at open; the gap is never skipped by a read', async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  await writeLog(dir);
  const files = await segmentFiles(dir);
  assert.ok(files.length >= 4, `${files.length} segments`);
  const gapStart = Number(files[1]!.slice(0, 20));
  const gapEnd = Number(files[2]!.slice(0, 20));
  await unlink(join(dir, files[1]!));
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => log.close());
  assert.equal(damageOf(log)?.offset, gapStart);
  assert.equal(damageOf(log)?.kind, 'missing');
  assert.equal(damageOf(log)?.foundBy, 'recovery');
  const read = await readAllFrom(log, 0);
  assert.ok(read.damaged, 'a read at the gap reports it, it does not skip to the next segment');
  assert.equal(read.stoppedAt, gapStart);
  const inGap = await log.read(gapStart + 3, 1024, log.logEndOffset);
  assert.equal(inGap.kind, 'damaged');
  const beyond = await log.read(gapEnd, 1024, log.logEndOffset);
  assert.ok(beyond.kind === 'records' && valuesOf(beyond.records)[0] === gapEnd);

  await log.truncateTo(gapStart);
  assert.equal(damageOf(log), undefined);
  assert.equal(log.logEndOffset, gapStart);
});

test('a sealed segment cut in the middle of a batch is found at open', async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  await writeLog(dir);
  const file = join(dir, (await segmentFiles(dir))[1]!);
  const batches = await batchesIn(file);
  const cut = batches[Math.floor(batches.length / 2)]!;
  await truncate(file, cut.position + 30);
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => log.close());
  assert.equal(damageOf(log)?.offset, cut.baseOffset);
  const read = await readAllFrom(log, 0);
  assert.ok(read.damaged);
  assert.equal(read.stoppedAt, cut.baseOffset);
});

test('a deleted first segment is found at open (the log starts at 0 without a checkpoint); ' +
  'truncating there starts the log again, empty, at that offset', async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  await writeLog(dir);
  const files = await segmentFiles(dir);
  await unlink(join(dir, files[0]!));
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => log.close());
  assert.equal(damageOf(log)?.offset, 0);
  assert.equal(damageOf(log)?.kind, 'missing');
  assert.equal(log.logStartOffset, 0, 'not moved past the missing records');
  const read = await log.read(0, 1024, log.logEndOffset);
  assert.equal(read.kind, 'damaged', 'not offsetOutOfRange, which makes consumers skip ahead');
  await log.truncateTo(0);
  assert.equal(damageOf(log), undefined);
  assert.equal(log.logEndOffset, 0);
  assert.deepEqual(await segmentFiles(dir), ['00000000000000000000.log']);
  const { records, batches } = batch(0);
  await log.appendAsFollower(records, batches, t0).durable;
  await log.close();
  const reopened = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => reopened.close());
  assert.equal(damageOf(reopened), undefined);
  assert.equal(reopened.logEndOffset, 1);
});

test('after an unclean stop, sealed batches beyond the HW checkpoint are CRC-checked at open; ' +
  'after a clean one they are left to the scrubber', async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  const files = async () => segmentFiles(dir);
  await writeLog(dir, 50);
  const bad = await flipMiddleBatch(dir, 2);
  assert.ok(bad > 50);
  const clean = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => clean.close());
  assert.equal(damageOf(clean), undefined);
  await clean.close();
  const unclean = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: false });
  defer(() => unclean.close());
  assert.equal(damageOf(unclean)?.offset, bad);
  assert.equal(damageOf(unclean)?.foundBy, 'recovery');
  assert.ok((await files()).length >= 4, 'nothing truncated at open: repair needs the leader');
  assert.equal(unclean.logEndOffset, batchCount);
});

test('a flipped bit in the middle of the active segment is damage, not a torn tail: recovery keeps ' +
  'the batches after it and reports the bad one (found by the whole-cluster simulation, seed 382)',
async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  await writeLog(dir, batchCount);
  const last = join(dir, (await segmentFiles(dir)).at(-1)!);
  const batches = await batchesIn(last);
  const cut = batches[Math.floor(batches.length / 2)]!;
  const bytes = await readFile(last);
  bytes[cut.position + 80] = bytes[cut.position + 80]! ^ 0x01;
  await writeFile(last, bytes);
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: false });
  defer(() => log.close());
  // Was: cut at the bad batch, so a replica that then led made its followers truncate their good
  // copies of everything after it (acknowledged records lost).
  assert.equal(log.logEndOffset, batchCount, 'every batch after the damaged one is kept');
  assert.equal(damageOf(log)?.offset, cut.baseOffset);
  assert.match(damageOf(log)?.detail ?? '', /damage, not a torn write/);
});

for (const [field, at] of [['batch length', 8], ['base offset', 7], ['magic', 16],
  ['last offset delta', 23]] as const) {
  test(`a flipped bit in the ${field} of a batch in the middle of the active segment is damage, ` +
    'not a torn tail, though no header holds to step over it (whole-cluster simulation, seed 1954)',
  async (t) => {
    const { root, defer } = await tempDir(t);
    const dir = join(root, 'topic-0');
    await writeLog(dir); // no HW checkpoint: it lags, as after a power loss
    const last = join(dir, (await segmentFiles(dir)).at(-1)!);
    const batches = await batchesIn(last);
    const cut = batches[Math.floor(batches.length / 2)]!;
    const bytes = await readFile(last);
    bytes[cut.position + at] = bytes[cut.position + at]! ^ 0x40;
    await writeFile(last, bytes);
    const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: false });
    defer(() => log.close());
    // Was: silently cut as a torn write (no damage), so the replica led with a short log and its
    // followers truncated their good copies to it: 502 acknowledged records lost.
    assert.equal(damageOf(log)?.offset, cut.baseOffset, 'reported as damage at the bad batch');
    assert.equal(damageOf(log)?.foundBy, 'recovery');
  });
}

test('a torn last batch is cut without damage: nothing whole follows it', async (t) => {
  const { root, defer } = await tempDir(t);
  const dir = join(root, 'topic-0');
  await writeLog(dir); // no HW checkpoint: it lags, as after a power loss
  const last = join(dir, (await segmentFiles(dir)).at(-1)!);
  const batches = await batchesIn(last);
  const final = batches.at(-1)!;
  const bytes = await readFile(last);
  bytes[final.position + 8] = bytes[final.position + 8]! ^ 0x40; // its length now runs past the end
  await writeFile(last, bytes.subarray(0, bytes.length - 3));
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: false });
  defer(() => log.close());
  assert.equal(damageOf(log), undefined);
  assert.equal(log.logEndOffset, final.baseOffset);
});

test('the log manager opens clean only after an orderly close, and removes the marker at open',
  async (t) => {
    const { root: dataDir, defer } = await tempDir(t);
    const first = await LogManager.open(dataDir, storageIo, { diskReserveBytes: 0, configFor: () => config });
    assert.equal(first.openedClean, false);
    await first.getOrCreate('topic', 0, config);
    await first.close();
    assert.ok((await readdir(dataDir)).includes('.clean-shutdown'));
    const second = await LogManager.open(dataDir, storageIo, { diskReserveBytes: 0, configFor: () => config });
    assert.equal(second.openedClean, true);
    assert.ok(!(await readdir(dataDir)).includes('.clean-shutdown'), 'removed before any write');
    // A crash now (no close): the next open is unclean.
    const third = await LogManager.open(dataDir, storageIo, { diskReserveBytes: 0, configFor: () => config });
    defer(async () => {
      await second.close();
      await third.close();
    });
    assert.equal(third.openedClean, false);
  });

test('a rotted base offset (outside the CRC) is caught by offset continuity, on reads and by ' +
  'the scrubber', async (t) => {
  const { root: dataDir, defer } = await tempDir(t);
  const dir = join(dataDir, 'topic-0');
  await writeLog(dir);
  const file = join(dir, (await segmentFiles(dir))[1]!);
  const batches = await batchesIn(file);
  const target = batches[Math.floor(batches.length / 2)]!;
  const handle = await open(file, 'r+');
  await handle.write(Buffer.from([0x40]), 0, 1, target.position + 3); // baseOffset's high bytes
  await handle.close();
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => log.close());
  const read = await readAllFrom(log, 0);
  assert.ok(read.damaged);
  assert.equal(read.stoppedAt, target.baseOffset);
  assert.match(damageOf(log)?.detail ?? '', /base offset/);
  await log.close();

  const manager = await LogManager.open(dataDir, storageIo, { diskReserveBytes: 0, configFor: () => config });
  defer(() => manager.close());
  const found: { offset: number; detail: string }[] = [];
  manager.onDamage = (_t, _p, d) => found.push({ offset: d.offset, detail: d.detail });
  for (let i = 0; i < 100 && found.length === 0; i++) await manager.scrub(64 * 1024);
  assert.equal(found[0]?.offset, target.baseOffset);
  assert.match(found[0]?.detail ?? '', /base offset/);
});

test('a rotted lastOffsetDelta (negative) is damage: a read stops there, and truncating at it ends the log ' +
  'there (whole-cluster simulation, seed 5145 on 8101c9d: the truncation took the rotted header for the ' +
  'log end, set a negative end offset and spun forever in the epoch cache); at open it is damage too',
{ timeout: 20_000 }, async (t) => {
  const { root: dataDir, defer } = await tempDir(t);
  const dir = join(dataDir, 'topic-0');
  await writeLog(dir);
  const files = await segmentFiles(dir);
  const file = join(dir, files[files.length - 1]!);
  const batches = await batchesIn(file);
  const target = batches[Math.floor(batches.length / 2)]!;
  const rot = async () => {
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from([0x80, 0, 0, 0]), 0, 4, target.position + 23); // lastOffsetDelta = -2^31
    await handle.close();
  };
  // While the log is open (as the scrubber found it in the simulation): reads meet it, truncation ends there.
  const log = await PartitionLog.open(dir, config, storageIo, { cleanShutdown: true });
  defer(() => log.close());
  await rot();
  const read = await readAllFrom(log, batches[0]!.baseOffset);
  assert.ok(read.damaged, 'never served');
  assert.equal(read.stoppedAt, target.baseOffset);
  await log.truncateTo(target.baseOffset);
  assert.equal(log.logEndOffset, target.baseOffset, 'the log ends before the rotted batch');
  const after = await readAllFrom(log, batches[0]!.baseOffset);
  assert.equal(after.damaged, false);
  assert.equal(after.offsets.at(-1), target.baseOffset - 1);
  await log.close();
  // Rotted on disk before an open: recovery reports the damage (never a silent end).
  await writeLog(join(dataDir, 'topic-1'));
  const other = join(dataDir, 'topic-1', (await segmentFiles(join(dataDir, 'topic-1'))).at(-1)!);
  const handle = await open(other, 'r+');
  await handle.write(Buffer.from([0x80, 0, 0, 0]), 0, 4, target.position + 23);
  await handle.close();
  const reopened = await PartitionLog.open(join(dataDir, 'topic-1'), config, storageIo, { cleanShutdown: true });
  defer(() => reopened.close());
  assert.equal(damageOf(reopened)?.offset, target.baseOffset);
  assert.ok(reopened.logEndOffset >= target.baseOffset);
});
