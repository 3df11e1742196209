/**
 * Opening a partition directory: segments by base offset, recovery of the last segment (validate
 * every batch's length, magic and CRC32C; truncate a torn or corrupt tail; rebuild its indexes),
 * index checks for older segments (rebuilt when missing or inconsistent), the log start offset
 * checkpoint, and the producer state (newest snapshot ≤ log end, then batch headers after it).
 *
 * Damage is looked for, never repaired here (that needs the leader, see node/): on every open,
 * each sealed segment's last batches are read to find where it really ends, so a gap before the
 * next segment (a deleted or cut file) or before the first one (a log that should start earlier)
 * is found; after an unclean stop, every batch an unclean stop may have touched — beyond the HW
 * checkpoint, in every segment that may hold such offsets — is CRC-checked. Older data is left
 * to the scrubber, so opening a large log reads little more than its last segment.
 */
import { join } from 'node:path';
import { assert } from '../common/index.js';
import { type ProducerState, lastSequenceOf } from '../partitions/index.js';
import {
  BatchField, batchHeaderBytes, batchLogOverheadBytes, type BatchHeader, isControlBatch, readInt64,
} from '../protocol/records/index.js';
import type { FsOps, StorageFile } from './fs-ops.js';
import { type LogDamage, lowerDamage } from './log-damage.js';
import { readLogStartOffset, readSnapshot, snapshotOffsets, snapshotPath } from './log-files.js';
import { checkStoredBatch, locateBatch } from './log-reader.js';
import { scanBatches } from './scan.js';
import { checkSegmentRange } from './scrub.js';
import { parseOffsetFileName, Segment } from './segment.js';

export interface LoadOptions {
  /** The last run closed this log cleanly: everything was fsynced and sealed before it stopped. */
  readonly clean: boolean;
  /** The HW checkpoint (undefined: missing or unreadable). */
  readonly highWatermark: number | undefined;
}

export interface LoadedPartition {
  readonly segments: Segment[];
  readonly logStartOffset: number;
  /** Bytes cut from the last segment by recovery (0 after a clean shutdown). */
  readonly truncatedBytes: number;
  /** The lowest damaged range found (the log keeps it until repaired). */
  readonly damage: LogDamage | undefined;
}

export async function loadPartition(
  fs: FsOps,
  dir: string,
  producerState: ProducerState,
  options: LoadOptions = { clean: false, highWatermark: undefined },
): Promise<LoadedPartition> {
  await fs.mkdir(dir);
  const names = await fs.readdir(dir);
  // A temp file is a checkpoint, index or snapshot whose rename never happened: the old one stands.
  for (const name of names) if (name.endsWith('.tmp')) await fs.unlink(join(dir, name));
  // Without a checkpoint the log starts at 0: only retention, DeleteRecords and a repair that
  // refetches everything move the start, and each of them writes the checkpoint first.
  const expectedStart = (await readLogStartOffset(fs, dir)) ?? 0;
  const bases = names.flatMap((name) => parseOffsetFileName(name, '.log') ?? [])
    .sort((a, b) => a - b);
  if (bases.length === 0) bases.push(expectedStart);
  const segments: Segment[] = [];
  let truncatedBytes = 0;
  let damage: LogDamage | undefined;
  for (let i = 0; i < bases.length; i++) {
    const segment = new Segment(bases[i] ?? 0);
    const exists = names.includes(segment.path(dir).slice(dir.length + 1));
    segment.file = await fs.open(segment.path(dir), !exists);
    const nextBase = bases[i + 1];
    if (nextBase === undefined) {
      const recovered = await recoverLastSegment(segment, dir);
      truncatedBytes = recovered.truncatedBytes;
      if (recovered.damage !== undefined) damage = lowerDamage(damage, recovered.damage);
    } else {
      await openSealed(fs, dir, segment, nextBase);
      const short = await checkSealedEnd(segment, nextBase);
      if (short !== undefined) damage = lowerDamage(damage, short);
    }
    segments.push(segment);
  }
  if (bases.length === 1 && !names.some((name) => name.endsWith('.log'))) await fs.syncDir(dir);
  const first = segments[0];
  const last = segments[segments.length - 1];
  assert(first !== undefined && last !== undefined, 'at least one segment');
  if (first.baseOffset > expectedStart) {
    damage = lowerDamage(damage, { offset: expectedStart, kind: 'missing',
      file: first.path(dir), position: 0, foundBy: 'recovery',
      detail: `offsets ${expectedStart}–${first.baseOffset - 1} are in no file: the log starts ` +
        `at ${expectedStart}, its first segment at ${first.baseOffset}` });
  }
  if (!options.clean) {
    const unclean = await checkBeyondHighWatermark(segments, options.highWatermark);
    if (unclean !== undefined) damage = lowerDamage(damage, unclean);
  }
  const hw = options.highWatermark;
  if (hw !== undefined && hw > last.nextOffset) {
    const why = truncatedBytes > 0 ? `recovery cut ${truncatedBytes} bytes from the last segment`
      : 'the files end there';
    damage = lowerDamage(damage, { offset: last.nextOffset, kind: truncatedBytes > 0 ? 'corrupt'
      : 'missing', file: last.path(dir), position: last.sizeBytes, foundBy: 'recovery',
    detail: `the log ends at ${last.nextOffset}, below its high watermark checkpoint ${hw} ` +
      `(${why})` });
  }
  const logStartOffset = Math.min(expectedStart, last.nextOffset);
  await removeSnapshotsAbove(fs, dir, last.nextOffset);
  await rebuildProducerState(fs, dir, segments, producerState, last.nextOffset);
  return { segments, logStartOffset, truncatedBytes, damage };
}

