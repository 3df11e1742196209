/**
 * Encryption at rest in storage, on real files: a partition log with a master key stores no
 * record in plaintext (the payload is searched for in every file of the directory), reads return
 * the batches as produced (across segment rolls, a reopen and a rotation), each segment gets its
 * own data key, plaintext batches written before encryption was turned on stay readable, a
 * changed ciphertext byte (with the stored CRC recomputed, so only GCM can tell) is damage and
 * never served, and a directory holding encrypted data is refused without its key or with
 * another one. The key-value wrapper seals every value, migrates a plaintext store in one batch
 * and refuses a sealed store without the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { isPadoError, PadoErrorCode, Prng, seededRandom } from '../../../src/common/index.js';
import {
  BatchField, batchCrcStart, buildBatch, decodeRecords, validateBatches,
} from '../../../src/protocol/records/index.js';
import {
  encryptedBatchKeyId, keyFileName, keyStoreValueKey, masterKey, MasterKeyRing,
} from '../../../src/security/index.js';
import {
  type AtRestEncryption, atRestKvOpener, type KvOp, type KvStore, type LogConfig,
  logConfigDefaults, PartitionLog, type StorageIo,
} from '../../../src/storage/index.js';
import { storageIo } from '../../support/storage-io.js';

const t0 = 1_700_000_000_000;
const config: LogConfig = { ...logConfigDefaults, diskReserveBytes: 0, segmentBytes: 4 * 1024 };
const secret = 'the-secret-payload-7f3a';

function ring(...ids: number[]): MasterKeyRing {
  return MasterKeyRing.of(ids.map((id) => masterKey(id, Buffer.alloc(32, id * 17 + 1).fill(id, 0, 1))));
}

function atRest(r: MasterKeyRing, seed = 1): StorageIo {
  const enc: AtRestEncryption = { ring: r, random: seededRandom(new Prng(seed)) };
  return { ...storageIo, atRest: enc };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pado-enc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'topic-0');
}

function batchOf(values: string[]): { records: Buffer; batches: ReturnType<typeof headersOf> } {
  const records = buildBatch({
    records: values.map((v, i) => ({ key: Buffer.from(`key-${v}`), value: Buffer.from(v),
      timestamp: t0 + i })),
    compression: 'none',
  });
  return { records, batches: headersOf(records) };
}

function headersOf(records: Buffer) {
  const result = validateBatches(records);
  assert.ok(result.ok);
  return result.batches;
}

async function appendValues(log: PartitionLog, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const { records, batches } = batchOf([`${secret}-${i}`, `second-${i}`]);
    await log.append(records, batches, 0, t0).durable;
  }
}

/** Every value in the log from offset 0, decoded from what reads return. */
async function readValues(log: PartitionLog): Promise<string[]> {
  const values: string[] = [];
  let offset = log.logStartOffset;
  for (let guard = 0; offset < log.logEndOffset && guard < 10_000; guard++) {
    const read = await log.read(offset, 1 << 20, log.logEndOffset);
    assert.equal(read.kind, 'records', `read at ${offset}: ${JSON.stringify(read)}`);
    assert.ok(read.kind === 'records');
    let at = 0;
    while (at < read.records.length) {
      const size = read.records.readInt32BE(at + BatchField.batchLength) + 12;
      const decoded = decodeRecords(read.records.subarray(at, at + size));
      assert.ok(decoded.ok, 'a read batch decodes, its producer CRC intact');
      for (const r of decoded.records) values.push(r.value?.toString() ?? '');
      at += size;
    }
    offset = read.nextOffset;
  }
  return values;
}

async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const name of await readdir(dir)) {
    const bytes = await readFile(join(dir, name));
    if (bytes.includes(Buffer.from(needle))) hits.push(name);
  }
  return hits;
}

