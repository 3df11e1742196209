/**
 * The log as Raft sees it (etcd-io/raft log.go, log_unstable.go): entries already in storage,
 * followed by `unstable` entries (or a snapshot) handed out in a Ready but not yet persisted.
 *
 * Invariants:
 * - applied ≤ committed ≤ lastIndex(); firstIndex() - 1 ≤ applied once a received snapshot's Ready
 *   is advanced (a snapshot counts as applied).
 * - committed never decreases within one incarnation.
 * - unstable.offset === lastIndex of storage + 1, or less after a truncation not yet persisted.
 */
import { assert } from '../common/index.js';
import { limitBytes, type RaftLogStorage } from './storage.js';
import { type Entry, entryBytes, type Index, type Snapshot, type Term } from './types.js';

class Unstable {
  /** A snapshot received but not yet persisted; entries then follow it. */
  snapshot: Snapshot | null = null;
  /** Invariant: entries[i].index === offset + i. */
  entries: Entry[] = [];
  offset: Index;

  constructor(offset: Index) {
    this.offset = offset;
  }

  firstIndex(): Index | undefined {
    return this.snapshot === null ? undefined : this.snapshot.meta.index + 1;
  }

  lastIndex(): Index | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? undefined : this.snapshot.meta.index;
  }

  term(index: Index): Term | undefined {
    if (index < this.offset) {
      const snap = this.snapshot;
      return snap !== null && snap.meta.index === index ? snap.meta.term : undefined;
    }
    return this.entries[index - this.offset]?.term;
  }

  /** Entries up to (index, term) are now in storage; a mismatch means they were replaced since. */
  stableTo(index: Index, term: Term): void {
    if (index < this.offset || this.term(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapshotTo(index: Index): void {
    if (this.snapshot !== null && this.snapshot.meta.index === index) this.snapshot = null;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.meta.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Appends, replacing whatever was at or after entries[0].index (persisted or not). */
  truncateAndAppend(entries: readonly Entry[]): void {
    const after = (entries[0] as Entry).index;
    if (after === this.offset + this.entries.length) {
      for (const e of entries) this.entries.push(e);
    } else if (after <= this.offset) {
      this.offset = after;
      this.entries = entries.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (const e of entries) this.entries.push(e);
    }
  }
}

export class RaftLog {
  readonly storage: RaftLogStorage;
  readonly unstable: Unstable;
  committed: Index;
  applied: Index;

  constructor(storage: RaftLogStorage) {
    this.storage = storage;
    this.unstable = new Unstable(storage.lastIndex() + 1);
    // A snapshot is committed and applied by definition.
    this.committed = storage.firstIndex() - 1;
    this.applied = this.committed;
  }

  firstIndex(): Index {
    return this.unstable.firstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /** Term at `index`, or undefined when compacted away or beyond the log. */
  term(index: Index): Term | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.term(index) ?? this.storage.term(index);
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'the last entry always has a term');
    return term;
  }

  matchTerm(index: Index, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Election restriction (§3.6.1): is (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry whose term differs from ours (or is new), or 0 if all match. */
  findConflict(entries: readonly Entry[]): Index {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Largest index ≤ `index` whose term is ≤ `term` (the fast-backtracking probe, thesis §5.3).
   * Stops at the compaction point: the caller then falls back to a snapshot.
   */
  findConflictByTerm(index: Index, term: Term): Index {
    let i = Math.min(index, this.lastIndex());
    const floor = this.firstIndex() - 1;
    for (; i > floor; i--) {
      const t = this.term(i);
      if (t === undefined || t <= term) break;
    }
    return i;
  }

  /**
   * A follower's AppendEntries check and append (thesis §3.5). Returns the last index now known to
   * match the leader, or undefined when (prevIndex, prevTerm) does not match.
   */
  maybeAppend(prevIndex: Index, prevTerm: Term, commit: Index, entries: readonly Entry[]):
    { lastNew: Index; truncated: boolean } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    let truncated = false;
    if (conflict !== 0) {
      // Never overwrite a committed entry: that would be a safety bug somewhere upstream.
      assert(conflict > this.committed, `conflict at ${conflict} ≤ committed ${this.committed}`);
      truncated = conflict <= this.lastIndex();
      this.append(entries.slice(conflict - prevIndex - 1));
    }
    this.commitTo(Math.min(commit, lastNew));
    return { lastNew, truncated };
  }

  append(entries: readonly Entry[]): Index {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(first.index - 1 >= this.committed,
      `append at ${first.index} over committed ${this.committed}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  commitTo(index: Index): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: Index): void {
    assert(index >= this.applied && index <= this.committed,
      `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  /** Entries [lo, hi) from storage and unstable, within maxBytes (at least one). */
  slice(lo: Index, hi: Index, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi,
      `slice [${lo}, ${hi}) outside the log`);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    if (lo >= offset) return limitBytes(this.unstable.entries, lo - offset, hi - lo, maxBytes);
    // storage.entries returns a fresh array, so the unstable part may be pushed onto it.
    const out = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
    if (hi <= offset || out.length < offset - lo) return out;
    let bytes = 0;
    for (const e of out) bytes += entryBytes(e);
    for (let i = 0; i < hi - offset; i++) {
      const e = this.unstable.entries[i] as Entry;
      bytes += entryBytes(e);
      if (bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Committed entries not yet applied, bounded by maxBytes. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (lo > this.committed) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The newest snapshot: a received one not yet persisted, else storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }
}