/** A segment before the last: its indexes, or rebuilt ones when they are missing or wrong. */
async function openSealed(fs: FsOps, dir: string, segment: Segment, nextBase: number) {
  if (await segment.loadIndexes(fs, dir, nextBase)) return;
  await segment.rebuild(false);
  segment.finishTimeIndex();
  await segment.writeIndexes(fs, dir);
  segment.sealed = true;
}

/**
 * Where a sealed segment really ends, from its last batches (read from its last index entry, a
 * few KiB): its offsets must run right up to the next segment's base. If not, the range from its
 * end is damaged — the file was cut, a batch there is unreadable, or a whole segment between is
 * missing — and the segment's bookkeeping is corrected, so reads of that range meet the gap.
 */
async function checkSealedEnd(segment: Segment, nextBase: number): Promise<LogDamage | undefined> {
  const at = await locateBatch(segment, nextBase);
  const file = segment.file?.path ?? '';
  const base = { file, position: at.position, foundBy: 'recovery' } as const;
  let damage: LogDamage | undefined;
  if (at.sizeBytes > 0) {
    damage = { ...base, offset: at.baseOffset, kind: 'corrupt', detail: `batch at byte ` +
      `${at.position} runs past ${nextBase}, where the next segment starts` };
  } else if (at.bad !== undefined) {
    damage = { ...base, offset: at.baseOffset, kind: at.bad.kind, detail: at.bad.detail };
  } else if (at.baseOffset < nextBase) {
    damage = { ...base, offset: at.baseOffset, kind: 'missing', detail: `offsets ` +
      `${at.baseOffset}–${nextBase - 1} are in no file: this segment ends at ${at.baseOffset}, ` +
      `the next one starts at ${nextBase}` };
  }
  if (damage !== undefined) {
    segment.nextOffset = damage.offset;
    segment.writtenNextOffset = damage.offset;
  }
  return damage;
}

/**
 * After an unclean stop: CRC-checks every batch at or beyond the HW checkpoint in the sealed
 * segments that may hold one (the last segment is checked whole by its recovery). An unknown HW
 * leaves older segments to the scrubber: checking them all could mean reading gigabytes before
 * the node starts.
 */
async function checkBeyondHighWatermark(segments: readonly Segment[],
  highWatermark: number | undefined): Promise<LogDamage | undefined> {
  if (highWatermark === undefined) return undefined;
  for (const segment of segments.slice(0, -1)) {
    if (segment.nextOffset <= highWatermark) continue;
    const entry = segment.index.floorEntry(Math.max(0, highWatermark - segment.baseOffset));
    const r = await checkSegmentRange(segment, entry.position,
      segment.baseOffset + entry.relativeOffset, Infinity, 'recovery');
    if (r.kind === 'bad') return r.damage;
  }
  return undefined;
}