test('an encrypted log stores no payload in plaintext and reads it back across rolls and reopens', async (t) => {
  const dir = await tempDir(t);
  const keys = ring(1);
  let log = await PartitionLog.open(dir, config, atRest(keys));
  await appendValues(log, 60);
  assert.ok(log.segmentCount >= 3, `several segments (${log.segmentCount})`);
  const expected = Array.from({ length: 60 }, (_, i) => [`${secret}-${i}`, `second-${i}`]).flat();
  assert.deepEqual(await readValues(log), expected);
  await log.close();
  assert.deepEqual(await filesContaining(dir, secret), [], 'no file holds the payload');
  assert.deepEqual(await filesContaining(dir, 'key-'), [], 'nor the record keys');
  assert.ok((await readdir(dir)).includes(keyFileName));

  log = await PartitionLog.open(dir, config, atRest(keys, 2));
  assert.deepEqual(await readValues(log), expected, 'read back after a reopen');
  await appendValues(log, 5, 60);
  assert.equal((await readValues(log)).length, 130);
  await log.close();
});

test('each segment has its own data key, and a rotation makes new segments use a key under the new master key', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, atRest(ring(1)));
  await appendValues(log, 60);
  await log.close();
  const keyIdsOfSegments = async (): Promise<number[]> => {
    const ids: number[] = [];
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.log')).sort()) {
      const bytes = await readFile(join(dir, name));
      if (bytes.length > 0) ids.push(encryptedBatchKeyId(bytes) ?? -1);
    }
    return ids;
  };
  const before = await keyIdsOfSegments();
  assert.equal(new Set(before).size, before.length, `one key per segment: ${before.join(',')}`);

  const rotated = ring(1, 2);
  log = await PartitionLog.open(dir, config, atRest(rotated, 3));
  await appendValues(log, 1, 60);
  await log.close();
  const keyFile = await readFile(join(dir, keyFileName));
  // The key file names the master key it is wrapped under (bytes 9..13 after CRC, magic, version).
  assert.equal(keyFile.readUInt32BE(9), 2, 'the key file is wrapped under master key 2 now');
  await assert.rejects(PartitionLog.open(dir, config, atRest(ring(1))),
    (e: unknown) => isPadoError(e) && /master key 2/.test(e.message),
    'the old master key alone no longer opens it');
  log = await PartitionLog.open(dir, config, atRest(rotated, 4));
  assert.equal((await readValues(log)).length, 122);
  await log.close();
});

test('a directory with encrypted data is refused without a master key, or with another one', async (t) => {
  const dir = await tempDir(t);
  const log = await PartitionLog.open(dir, config, atRest(ring(1)));
  await appendValues(log, 2);
  await log.close();
  await assert.rejects(PartitionLog.open(dir, config, storageIo),
    (e: unknown) => isPadoError(e, PadoErrorCode.configInvalid) &&
      /encrypted at rest: give its master key/.test(e.message));
  const other = MasterKeyRing.of([masterKey(1, Buffer.alloc(32, 0x5a).fill(1, 0, 1))]);
  await assert.rejects(PartitionLog.open(dir, config, atRest(other)),
    (e: unknown) => isPadoError(e) && /does not match|check/.test(e.message));
});

test('plaintext batches written before encryption was turned on stay readable after it', async (t) => {
  const dir = await tempDir(t);
  let log = await PartitionLog.open(dir, config, storageIo);
  await appendValues(log, 3);
  await log.close();
  log = await PartitionLog.open(dir, config, atRest(ring(1)));
  await appendValues(log, 3, 3);
  const values = await readValues(log);
  assert.deepEqual(values, Array.from({ length: 6 }, (_, i) => [`${secret}-${i}`, `second-${i}`]).flat());
  await log.close();
});

