// Proves the at-rest encryption core (src/security/at-rest.ts): the primitives are wired as the
// standards define them (AES-256-GCM against McGrew–Viega test cases 14–16 of the GCM spec, also
// through sealValue with the vector's key and nonce injected; AES key wrap against RFC 3394
// §4.6); master keys parse from every accepted form and every mistake gets a message saying what
// to write, without quoting key material; stored batches stay valid RecordBatch v2 (header, CRC32C
// of the stored bytes) without the payload, and decrypt byte for byte; a flipped bit in any byte
// of a stored batch is caught by GCM or by the stored CRC (only the CRC field is GCM's blind spot,
// and flipping it changes nothing decrypted); key files name a wrong or missing master key
// clearly; rotation rewraps without touching data and renews data keys; a seeded fuzz of stored
// batches, sealed values, key files and key text never gets an unexpected exception. Inputs are
// fixed or drawn from seeded Prngs; a failure names the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import {
  isPadoError, PadoError, Prng, seededRandom, type Random,
} from '../../../src/common/index.js';
import {
  BatchField, buildBatch, parseBatchHeader, rewriteBatchHeader, validateBatches, validateOneBatch,
} from '../../../src/protocol/records/index.js';
import {
  aesGcmOpen, aesGcmSeal, BatchEnvelope, DataKey, DataKeys, dataKeyUsesRenew, decodeKeyFile,
  decryptBatch, encryptBatch, encryptBatchInPlace, encryptBatchParts, encryptBatchWithNonce,
  encryptedBatchAttribute, encryptedBatchBytes,
  encryptedBatchKeyId, encryptedBatchOverheadBytes, formatMasterKeyLine, isEncryptedBatch,
  masterKey, MasterKeyRing, openValue, parseMasterKeys, rewrap, rewrapKeyFile, sealValue,
  unwrapDataKey, wrapDataKey, type MasterKey,
} from '../../../src/security/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const payload = 'PADO-DISTINCTIVE-PAYLOAD-7f3a9c';

/** A Random that hands out `bytes` first (a vector's nonce), then seeded bytes. */
function scriptedRandom(bytes: Buffer, seed = 1): Random {
  const rest = seededRandom(new Prng(seed));
  let given = false;
  return {
    bytes(n: number): Buffer {
      if (!given && n === bytes.length) {
        given = true;
        return Buffer.from(bytes);
      }
      return rest.bytes(n);
    },
  };
}

function keyBytes(seed: number): Buffer {
  return seededRandom(new Prng(seed)).bytes(32);
}

function ringOf(...ids: number[]): MasterKeyRing {
  return MasterKeyRing.of(ids.map((id) => masterKey(id, keyBytes(100 + id))));
}

/** A produced batch with its offset and epoch assigned, as storage would encrypt it. */
function sampleBatch(records: number, compression: 'none' | 'gzip' = 'none'): Buffer {
  const batch = buildBatch({
    records: Array.from({ length: records }, (_, i) => ({
      key: Buffer.from(`key-${i}`), value: Buffer.from(`${payload} record ${i}`),
      headers: [{ key: 'h', value: Buffer.from(payload) }], timestamp: 1_700_000_000_000 + i,
    })),
    compression, producerId: 4242, producerEpoch: 3, baseSequence: 17,
  });
  rewriteBatchHeader(batch, 0, 1_234_567, 9);
  return batch;
}

// --- GCM spec (McGrew & Viega, "The Galois/Counter Mode of Operation"), test cases 14–16 -------
const tc15 = {
  key: hex('feffe9928665731c6d6a8f9467308308 feffe9928665731c6d6a8f9467308308'),
  nonce: hex('cafebabefacedbaddecaf888'),
  plaintext: hex(`d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72
    1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b391aafd255`),
  ciphertext: hex(`522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa
    8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662898015ad`),
  tag: hex('b094dac5d93471bdec1a502270e3cc6c'),
};

