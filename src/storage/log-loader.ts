/**
 * Opening a partition directory: segments by base offset, recovery of the last segment (validate
 * every batch's length, magic and CRC32C; truncate a torn or corrupt tail; rebuild its indexes),
 * index checks for older segments (rebuilt when missing or inconsistent), the log start offset
 * checkpoint, and the producer state (newest snapshot ≤ log end, then batch headers after it).
 */
import { join } from 'node:path';
import { assert } from '../common/index.js';
import { type ProducerState, lastSequenceOf } from '../partitions/index.js';
import { type BatchHeader, isControlBatch } from '../protocol/records/index.js';
import type { FsOps } from './fs-ops.js';
import { readLogStartOffset, readSnapshot, snapshotOffsets, snapshotPath } from './log-files.js';
import { scanBatches } from './scan.js';
import { parseOffsetFileName, Segment } from './segment.js';

export interface LoadedPartition {
  readonly segments: Segment[];
  readonly logStartOffset: number;
  /** Bytes cut from the last segment by recovery (0 after a clean shutdown). */
  readonly truncatedBytes: number;
}

export async function loadPartition(
  fs: FsOps,
  dir: string,
  producerState: ProducerState,
): Promise<LoadedPartition> {
  await fs.mkdir(dir);
  const names = await fs.readdir(dir);
  // A temp file is a checkpoint, index or snapshot whose rename never happened: the old one stands.
  for (const name of names) if (name.endsWith('.tmp')) await fs.unlink(join(dir, name));
  const checkpoint = await readLogStartOffset(fs, dir);
  const bases = names.flatMap(
    (name) => parseOffsetFileName(name,
    '.log') ?? [],
  ).sort((a, b) => a - b);
  if (bases.length === 0) bases.push(checkpoint ?? 0);
  const segments: Segment[] = [];
  let truncatedBytes = 0;
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i] ?? 0;
    const segment = new Segment(base);
    const exists = names.includes(segment.path(dir).slice(dir.length + 1));
    segment.file = await fs.open(segment.path(dir), !exists);
    const nextBase = bases[i + 1];
    if (nextBase === undefined) {
      truncatedBytes = await recoverLastSegment(segment);
    } else if (!(await segment.loadIndexes(fs, dir, nextBase))) {
      await segment.rebuild(false);
      segment.finishTimeIndex();
      await segment.writeIndexes(fs, dir);
      segment.sealed = true;
    }
    segments.push(segment);
  }
  if (bases.length === 1 && !names.some((name) => name.endsWith('.log'))) await fs.syncDir(dir);
  const first = segments[0];
  const last = segments[segments.length - 1];
  assert(first !== undefined && last !== undefined, 'at least one segment');
  const logStartOffset = Math.min(Math.max(checkpoint ?? 0, first.baseOffset), last.nextOffset);
  await removeSnapshotsAbove(fs, dir, last.nextOffset);
  await rebuildProducerState(fs, dir, segments, producerState, last.nextOffset);
  return { segments, logStartOffset, truncatedBytes };
}

/** Crash recovery: keeps the longest prefix of valid batches and truncates the rest. */
async function recoverLastSegment(segment: Segment): Promise<number> {
  const result = await segment.rebuild(true);
  const file = segment.file;
  assert(file !== undefined, 'segment file open');
  if (result.validEnd === result.fileBytes) return 0;
  await file.truncate(result.validEnd);
  await file.sync();
  return result.fileBytes - result.validEnd;
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
