/**
 * Sparse offset index (relative offset u32 → file position u32, 8 bytes an entry) and time index
 * (timestamp i64 → relative offset u32, 12 bytes) of one segment, held in memory and written to
 * `.index` / `.timeindex` when the segment is sealed (Kafka OffsetIndex / TimeIndex layouts).
 * Invariant: relative offsets and positions strictly increase; timestamps strictly increase.
 */
import { assert, limits } from '../common/index.js';

export const offsetEntryBytes = 8;
export const timeEntryBytes = 12;
/** Entries one index may hold (log.index.size.max.bytes); a full index rolls the segment. */
export const indexEntriesMax = Math.floor(limits.indexBytesMax / offsetEntryBytes);
const initialCapacity = 64;

export class SegmentIndex {
  private offsets = new Uint32Array(initialCapacity);
  private positions = new Uint32Array(initialCapacity);
  private offsetCount = 0;
  private times = new Float64Array(initialCapacity);
  private timeOffsets = new Uint32Array(initialCapacity);
  private timeCount = 0;

  get offsetEntries(): number {
    return this.offsetCount;
  }

  get isFull(): boolean {
    return this.offsetCount >= indexEntriesMax || this.timeCount >= indexEntriesMax;
  }

  /** Newest timestamp in the time index, or -1 when it is empty. */
  get lastTimestamp(): number {
    return this.timeCount === 0 ? -1 : (this.times[this.timeCount - 1] ?? -1);
  }

  appendOffset(relativeOffset: number, position: number): void {
    const n = this.offsetCount;
    assert(n < indexEntriesMax, 'offset index full: the segment should have rolled');
    assert(n === 0 || relativeOffset > (this.offsets[n - 1] ?? 0), 'offset index increases');
    if (n === this.offsets.length) {
      this.offsets = grow(this.offsets, n * 2);
      this.positions = grow(this.positions, n * 2);
    }
    this.offsets[n] = relativeOffset;
    this.positions[n] = position;
    this.offsetCount = n + 1;
  }

  /** Adds a time entry only when the timestamp is newer than the last one (Kafka maybeAppend). */
  maybeAppendTime(timestamp: number, relativeOffset: number): void {
    const n = this.timeCount;
    if (timestamp < 0 || (n > 0 && timestamp <= (this.times[n - 1] ?? 0))) return;
    assert(n < indexEntriesMax, 'time index full: the segment should have rolled');
    if (n === this.times.length) {
      this.times = grow(this.times, n * 2);
      this.timeOffsets = grow(this.timeOffsets, n * 2);
    }
    this.times[n] = timestamp;
    this.timeOffsets[n] = relativeOffset;
    this.timeCount = n + 1;
  }

  /** File position of the last entry with relative offset ≤ `relativeOffset` (0 if none). */
  positionFor(relativeOffset: number): number {
    return this.floorEntry(relativeOffset).position;
  }

  /**
   * The last entry with relative offset ≤ `relativeOffset`, or the segment start ({0, 0}). An
   * entry names the batch that starts at its position, so a scan from there knows which offset
   * the first batch it meets must carry (offset continuity, checked by reads and the scrubber).
   */
  floorEntry(relativeOffset: number): { relativeOffset: number; position: number } {
    const i = floorIndex(this.offsets, this.offsetCount, relativeOffset);
    if (i < 0) return { relativeOffset: 0, position: 0 };
    return { relativeOffset: this.offsets[i] ?? 0, position: this.positions[i] ?? 0 };
  }

  /**
   * Relative offset of the last time entry older than `timestamp` (0 if none): a safe scan start.
   */
  offsetBeforeTimestamp(timestamp: number): number {
    let lo = 0;
    let hi = this.timeCount - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? 0) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : (this.timeOffsets[found] ?? 0);
  }

  /** Drops entries at or past `position` / `relativeOffset` (truncation and rollback). */
  truncate(position: number, relativeOffset: number): void {
    while (this.offsetCount > 0 && (this.positions[this.offsetCount - 1] ?? 0) >= position) {
      this.offsetCount--;
    }
    while (this.timeCount > 0 && (this.timeOffsets[this.timeCount - 1] ?? 0) >= relativeOffset) {
      this.timeCount--;
    }
  }

  clear(): void {
    this.offsetCount = 0;
    this.timeCount = 0;
  }

  encodeOffsets(): Buffer {
    const out = Buffer.alloc(this.offsetCount * offsetEntryBytes);
    for (let i = 0; i < this.offsetCount; i++) {
      out.writeUInt32BE(this.offsets[i] ?? 0, i * offsetEntryBytes);
      out.writeUInt32BE(this.positions[i] ?? 0, i * offsetEntryBytes + 4);
    }
    return out;
  }

  encodeTimes(): Buffer {
    const out = Buffer.alloc(this.timeCount * timeEntryBytes);
    for (let i = 0; i < this.timeCount; i++) {
      out.writeBigInt64BE(BigInt(this.times[i] ?? 0), i * timeEntryBytes);
      out.writeUInt32BE(this.timeOffsets[i] ?? 0, i * timeEntryBytes + 8);
    }
    return out;
  }

  /**
   * Loads both files, checking them against the segment (entries increase, positions inside the
   * log, offsets inside the segment). Returns false, leaving the index empty, if they do not fit:
   * the caller then rebuilds from the log.
   */
  load(offsets: Buffer, times: Buffer, logBytes: number, offsetSpan: number): boolean {
    this.clear();
    if (offsets.length % offsetEntryBytes !== 0) return false;
    if (times.length % timeEntryBytes !== 0) return false;
    if (offsets.length / offsetEntryBytes > indexEntriesMax) return false;
    if (times.length / timeEntryBytes > indexEntriesMax) return false;
    for (let at = 0; at < offsets.length; at += offsetEntryBytes) {
      const relative = offsets.readUInt32BE(at);
      const position = offsets.readUInt32BE(at + 4);
      const last = this.offsetCount - 1;
      const increasing = last < 0 ||
        (relative > (this.offsets[last] ?? 0) && position > (this.positions[last] ?? 0));
      if (!increasing || position >= logBytes || relative >= offsetSpan) return this.fail();
      this.appendOffset(relative, position);
    }
    for (let at = 0; at < times.length; at += timeEntryBytes) {
      const timestamp = Number(times.readBigInt64BE(at));
      const relative = times.readUInt32BE(at + 8);
      if (timestamp <= this.lastTimestamp || relative >= offsetSpan) return this.fail();
      this.maybeAppendTime(timestamp, relative);
    }
    return true;
  }

  private fail(): boolean {
    this.clear();
    return false;
  }
}

function grow<T extends Uint32Array | Float64Array>(array: T, capacity: number): T {
  const construct = array.constructor as new (n: number) => T;
  const bigger = new construct(Math.min(capacity, indexEntriesMax));
  bigger.set(array);
  return bigger;
}

/** Index of the last element ≤ key in the first `count` elements of a sorted array, or -1. */
function floorIndex(sorted: Uint32Array, count: number, key: number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) <= key) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
