/**
 * One segment: `<baseOffset>.log` plus its indexes. Holds the in-memory bookkeeping the partition
 * log updates synchronously on append (sizes, next offset, index entries); the file itself is
 * written later, in order, by the log's writer.
 */
import { join } from 'node:path';
import { assert, limits } from '../common/index.js';
import { type BatchHeader, batchLogOverheadBytes } from '../protocol/records/index.js';
import type { FsOps, StorageFile } from './fs-ops.js';
import { scanBatches, type ScanStop } from './scan.js';
import { SegmentIndex } from './segment-index.js';

const offsetDigits = 20;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(offsetDigits, '0')}${suffix}`;
}

/** The base offset a file name encodes, or undefined if it is not `<20 digits><suffix>`. */
export function parseOffsetFileName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix) || name.length !== offsetDigits + suffix.length) return undefined;
  const digits = name.slice(0, offsetDigits);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Relative offsets are u32 in the index; keep a margin below so a batch never overflows them. */
export const relativeOffsetMax = 0x7fff_ffff;

/** The part of LogConfig that decides rolls. */
export interface RollConfig {
  readonly segmentBytes: number;
  readonly segmentMs: number;
}

export class Segment {
  readonly baseOffset: number;
  readonly index = new SegmentIndex();
  /** Opened by the writer for a new segment, or at load; undefined until then. */
  file: StorageFile | undefined;
  /** Bytes assigned to batches (includes appends not yet written). */
  sizeBytes = 0;
  /** Bytes known to be on disk (written, maybe not yet fsynced). */
  writtenBytes = 0;
  /** Offset after the last batch assigned to this segment. */
  nextOffset: number;
  /** Offset after the last batch written to the file. */
  writtenNextOffset: number;
  /** Largest batch maxTimestamp seen (-1 none) and the batch base offset that carried it. */
  maxTimestamp = -1;
  private offsetOfMaxTimestamp: number;
  private bytesSinceIndexEntry = 0;
  /** When the first append landed (segment.ms counts from it); in memory only. */
  rollStartMs: number | undefined;
  /** Indexes written to disk and the file fsynced; no more appends. */
  sealed = false;
  /** In-flight reads; a deleted segment closes its file when the last one ends. */
  readers = 0;
  deleted = false;
  /**
   * Bumped by every truncation: a background check (the scrubber) that raced one compares it
   * and discards what it found, which may be an artefact of the file shrinking under it.
   */
  generation = 0;

  constructor(baseOffset: number) {
    this.baseOffset = baseOffset;
    this.nextOffset = baseOffset;
    this.writtenNextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
  }

  path(dir: string, suffix = '.log'): string {
    return join(dir, segmentFileName(this.baseOffset, suffix));
  }

  get isEmpty(): boolean {
    return this.nextOffset === this.baseOffset;
  }

  /** Whether a batch of `bytes` ending at `lastOffset` must go to a new segment instead. */
  mustRoll(bytes: number, lastOffset: number, nowMs: number, config: RollConfig): boolean {
    if (this.isEmpty) return false;
    if (this.sizeBytes + bytes > config.segmentBytes) return true;
    if (this.rollStartMs !== undefined && nowMs - this.rollStartMs >= config.segmentMs) return true;
    return this.index.isFull || lastOffset - this.baseOffset > relativeOffsetMax;
  }

  /**
   * Accounts a batch placed at the current end: size, offsets, sparse index entries (one per
   * indexIntervalBytes, Kafka log.index.interval.bytes). Returns the batch's file position.
   */
  place(baseOffset: number, lastOffset: number, maxTimestamp: number, bytes: number): number {
    assert(baseOffset >= this.nextOffset, 'offsets increase within a segment');
    const position = this.sizeBytes;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceIndexEntry > limits.indexIntervalBytes) {
      this.index.appendOffset(baseOffset - this.baseOffset, position);
      this.index.maybeAppendTime(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += bytes;
    this.sizeBytes = position + bytes;
    this.nextOffset = lastOffset + 1;
    return position;
  }

  /** Records the newest timestamp in the time index, as Kafka does when a segment goes inactive. */
  finishTimeIndex(): void {
    this.index.maybeAppendTime(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
  }

  /** Forgets everything from `position` on (the file is truncated by the caller). */
  truncateBookkeeping(position: number, nextOffset: number): void {
    this.generation++;
    this.index.truncate(position, nextOffset - this.baseOffset);
    this.sizeBytes = position;
    this.writtenBytes = Math.min(this.writtenBytes, position);
    this.nextOffset = nextOffset;
    this.writtenNextOffset = Math.min(this.writtenNextOffset, nextOffset);
    this.bytesSinceIndexEntry = limits.indexIntervalBytes + 1;
  }

  /**
   * Rebuilds indexes, sizes and offsets from the file. With `verify` (the last segment after a
   * crash) every batch's length, magic and CRC32C is checked and the scan stops at the first bad
   * one; the caller truncates there.
   */
  async rebuild(verify: boolean): Promise<{ validEnd: number; stop: ScanStop; fileBytes: number }> {
    assert(this.file !== undefined, 'segment file open');
    const fileBytes = await this.file.size();
    this.index.clear();
    this.sizeBytes = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.bytesSinceIndexEntry = 0;
    const result = await scanBatches(this.file, {
      from: 0,
      end: fileBytes,
      verify,
      visit: (header) => this.acceptScanned(header),
    });
    this.writtenBytes = this.sizeBytes;
    this.writtenNextOffset = this.nextOffset;
    return { ...result, fileBytes };
  }

  private acceptScanned(header: BatchHeader): boolean {
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    // Offsets continue exactly where the previous batch ended (Pado's logs have no gaps): a batch
    // that does not is not our data — or a rotted base offset, which the CRC does not cover.
    if (header.baseOffset !== this.nextOffset) return false;
    if (header.lastOffsetDelta < 0 || lastOffset - this.baseOffset > relativeOffsetMax) return false;
    const bytes = header.batchLength + batchLogOverheadBytes;
    this.place(header.baseOffset, lastOffset, header.maxTimestamp, bytes);
    return true;
  }

  /** Loads sealed indexes from disk; false if missing or inconsistent with the log. */
  async loadIndexes(fs: FsOps, dir: string, nextOffset: number): Promise<boolean> {
    assert(this.file !== undefined, 'segment file open');
    const offsets = await fs.readFile(this.path(dir, '.index'));
    const times = await fs.readFile(this.path(dir, '.timeindex'));
    if (offsets === undefined || times === undefined) return false;
    const fileBytes = await this.file.size();
    const offsetSpan = nextOffset - this.baseOffset;
    if (!this.index.load(offsets, times, Math.max(fileBytes, 1), offsetSpan)) return false;
    this.sizeBytes = fileBytes;
    this.writtenBytes = fileBytes;
    this.nextOffset = nextOffset;
    this.writtenNextOffset = nextOffset;
    this.maxTimestamp = this.index.lastTimestamp;
    this.sealed = true;
    return true;
  }

  async writeIndexes(fs: FsOps, dir: string): Promise<void> {
    await fs.writeFileDurable(this.path(dir, '.index'), this.index.encodeOffsets());
    await fs.writeFileDurable(this.path(dir, '.timeindex'), this.index.encodeTimes());
  }

  async removeFiles(fs: FsOps, dir: string): Promise<void> {
    for (const suffix of ['.log', '.index', '.timeindex']) await fs.unlink(this.path(dir, suffix));
  }

  /** Closes the file now, or when the last in-flight read ends. */
  async release(): Promise<void> {
    this.deleted = true;
    if (this.readers === 0 && this.file !== undefined) {
      const file = this.file;
      this.file = undefined;
      await file.close();
    }
  }
}
