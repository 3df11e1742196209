/**
 * The leader's view of each follower (etcd-io/raft tracker/progress.go, inflights.go; thesis §3.5,
 * §10.2.1 pipelining). A follower is probed one append at a time until its match is known, then
 * replicated to optimistically with at most `inflightCountMax` appends and `inflightBytesMax`
 * bytes outstanding; a snapshot pauses it until the follower acknowledges the snapshot.
 */
import { assert } from '../common/index.js';
import type { Index } from './types.js';

export const ProgressState = {
  probe: 'probe',
  replicate: 'replicate',
  snapshot: 'snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

/** A bounded ring of the last index and byte size of each append in flight, oldest first. */
export class Inflights {
  private readonly indexes: Float64Array;
  private readonly sizes: Float64Array;
  private start = 0;
  count = 0;
  bytes = 0;
  readonly countMax: number;
  readonly bytesMax: number;

  constructor(countMax: number, bytesMax: number) {
    assert(countMax > 0 && bytesMax > 0, 'inflight limits must be positive');
    this.countMax = countMax;
    this.bytesMax = bytesMax;
    this.indexes = new Float64Array(countMax);
    this.sizes = new Float64Array(countMax);
  }

  full(): boolean {
    return this.count === this.countMax || this.bytes >= this.bytesMax;
  }

  add(lastIndex: Index, bytes: number): void {
    assert(this.count < this.countMax, 'inflights overflow');
    const slot = (this.start + this.count) % this.countMax;
    this.indexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every append whose last index is ≤ `index` (acknowledged, cumulatively). */
  freeLE(index: Index): void {
    while (this.count > 0 && (this.indexes[this.start] as number) <= index) {
      this.bytes -= this.sizes[this.start] as number;
      this.start = (this.start + 1) % this.countMax;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Lets one more append out when full: a heartbeat answer proves the follower is reachable. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start] as number);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}

/**
 * Invariants: match < next; match only grows while this node leads the term;
 * state === snapshot ⇒ pendingSnapshot > 0; probeSent only matters in probe.
 */
export class Progress {
  match: Index = 0;
  next: Index;
  state: ProgressState = ProgressState.probe;
  /** In probe: an append is outstanding, so wait for its answer (or a heartbeat response). */
  probeSent = false;
  /** In snapshot: the snapshot's index, and heartbeat answers seen while waiting on it. */
  pendingSnapshot: Index = 0;
  snapshotWaitHeartbeats = 0;
  /** Highest commit index sent to the follower: if below what it could apply, tell it again. */
  sentCommit: Index = 0;
  /** Heard from since the last check-quorum round (thesis §6.2). */
  recentActive = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: Index, isLearner: boolean, inflightCountMax: number, inflightBytesMax: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotWaitHeartbeats = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it (or after match if that is further).
    const next = this.state === ProgressState.snapshot
      ? Math.max(this.match + 1, this.pendingSnapshot + 1)
      : this.match + 1;
    this.resetState(ProgressState.probe);
    this.next = next;
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.resetState(ProgressState.snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** The follower acknowledged up to `index`; returns whether match moved. */
  maybeUpdate(index: Index): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Records an append of entries up to `lastIndex` (`bytes` big) just sent. */
  sentEntries(lastIndex: Index, count: number, bytes: number): void {
    if (this.state === ProgressState.replicate) {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === ProgressState.probe) {
      this.probeSent = true;
    }
  }

  /**
   * The follower rejected an append at `rejected`, its log matching at most up to `hint`.
   * Returns false when the rejection is stale (an answer to an older append).
   */
  maybeDecrTo(rejected: Index, hint: Index): boolean {
    if (this.state === ProgressState.replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending more appends must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.probe:
        return this.probeSent;
      case ProgressState.replicate:
        return this.inflights.full();
      case ProgressState.snapshot:
        return true;
    }
  }
}

/**
 * The commit index a majority of voters hold: sort matches descending, take the one at position
 * ⌊n/2⌋ (thesis §3.6.2). `matches` is the caller's scratch buffer (sorted in place) so the hot
 * path allocates nothing.
 */
export function quorumIndex(matches: Float64Array, count: number): Index {
  assert(count > 0, 'no voters');
  const view = matches.subarray(0, count).sort();
  return view[count - 1 - Math.floor(count / 2)] as number;
}

export const VoteResult = { pending: 'pending', won: 'won', lost: 'lost' } as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

export function voteResult(granted: number, rejected: number, voterCount: number): VoteResult {
  const majority = Math.floor(voterCount / 2) + 1;
  if (granted >= majority) return VoteResult.won;
  if (rejected >= majority) return VoteResult.lost;
  return VoteResult.pending;
}
