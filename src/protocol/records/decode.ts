/**
 * Decodes the records of one batch, for Pado's own client (CLI consume) and for tests. The broker
 * never calls this on the produce or fetch path. Keys, values and header values are views into the
 * (possibly decompressed) payload, not copies.
 */
import { limits } from '../../common/index.js';
import {
  type BatchHeader,
  type RecordsFailure,
  batchCompression,
  batchHeaderBytes,
  batchLogOverheadBytes,
  CompressionCodec,
  recordsFailure,
} from './batch-header.js';
import { codecFor, codecNames } from './codecs.js';
import { validateOneBatch } from './validate.js';
import { readVarint } from './varint.js';

export interface DecodedHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface DecodedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: DecodedHeader[];
}

export type DecodeResult =
  | { readonly ok: true; readonly header: BatchHeader; readonly records: DecodedRecord[] }
  | RecordsFailure;

/** Decodes the single batch that starts at byte 0 of `batchBuf` (bytes after it are ignored). */
export function decodeRecords(batchBuf: Buffer): DecodeResult {
  const checked = validateOneBatch(batchBuf, 0);
  if (!checked.ok) return checked;
  const header = checked.header;
  const end = header.batchLength + batchLogOverheadBytes;
  const decompressed = decompressPayload(header, batchBuf.subarray(batchHeaderBytes, end));
  if (!decompressed.ok) return decompressed;
  const payload = decompressed.payload;
  const records: DecodedRecord[] = [];
  let at = 0;
  // recordCount was bounded by validateOneBatch; every record consumes at least one byte.
  for (let i = 0; i < header.recordCount; i++) {
    const one = decodeOneRecord(payload, at, header);
    if (one === undefined) {
      return recordsFailure('invalid', `record ${i} of batch ${header.baseOffset} is malformed`);
    }
    records.push(one.record);
    at = one.next;
  }
  if (at !== payload.length) {
    return recordsFailure(
      'invalid',
      `batch ${header.baseOffset}: ${payload.length - at} bytes after records`,
    );
  }
  return { ok: true, header, records };
}

type PayloadResult = { readonly ok: true; readonly payload: Buffer } | RecordsFailure;

function decompressPayload(header: BatchHeader, payload: Buffer): PayloadResult {
  const codecId = batchCompression(header.attributes);
  if (codecId === CompressionCodec.none) return { ok: true, payload };
  const codec = codecFor(codecId);
  const name = codecNames[codecId] ?? String(codecId);
  if (codec === undefined) {
    return recordsFailure(
      'codecUnavailable',
      `compression codec ${name} is not available in Pado yet`,
    );
  }
  try {
    return { ok: true, payload: codec.decompress(payload, limits.fetchResponseBytesMax) };
  } catch (cause) {
    return recordsFailure('corrupt', `${name} payload does not decompress: ${String(cause)}`);
  }
}

interface OneRecord {
  record: DecodedRecord;
  next: number;
}

/** One record; undefined when any length runs past the record or the payload. */
function decodeOneRecord(
  payload: Buffer,
  start: number,
  header: BatchHeader,
): OneRecord | undefined {
  const length = readVarint(payload, start, payload.length);
  if (length === undefined || length.value < 1 || length.value > payload.length - length.next) {
    return undefined;
  }
  const end = length.next + length.value;
  const timestampDelta = readVarint(payload, length.next + 1, end); // +1 skips attributes
  if (timestampDelta === undefined) return undefined;
  const offsetDelta = readVarint(payload, timestampDelta.next, end);
  if (offsetDelta === undefined) return undefined;
  const key = readBytesField(payload, offsetDelta.next, end);
  if (key === undefined) return undefined;
  const value = readBytesField(payload, key.next, end);
  if (value === undefined) return undefined;
  const headers = readHeaders(payload, value.next, end);
  if (headers === undefined) return undefined;
  const record: DecodedRecord = {
    offset: header.baseOffset + offsetDelta.value,
    timestamp: header.baseTimestamp + timestampDelta.value,
    key: key.value,
    value: value.value,
    headers,
  };
  return { record, next: end };
}

interface FieldRead<T> {
  value: T;
  next: number;
}

function readBytesField(
  buf: Buffer,
  at: number,
  end: number,
): FieldRead<Buffer | null> | undefined {
  const length = readVarint(buf, at, end);
  if (length === undefined || length.value < -1) return undefined;
  if (length.value === -1) return { value: null, next: length.next };
  if (length.value > end - length.next) return undefined;
  return { value: buf.subarray(
    length.next,
    length.next + length.value,
  ), next: length.next + length.value };
}

/** Reads the header list, which must end exactly at the record's end. */
function readHeaders(buf: Buffer, at: number, end: number): DecodedHeader[] | undefined {
  const count = readVarint(buf, at, end);
  // Each header takes at least two bytes, which bounds the loop by the record's size.
  if (count === undefined || count.value < 0) return undefined;
  if (count.value * 2 > end - count.next) return undefined;
  const headers: DecodedHeader[] = [];
  let next = count.next;
  for (let i = 0; i < count.value; i++) {
    const key = readBytesField(buf, next, end);
    if (key === undefined || key.value === null) return undefined;
    const value = readBytesField(buf, key.next, end);
    if (value === undefined) return undefined;
    headers.push({ key: key.value.toString('utf8'), value: value.value });
    next = value.next;
  }
  return next === end ? headers : undefined;
}
