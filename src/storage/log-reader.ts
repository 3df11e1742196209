/**
 * Read paths over one segment: find a batch by offset through the sparse index, read a file range
 * of whole batches, find a batch by timestamp through the time index. Only bytes already written
 * (segment.writtenBytes) are ever read. Reads never hand out a bad batch: the batches returned are
 * checked (length, magic, CRC32C) and their offsets must continue from the index entry the scan
 * started at (base offset and leader epoch lie outside the CRC); the read stops before the first
 * one that fails, and when that is the first one it reports the damage instead. Record counts and
 * codecs are not checked again: the CRC covers them, and they were validated when produced.
 */
import { crc32c } from '@node-rs/crc32';
import { assert } from '../common/index.js';
import {
  BatchField,
  batchCrcStart,
  batchHeaderBytes,
  batchLogOverheadBytes,
  batchMagic,
  readInt64,
} from '../protocol/records/index.js';
import type { LogDamage, LogDamageKind } from './log-damage.js';
import { scanBatches } from './scan.js';
import type { Segment } from './segment.js';

export type ReadResult =
  | {
      readonly kind: 'records';
      readonly records: Buffer;
      readonly nextOffset: number;
      /** File position of the first batch (set by segment reads; for damage reports). */
      readonly position?: number;
    }
  | {
      readonly kind: 'offsetOutOfRange';
      readonly logStartOffset: number;
      readonly logEndOffset: number;
    }
  /** The batch at the fetch offset (or the range before it) is bad or missing: nothing served. */
  | { readonly kind: 'damaged'; readonly damage: LogDamage };

/**
 * Lookups scan at most an index interval or so past an index entry; read a little more than that.
 */
const lookupChunkBytes = 16 * 1024;

/** Runs `task` with the segment's file, keeping a deleted segment's file open until it ends. */
export async function withFile<T>(segment: Segment, task: () => Promise<T>): Promise<T> {
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
  /** That batch's base offset; without one, the offset the next batch at `position` must carry. */
  readonly baseOffset: number;
  /** That batch's size in bytes (0 at the end, or when `bad`). */
  readonly sizeBytes: number;
  /**
   * Set when the scan met a batch that is cut off, unparseable or out of sequence (at
   * `position`, expected to start at `baseOffset`) before the offset asked for ('corrupt'), or
   * when the file ends short of the segment's end ('missing').
   */
  readonly bad: { readonly kind: LogDamageKind; readonly detail: string } | undefined;
}

/**
 * The batch holding `offset` (or the first after it), scanning headers from the index entry at
 * or below it. Headers only (lookups trust sealed data; reads check what they return), but every
 * base offset must continue the one before, starting from the index entry's offset.
 */
export function locateBatch(segment: Segment, offset: number): Promise<BatchLocation> {
  return withFile(segment, async () => {
    const file = segment.file;
    assert(file !== undefined, 'segment file open');
    const entry = segment.index.floorEntry(Math.max(0, offset - segment.baseOffset));
    let expected = segment.baseOffset + entry.relativeOffset;
    let found: BatchLocation | undefined;
    let bad: BatchLocation['bad'];
    const scan = await scanBatches(file, {
      from: entry.position,
      end: segment.writtenBytes,
      verify: false,
      chunkBytes: lookupChunkBytes,
      visit: (header, position) => {
        if (header.baseOffset !== expected) {
          bad = { kind: 'corrupt', detail: `batch at byte ${position} has base offset ` +
            `${header.baseOffset}, expected ${expected}` };
          return false;
        }
        // A rotted lastOffsetDelta (outside any check a lookup makes: the CRC covers it, lookups
        // read headers only) must not set where the log ends: a negative one once made a
        // truncation end the log below its start (whole-cluster simulation, seed 5145).
        if (header.lastOffsetDelta < 0) {
          bad = { kind: 'corrupt', detail: `batch at byte ${position} has lastOffsetDelta ` +
            `${header.lastOffsetDelta}` };
          found = { position, baseOffset: header.baseOffset, sizeBytes: 0, bad };
          return false;
        }
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (lastOffset < offset) {
          expected = lastOffset + 1;
          return true;
        }
        const sizeBytes = header.batchLength + batchLogOverheadBytes;
        found = { position, baseOffset: header.baseOffset, sizeBytes, bad: undefined };
        return false;
      },
    });
    if (found !== undefined) return found;
    if (bad === undefined && scan.stop !== 'end' && scan.stop !== 'visitor') {
      const why = scan.stop === 'torn' ? 'is cut off'
        : `fails its checks: ${scan.detail ?? 'unreadable'}`;
      bad = { kind: 'corrupt', detail: `batch at byte ${scan.validEnd} ${why}` };
    }
    if (bad === undefined && expected < segment.writtenNextOffset && expected <= offset) {
      bad = { kind: 'missing', detail: `the file ends at offset ${expected} (byte ` +
        `${scan.validEnd}), the segment should reach ${segment.writtenNextOffset}` };
    }
    return { position: scan.validEnd, baseOffset: expected, sizeBytes: 0, bad };
  });
}

