/**
 * Checks an incoming produce `records` blob before anything is stored: every batch is whole, is
 * magic v2, has a CRC32C that matches, and counts its records plausibly. Hostile input yields a
 * failure value, never an exception (STYLE.md §7: bad input never crashes the broker).
 */
import { crc32c } from '@node-rs/crc32';
import {
  attributeEncryptedAtRest,
  type BatchHeader,
  type RecordsFailure,
  batchCompression,
  batchCrcStart,
  batchHeaderBytes,
  batchLogOverheadBytes,
  CompressionCodec,
  parseBatchHeader,
  recordsFailure,
} from './batch-header.js';

/**
 * Smallest possible record: length, attributes, timestampDelta, offsetDelta, keyLength, valueLength
 * and header count are one byte each at their smallest.
 */
export const recordBytesMin = 7;
/**
 * Records one batch may claim. Bounds the work of anyone iterating a (compressed) batch; Kafka's
 * own
 * producers cap a batch by bytes long before this. Candidate for common/limits.ts.
 */
export const recordsPerBatchMax = 1 << 20;

export interface ValidateOptions {
  /** max.message.bytes: the largest single batch accepted (whole batch, log overhead included). */
  readonly batchBytesMax?: number;
}

export type ValidateResult =
  | { readonly ok: true; readonly batches: BatchHeader[] }
  | RecordsFailure;

/** Validates one or more back-to-back batches filling `buf` exactly. */
export function validateBatches(buf: Buffer, options: ValidateOptions = {}): ValidateResult {
  if (buf.length === 0) return recordsFailure('invalid', 'records: no batch');
  const batches: BatchHeader[] = [];
  let position = 0;
  // Each pass consumes at least batchHeaderBytes, so the loop is bounded by buf.length / 61.
  while (position < buf.length) {
    const result = validateOneBatch(buf, position, options);
    if (!result.ok) return result;
    // Stored batches may carry it (recovery validates them with validateOneBatch); sent ones not.
    if ((result.header.attributes & attributeEncryptedAtRest) !== 0) {
      return recordsFailure('invalid', `batch at byte ${position}: attribute bit 0x4000 is ` +
        'set, which Pado reserves for batches encrypted at rest');
    }
    batches.push(result.header);
    position += result.header.batchLength + batchLogOverheadBytes;
  }
  return { ok: true, batches };
}

type OneResult = { readonly ok: true; readonly header: BatchHeader } | RecordsFailure;

/**
 * Validates the batch at `position`; also used by storage recovery on bytes read back from disk.
 */
export function validateOneBatch(
  buf: Buffer,
  position: number,
  options: ValidateOptions = {},
): OneResult {
  const parsed = parseBatchHeader(buf, position);
  if (!parsed.ok) return parsed;
  const header = parsed.header;
  const size = header.batchLength + batchLogOverheadBytes;
  const where = `batch at byte ${position}`;
  if (size > buf.length - position) {
    return recordsFailure(
      'invalid',
      `${where}: ${size} bytes claimed, ${buf.length - position} left`,
    );
  }
  if (options.batchBytesMax !== undefined && size > options.batchBytesMax) {
    return recordsFailure('tooLarge', `${where}: ${size} bytes, limit ${options.batchBytesMax}`);
  }
  const counts = checkCounts(header);
  if (counts !== undefined) return recordsFailure('invalid', `${where}: ${counts}`);
  const actual = crc32c(buf.subarray(position + batchCrcStart, position + size));
  if (actual !== header.crc) {
    return recordsFailure(
      'corrupt',
      `${where}: CRC32C ${hex(actual)}, header says ${hex(header.crc)}`,
    );
  }
  return parsed;
}

/** Record count and offset-delta plausibility; returns why not, or undefined when plausible. */
function checkCounts(header: BatchHeader): string | undefined {
  const codec = batchCompression(header.attributes);
  if (codec > CompressionCodec.zstd) return `unknown compression codec ${codec}`;
  if (header.recordCount < 1 || header.recordCount > recordsPerBatchMax) {
    return `recordCount ${header.recordCount} outside 1..${recordsPerBatchMax}`;
  }
  if (header.lastOffsetDelta < 0) return `lastOffsetDelta ${header.lastOffsetDelta} negative`;
  if (codec === CompressionCodec.none) {
    const payloadBytes = header.batchLength + batchLogOverheadBytes - batchHeaderBytes;
    if (header.recordCount * recordBytesMin > payloadBytes) {
      return `recordCount ${header.recordCount} cannot fit in ${payloadBytes} bytes`;
    }
    // Producers number records 0..n-1; a gap would make offsets we assign disagree with the
    // records.
    if (header.lastOffsetDelta !== header.recordCount - 1) {
      return `lastOffsetDelta ${header.lastOffsetDelta} with ${header.recordCount} records`;
    }
  } else if (header.lastOffsetDelta < header.recordCount - 1) {
    return `lastOffsetDelta ${header.lastOffsetDelta} below recordCount - 1`;
  }
  return undefined;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
