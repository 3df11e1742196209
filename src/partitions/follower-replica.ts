/**
 * A partition on a follower, pure: it says what to ask the leader next (`nextRequest`) and turns
 * the answers into decisions for the host — append these batches, truncate the log here, ignore
 * this stale answer. Truncation follows KIP-101/KIP-279: ask where our last epoch ends in the
 * leader's log (OffsetForLeaderEpoch, or the Fetch response's divergingEpoch, KIP-595) and cut
 * exactly at the divergence — never at our own high watermark, which may be behind and would
 * throw away records the new leader relies on us to hold. The contract is in README.md.
 *
 * Repair (issue 13, break 4): when our log is damaged from offset X (`repair`), everything from
 * X must be refetched, but truncating to X while we are in the ISR could leave the ISR without a
 * copy of acknowledged records below the HW. So we keep the log and fetch at X with the epoch of
 * X − 1: the leader sees an ISR member below its HW, proposes its removal at once and sends it
 * no records until the removal is committed (leader-replica.ts, `outOfSync`). We truncate to X
 * only once the leader's answer at X carries records — it no longer counts us in the ISR the HW
 * is computed over — or a HW ≤ X (the HW cannot pass X while it counts our fetch offset X).
 * Until then the answer is `wait`. The leader's view is the one that decides (only it adds
 * members to the ISR); our own metadata image may be stale, e.g. replayed at start. We rejoin
 * the ISR by the normal rule.
 */
import { assert } from '../common/index.js';
import { type EpochEndOffset, LeaderEpochCache, undefinedEpoch, undefinedOffset }
  from './leader-epoch-cache.js';

export interface FollowerStart {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Where the log starts (retention, or an earlier `startAt`); 0 when absent. */
  readonly logStartOffset?: number;
  readonly logEndOffset: number;
  readonly syncedOffset: number;
  readonly highWatermark: number;
  /** The log's epoch cache, shared with the host, which persists it. */
  readonly epochs: LeaderEpochCache;
  /**
   * Ask OffsetForLeaderEpoch before the first fetch (KIP-101/279). When false the first fetch
   * carries lastFetchedEpoch and the leader answers divergingEpoch if we differ (KIP-595).
   */
  readonly truncateFirst?: boolean;
  /** Durable topics (the default) fetch again only once everything fetched is fsynced. */
  readonly durable?: boolean;
  /** Our log is damaged from this offset (≤ logEndOffset): start in repair (see `repair`). */
  readonly damagedFrom?: number | undefined;
}

export type FollowerRequest =
  | { readonly kind: 'offsetForLeaderEpoch'; readonly currentLeaderEpoch: number;
      readonly leaderEpoch: number }
  | { readonly kind: 'fetch'; readonly currentLeaderEpoch: number; readonly fetchOffset: number;
      readonly lastFetchedEpoch: number };

/** One record batch of a fetch response: offsets (inclusive) and its partition leader epoch. */
export interface FetchedBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
}

export type FetchResponse =
  | { readonly kind: 'records'; readonly batches: readonly FetchedBatch[];
      readonly highWatermark: number }
  | { readonly kind: 'diverging'; readonly divergingEpoch: EpochEndOffset }
  /** OFFSET_OUT_OF_RANGE, with the leader's log start offset. */
  | { readonly kind: 'outOfRange'; readonly logStartOffset: number };

export type FollowerDecision =
  /** Nothing to do (no truncation needed, or nothing fetched). */
  | { readonly kind: 'none' }
  /** Not an answer to where we are now (late, duplicated, or for an older position): ignore. */
  | { readonly kind: 'stale' }
  /** Append the first `batchCount` fetched batches, as they are (the rest did not fit: dropped). */
  | { readonly kind: 'append'; readonly batchCount: number }
  /**
   * Truncate the log (and its epoch cache, already done here) to end at `endOffset`: at the
   * divergence, or, for a `repair`, at the damaged offset (maybe the log end already: the log
   * then only forgets its damage).
   */
  | { readonly kind: 'truncate'; readonly endOffset: number;
      readonly reason: 'divergence' | 'repair' }
  /** A repair waits until the leader stops counting us in the ISR: ask again later. */
  | { readonly kind: 'wait' }
  /** The leader could not place our epoch: keep the log, refresh metadata and ask again. */
  | { readonly kind: 'retry' }
  /**
   * Everything we hold is below the leader's log start: drop the whole log (and its epoch cache,
   * already emptied here) and continue, empty, at `startOffset` (Kafka's truncateFullyAndStartAt).
   */
  | { readonly kind: 'startAt'; readonly startOffset: number };