/**
 * Crash recovery of the active segment: keeps the longest prefix of valid batches and truncates the
 * rest (a torn write) — unless the bad batch is damage in the middle: its header holds and a whole,
 * valid batch continuing its offsets follows it. That is bit rot in written (maybe acknowledged)
 * data, not a torn tail: truncating would throw away every batch after it, and a replica that
 * then led would have its followers truncate their good copies to match (found by the whole-cluster
 * simulation, seed 382: 482 acknowledged records lost). The segment is kept whole and the damage
 * reported: reads stop before it, the replica leaves the ISR or hands its leadership off, and
 * refetches the range (log-damage.ts).
 */
async function recoverLastSegment(segment: Segment, dir: string):
  Promise<{ truncatedBytes: number; damage?: LogDamage }> {
  const result = await segment.rebuild(true);
  const file = segment.file;
  assert(file !== undefined, 'segment file open');
  if (result.validEnd === result.fileBytes) return { truncatedBytes: 0 };
  if (result.stop === 'corrupt') {
    const badOffset = segment.nextOffset;
    if (await wholeBatchFollows(file, result.validEnd, result.fileBytes, badOffset)) {
      const whole = await segment.rebuild(false);
      if (whole.validEnd === whole.fileBytes) {
        return { truncatedBytes: 0, damage: { offset: badOffset, kind: 'corrupt', file: segment.path(dir),
          position: result.validEnd, foundBy: 'recovery', detail: `batch at byte ${result.validEnd} fails ` +
            'its checks with whole batches after it: damage, not a torn write' } };
      }
      await segment.rebuild(true);
    }
  }
  // No header holds to step over (a flipped length, base offset or magic): look further for any
  // whole batch. One found means written data rotted here, and the batches after it may have been
  // acknowledged: cut (the segment cannot be indexed past the bad bytes) but report the damage, so
  // this replica refetches instead of leading with a short log.
  const later = await wholeBatchAfter(file, result.validEnd, result.fileBytes, segment.nextOffset);
  await file.truncate(result.validEnd);
  await file.sync();
  const truncatedBytes = result.fileBytes - result.validEnd;
  if (later === undefined) return { truncatedBytes };
  return { truncatedBytes, damage: { offset: segment.nextOffset, kind: 'corrupt',
    file: segment.path(dir), position: result.validEnd, foundBy: 'recovery',
    detail: `batch at byte ${result.validEnd} fails its checks, ` +
      `yet a whole batch (offset ${later.baseOffset}) lies at byte ${later.position} after it: ` +
      'damage in written data, not a torn write; cut there, to be refetched from an in-sync ' +
      'replica' } };
}

/** Bytes read at a time while looking for a whole batch after a bad one. */
const resyncChunkBytes = 256 * 1024;

/**
 * The first whole batch after the bad bytes at `from`: at some later position, a header with magic
 * 2, a base offset above `offset` (within 2^31 of it) and a size that fits, whose stored checks
 * (CRC32C) pass. Garbage passing all of that is a 2^-32 chance after the filters. Reads the rest
 * of the file once, in chunks (a torn tail is short; rot early in a big segment costs one read
 * of it, once, at recovery).
 */
async function wholeBatchAfter(file: StorageFile, from: number, fileBytes: number,
  offset: number): Promise<{ position: number; baseOffset: number } | undefined> {
  const chunk = Buffer.allocUnsafe(resyncChunkBytes + batchHeaderBytes);
  for (let start = from + 1; start + batchHeaderBytes <= fileBytes; start += resyncChunkBytes) {
    const got = await file.read(chunk, Math.min(chunk.length, fileBytes - start), start);
    for (let at = 0; at + batchHeaderBytes <= got && at < resyncChunkBytes; at++) {
      if (chunk[at + BatchField.magic] !== 2) continue;
      const base = readInt64(chunk, at + BatchField.baseOffset);
      if (base === undefined || base <= offset || base - offset > 0x7fff_ffff) continue;
      const size = chunk.readInt32BE(at + BatchField.batchLength) + batchLogOverheadBytes;
      const position = start + at;
      if (size < batchHeaderBytes || size > fileBytes - position) continue;
      const batch = Buffer.allocUnsafe(size);
      if (await file.read(batch, size, position) < size) continue;
      if (checkStoredBatch(batch, 0, size) === undefined) return { position, baseOffset: base };
    }
  }
  return undefined;
}