test('a changed ciphertext byte under a recomputed CRC is damage, never served', async (t) => {
  const dir = await tempDir(t);
  const log = await PartitionLog.open(dir, { ...config, segmentBytes: 1 << 20 }, atRest(ring(1)));
  await appendValues(log, 4);
  await log.flush();
  const segment = join(dir, '00000000000000000000.log');
  const bytes = await readFile(segment);
  const second = bytes.readInt32BE(BatchField.batchLength) + 12;
  const size = bytes.readInt32BE(second + BatchField.batchLength) + 12;
  bytes[second + 100] = (bytes[second + 100] ?? 0) ^ 0x01;
  bytes.writeUInt32BE(crc32c(bytes.subarray(second + batchCrcStart, second + size)),
    second + BatchField.crc);
  await writeFile(segment, bytes);
  const first = await log.read(0, 1 << 20, log.logEndOffset);
  assert.ok(first.kind === 'records');
  assert.equal(first.nextOffset, 2, 'the read stops before the changed batch');
  const bad = await log.read(2, 1 << 20, log.logEndOffset);
  assert.equal(bad.kind, 'damaged');
  assert.ok(bad.kind === 'damaged' && /authentication failed/.test(bad.damage.detail));
  assert.ok(bad.kind === 'damaged' && bad.damage.position === second, 'the file position is named');
  assert.equal(log.damage?.offset, 2);
  await log.close();
});

test('a produced batch carrying the reserved attribute bit 0x4000 is refused', () => {
  const { records } = batchOf(['x']);
  records.writeInt16BE(records.readInt16BE(BatchField.attributes) | 0x4000, BatchField.attributes);
  records.writeUInt32BE(crc32c(records.subarray(batchCrcStart)), BatchField.crc);
  const result = validateBatches(records);
  assert.ok(!result.ok && /0x4000/.test(result.message));
});

/** An in-memory KvStore (the contract of storage/kv.ts, enough for these tests). */
function memoryKv(): { open: (path: string) => Promise<KvStore>; data: Map<string, Buffer> } {
  const data = new Map<string, Buffer>();
  const store: KvStore = {
    get: async (key) => data.get(key),
    batch: async (ops: readonly KvOp[]) => {
      for (const op of ops) {
        if (op.type === 'put') data.set(op.key, Buffer.from(op.value));
        else data.delete(op.key);
      }
    },
    range: async function* (gte, lt) {
      for (const key of [...data.keys()].sort()) {
        if (key >= gte && key < lt) yield [key, data.get(key) as Buffer] as [string, Buffer];
      }
    },
    close: async () => undefined,
  };
  return { open: async () => store, data };
}

test('a sealed key-value store keeps no value in plaintext, migrates a plaintext store, and needs its key', async () => {
  const mem = memoryKv();
  const plain = await mem.open('p');
  await plain.batch([{ type: 'put', key: 'e/1', value: Buffer.from(`${secret} old`) }], true);
  const enc: AtRestEncryption = { ring: ring(1), random: seededRandom(new Prng(9)) };
  const sealed = await atRestKvOpener(mem.open, enc)('store');
  assert.ok(mem.data.has(keyStoreValueKey), 'the data keys live in the store');
  assert.ok(![...mem.data.values()].some((v) => v.includes(Buffer.from(secret))),
    'the existing value was sealed at open');
  assert.equal((await sealed.get('e/1'))?.toString(), `${secret} old`);
  await sealed.batch([{ type: 'put', key: 'e/2', value: Buffer.from(`${secret} new`) }], true);
  assert.ok(![...mem.data.values()].some((v) => v.includes(Buffer.from(secret))));
  const listed: string[] = [];
  for await (const [key, value] of sealed.range('', '\uffff')) listed.push(`${key}=${value.toString()}`);
  assert.deepEqual(listed, [`e/1=${secret} old`, `e/2=${secret} new`], 'range skips !keys');
  // A value moved to another key does not open there.
  mem.data.set('e/3', mem.data.get('e/2') as Buffer);
  await assert.rejects(sealed.get('e/3'), (e: unknown) => isPadoError(e, PadoErrorCode.storageCorrupt));
  await assert.rejects(atRestKvOpener(mem.open, undefined)('store'),
    (e: unknown) => isPadoError(e, PadoErrorCode.configInvalid));
  const reopened = await atRestKvOpener(mem.open, { ring: ring(1), random: seededRandom(new Prng(10)) })('store');
  assert.equal((await reopened.get('e/2'))?.toString(), `${secret} new`);
});