const none: FollowerDecision = { kind: 'none' };
const wait: FollowerDecision = { kind: 'wait' };
const stale: FollowerDecision = { kind: 'stale' };
const retry: FollowerDecision = { kind: 'retry' };

export class FollowerReplica {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  private readonly epochs: LeaderEpochCache;
  private readonly durable: boolean;
  /** Invariant: logStart ≤ logEnd; the log holds records iff logStart < logEnd. */
  private logStart: number;
  private logEnd: number;
  private syncedEnd: number;
  private hw: number;
  /** The leader's high watermark in its last answer with records (-1 before one). */
  private leaderHw = -1;
  /** Invariant: while true we only ask OffsetForLeaderEpoch; fetching starts once it is false. */
  private truncating: boolean;
  /** Invariant: ≤ logEnd; everything from it must be refetched (see the header). */
  private repairFrom: number | undefined;

  constructor(start: FollowerStart) {
    const logStart = start.logStartOffset ?? 0;
    assert(logStart <= start.syncedOffset, 'log start beyond the synced offset');
    assert(start.syncedOffset <= start.logEndOffset, 'synced beyond the log end');
    assert(start.logEndOffset === logStart || start.epochs.latestEpoch !== undefinedEpoch,
      'a non-empty log has an epoch cache');
    // An epoch that starts at our log end holds no record of ours: this node led in it without
    // writing (a new leader assigns its epoch at its end, as Kafka's does — here, while a restarted
    // node replays the metadata log, or a new disk its first image). Our last fetched epoch is that
    // of our last record: counting the empty one made a new replica ask for offset 0 "after epoch
    // 1" and refuse the leader's epoch-0 batches as going back, for ever (found by the
    // whole-cluster simulation, seed 63). Kafka's cache drops such entries when an older epoch is
    // assigned at their offset; we drop them here, before the first request.
    start.epochs.truncateFromEnd(start.logEndOffset);
    this.logStart = logStart;
    this.leaderId = start.leaderId;
    this.leaderEpoch = start.leaderEpoch;
    this.epochs = start.epochs;
    this.durable = start.durable ?? true;
    this.logEnd = start.logEndOffset;
    this.syncedEnd = start.syncedOffset;
    this.hw = Math.min(start.highWatermark, start.logEndOffset);
    // A log with records always has epochs (storage rebuilds a lost checkpoint from the batches);
    // an empty one (nothing past its start: a new replica, or a repair restarted it at the damaged
    // offset) has nothing to compare: it fetches with no last epoch, which the leader does not check.
    this.truncating = (start.truncateFirst ?? true) && start.logEndOffset > logStart &&
      start.epochs.latestEpoch !== undefinedEpoch;
    if (start.damagedFrom !== undefined) this.repair(start.damagedFrom);
  }

  /**
   * Our log is damaged from `offset`: refetch from there once that cannot cost the ISR a copy of
   * acknowledged records (see the header). A lower offset than one already known wins.
   */
  repair(offset: number): void {
    assert(offset >= 0, `damaged from ${offset}`);
    const from = Math.min(offset, this.logEnd, this.repairFrom ?? Infinity);
    this.repairFrom = from;
  }

  /** Where our log is damaged from, while a repair is pending. */
  get repairingFrom(): number | undefined {
    return this.repairFrom;
  }



  get logEndOffset(): number {
    return this.logEnd;
  }