test('AES-256-GCM matches the GCM spec test cases 14, 15 and 16', () => {
  const tc14 = aesGcmSeal(Buffer.alloc(32), Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(16));
  assert.equal(tc14.ciphertext.toString('hex'), 'cea7403d4d606b6e074ec5d3baf39d18');
  assert.equal(tc14.tag.toString('hex'), 'd0d1c8a799996bf0265b98b5d48ab919');
  const c15 = aesGcmSeal(tc15.key, tc15.nonce, Buffer.alloc(0), tc15.plaintext);
  assert.deepEqual(c15.ciphertext, tc15.ciphertext);
  assert.deepEqual(c15.tag, tc15.tag);
  const aad16 = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const c16 = aesGcmSeal(tc15.key, tc15.nonce, aad16, tc15.plaintext.subarray(0, 60));
  assert.deepEqual(c16.ciphertext, tc15.ciphertext.subarray(0, 60));
  assert.equal(c16.tag.toString('hex'), '76fc6ece0f4e1768cddf8853bb2d551b');
  const opened = aesGcmOpen(tc15.key, tc15.nonce, aad16, c16.ciphertext, c16.tag);
  assert.deepEqual(opened, tc15.plaintext.subarray(0, 60));
  const badTag = Buffer.from(c16.tag);
  badTag[0]! ^= 1;
  assert.equal(aesGcmOpen(tc15.key, tc15.nonce, aad16, c16.ciphertext, badTag), undefined);
  assert.equal(aesGcmOpen(tc15.key, tc15.nonce, Buffer.alloc(0), c16.ciphertext, c16.tag),
    undefined);
});

test('sealValue encrypts with its data key and the nonce it draws (test case 15)', () => {
  const key = new DataKey(7, Buffer.from(tc15.key), 1, true);
  const sealed = sealValue(key, tc15.plaintext, scriptedRandom(tc15.nonce));
  assert.equal(sealed.length, 1 + 4 + 12 + 64 + 16);
  assert.equal(sealed.readUInt8(0), 1);
  assert.equal(sealed.readUInt32BE(1), 7);
  assert.deepEqual(sealed.subarray(5, 17), tc15.nonce);
  assert.deepEqual(sealed.subarray(17, 17 + 64), tc15.ciphertext);
  const opened = openValue(key, sealed);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value, tc15.plaintext);
});

