/**
 * Read paths over one segment: find a batch by offset through the sparse index, read a file range
 * of whole batches, find a batch by timestamp through the time index. Only bytes already written
 * (segment.writtenBytes) are ever read.
 */
import { assert } from '../common/index.js';
import {
  BatchField,
  batchHeaderBytes,
  batchLogOverheadBytes,
  readInt64,
} from '../protocol/records/index.js';
import { scanBatches } from './scan.js';
import type { Segment } from './segment.js';

export type ReadResult =
  | { readonly kind: 'records'; readonly records: Buffer; readonly nextOffset: number }
  | {
      readonly kind: 'offsetOutOfRange';
      readonly logStartOffset: number;
      readonly logEndOffset: number;
    };

/**
 * Lookups scan at most an index interval or so past an index entry; read a little more than that.
 */
const lookupChunkBytes = 16 * 1024;

/** Runs `task` with the segment's file, keeping a deleted segment's file open until it ends. */
async function withFile<T>(segment: Segment, task: () => Promise<T>): Promise<T> {
  segment.readers++;
  try {
    return await task();
  } finally {
    segment.readers--;
    if (segment.deleted && segment.readers === 0) await segment.release();
  }
}

export interface BatchLocation {
  /** File position of the first batch whose last offset ≥ the offset asked for (or the end). */
  readonly position: number;
  /** That batch's base offset, or the segment's written end when there is none. */
  readonly baseOffset: number;
  /** That batch's size in bytes (0 at the end). */
  readonly sizeBytes: number;
}

export function locateBatch(segment: Segment, offset: number): Promise<BatchLocation> {
  return withFile(segment, async () => {
    const file = segment.file;
    assert(file !== undefined, 'segment file open');
    let found: BatchLocation | undefined;
    const scan = await scanBatches(file, {
      from: segment.index.positionFor(offset - segment.baseOffset),
      end: segment.writtenBytes,
      verify: false,
      chunkBytes: lookupChunkBytes,
      visit: (header, position) => {
        if (header.baseOffset + header.lastOffsetDelta < offset) return true;
        const sizeBytes = header.batchLength + batchLogOverheadBytes;
        found = { position, baseOffset: header.baseOffset, sizeBytes };
        return false;
      },
    });
    const end = segment.writtenNextOffset;
    return found ?? { position: scan.validEnd, baseOffset: end, sizeBytes: 0 };
  });
}

/** Whole batches from `fetchOffset`: at most `maxBytes` unless the first batch alone is larger. */
export async function readBatches(
  segment: Segment,
  fetchOffset: number,
  maxBytes: number,
  limitOffset: number,
): Promise<ReadResult> {
  const start = await locateBatch(segment, fetchOffset);
  if (start.sizeBytes === 0 || start.baseOffset >= limitOffset) {
    return { kind: 'records', records: Buffer.alloc(0), nextOffset: fetchOffset };
  }
  return withFile(segment, async () => {
    const file = segment.file;
    assert(file !== undefined, 'segment file open');
    const available = segment.writtenBytes - start.position;
    const want = Math.min(available, Math.max(maxBytes, start.sizeBytes));
    const buffer = Buffer.allocUnsafe(want);
    const got = await file.read(buffer, want, start.position);
    let cut = 0;
    let nextOffset = fetchOffset;
    // Walk batch boundaries inside what was read; each step consumes ≥ 61 bytes, so it ends.
    while (got - cut >= batchHeaderBytes) {
      const size = buffer.readInt32BE(cut + BatchField.batchLength) + batchLogOverheadBytes;
      const baseOffset = readInt64(buffer, cut + BatchField.baseOffset) ?? Infinity;
      if (size > got - cut || baseOffset >= limitOffset) break;
      nextOffset = baseOffset + buffer.readInt32BE(cut + BatchField.lastOffsetDelta) + 1;
      cut += size;
    }
    return { kind: 'records', records: buffer.subarray(0, cut), nextOffset };
  });
}

/** Base offset of the first batch in the segment whose max timestamp ≥ `timestampMs`. */
export function findOffsetForTimestamp(
  segment: Segment,
  timestampMs: number,
  limitOffset: number,
): Promise<number | undefined> {
  return withFile(segment, async () => {
    const file = segment.file;
    assert(file !== undefined, 'segment file open');
    const startRelative = segment.index.offsetBeforeTimestamp(timestampMs);
    let found: number | undefined;
    await scanBatches(file, {
      from: segment.index.positionFor(startRelative),
      end: segment.writtenBytes,
      verify: false,
      visit: (header) => {
        if (header.baseOffset >= limitOffset) return false;
        if (header.maxTimestamp < timestampMs) return true;
        found = header.baseOffset;
        return false;
      },
    });
    return found;
  });
}
