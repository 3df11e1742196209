/**
 * The epoch → start-offset cache of one replica's log (Kafka's leader-epoch checkpoint, KIP-101):
 * for every leader epoch whose leader appended to this log, the offset of its first record. It
 * answers OffsetForLeaderEpoch ("where does epoch E end in your log?"), which is how a follower
 * finds the exact point where its log diverges from the leader's. Pure: storage persists
 * `entries()` as a checkpoint next to the log and rebuilds the cache from it on open.
 */
import { assert } from '../common/index.js';

/** No epoch / no offset: -1 on the wire (Kafka's UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET). */
export const undefinedEpoch = -1;
export const undefinedOffset = -1;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** An OffsetForLeaderEpoch answer (also a Fetch response's divergingEpoch, KIP-595). */
export interface EpochEndOffset {
  readonly epoch: number;
  /** Exclusive: the first offset *after* `epoch` in the answering log. */
  readonly endOffset: number;
}

const unknownEpochEnd: EpochEndOffset = { epoch: undefinedEpoch, endOffset: undefinedOffset };

export class LeaderEpochCache {
  /**
   * Invariant: epochs strictly increase and start offsets never decrease along the array (two
   * epochs may share a start when a leader appended nothing).
   */
  private readonly list: EpochEntry[] = [];

  constructor(entries: readonly EpochEntry[] = []) {
    for (const e of entries) this.assign(e.epoch, e.startOffset);
  }

  entries(): readonly EpochEntry[] {
    return this.list;
  }

  /** The newest epoch in the log, or undefinedEpoch when it holds none. */
  get latestEpoch(): number {
    return this.list.at(-1)?.epoch ?? undefinedEpoch;
  }

  /**
   * Records that `epoch` starts at `startOffset`: called by a new leader with its log end offset,
   * and by a follower when a fetched batch carries an epoch newer than its latest. An epoch
   * already known is kept (its first start wins); an older epoch is a bug in the caller.
   */
  assign(epoch: number, startOffset: number): void {
    assert(epoch >= 0 && startOffset >= 0, `epoch ${epoch} at ${startOffset}: negative`);
    const last = this.list.at(-1);
    if (last !== undefined && epoch === last.epoch) return;
    assert(last === undefined || epoch > last.epoch, `epoch ${epoch} after ${last?.epoch}`);
    assert(last === undefined || startOffset >= last.startOffset,
      `epoch ${epoch} starts at ${startOffset}, before ${last?.epoch} at ${last?.startOffset}`);
    this.list.push({ epoch, startOffset });
  }

  /**
   * Where `requested` ends in a log whose end offset is `logEndOffset`: the largest epoch ≤
   * requested that we know, with the start of the next epoch after it (or our end when it is our
   * latest). Kafka's rules for the edges: the latest epoch ends at the log end; an epoch newer than
   * all we know is undefined (the asker is ahead of us, which a current leader never sees);
   * an epoch older than all we know ends where our first one starts (everything before it is
   * gone to retention or never existed here).
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    if (requested === undefinedEpoch) return unknownEpochEnd;
    const latest = this.list.at(-1);
    if (latest === undefined) return unknownEpochEnd;
    if (requested === latest.epoch) return { epoch: requested, endOffset: logEndOffset };
    if (requested > latest.epoch) return unknownEpochEnd;
    const next = this.firstAfter(requested);
    const nextEntry = this.list[next];
    assert(nextEntry !== undefined, 'an epoch below the latest has a successor');
    const floor = this.list[next - 1];
    return { epoch: floor?.epoch ?? requested, endOffset: nextEntry.startOffset };
  }

  /**
   * The epoch of the record at `offset` (the newest entry starting at or before it), or
   * undefinedEpoch when no entry does: what a follower sends as lastFetchedEpoch when it fetches
   * at `offset + 1` from the middle of its log (a damaged range being repaired).
   */
  epochAt(offset: number): number {
    let found = undefinedEpoch;
    for (const entry of this.list) {
      if (entry.startOffset > offset) break;
      found = entry.epoch;
    }
    return found;
  }

  /** Forgets epochs that start at or after `endOffset`: the log was truncated to that end. */
  truncateFromEnd(endOffset: number): void {
    while (this.list.length > 0 && (this.list.at(-1) as EpochEntry).startOffset >= endOffset) this.list.pop();
  }

  /**
   * The log start moved to `startOffset` (retention): the epoch covering it now starts there and
   * older ones are dropped.
   */
  truncateFromStart(startOffset: number): void {
    let covering = -1;
    while ((this.list[covering + 1]?.startOffset ?? Infinity) <= startOffset) covering++;
    const entry = this.list[covering];
    if (entry === undefined) return;
    this.list.splice(0, covering + 1, { epoch: entry.epoch, startOffset });
  }

  /** Index of the first entry whose epoch is greater than `epoch` (binary search). */
  private firstAfter(epoch: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.list[mid] as EpochEntry).epoch <= epoch) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