test('AES key wrap matches RFC 3394 §4.6 (256-bit key data under a 256-bit KEK)', () => {
  const kek = masterKey(1,
    hex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F'));
  const data = hex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F');
  const wrapped = wrapDataKey(data, kek);
  assert.equal(wrapped.toString('hex'), '28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326' +
    'cbc7f0e71a99f43bfb988b9b7a02dd21');
  assert.deepEqual(unwrapDataKey(wrapped, kek), data);
  const other = masterKey(2, keyBytes(5));
  assert.throws(() => unwrapDataKey(wrapped, other), (e) =>
    isPadoError(e, 'PADO_INVALID_ARGUMENT') &&
    /does not unwrap under master key 2/.test(e.message));
  const flipped = Buffer.from(wrapped);
  flipped[20]! ^= 0x10;
  assert.throws(() => unwrapDataKey(flipped, kek), PadoError);
  assert.throws(() => unwrapDataKey(wrapped.subarray(0, 39), kek), PadoError);
});

test('master keys parse from hex, base64, raw bytes, id lines and the variable', () => {
  const k1 = keyBytes(1);
  const k2 = keyBytes(2);
  const fromHex = parseMasterKeys(`${k1.toString('hex')}\n`, 'key file k');
  assert.deepEqual(fromHex.ids, [1]);
  assert.deepEqual(fromHex.current.key, k1);
  assert.deepEqual(parseMasterKeys(Buffer.from(k1.toString('base64')), 'f').current.key, k1);
  const url = k1.toString('base64url');
  assert.deepEqual(parseMasterKeys(url, 'f').current.key, k1);
  assert.deepEqual(parseMasterKeys(k1, 'raw file').current.key, k1);
  const file = `# pado master keys\n1:${k1.toString('hex')}\n\n` +
    `2 = ${k2.toString('base64')}  # new\n`;
  const ring = parseMasterKeys(Buffer.from(file), 'key file k');
  assert.deepEqual(ring.ids, [1, 2]);
  assert.equal(ring.current.id, 2);
  assert.deepEqual(ring.get(1)?.key, k1);
  const variable = `2:${k2.toString('hex')}, 1:${k1.toString('hex')}`;
  assert.equal(parseMasterKeys(variable, 'PADO_MASTER_KEY').current.id, 2);
  const line = formatMasterKeyLine(ring.current);
  assert.deepEqual(parseMasterKeys(line, 'x').current.key, k2);
  assert.deepEqual(ring.current.check, masterKey(9, k2).check, 'the check depends on the key only');
});

test('master key mistakes say what is wrong and what to write, never the key', () => {
  const k = keyBytes(3).toString('hex');
  const cases: [Buffer | string, RegExp][] = [
    ['', /no master key found; write one key as 64 hex digits/],
    ['# only a comment\n', /no master key found/],
    [k.slice(0, 40), /40 hex digits are 20 bytes; a master key is 32 bytes: 64 hex digits/],
    [k.slice(0, 32), /32 hex digits are 16 bytes/],
    [Buffer.from(k.slice(0, 32)), /32 characters of text, not a key: as hex that is 16 bytes/],
    [keyBytes(3).subarray(0, 24).toString('base64'), /base64 of 24 bytes; a master key is 32/],
    [`${k}!`, /not hex or base64 \(an unexpected character at position 65\)/],
    [`${k}\n${keyBytes(4).toString('hex')}`,
      /line 1: several master keys need ids: write `1:<key>`/],
    [`1:${k}\n1:${keyBytes(4).toString('hex')}`, /master key id 1 appears twice/],
    [`1:${k}\n2:${k}`, /master keys 1 and 2 are the same key; a rotation needs a new one/],
    [`0:${k}`, /master key id 0 is not 1–2147483647/],
    [`3:`, /no key after the id/],
    ['00'.repeat(32), /one byte repeated \(a placeholder\?\)/],
    [Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]), /5 bytes that are neither text nor a raw key/],
  ];
  for (const [input, expected] of cases) {
    assert.throws(() => parseMasterKeys(input, 'key file /etc/pado/master.key'), (e) => {
      assert.ok(isPadoError(e, 'PADO_CONFIG_INVALID'), String(e));
      assert.match(e.message, /^key file \/etc\/pado\/master.key/);
      assert.match(e.message, expected);
      assert.ok(!e.message.includes(k.slice(0, 16)), `no key material: ${e.message}`);
      return true;
    }, `input ${String(input).slice(0, 20)}`);
  }
});

test('key ring: the highest id is current; rotation adds a new, higher key', () => {
  const ring = ringOf(3, 1);
  assert.equal(ring.current.id, 3);
  const next = ring.withKey(masterKey(4, keyBytes(200)));
  assert.deepEqual(next.ids, [1, 3, 4]);
  assert.throws(() => ring.withKey(masterKey(2, keyBytes(201))), /must be above the current 3/);
  assert.throws(() => ring.withKey(masterKey(5, keyBytes(103))), /are the same key/);
  assert.throws(() => MasterKeyRing.of([]), /no master key/);
});

