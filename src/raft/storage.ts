/**
 * The log storage Raft reads (etcd-io/raft storage.go's shape), and MemoryStorage, its in-memory
 * implementation. Raft only reads storage; the host writes to it while applying a Ready (entries,
 * hard state, snapshot) and when it compacts. Reads are synchronous: a durable store keeps its log
 * tail in memory (bounded by compaction) and persists it alongside — storage/raft-store.ts does.
 */
import { assert } from '../common/index.js';
import { encodeConfChange } from './conf-change.js';
import {
  ConfChangeType,
  type ConfState,
  type Entry,
  entryBytes,
  EntryType,
  type HardState,
  type Index,
  type NodeId,
  type Snapshot,
  type Term,
} from './types.js';

export interface RaftLogStorage {
  /** Hard state as last persisted, and the membership as of the latest snapshot. */
  initialState(): { hardState: HardState; conf: ConfState };
  /** First entry still held: the latest snapshot's index + 1. */
  firstIndex(): Index;
  /** Last entry held, or the snapshot's index when no entry follows it. */
  lastIndex(): Index;
  /** Term of `index` for firstIndex() - 1 ≤ index ≤ lastIndex(); undefined outside that range. */
  term(index: Index): Term | undefined;
  /**
   * Entries [lo, hi) with firstIndex() ≤ lo ≤ hi ≤ lastIndex() + 1, stopping before maxBytes is
   * exceeded but always returning at least one entry when lo < hi (progress beats the limit).
   * The array is fresh: the caller may extend it.
   */
  entries(lo: Index, hi: Index, maxBytes: number): Entry[];
  /** The latest snapshot (meta.index 0 and empty data when none was taken). */
  snapshot(): Snapshot;
}

const emptyConf: ConfState = { voters: [], learners: [] };
const emptyHardState: HardState = { term: 0, vote: 0, commit: 0 };

export class MemoryStorage implements RaftLogStorage {
  private hard: HardState = emptyHardState;
  private snap: Snapshot;
  /** Invariant: ents[i].index === snap.meta.index + 1 + i; terms never decrease along ents. */
  private ents: Entry[] = [];

  /** An empty log with no membership: a node waiting to be added by a leader. */
  constructor() {
    this.snap = { meta: { index: 0, term: 0, conf: emptyConf }, data: Buffer.alloc(0) };
  }

  /** The storage of one of a new group's first members (see bootstrapLog). */
  static bootstrap(voters: readonly NodeId[]): MemoryStorage {
    const storage = new MemoryStorage();
    const { entries, hardState } = bootstrapLog(voters);
    storage.append(entries);
    storage.setHardState(hardState);
    return storage;
  }

  initialState(): { hardState: HardState; conf: ConfState } {
    return { hardState: this.hard, conf: this.snap.meta.conf };
  }

  firstIndex(): Index {
    return this.snap.meta.index + 1;
  }

  lastIndex(): Index {
    return this.snap.meta.index + this.ents.length;
  }

  term(index: Index): Term | undefined {
    const base = this.snap.meta.index;
    if (index === base) return this.snap.meta.term;
    if (index < base || index > this.lastIndex()) return undefined;
    return (this.ents[index - base - 1] as Entry).term;
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex() && lo <= hi && hi <= this.lastIndex() + 1,
      `entries [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    const start = lo - this.firstIndex();
    return limitBytes(this.ents, start, hi - lo, maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  hardState(): HardState {
    return this.hard;
  }

  setHardState(hardState: HardState): void {
    this.hard = hardState;
  }

  /**
   * Appends `entries` (contiguous, starting at most one past our last), replacing any entries at or
   * after the first one's index: a new leader's log wins over an unreplicated tail (thesis §3.5).
   * Entries already covered by the snapshot are skipped.
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap`);
    const skip = Math.max(0, this.firstIndex() - first.index);
    if (skip >= entries.length) return;
    const keep = first.index + skip - this.firstIndex();
    this.ents.length = keep;
    for (let i = skip; i < entries.length; i++) this.ents.push(entries[i] as Entry);
  }

  /** Replaces the whole log with `snapshot` (a follower installing the leader's snapshot). */
  applySnapshot(snapshot: Snapshot): void {
    assert(snapshot.meta.index >= this.snap.meta.index,
      `snapshot ${snapshot.meta.index} older than ${this.snap.meta.index}`);
    this.snap = snapshot;
    this.ents = [];
  }

  /**
   * Records a snapshot of the state machine at `index` (≤ applied, so ≤ lastIndex) and compacts
   * the entries it covers: a follower that needs them is sent the snapshot instead.
   */
  createSnapshot(index: Index, conf: ConfState, data: Buffer): Snapshot {
    assert(index > this.snap.meta.index && index <= this.lastIndex(),
      `snapshot at ${index} outside (${this.snap.meta.index}, ${this.lastIndex()}]`);
    const term = this.term(index) as Term;
    const snapshot: Snapshot = { meta: { index, term, conf }, data };
    const drop = index - this.snap.meta.index;
    this.snap = snapshot;
    this.ents = this.ents.slice(drop);
    return snapshot;
  }

  /** A copy sharing the (immutable) entries: what a simulated crash leaves on disk. */
  clone(): MemoryStorage {
    const copy = new MemoryStorage();
    copy.hard = this.hard;
    copy.snap = this.snap;
    copy.ents = this.ents.slice();
    return copy;
  }
}

/**
 * The first entries of a new group's log: one committed addVoter per initial member at term 1
 * (etcd's Bootstrap does the same). Membership then lives in the log from index 1, so a node added
 * later learns it by replaying the log or from a snapshot, never from its own configuration.
 * Every initial member must bootstrap with the same list.
 */
export function bootstrapLog(voters: readonly NodeId[]): {
  entries: Entry[];
  hardState: HardState;
} {
  assert(voters.length > 0 && new Set(voters).size === voters.length,
    'bootstrap needs distinct voters');
  const entries = [...voters].sort((a, b) => a - b).map((nodeId, i): Entry => ({
    index: i + 1,
    term: 1,
    type: EntryType.confChange,
    data: encodeConfChange({ type: ConfChangeType.addVoter, nodeId }),
  }));
  return { entries, hardState: { term: 1, vote: 0, commit: entries.length } };
}

/** Up to `count` entries from `start`, within maxBytes but never fewer than one. */
export function limitBytes(
  from: readonly Entry[],
  start: number,
  count: number,
  maxBytes: number,
): Entry[] {
  let bytes = 0;
  let n = 0;
  while (n < count) {
    const entry = from[start + n] as Entry;
    bytes += entryBytes(entry);
    if (n > 0 && bytes > maxBytes) break;
    n++;
  }
  return from.slice(start, start + n);
}
