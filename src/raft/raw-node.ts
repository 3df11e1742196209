/**
 * RawNode: the host-facing surface of the core (etcd-io/raft rawnode.go). Feed it ticks, messages
 * and requests; collect a Ready; persist, send and apply it in that order; then advance().
 * See README.md for the contract a driver must keep.
 */
import { assert } from '../common/index.js';
import { decodeConfChange } from './conf-change.js';
import { raftConfig, type RaftConfigInput } from './config.js';
import { Raft, type ProposeResult } from './raft.js';
import type { ProgressState } from './progress.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type Term,
} from './types.js';

/** Volatile state a host may want to react to (who leads); never persisted. */
export interface SoftState {
  readonly leaderId: NodeId;
  readonly role: Role;
}

export interface Ready {
  /** Present when it changed; persist it. */
  readonly hardState: HardState | null;
  /** New log entries, to append to storage (replacing any entries from entries[0].index on). */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader: persist it, replace the log, restore the state machine from it. */
  readonly snapshot: Snapshot | null;
  /** Whether the writes above must be fsynced before `messages` go out (votes, entries, terms). */
  readonly mustSync: boolean;
  /** To send after the writes are durable; order per destination matters only for efficiency. */
  readonly messages: readonly Message[];
  /** Committed entries to apply, in order; may include `entries` (persist first, then apply). */
  readonly committedEntries: readonly Entry[];
  /** Read-index answers: serve each read once applied ≥ its index. */
  readonly readStates: readonly ReadState[];
  readonly softState: SoftState | null;
}

export interface ProgressStatus {
  readonly match: Index;
  readonly next: Index;
  readonly state: ProgressState;
  readonly isLearner: boolean;
}

export interface Status {
  readonly id: NodeId;
  readonly term: Term;
  readonly vote: NodeId;
  readonly leaderId: NodeId;
  readonly role: Role;
  readonly commit: Index;
  readonly applied: Index;
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly conf: ConfState;
  /** Only on the leader. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
  readonly leadTransferee: NodeId;
}

export class RawNode {
  private readonly raft: Raft;
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  /** The Ready handed out and not yet advanced: at most one at a time. */
  private pending: Ready | null = null;

  constructor(input: RaftConfigInput) {
    this.raft = new Raft(raftConfig(input));
    this.prevHardState = input.storage.initialState().hardState;
    this.prevSoftState = this.softState();
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.campaign();
  }

  step(message: Message): void {
    this.raft.step(message);
  }

  propose(data: Buffer): ProposeResult {
    return this.raft.propose(data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change);
  }

  transferLeadership(to: NodeId): boolean {
    return this.raft.transferLeadership(to);
  }

  readIndex(context: string): boolean {
    return this.raft.readIndex(context);
  }

  reportSnapshot(to: NodeId, delivered: boolean): void {
    this.raft.reportSnapshot(to, delivered);
  }

  reportUnreachable(to: NodeId): void {
    this.raft.reportUnreachable(to);
  }

  hasReady(): boolean {
    if (this.pending !== null) return false;
    const r = this.raft;
    const log = r.log;
    return r.messages.length > 0 || r.readStates.length > 0 ||
      log.unstable.entries.length > 0 || log.unstable.snapshot !== null ||
      log.hasNextCommittedEntries() || !sameHardState(r.hardState(), this.prevHardState) ||
      !sameSoftState(this.softState(), this.prevSoftState);
  }

  /** Collects everything to persist, send and apply. Call advance() before the next ready(). */
  ready(): Ready {
    assert(this.pending === null, 'ready() called again before advance()');
    const r = this.raft;
    const hard = r.hardState();
    const soft = this.softState();
    const hardState = sameHardState(hard, this.prevHardState) ? null : hard;
    const entries = r.log.unstable.entries.slice();
    const snapshot = r.log.unstable.snapshot;
    const rd: Ready = {
      hardState,
      entries,
      snapshot,
      mustSync: entries.length > 0 || snapshot !== null || (hardState !== null &&
        (hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote)),
      messages: r.messages,
      committedEntries: r.log.nextCommittedEntries(r.committedBytesMax),
      readStates: r.readStates,
      softState: sameSoftState(soft, this.prevSoftState) ? null : soft,
    };
    r.messages = [];
    r.readStates = [];
    this.pending = rd;
    return rd;
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    const rd = this.pending;
    assert(rd !== null, 'advance() without ready()');
    this.pending = null;
    const log = this.raft.log;
    if (rd.hardState !== null) this.prevHardState = rd.hardState;
    if (rd.softState !== null) this.prevSoftState = rd.softState;
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) log.unstable.stableTo(last.index, last.term);
    if (rd.snapshot !== null) {
      log.unstable.stableSnapshotTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > log.applied) log.appliedTo(rd.snapshot.meta.index);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied === undefined) return;
    log.appliedTo(lastApplied.index);
    this.raft.reduceUncommittedBytes(rd.committedEntries);
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.confChange) this.raft.applyConfChange(decodeConfChange(e.data));
    }
  }

  /** Membership as of the applied index: what a snapshot taken now must record. */
  confState(): ConfState {
    return this.raft.conf;
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, ProgressStatus>();
    if (r.role === 'leader') {
      for (const [id, pr] of r.progress) {
        const { match, next, state, isLearner } = pr;
        progress.set(id, { match, next, state, isLearner });
      }
    }
    return {
      id: r.id, term: r.term, vote: r.vote, leaderId: r.lead, role: r.role,
      commit: r.log.committed, applied: r.log.applied, firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(), conf: r.conf, progress, leadTransferee: r.leadTransferee,
    };
  }

  /** Entries [lo, hi) as this node sees them (stable or not); for tests and debugging. */
  entries(lo: Index, hi: Index): Entry[] {
    return this.raft.log.slice(lo, hi, Number.POSITIVE_INFINITY);
  }

  termAt(index: Index): Term | undefined {
    return this.raft.log.term(index);
  }

  private softState(): SoftState {
    return { leaderId: this.raft.lead, role: this.raft.role };
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leaderId === b.leaderId && a.role === b.role;
}