test('a stored batch is a valid v2 batch without the payload, and decrypts byte for byte', () => {
  const ring = ringOf(1);
  const keys = DataKeys.empty();
  const key = keys.addNewKey(ring, seededRandom(new Prng(11)));
  const random = seededRandom(new Prng(12));
  for (const batch of [sampleBatch(1), sampleBatch(100), sampleBatch(30, 'gzip')]) {
    const stored = encryptBatch(key, batch, random);
    assert.equal(stored.length, encryptedBatchBytes(batch.length));
    assert.equal(stored.length - batch.length, encryptedBatchOverheadBytes);
    assert.ok(!stored.includes(payload), 'payload not in the stored bytes');
    assert.ok(!stored.includes(batch.subarray(BatchField.crc, BatchField.crc + 4)),
      'the producer CRC (a checksum of the plaintext) is not stored in clear');
    // What recovery and the scrubber check stored batches with; a producer's is refused (0x4000).
    const checked = validateOneBatch(stored, 0);
    assert.ok(checked.ok, checked.ok ? '' : checked.message);
    assert.ok(!validateBatches(stored).ok, 'as produce input it is refused');
    const plainHeader = parseBatchHeader(batch, 0);
    const storedHeader = parseBatchHeader(stored, 0);
    assert.ok(plainHeader.ok && storedHeader.ok);
    for (const field of ['baseOffset', 'partitionLeaderEpoch', 'lastOffsetDelta', 'baseTimestamp',
      'maxTimestamp', 'producerId', 'producerEpoch', 'baseSequence', 'recordCount'] as const) {
      assert.equal(storedHeader.header[field], plainHeader.header[field], field);
    }
    assert.equal(storedHeader.header.attributes,
      plainHeader.header.attributes | encryptedBatchAttribute);
    assert.ok(isEncryptedBatch(stored) && !isEncryptedBatch(batch));
    assert.equal(encryptedBatchKeyId(stored), key.id);
    const opened = decryptBatch(keys, stored);
    assert.ok(opened.ok, opened.ok ? '' : opened.message);
    assert.deepEqual(opened.batch, batch);
    assert.ok(validateBatches(opened.batch).ok, 'the producer CRC32C matches again');
    assert.notDeepEqual(encryptBatch(key, batch, random), stored, 'a fresh nonce each time');
    const nonce = stored.subarray(BatchEnvelope.nonce, BatchEnvelope.ciphertext);
    const parts = encryptBatchParts(key, batch, scriptedRandom(nonce));
    assert.ok(parts.length >= 3, 'header, ciphertext and tag apart');
    assert.deepEqual(Buffer.concat(parts), stored, 'the same bytes as parts, CRC included');
  }
  assert.equal(key.uses, 9);
});

test('in place: the same stored bytes, the records overwritten by their ciphertext, large batches in 64 KiB pieces', () => {
  const key = new DataKey(3, keyBytes(33), 1, true);
  for (const records of [1, 5, 3_000]) {
    const batch = sampleBatch(records);
    const nonce = Buffer.alloc(12, records & 0xff);
    const expected = Buffer.concat(encryptBatchWithNonce(key.id, key.cipherKey, batch, nonce));
    const original = Buffer.from(batch);
    const parts = encryptBatchInPlace(key.id, key.cipherKey, batch, nonce);
    assert.deepEqual(Buffer.concat(parts), expected, `${records} records: the same stored bytes`);
    assert.deepEqual(batch.subarray(0, 61), original.subarray(0, 61), 'the header is left as it was');
    assert.ok(parts.some((p) => p.buffer === batch.buffer && p.byteOffset === batch.byteOffset + 61),
      'the records are written from the batch itself');
    assert.ok(!batch.subarray(61).equals(original.subarray(61)), 'no plaintext left behind');
    assert.equal(batch.indexOf(payload), -1);
    const opened = decryptBatch(key, expected);
    assert.ok(opened.ok && opened.batch.equals(original), 'opens to what the producer sent');
  }
});

test('a flipped bit anywhere is caught: by GCM, or by the stored CRC in the CRC field', () => {
  const prng = new Prng(0xa7e5);
  const key = new DataKey(1, keyBytes(21), 1, true);
  const batch = sampleBatch(2);
  const stored = encryptBatch(key, batch, seededRandom(prng));
  for (let at = 0; at < stored.length; at++) {
    const bad = Buffer.from(stored);
    bad[at]! ^= 1 << prng.below(8);
    const opened = decryptBatch(key, bad);
    const crcCaught = !validateOneBatch(bad, 0).ok;
    const inCrcField = at >= BatchField.crc && at < BatchField.crc + 4;
    if (inCrcField) {
      assert.ok(opened.ok && opened.batch.equals(batch), `byte ${at}: CRC field is not covered`);
      assert.ok(crcCaught, `byte ${at}: the stored CRC check catches it`);
    } else {
      assert.ok(!opened.ok, `byte ${at}: a flip must fail decryption`);
    }
  }
});

