/**
 * Builds a RecordBatch v2 from plain records, for Pado's own client (the CLI). The broker itself
 * never builds batches; it stores what producers send.
 */
import { crc32c } from '@node-rs/crc32';
import { assert } from '../../common/index.js';
import {
  BatchField,
  batchCrcStart,
  batchHeaderBytes,
  batchLogOverheadBytes,
  batchMagic,
  CompressionCodec,
  writeInt64,
} from './batch-header.js';
import { codecFor } from './codecs.js';
import { varintSize, writeVarint } from './varint.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface RecordInput {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Milliseconds since the epoch (CreateTime). */
  readonly timestamp: number;
}

export interface BuildBatchInput {
  readonly records: readonly RecordInput[];
  readonly compression: 'none' | 'gzip';
  /** -1 (the default) for a producer without idempotence. */
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

/** Encodes the batch with baseOffset 0 and partitionLeaderEpoch -1, as producers send it. */
export function buildBatch(input: BuildBatchInput): Buffer {
  assert(input.records.length > 0, 'buildBatch needs at least one record');
  const first = input.records[0];
  assert(first !== undefined, 'first record');
  const baseTimestamp = first.timestamp;
  let maxTimestamp = baseTimestamp;
  for (const record of input.records) maxTimestamp = Math.max(maxTimestamp, record.timestamp);

  let payload = encodeRecords(input.records, baseTimestamp);
  let codec: number = CompressionCodec.none;
  if (input.compression === 'gzip') {
    codec = CompressionCodec.gzip;
    const gzip = codecFor(codec);
    assert(gzip !== undefined, 'gzip is built in');
    payload = gzip.compress(payload);
  }

  const batch = Buffer.alloc(batchHeaderBytes + payload.length);
  writeInt64(batch, BatchField.baseOffset, 0);
  batch.writeInt32BE(batch.length - batchLogOverheadBytes, BatchField.batchLength);
  batch.writeInt32BE(-1, BatchField.partitionLeaderEpoch);
  batch.writeInt8(batchMagic, BatchField.magic);
  batch.writeInt16BE(codec, BatchField.attributes);
  batch.writeInt32BE(input.records.length - 1, BatchField.lastOffsetDelta);
  writeInt64(batch, BatchField.baseTimestamp, baseTimestamp);
  writeInt64(batch, BatchField.maxTimestamp, maxTimestamp);
  writeInt64(batch, BatchField.producerId, input.producerId ?? -1);
  batch.writeInt16BE(input.producerEpoch ?? -1, BatchField.producerEpoch);
  batch.writeInt32BE(input.baseSequence ?? -1, BatchField.baseSequence);
  batch.writeInt32BE(input.records.length, BatchField.recordCount);
  payload.copy(batch, batchHeaderBytes);
  batch.writeUInt32BE(crc32c(batch.subarray(batchCrcStart)), BatchField.crc);
  return batch;
}

/** Size first, then one allocation (STYLE.md §4). */
function encodeRecords(records: readonly RecordInput[], baseTimestamp: number): Buffer {
  const bodySizes = records.map((record, i) => recordBodySize(record, i, baseTimestamp));
  let total = 0;
  for (const size of bodySizes) total += varintSize(size) + size;
  const out = Buffer.alloc(total);
  let at = 0;
  records.forEach((record, i) => {
    at = writeVarint(out, at, bodySizes[i] ?? 0);
    at = writeRecordBody(out, at, record, i, baseTimestamp);
  });
  assert(at === total, 'record sizes agree with what was written');
  return out;
}

function bytesFieldSize(value: Buffer | null): number {
  return value === null ? varintSize(-1) : varintSize(value.length) + value.length;
}

function recordBodySize(record: RecordInput, offsetDelta: number, baseTimestamp: number): number {
  let size = 1 + varintSize(record.timestamp - baseTimestamp) + varintSize(offsetDelta);
  size += bytesFieldSize(record.key) + bytesFieldSize(record.value);
  const headers = record.headers ?? [];
  size += varintSize(headers.length);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    size += varintSize(keyBytes) + keyBytes + bytesFieldSize(header.value);
  }
  return size;
}

function writeBytesField(out: Buffer, at: number, value: Buffer | null): number {
  if (value === null) return writeVarint(out, at, -1);
  const next = writeVarint(out, at, value.length);
  value.copy(out, next);
  return next + value.length;
}

function writeRecordBody(
  out: Buffer,
  start: number,
  record: RecordInput,
  offsetDelta: number,
  baseTimestamp: number,
): number {
  out[start] = 0; // record attributes: unused in v2
  let at = writeVarint(out, start + 1, record.timestamp - baseTimestamp);
  at = writeVarint(out, at, offsetDelta);
  at = writeBytesField(out, at, record.key);
  at = writeBytesField(out, at, record.value);
  const headers = record.headers ?? [];
  at = writeVarint(out, at, headers.length);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    at = writeVarint(out, at, keyBytes);
    at += out.write(header.key, at, 'utf8');
    at = writeBytesField(out, at, header.value);
  }
  return at;
}