  get syncedOffset(): number {
    return this.syncedEnd;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /**
   * The leader's high watermark as its last answer said, not capped at our log end: how far we
   * are behind what the partition has committed (DescribeLogDirs' offsetLag). -1 before one.
   */
  get leaderHighWatermark(): number {
    return this.leaderHw;
  }

  /** The epoch of our last record (sent as a Fetch's lastFetchedEpoch). */
  get lastFetchedEpoch(): number {
    return this.epochs.latestEpoch;
  }

  /**
   * What to send the leader next; undefined while a durable follower still has fetched records to
   * fsync — so a fetch offset is always a synced offset and the leader may count it.
   */
  nextRequest(): FollowerRequest | undefined {
    const currentLeaderEpoch = this.leaderEpoch;
    if (this.truncating) {
      const leaderEpoch = this.lastFetchedEpoch;
      return { kind: 'offsetForLeaderEpoch', currentLeaderEpoch, leaderEpoch };
    }
    if (this.durable && this.syncedEnd < this.logEnd) return undefined;
    return { kind: 'fetch', currentLeaderEpoch, ...this.position() };
  }

  /** What our next fetch says: our log end, or where a pending repair refetches from. */
  private position(): { fetchOffset: number; lastFetchedEpoch: number } {
    const from = this.repairFrom;
    if (from === undefined) {
      return { fetchOffset: this.logEnd, lastFetchedEpoch: this.lastFetchedEpoch };
    }
    const lastFetchedEpoch = from === 0 ? undefinedEpoch : this.epochs.epochAt(from - 1);
    return { fetchOffset: from, lastFetchedEpoch };
  }

  /** The leader's answer to OffsetForLeaderEpoch(`requestedEpoch`). */
  onOffsetForLeaderEpoch(requestedEpoch: number, answer: EpochEndOffset): FollowerDecision {
    if (!this.truncating || requestedEpoch !== this.lastFetchedEpoch) return stale;
    const cut = this.divergence(answer);
    if (cut === undefined) return retry;
    if (cut.done) this.truncating = false;
    return this.truncate(cut.endOffset);
  }

  /** The leader's answer to our fetch `request` (as nextRequest returned it). */
  onFetchResponse(request: { readonly fetchOffset: number; readonly lastFetchedEpoch: number },
    response: FetchResponse): FollowerDecision {
    const at = this.position();
    if (this.truncating || request.fetchOffset !== at.fetchOffset ||
      request.lastFetchedEpoch !== at.lastFetchedEpoch) return stale;
    const from = this.repairFrom;
    if (from !== undefined && response.kind === 'records') {
      // Served records: the leader no longer counts us in the ISR. Or its HW, which counts our
      // fetch at `from` while we are in it, is not past `from`.
      if (response.batches.length === 0 && response.highWatermark > from) return wait;
      return this.cutForRepair(from);
    }
    if (response.kind === 'outOfRange') return this.startAt(response.logStartOffset);
    if (response.kind === 'diverging') {
      const cut = this.divergence(response.divergingEpoch);
      if (cut === undefined) return retry;
      // An intermediate cut (the leader's epoch is unknown to us) needs one more round trip.
      if (!cut.done) this.truncating = true;
      return this.truncate(cut.endOffset);
    }
    let batchCount = 0;
    for (const b of response.batches) {
      // Offsets must continue our log and epochs never go back nor pass our leader's.
      const fits = b.baseOffset === this.logEnd && b.lastOffset >= b.baseOffset &&
        b.epoch >= Math.max(this.lastFetchedEpoch, 0) && b.epoch <= this.leaderEpoch;
      if (!fits) break;
      this.epochs.assign(b.epoch, b.baseOffset);
      this.logEnd = b.lastOffset + 1;
      batchCount++;
    }
    this.hw = Math.max(this.hw, Math.min(response.highWatermark, this.logEnd));
    this.leaderHw = response.highWatermark;
    return batchCount === 0 ? none : { kind: 'append', batchCount };
  }

  /**
   * The host could not carry out the last `append` (disk below its reserve, ENOSPC, an I/O
   * error): its log ends at `logEndOffset`, below where `onFetchResponse` moved us. Go back there
   * — position, HW and the epochs assigned to the lost batches — so the next fetch asks for them
   * again. Without this a durable follower waits for ever for a sync of records it never wrote.
   */
  appendFailed(logEndOffset: number): void {
    assert(logEndOffset <= this.logEnd, `log end ${logEndOffset} beyond ours ${this.logEnd}`);
    this.truncate(logEndOffset);
  }

  /** Our log is fsynced up to `endOffset` (exclusive). */
  synced(endOffset: number): void {
    assert(endOffset <= this.logEnd, `synced ${endOffset} beyond log end ${this.logEnd}`);
    if (endOffset > this.syncedEnd) this.syncedEnd = endOffset;
  }

  /**
   * Where our log stops matching the leader's, from its (epoch, endOffset) for the epoch we asked
   * about (KIP-279). If the leader has that epoch, both logs agree up to the smaller of the two
   * ends of it. If not, the leader answered with an older epoch we may lack as well: then all our
   * records from the first epoch after our floor of it are divergent — cut there and ask again.
   */
  private divergence(answer: EpochEndOffset): { endOffset: number; done: boolean } | undefined {
    if (answer.epoch === undefinedEpoch || answer.endOffset === undefinedOffset) return undefined;
    if (this.logEnd === 0) return { endOffset: 0, done: true };
    const own = this.epochs.endOffsetFor(answer.epoch, this.logEnd);
    // The leader names an epoch newer than our latest: not an answer to our question.
    if (own.epoch === undefinedEpoch) return undefined;
    if (own.epoch !== answer.epoch) {
      return { endOffset: Math.min(own.endOffset, this.logEnd), done: false };
    }
    return { endOffset: Math.min(own.endOffset, answer.endOffset, this.logEnd), done: true };
  }

  /**
   * OFFSET_OUT_OF_RANGE for our fetch offset (our log end). Below the leader's log start
   * (retention, DeleteRecords or an offsets checkpoint removed what we lack: a new replica of an
   * old partition), everything we hold is older than the leader's first record: we drop it and
   * continue empty at its start. That never drops an acknowledged record the leader still has,
   * and an ISR member never gets here: it holds the HW, which the log start never passes. Past
   * the leader's end (a stale leader), ask again once the metadata is fresher.
   */
  private startAt(leaderStart: number): FollowerDecision {
    if (leaderStart <= this.logEnd) return retry;
    this.epochs.truncateFromEnd(0);
    this.logStart = leaderStart;
    this.logEnd = leaderStart;
    this.syncedEnd = leaderStart;
    this.hw = leaderStart;
    return { kind: 'startAt', startOffset: leaderStart };
  }

  private truncate(cut: number): FollowerDecision {
    // Nothing below our log start is here to cut.
    const endOffset = Math.max(cut, this.logStart);
    // Even without records to cut, epochs that start at our end are dropped: they hold nothing
    // and asking about them again would loop.
    this.epochs.truncateFromEnd(endOffset);
    if (endOffset >= this.logEnd) return none;
    this.cut(endOffset);
    // A cut at or below the damage removes it; the host's truncation clears the log's record.
    const reason = this.repairFrom !== undefined && endOffset <= this.repairFrom ? 'repair'
      : 'divergence';
    if (reason === 'repair') this.repairFrom = undefined;
    return { kind: 'truncate', endOffset, reason };
  }

  /** The repair's cut, even at our log end (the host's truncation then clears the damage). */
  private cutForRepair(endOffset: number): FollowerDecision {
    this.epochs.truncateFromEnd(endOffset);
    this.cut(endOffset);
    this.repairFrom = undefined;
    return { kind: 'truncate', endOffset, reason: 'repair' };
  }

  private cut(endOffset: number): void {
    this.logEnd = Math.min(this.logEnd, endOffset);
    this.syncedEnd = Math.min(this.syncedEnd, endOffset);
    // Only an unclean election or a repair makes us cut below our HW; the HW follows the log.
    this.hw = Math.min(this.hw, endOffset);
  }
}