test('decrypt failures name their kind: corrupt, unknown key, not encrypted', () => {
  const ring = ringOf(1);
  const keys = DataKeys.empty();
  const key = keys.addNewKey(ring, seededRandom(new Prng(31)));
  const batch = sampleBatch(3);
  const stored = encryptBatch(key, batch, seededRandom(new Prng(32)));
  const kind = (b: Buffer, k: DataKey | DataKeys = keys): string => {
    const r = decryptBatch(k, b);
    return r.ok ? 'ok' : `${r.error}: ${r.message}`;
  };
  assert.match(kind(stored.subarray(0, stored.length - 1)), /^corrupt: .*batchLength says/);
  assert.match(kind(Buffer.concat([stored, Buffer.alloc(1)])), /^corrupt: .*batchLength says/);
  assert.match(kind(stored.subarray(0, 40)), /^corrupt: encrypted batch: 40 bytes/);
  assert.match(kind(batch), /^notEncrypted: encrypted batch at base offset 1234567/);
  const otherId = Buffer.from(stored);
  otherId.writeUInt32BE(99, BatchEnvelope.keyId);
  assert.match(kind(otherId), /^unknownKey: .*data key 99 is not in the key file/);
  const version = Buffer.from(stored);
  version[BatchEnvelope.version] = 2;
  assert.match(kind(version), /^corrupt: .*envelope version 2, this Pado reads 1/);
  const wrongKey = new DataKey(key.id, keyBytes(33), 1, true);
  assert.match(kind(stored, wrongKey), /^corrupt: .*authentication failed under data key 1/);
  const moved = Buffer.from(stored);
  rewriteBatchHeader(moved, 0, 1_234_568, 9);
  assert.match(kind(moved), /^corrupt: .*authentication failed/, 'bound to its base offset');
  const producers = Buffer.from(batch);
  producers.writeInt16BE(producers.readInt16BE(BatchField.attributes) | encryptedBatchAttribute,
    BatchField.attributes);
  assert.throws(() => encryptBatch(key, producers, seededRandom(new Prng(34))),
    (e) => isPadoError(e, 'PADO_INVALID_ARGUMENT') &&
      /reserves for encrypted storage/.test(e.message));
});

test('key files: round trip, and a wrong, missing or damaged master key is a clear error', () => {
  const ring = ringOf(1);
  const keys = DataKeys.empty();
  const random = seededRandom(new Prng(41));
  const k1 = keys.addNewKey(ring, random);
  const k2 = keys.addNewKey(ring, random);
  const file = keys.encode(ring);
  assert.equal(file.length, 25 + 2 * 48);
  const where = '/data/t-0/encryption.keys';
  const opened = DataKeys.open(file, ring, where);
  assert.deepEqual(opened.ids, [1, 2]);
  assert.deepEqual(opened.dataKey(1)?.key, k1.key);
  assert.deepEqual(opened.dataKey(2)?.key, k2.key);
  assert.equal(opened.current?.madeThisRun, false);
  const decoded = decodeKeyFile(file, where);
  assert.equal(decoded.masterKeyId, 1);
  assert.ok(!file.includes(k1.key) && !file.includes(k2.key), 'keys are stored wrapped');

  const impostor = MasterKeyRing.of([masterKey(1, keyBytes(999))]);
  assert.throws(() => DataKeys.open(file, impostor, where), (e) =>
    isPadoError(e, 'PADO_CONFIG_INVALID') && e.message.startsWith(`${where}: this data was ` +
      'encrypted with master key 1; the key given as master key 1 does not match'));
  assert.throws(() => DataKeys.open(file, ringOf(2, 3), where), (e) =>
    isPadoError(e, 'PADO_CONFIG_INVALID') && /encrypted with master key 1; the master keys given/
      .test(e.message) && /are 2, 3: add master key 1/.test(e.message));
  const flipped = Buffer.from(file);
  flipped[60]! ^= 4;
  assert.throws(() => DataKeys.open(flipped, ring, where), (e) =>
    isPadoError(e, 'PADO_STORAGE_CORRUPT') &&
      /key file is damaged \(CRC mismatch\)/.test(e.message));
  assert.throws(() => DataKeys.open(file.subarray(0, 10), ring, where), /damaged \(10 bytes\)/);
  const newer = Buffer.from(file);
  newer[8] = 2;
  newer.writeUInt32BE(crc32c(newer.subarray(4)), 0);
  assert.throws(() => DataKeys.open(newer, ring, where), /key file format 2, this Pado reads 1/);
});

