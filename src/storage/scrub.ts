/**
 * Integrity checks of sealed segments: `checkSegmentRange` verifies every batch of a range
 * (length, magic, CRC32C, record counts — `validateOneBatch` — and offset continuity, from the
 * offset the range must start with to the segment's end), in bounded chunks; recovery runs it
 * over the segments an unclean stop may have damaged, and `LogScrubber` walks every sealed
 * segment of every log with it, a budget of bytes per step, so that bit rot in data nobody reads
 * is found (DESIGN.md: "corrupted or missing segment data … detected"). The node's timer sets the
 * pace (log.scrub.bytes.per.second). Findings go to `PartitionLog.reportDamage`.
 */
import { scanBatches, scanChunkBytes } from './scan.js';
import { withFile } from './log-reader.js';
import type { LogDamage, LogDamageFinder } from './log-damage.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';

export type RangeCheck =
  /** Checked up to the segment's end: every batch good, offsets continuous to its end offset. */
  | { readonly kind: 'done'; readonly bytes: number }
  /** The budget ran out: resume at `position`, where a batch starting at `expectedOffset` is. */
  | { readonly kind: 'more'; readonly position: number; readonly expectedOffset: number;
      readonly bytes: number }
  | { readonly kind: 'bad'; readonly damage: LogDamage; readonly bytes: number };

/** Scans read at least this much per step, so a small budget does not mean many tiny reads. */
const chunkBytesMin = 64 * 1024;

/**
 * Checks the batches of `segment` from file `position`, where a batch starting at
 * `expectedOffset` must lie, to its written end; stops before the first batch past about
 * `budgetBytes` (one batch may overshoot it). The last batch must end right before
 * `segment.writtenNextOffset`: a file that ends early is a missing range.
 */
export function checkSegmentRange(segment: Segment, position: number, expectedOffset: number,
  budgetBytes: number, foundBy: LogDamageFinder): Promise<RangeCheck> {
  return withFile(segment, async () => {
    const file = segment.file;
    const endOffset = segment.writtenNextOffset;
    if (file === undefined) return { kind: 'done', bytes: 0 };
    let expected = expectedOffset;
    let bytes = 0;
    let bad: string | undefined;
    const chunkBytes = Math.min(scanChunkBytes, Math.max(chunkBytesMin, budgetBytes));
    const scan = await scanBatches(file, {
      from: position, end: segment.writtenBytes, verify: true, chunkBytes,
      visit: (header, at, batch) => {
        if (bytes >= budgetBytes) return false;
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (header.baseOffset !== expected) {
          bad = `base offset ${header.baseOffset}, expected ${expected}`;
        } else if (lastOffset >= endOffset) {
          bad = `last offset ${lastOffset} runs past the segment's end ${endOffset}`;
        }
        if (bad !== undefined) return false;
        expected = lastOffset + 1;
        bytes += batch.length;
        return true;
      },
    });
    const at = scan.validEnd;
    const damage = (kind: LogDamage['kind'], detail: string): RangeCheck => ({ kind: 'bad',
      bytes, damage: { offset: expected, kind, file: file.path, position: at, detail, foundBy } });
    if (bad !== undefined) return damage('corrupt', `batch at byte ${at}: ${bad}`);
    if (scan.stop === 'visitor') {
      return { kind: 'more', position: at, expectedOffset: expected, bytes };
    }
    if (scan.stop === 'corrupt') {
      return damage('corrupt', `batch at byte ${at}: ${scan.detail ?? 'unreadable'}`);
    }
    if (scan.stop === 'torn') return damage('corrupt', `batch at byte ${at} is cut off`);
    if (expected !== endOffset) {
      return damage('missing', `the file ends at offset ${expected} (byte ${at}), the segment ` +
        `should reach ${endOffset}`);
    }
    return { kind: 'done', bytes };
  });
}

interface Cursor {
  readonly log: PartitionLog;
  readonly segment: Segment;
  /** Bumped by truncation: a scan that raced one is discarded (see Segment.generation). */
  readonly generation: number;
  position: number;
  expectedOffset: number;
}

/**
 * Walks every sealed segment of every log, oldest first, one log after another, and starts over
 * after the last (a pass). Each `step` checks about `budgetBytes`. A log closed or deleted
 * meanwhile, or a segment deleted or truncated meanwhile, is skipped: its findings could be an
 * artefact of the change, and what remains is checked on the next pass.
 */
export class LogScrubber {
  private cursor: Cursor | undefined;
  /** Logs still to visit in this pass (the cursor's first). */
  private queue: PartitionLog[] = [];
  private passBytes = 0;
  /** Completed passes, and the bytes the last one checked (diagnostics). */
  passes = 0;
  lastPassBytes = 0;

  /**
   * Checks about `budgetBytes` of sealed data; `logs()` is read when a pass starts, and at most
   * one pass starts per step. Returns the bytes checked; damage found is reported to its log.
   */
  async step(logs: () => readonly PartitionLog[], budgetBytes: number): Promise<number> {
    let spent = 0;
    let passesStarted = 0;
    // Each turn checks bytes or moves the cursor to another segment or log; one pass at most.
    while (spent < budgetBytes) {
      if (this.cursor === undefined) {
        if (this.queue.length === 0) {
          if (passesStarted++ > 0) break;
          this.queue = [...logs()];
          if (this.queue.length === 0) break;
        }
        this.cursor = this.firstOfQueue();
        if (this.cursor === undefined) continue;
      }
      const cursor = this.cursor;
      const r = await checkSegmentRange(cursor.segment, cursor.position, cursor.expectedOffset,
        budgetBytes - spent, 'scrub');
      spent += r.bytes;
      this.passBytes += r.bytes;
      if (r.kind === 'more') {
        cursor.position = r.position;
        cursor.expectedOffset = r.expectedOffset;
        continue;
      }
      if (r.kind === 'bad' && this.stillChecking(cursor)) cursor.log.reportDamage(r.damage);
      const segment = cursor.log.sealedSegmentAfter(cursor.segment.baseOffset);
      this.cursor = segment === undefined ? this.dropLog() : start(cursor.log, segment);
    }
    return spent;
  }

  private stillChecking(cursor: Cursor): boolean {
    const { segment, log } = cursor;
    return segment.sealed && !segment.deleted && segment.generation === cursor.generation &&
      log.holdsSealed(segment);
  }

  /** The first sealed segment of the first queued log with one (logs without one are dropped). */
  private firstOfQueue(): Cursor | undefined {
    for (let log = this.queue[0]; log !== undefined; log = this.queue[0]) {
      const segment = log.isOpen ? log.sealedSegmentAfter(-1) : undefined;
      if (segment !== undefined) return start(log, segment);
      this.dropLog();
    }
    return undefined;
  }

  /** The current log is done; a pass ends with the last one. */
  private dropLog(): undefined {
    this.queue.shift();
    if (this.queue.length === 0) {
      this.passes++;
      this.lastPassBytes = this.passBytes;
      this.passBytes = 0;
    }
    return undefined;
  }
}

function start(log: PartitionLog, segment: Segment): Cursor {
  return { log, segment, generation: segment.generation, position: 0,
    expectedOffset: segment.baseOffset };
}
