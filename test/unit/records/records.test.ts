/**
 * Proves the RecordBatch v2 codec agrees with Kafka's format and refuses bad input safely:
 * golden bytes recorded from kafkajs 2.2.4 (RecordBatch v0 encoder) must equal what buildBatch
 * writes and must validate; build → validate → decode round-trips (plain and gzip); every single
 * bit flip in the CRC-covered region is caught as 'corrupt'; every truncation is 'invalid'; and
 * seeded hostile buffers never make validate or decode throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import { Prng } from '../../../src/common/index.js';
import {
  BatchField,
  buildBatch,
  decodeRecords,
  parseBatchHeader,
  registerCodec,
  rewriteBatchHeader,
  validateBatches,
} from '../../../src/protocol/records/index.js';

// kafkajs: two records (k1/hello with header h=v at t0, null/world at t0+5), pid -1, epoch -1.
const kafkajsGolden = Buffer.from(
  '00000000000000000000004fffffffff024bf42f080000000000010000018bcfe568000000018bcfe568' +
    '05ffffffffffffffffffffffffffff0000000222000000046b310a68656c6c6f020268027616000a02010a' +
    '776f726c6400',
  'hex',
);
const t0 = 1_700_000_000_000;

function goldenInput() {
  return {
    records: [
      { key: Buffer.from('k1'), value: Buffer.from('hello'), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp: t0 },
      { key: null, value: Buffer.from('world'), timestamp: t0 + 5 },
    ],
    compression: 'none' as const,
  };
}

test('CRC32C check value of "123456789" is 0xE3069283 (RFC 3720)', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('buildBatch writes the same bytes as kafkajs and they validate', () => {
  assert.deepEqual(buildBatch(goldenInput()), kafkajsGolden);
  const result = validateBatches(kafkajsGolden);
  assert.ok(result.ok);
  const header = result.batches[0];
  assert.ok(header);
  assert.equal(header.crc, 0x4bf42f08);
  assert.equal(header.recordCount, 2);
  assert.equal(header.lastOffsetDelta, 1);
  assert.equal(header.maxTimestamp, t0 + 5);
  assert.equal(header.producerId, -1);
});

test('round trip build → validate → decode, uncompressed and gzip', () => {
  for (const compression of ['none', 'gzip'] as const) {
    const batch = buildBatch({ ...goldenInput(), compression, producerId: 7, producerEpoch: 1, baseSequence: 40 });
    const two = Buffer.concat([batch, batch]);
    const validated = validateBatches(two);
    assert.ok(validated.ok, compression);
    assert.deepEqual(validated.batches.map((b) => b.position), [0, batch.length]);
    const decoded = decodeRecords(batch);
    assert.ok(decoded.ok, compression);
    assert.equal(decoded.header.producerId, 7);
    assert.equal(decoded.header.baseSequence, 40);
    const [first, second] = decoded.records;
    assert.equal(first?.key?.toString(), 'k1');
    assert.equal(first?.value?.toString(), 'hello');
    assert.equal(first?.headers[0]?.key, 'h');
    assert.equal(first?.headers[0]?.value?.toString(), 'v');
    assert.equal(second?.key, null);
    assert.equal(second?.offset, 1);
    assert.equal(second?.timestamp, t0 + 5);
  }
});

test('rewriteBatchHeader sets offset and epoch and keeps the CRC valid', () => {
  const batch = buildBatch(goldenInput());
  rewriteBatchHeader(batch, 0, 123_456_789_012, 9);
  const result = validateBatches(batch);
  assert.ok(result.ok);
  assert.equal(result.batches[0]?.baseOffset, 123_456_789_012);
  assert.equal(result.batches[0]?.partitionLeaderEpoch, 9);
  const decoded = decodeRecords(batch);
  assert.ok(decoded.ok);
  assert.equal(decoded.records[1]?.offset, 123_456_789_013);
});

test('every bit flip in the CRC-covered region is corrupt', () => {
  const batch = buildBatch(goldenInput());
  for (let byte = BatchField.attributes; byte < batch.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const copy = Buffer.from(batch);
      copy[byte] = (copy[byte] ?? 0) ^ (1 << bit);
      const result = validateBatches(copy);
      assert.ok(!result.ok, `flip byte ${byte} bit ${bit}`);
      // A flip may first break a count check ('invalid'); otherwise the CRC must catch it.
      assert.ok(result.error === 'corrupt' || result.error === 'invalid');
    }
  }
  const copy = Buffer.from(batch);
  copy[batch.length - 1] = (copy[batch.length - 1] ?? 0) ^ 1;
  const result = validateBatches(copy);
  assert.ok(!result.ok && result.error === 'corrupt');
});

test('every truncation is invalid', () => {
  const batch = buildBatch(goldenInput());
  for (let length = 0; length < batch.length; length++) {
    const result = validateBatches(batch.subarray(0, length));
    assert.ok(!result.ok && result.error === 'invalid', `length ${length}`);
  }
  const twoAndBit = Buffer.concat([batch, batch.subarray(0, 30)]);
  assert.ok(!validateBatches(twoAndBit).ok);
});

test('size limit, bad magic and bad counts are refused', () => {
  const batch = buildBatch(goldenInput());
  const tooLarge = validateBatches(batch, { batchBytesMax: batch.length - 1 });
  assert.ok(!tooLarge.ok && tooLarge.error === 'tooLarge');
  const magic = Buffer.from(batch);
  magic.writeInt8(1, BatchField.magic);
  assert.ok(!parseBatchHeader(magic, 0).ok);
  const count = Buffer.from(batch);
  count.writeInt32BE(0, BatchField.recordCount);
  count.writeUInt32BE(crc32c(count.subarray(BatchField.attributes)), BatchField.crc);
  const zero = validateBatches(count);
  assert.ok(!zero.ok && zero.error === 'invalid');
});

test('codecs not built in report codecUnavailable, and registerCodec installs one', () => {
  const batch = buildBatch(goldenInput());
  batch.writeInt16BE(4, BatchField.attributes); // zstd
  batch.writeUInt32BE(crc32c(batch.subarray(BatchField.attributes)), BatchField.crc);
  const before = decodeRecords(batch);
  assert.ok(!before.ok && before.error === 'codecUnavailable');
  assert.match(before.message, /zstd/);
  registerCodec(4, { compress: (b) => b, decompress: (b) => b });
  assert.ok(decodeRecords(batch).ok);
});

test('seeded hostile buffers never throw', () => {
  const prng = new Prng(20240611);
  const batch = buildBatch(goldenInput());
  for (let i = 0; i < 3000; i++) {
    const copy = Buffer.from(batch);
    const mutations = prng.between(1, 6);
    for (let m = 0; m < mutations; m++) copy[prng.below(copy.length)] = prng.u32() & 0xff;
    // Make the CRC match sometimes so decode's record parser sees the hostile bytes too.
    if (prng.chance(0.5)) copy.writeUInt32BE(crc32c(copy.subarray(BatchField.attributes)), BatchField.crc);
    const cut = copy.subarray(0, prng.chance(0.3) ? prng.below(copy.length + 1) : copy.length);
    validateBatches(cut);
    decodeRecords(cut);
    parseBatchHeader(cut, prng.below(cut.length + 2));
  }
  const random = prng.fill(Buffer.alloc(4096));
  validateBatches(random);
  decodeRecords(random);
});