test('rotation rewraps key files without touching data; new data keys use the new master', () => {
  const ring1 = ringOf(1);
  const random = seededRandom(new Prng(51));
  const keys = DataKeys.empty();
  const old = keys.addNewKey(ring1, random);
  const batch = sampleBatch(5);
  const stored = encryptBatch(old, batch, random);
  const file1 = keys.encode(ring1);
  assert.equal(keys.needsNewKey(ring1), false);

  const ring2 = ring1.withKey(masterKey(2, keyBytes(102)));
  assert.equal(keys.needsNewKey(ring2), true, 'a rotation renews the data key');
  const file2 = rewrapKeyFile(file1, ring2, 'p');
  assert.ok(file2 !== undefined);
  assert.equal(decodeKeyFile(file2, 'p').masterKeyId, 2);
  assert.equal(rewrapKeyFile(file2, ring2, 'p'), undefined, 'a second run changes nothing');
  assert.deepEqual(keys.encode(ring2), file2, 'deterministic: the same bytes either way');

  const onlyNew = MasterKeyRing.of([ring2.current]);
  const reopened = DataKeys.open(file2, onlyNew, 'p');
  const opened = decryptBatch(reopened, stored);
  assert.ok(opened.ok && opened.batch.equals(batch), 'old data reads with the old data key');
  assert.throws(() => DataKeys.open(file1, onlyNew, 'p'), /encrypted with master key 1/);

  assert.equal(reopened.needsNewKey(onlyNew), true, 'a loaded key never encrypts again');
  const fresh = reopened.addNewKey(onlyNew, random);
  assert.deepEqual([fresh.id, fresh.bornUnderMasterKeyId], [2, 2]);
  assert.equal(reopened.needsNewKey(onlyNew), false);
  const newer = encryptBatch(fresh, batch, random);
  assert.equal(encryptedBatchKeyId(newer), 2);
  const both = DataKeys.open(reopened.encode(onlyNew), onlyNew, 'p');
  assert.ok(decryptBatch(both, stored).ok && decryptBatch(both, newer).ok);
  fresh.uses = dataKeyUsesRenew;
  assert.equal(reopened.needsNewKey(onlyNew), true, 'renewed after 2^30 encryptions');

  const wrapped = wrapDataKey(old.key, ring1.current);
  const rewrapped = rewrap(wrapped, ring1.current, ring2.current);
  assert.deepEqual(unwrapDataKey(rewrapped, ring2.current), old.key);
  assert.throws(() => rewrap(wrapped, ring2.current, ring1.current), PadoError);
  assert.equal(both.removeKeysBelow(2), 1);
  assert.deepEqual(both.ids, [2]);
  assert.equal(decryptBatch(both, stored).ok, false, 'a removed key leaves its data unreadable');
});

test('sealed values: bound to their key in the store, tamper-evident', () => {
  const keys = DataKeys.empty();
  const key = keys.addNewKey(ringOf(1), seededRandom(new Prng(61)));
  const random = seededRandom(new Prng(62));
  const value = Buffer.from(`raft entry ${payload}`);
  const sealed = sealValue(key, value, random, 'e/0000000000000005');
  assert.ok(!sealed.includes(payload));
  const opened = openValue(keys, sealed, 'e/0000000000000005');
  assert.ok(opened.ok && opened.value.equals(value));
  const swapped = openValue(keys, sealed, 'e/0000000000000006');
  assert.ok(!swapped.ok && swapped.error === 'corrupt');
  const empty = sealValue(key, Buffer.alloc(0), random);
  const emptyOpened = openValue(key, empty);
  assert.ok(emptyOpened.ok && emptyOpened.value.length === 0);
  for (let at = 0; at < sealed.length; at++) {
    const bad = Buffer.from(sealed);
    bad[at]! ^= 0x80;
    assert.equal(openValue(keys, bad, 'e/0000000000000005').ok, false, `byte ${at}`);
  }
  const short = openValue(keys, sealed.subarray(0, 20));
  assert.ok(!short.ok && short.error === 'corrupt');
});