/** What a read reports when the batch it must return first is bad. */
function damageAt(segment: Segment, offset: number, position: number, detail: string,
  kind: LogDamageKind = 'corrupt'): LogDamage {
  return { offset, kind, file: segment.file?.path ?? '', position, detail, foundBy: 'read' };
}

/**
 * Whole checked batches from `fetchOffset`: at most `maxBytes` unless the first batch alone is
 * larger; never one at or past `limitOffset`. Stops before the first batch that fails a check;
 * if that is the first one, the result is `damaged`.
 */
export async function readBatches(
  segment: Segment,
  fetchOffset: number,
  maxBytes: number,
  limitOffset: number,
): Promise<ReadResult> {
  const start = await locateBatch(segment, fetchOffset);
  if (start.bad !== undefined) {
    return { kind: 'damaged', damage: damageAt(segment, start.baseOffset, start.position,
      start.bad.detail, start.bad.kind) };
  }
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
    const walked = walkChecked(buffer.subarray(0, got), start.baseOffset, limitOffset);
    if (walked.cut === 0) {
      const detail = `batch at byte ${start.position} ${walked.bad ?? 'is cut off'}`;
      return { kind: 'damaged', damage: damageAt(segment, start.baseOffset, start.position,
        detail) };
    }
    return { kind: 'records', records: buffer.subarray(0, walked.cut),
      nextOffset: walked.nextOffset, position: start.position };
  });
}

/**
 * The prefix of `view` made of whole batches that pass every check, continue from `baseOffset`
 * and start below `limitOffset`; `bad` says why it stopped early, if a batch failed a check.
 * Each step consumes ≥ 61 bytes, so it ends.
 */
function walkChecked(view: Buffer, baseOffset: number, limitOffset: number):
  { cut: number; nextOffset: number; bad: string | undefined } {
  let cut = 0;
  let expected = baseOffset;
  while (view.length - cut >= batchHeaderBytes) {
    const size = view.readInt32BE(cut + BatchField.batchLength) + batchLogOverheadBytes;
    if (size > view.length - cut) break;
    const offset = readInt64(view, cut + BatchField.baseOffset);
    if (offset !== undefined && offset >= limitOffset && offset === expected) break;
    if (offset !== expected) {
      const found = offset ?? 'beyond ±2^53';
      return { cut, nextOffset: expected, bad: `has base offset ${found}, expected ${expected}` };
    }
    const bad = checkStoredBatch(view, cut, size);
    if (bad !== undefined) return { cut, nextOffset: expected, bad: `fails its checks: ${bad}` };
    expected = offset + view.readInt32BE(cut + BatchField.lastOffsetDelta) + 1;
    cut += size;
  }
  return { cut, nextOffset: expected, bad: undefined };
}

/**
 * A stored batch's checks on the read path: length, magic, a non-negative last offset delta and
 * the CRC32C, which covers everything from the attributes on. Lean on purpose (no header object):
 * it runs for every batch every consumer and follower reads (bench/read-check.ts).
 */
export function checkStoredBatch(view: Buffer, at: number, size: number): string | undefined {
  if (size < batchHeaderBytes) return `batchLength ${size - batchLogOverheadBytes} too small`;
  const magic = view.readInt8(at + BatchField.magic);
  if (magic !== batchMagic) return `magic ${magic}`;
  if (view.readInt32BE(at + BatchField.lastOffsetDelta) < 0) return 'negative lastOffsetDelta';
  const stored = view.readUInt32BE(at + BatchField.crc);
  const actual = crc32c(view.subarray(at + batchCrcStart, at + size));
  if (actual === stored) return undefined;
  return `CRC32C 0x${actual.toString(16).padStart(8, '0')}, header says ` +
    `0x${stored.toString(16).padStart(8, '0')}`;
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
