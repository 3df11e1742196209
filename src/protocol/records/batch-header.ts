/**
 * RecordBatch v2 header: parse, check and rewrite in place (Kafka documentation, "Message Format" →
 * "Record Batch"). The payload after the header stays an opaque slice of the caller's Buffer;
 * records
 * are never re-encoded, so compressed batches are stored exactly as the producer sent them.
 */

/** Byte positions inside a batch, from the batch start. */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** Bytes before the first record. */
export const batchHeaderBytes = 61;
/**
 * baseOffset + batchLength: the part of a batch that batchLength does not count ("log overhead").
 */
export const batchLogOverheadBytes = 12;
/** The only message format we accept; v0/v1 message sets predate idempotence and leader epochs. */
export const batchMagic = 2;
/**
 * The CRC covers the attributes to the end of the batch, so baseOffset and leader epoch may change.
 */
export const batchCrcStart = BatchField.attributes;

export const CompressionCodec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

const attributeCodecMask = 0x07;
const attributeLogAppendTime = 0x08;
const attributeTransactional = 0x10;
const attributeControl = 0x20;

export interface BatchHeader {
  /** Where the batch starts in the buffer it was parsed from. */
  readonly position: number;
  readonly baseOffset: number;
  /** Bytes after the batchLength field; the whole batch is batchLength + 12 bytes. */
  readonly batchLength: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/** Why a blob of batches was refused; the handler maps these to Kafka error codes. */
export type RecordsErrorKind = 'invalid' | 'corrupt' | 'tooLarge' | 'codecUnavailable';
export interface RecordsFailure {
  readonly ok: false;
  readonly error: RecordsErrorKind;
  readonly message: string;
}
export type HeaderResult = { readonly ok: true; readonly header: BatchHeader } | RecordsFailure;

export function recordsFailure(error: RecordsErrorKind, message: string): RecordsFailure {
  return { ok: false, error, message };
}

/** Whole batch size in bytes, including the 12-byte log overhead. */
export function batchSizeBytes(header: BatchHeader): number {
  return header.batchLength + batchLogOverheadBytes;
}
export function batchLastOffset(header: BatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}
export function batchCompression(attributes: number): number {
  return attributes & attributeCodecMask;
}
export function isLogAppendTime(attributes: number): boolean {
  return (attributes & attributeLogAppendTime) !== 0;
}
export function isTransactional(attributes: number): boolean {
  return (attributes & attributeTransactional) !== 0;
}
/**
 * Attribute bit 14: Pado's stored form of a batch encrypted at rest (security/at-rest.ts). Kafka
 * assigns bits 0–6; a batch from a producer or a leader never carries it.
 */
export const attributeEncryptedAtRest = 0x4000;
export function isControlBatch(attributes: number): boolean {
  return (attributes & attributeControl) !== 0;
}

const twoTo32 = 0x1_0000_0000;

/**
 * int64 as a number; undefined beyond ±2^53 (STYLE.md §4: one checked read, no bigint on hot
 * paths).
 */
export function readInt64(buf: Buffer, at: number): number | undefined {
  const value = buf.readInt32BE(at) * twoTo32 + buf.readUInt32BE(at + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  const high = Math.floor(value / twoTo32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * twoTo32, at + 4);
}

/**
 * Parses the 61-byte header at `offset`. Checks only what the header alone can tell (enough bytes,
 * magic, int64 ranges, non-negative lengths); `validateBatches` adds the CRC and record-count
 * checks.
 */
export function parseBatchHeader(buf: Buffer, offset: number): HeaderResult {
  if (!Number.isInteger(offset) || offset < 0 || buf.length - offset < batchHeaderBytes) {
    return recordsFailure(
      'invalid',
      `batch at byte ${offset}: fewer than ${batchHeaderBytes} bytes left`,
    );
  }
  const magic = buf.readInt8(offset + BatchField.magic);
  if (magic !== batchMagic) {
    return recordsFailure(
      'invalid',
      `batch at byte ${offset}: magic ${magic}, only 2 is supported`,
    );
  }
  const batchLength = buf.readInt32BE(offset + BatchField.batchLength);
  if (batchLength < batchHeaderBytes - batchLogOverheadBytes) {
    return recordsFailure(
      'invalid',
      `batch at byte ${offset}: batchLength ${batchLength} too small`,
    );
  }
  const baseOffset = readInt64(buf, offset + BatchField.baseOffset);
  const baseTimestamp = readInt64(buf, offset + BatchField.baseTimestamp);
  const maxTimestamp = readInt64(buf, offset + BatchField.maxTimestamp);
  const producerId = readInt64(buf, offset + BatchField.producerId);
  if (baseOffset === undefined || baseTimestamp === undefined || maxTimestamp === undefined ||
      producerId === undefined) {
    return recordsFailure('invalid', `batch at byte ${offset}: an int64 field is beyond ±2^53`);
  }
  const header: BatchHeader = {
    position: offset,
    baseOffset,
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(offset + BatchField.partitionLeaderEpoch),
    magic,
    crc: buf.readUInt32BE(offset + BatchField.crc),
    attributes: buf.readInt16BE(offset + BatchField.attributes),
    lastOffsetDelta: buf.readInt32BE(offset + BatchField.lastOffsetDelta),
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch: buf.readInt16BE(offset + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(offset + BatchField.baseSequence),
    recordCount: buf.readInt32BE(offset + BatchField.recordCount),
  };
  return { ok: true, header };
}

/**
 * Assigns the batch its offset and the leader's epoch, in place. Neither field is covered by the
 * CRC, so the batch stays valid without re-hashing (that is why Kafka placed them before the CRC).
 */
export function rewriteBatchHeader(
  buf: Buffer,
  batchPos: number,
  baseOffset: number,
  partitionLeaderEpoch: number,
): void {
  writeInt64(buf, batchPos + BatchField.baseOffset, baseOffset);
  buf.writeInt32BE(partitionLeaderEpoch, batchPos + BatchField.partitionLeaderEpoch);
}