/**
 * Whether the bad batch at `position` (expected to start at `offset`) has a header that holds and
 * is followed by a whole batch that passes every check and continues its offsets.
 */
async function wholeBatchFollows(file: StorageFile, position: number, fileBytes: number, offset: number):
  Promise<boolean> {
  const head = Buffer.alloc(batchHeaderBytes);
  if (await file.read(head, batchHeaderBytes, position) < batchHeaderBytes) return false;
  const size = head.readInt32BE(BatchField.batchLength) + batchLogOverheadBytes;
  if (size < batchHeaderBytes || position + size + batchHeaderBytes > fileBytes) return false;
  if (readInt64(head, BatchField.baseOffset) !== offset) return false;
  const next = offset + head.readInt32BE(BatchField.lastOffsetDelta) + 1;
  const nextHead = Buffer.alloc(batchHeaderBytes);
  if (await file.read(nextHead, batchHeaderBytes, position + size) < batchHeaderBytes) return false;
  const nextSize = nextHead.readInt32BE(BatchField.batchLength) + batchLogOverheadBytes;
  if (nextSize < batchHeaderBytes || position + size + nextSize > fileBytes) return false;
  const batch = Buffer.alloc(nextSize);
  if (await file.read(batch, nextSize, position + size) < nextSize) return false;
  return readInt64(batch, BatchField.baseOffset) === next && checkStoredBatch(batch, 0, nextSize) === undefined;
}

export async function removeSnapshotsAbove(fs: FsOps, dir: string, offset: number): Promise<void> {
  for (const snapshot of snapshotOffsets(await fs.readdir(dir))) {
    if (snapshot > offset) await fs.unlink(snapshotPath(dir, snapshot));
  }
}

/**
 * Removes snapshots older than the newest one ≤ `offset` (retention moved the log start past them).
 */
export async function removeSnapshotsBefore(fs: FsOps, dir: string, offset: number): Promise<void> {
  const older = snapshotOffsets(await fs.readdir(dir)).filter((snapshot) => snapshot <= offset);
  older.pop();
  for (const snapshot of older) await fs.unlink(snapshotPath(dir, snapshot));
}

/**
 * Restores the newest readable snapshot ≤ `endOffset`, then replays batch headers from its offset
 * (or from the start of the log when there is none, e.g. after a crash before the first roll).
 */
export async function rebuildProducerState(
  fs: FsOps,
  dir: string,
  segments: readonly Segment[],
  state: ProducerState,
  endOffset: number,
): Promise<void> {
  const candidates = snapshotOffsets(await fs.readdir(dir)).filter((offset) => offset <= endOffset);
  let from = 0;
  state.clear();
  for (let i = candidates.length - 1; i >= 0; i--) {
    const offset = candidates[i] ?? 0;
    const snapshot = await readSnapshot(fs, dir, offset);
    if (snapshot !== undefined && state.restore(snapshot)) {
      from = offset;
      break;
    }
  }
  for (const segment of segments) {
    if (segment.writtenNextOffset <= from || segment.file === undefined) continue;
    const start = from > segment.baseOffset ? segment.index.positionFor(
      from - segment.baseOffset,
    ) : 0;
    await scanBatches(segment.file, {
      from: start,
      end: segment.writtenBytes,
      verify: false,
      visit: (header) => {
        if (header.baseOffset >= from && header.baseOffset < endOffset) {
          recordProducerBatch(state, header, header.baseOffset);
        }
        return header.baseOffset < endOffset;
      },
    });
  }
}

/** Idempotent producers' batches feed the producer state; control batches (markers) do not. */
export function recordProducerBatch(
  state: ProducerState,
  batch: BatchHeader,
  baseOffset: number,
): void {
  if (batch.producerId < 0 || isControlBatch(batch.attributes)) return;
  const lastSequence = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta);
  const lastOffset = baseOffset + batch.lastOffsetDelta;
  state.record(batch.producerId, batch.producerEpoch, batch.baseSequence, lastSequence, baseOffset,
    lastOffset, batch.maxTimestamp);
}