const interesting = [0x00, 0xff, 0x80, 0x7f, 0x01, 0x40];

/** One to three random edits of `base`. */
function mutate(prng: Prng, base: Buffer): Buffer {
  let b = Buffer.from(base);
  const edits = prng.between(1, 3);
  for (let e = 0; e < edits; e++) {
    const at = b.length === 0 ? 0 : prng.below(b.length);
    switch (prng.below(6)) {
      case 0: if (b.length > 0) b[at]! ^= 1 << prng.below(8); break;
      case 1: if (b.length > 0) b[at] = interesting[prng.below(interesting.length)]!; break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + prng.between(1, 8))]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.alloc(prng.between(1, 8), 0x41),
        b.subarray(at)]); break;
      case 4: b = b.subarray(0, at); break;
      default: b = Buffer.concat([b, b.subarray(at, at + prng.between(1, 16))]);
    }
  }
  return b;
}

test('fuzz: mutated batches, values, key files and key text never throw unexpectedly', () => {
  const seed = 0xf022;
  const prng = new Prng(seed);
  const random = seededRandom(prng);
  const ring = ringOf(1);
  const keys = DataKeys.empty();
  const key = keys.addNewKey(ring, random);
  const batches = [sampleBatch(1), sampleBatch(12), sampleBatch(8, 'gzip')];
  const stored = batches.map((b) => encryptBatch(key, b, random));
  const value = Buffer.from('hard state');
  const sealed = sealValue(key, value, random, 'h');
  const file = keys.encode(ring);
  const seen = new Map<string, number>();
  const count = (k: string): void => void seen.set(k, (seen.get(k) ?? 0) + 1);
  for (let i = 0; i < 3000; i++) {
    const which = prng.below(stored.length);
    const m = mutate(prng, stored[which]!);
    const r = decryptBatch(keys, m);
    if (r.ok) assert.deepEqual(r.batch, batches[which], `seed=${seed} i=${i}: ok means original`);
    count(r.ok ? 'batch ok' : `batch ${r.error}`);
    const v = openValue(keys, mutate(prng, sealed), 'h');
    if (v.ok) assert.deepEqual(v.value, value, `seed=${seed} i=${i}`);
    count(v.ok ? 'value ok' : `value ${v.error}`);
    try {
      const opened = DataKeys.open(mutate(prng, file), ring, 'f');
      assert.deepEqual(opened.ids, keys.ids, `seed=${seed} i=${i}`);
      count('file ok');
    } catch (e) {
      assert.ok(isPadoError(e), `seed=${seed} i=${i}: ${String(e)}`);
      count(`file ${e.code}`);
    }
    const text = mutate(prng, Buffer.from(`1:${key.key.toString('hex')}\n2:${keyBytes(7)
      .toString('base64')}`));
    try {
      parseMasterKeys(text, 'fuzz');
      count('text ok');
    } catch (e) {
      assert.ok(isPadoError(e, 'PADO_CONFIG_INVALID'), `seed=${seed} i=${i}: ${String(e)}`);
      count('text refused');
    }
  }
  // 'notEncrypted' needs one exact bit cleared: the kinds test covers it.
  for (const kind of ['batch corrupt', 'batch unknownKey', 'batch ok', 'value corrupt',
    'value unknownKey', 'file PADO_STORAGE_CORRUPT', 'text ok', 'text refused']) {
    assert.ok((seen.get(kind) ?? 0) > 0, `seed=${seed}: the fuzz never reached ${kind}: ` +
      JSON.stringify([...seen]));
  }
});

test('the data key helpers assert what only a bug could break', () => {
  const key: MasterKey = masterKey(1, keyBytes(71));
  assert.throws(() => wrapDataKey(Buffer.alloc(16), key), /a data key is 32 bytes/);
  assert.throws(() => new DataKey(0, keyBytes(72), 1, true), /data key id 0/);
  const dk = new DataKey(1, keyBytes(73), 1, true);
  assert.throws(() => encryptBatch(dk, sampleBatch(1).subarray(0, 70), seededRandom(new Prng(1))),
    /exactly one batch/);
});
