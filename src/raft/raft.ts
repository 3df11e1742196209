/**
 * The Raft state machine (Ongaro's thesis; etcd-io/raft raft.go's shape): messages, ticks and
 * local requests in; messages, log changes and read states out through RawNode's Ready. No I/O, no
 * clock, no global randomness: the same inputs give the same outputs.
 *
 * Invariants (checked by the simulation after every step):
 * - term never decreases; vote is for `term` and is persisted before any message of that term;
 * - a leader only commits an entry of its own term by counting replicas (§3.6.2), so an entry of
 *   an older term is committed only implicitly, under a current-term entry;
 * - at most one membership change is uncommitted-or-unapplied at a time (pendingConfIndex).
 */
import { assert, type Prng, unreachable } from '../common/index.js';
import {
  applyToConfState, confChangeProblem, decodeConfChange, encodeConfChange,
} from './conf-change.js';
import type { RaftConfig } from './config.js';
import { RaftLog } from './log.js';
import { Progress, ProgressState, quorumIndex, VoteResult, voteResult } from './progress.js';
import { ReadOnly } from './read-only.js';
import {
  type AppendMessage,
  type AppendResponseMessage,
  type ConfChange,
  type ConfState,
  type Entry,
  entryBytes,
  entryOverheadBytes,
  EntryType,
  type HardState,
  type HeartbeatMessage,
  type HeartbeatResponseMessage,
  type Index,
  type Message,
  type NodeId,
  noneId,
  type RaftLogger,
  type ReadState,
  Role,
  type Snapshot,
  type SnapshotMessage,
  type Term,
  type VoteMessage,
  type VoteResponseMessage,
} from './types.js';

export type ProposeResult =
  | { readonly accepted: true; readonly index: Index; readonly term: Term }
  | { readonly accepted: false; readonly reason: ProposeRefusal; readonly leaderId: NodeId };

export const ProposeRefusal = {
  notLeader: 'notLeader',
  transferring: 'transferring',
  uncommittedBytesMax: 'uncommittedBytesMax',
  confChangePending: 'confChangePending',
  leaving: 'leaving',
  confChangeInvalid: 'confChangeInvalid',
} as const;
export type ProposeRefusal = (typeof ProposeRefusal)[keyof typeof ProposeRefusal];

type Send = Message extends infer M ? (M extends Message ? Omit<M, 'from'> : never) : never;

const emptyData = Buffer.alloc(0);

export class Raft {
  readonly id: NodeId;
  term: Term = 0;
  vote: NodeId = noneId;
  lead: NodeId = noneId;
  role: Role = Role.follower;
  readonly log: RaftLog;
  /** Membership as of the last applied conf change (or snapshot); changes only when applied. */
  conf: ConfState;
  /** Per member (self included), maintained on every node, used by the leader. */
  readonly progress = new Map<NodeId, Progress>();
  /** Outbox, drained by RawNode.ready(). */
  messages: Message[] = [];
  readStates: ReadState[] = [];

  private readonly cfg: RaftConfig;
  private readonly prng: Prng;
  private readonly logger: RaftLogger;
  private readonly votes = new Map<NodeId, boolean>();
  /** Ticks since the last valid leader contact (follower) or check-quorum round (leader). */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  /** Drawn again on every term change, so split votes resolve (§3.4). */
  private randomizedElectionTimeout = 0;
  /** Leadership is being handed to this node; proposals wait (§3.10). */
  leadTransferee: NodeId = noneId;
  /** Set when campaigning because of timeoutNow: a win is a completed transfer. */
  private campaignForTransfer = false;
  /** Index of the latest conf change appended by this leader; another waits until it is applied. */
  private pendingConfIndex: Index = 0;
  /**
   * This leader proposed its own removal: it accepts nothing more, so the removal entry is its last
   * and every voter that acknowledged it can win the next election with the leader's vote.
   */
  private removingSelf = false;
  /** Entry bytes this leader appended and has not yet seen applied. */
  private uncommittedBytes = 0;
  private readonly readOnly: ReadOnly;
  /** Reads that arrived before this leader committed an entry of its term (§6.4 step 1). */
  private readsBeforeCommit: { from: NodeId; context: string }[] = [];
  /** Scratch for quorumIndex: no allocation per commit check. */
  private matchScratch = new Float64Array(8);

  constructor(cfg: RaftConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.prng = cfg.prng;
    this.logger = cfg.logger;
    this.log = new RaftLog(cfg.storage);
    this.readOnly = new ReadOnly(cfg.readIndexPendingMax);
    const { hardState, conf } = cfg.storage.initialState();
    this.conf = conf;
    this.term = hardState.term;
    this.vote = hardState.vote;
    // Commit may have been persisted lazily below the snapshot; the snapshot is committed anyway.
    this.log.commitTo(Math.max(hardState.commit, this.log.committed));
    this.rebuildProgress();
    this.becomeFollower(this.term, noneId);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // ---- local events -------------------------------------------------------------------------

  tick(): void {
    if (this.role === Role.leader) this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign();
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.checkQuorumActive()) {
        this.logger.info({ term: this.term }, 'stepped down: quorum not active');
        this.becomeFollower(this.term, noneId);
        return;
      }
      if (this.leadTransferee !== noneId) this.abortLeaderTransfer('timed out');
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTimeoutTicks) {
      this.heartbeatElapsed = 0;
      // Carry the newest pending read (etcd-raft's lastPendingRequestCtx): if the heartbeat that
      // asked for it was lost, this round confirms it — and, answered by a quorum, every earlier
      // one. Without it such a read waited for its host's deadline (10 s in node/raft-driver).
      this.broadcastHeartbeat(this.readOnly.lastPendingContext());
    }
  }

  /** Starts an election now (etcd's MsgHup); ignored by a leader or a node that may not vote. */
  campaign(transfer = false): void {
    if (this.role === Role.leader) return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) {
      // The membership this node would campaign in is not yet known (etcd does the same).
      this.logger.warn({ term: this.term }, 'not campaigning: conf changes committed, not applied');
      return;
    }
    this.campaignForTransfer = transfer;
    if (this.cfg.preVote && !transfer) this.startElection('preVote', false);
    else this.startElection('vote', transfer);
  }

  propose(data: Buffer): ProposeResult {
    return this.proposeEntry(EntryType.normal, data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    if (this.role === Role.leader) {
      // One change at a time, and only once this leader applied everything before its term:
      // the fix for single-server changes across leaders (Ongaro, raft-dev 2015).
      if (this.pendingConfIndex > this.log.applied) {
        return this.refuse(ProposeRefusal.confChangePending);
      }
      const problem = confChangeProblem(this.conf, change);
      if (problem !== undefined) {
        this.logger.info({ change, problem }, 'conf change refused');
        return this.refuse(ProposeRefusal.confChangeInvalid);
      }
    }
    const result = this.proposeEntry(EntryType.confChange, encodeConfChange(change));
    if (!result.accepted) return result;
    this.pendingConfIndex = result.index;
    this.removingSelf = change.type === 'removeNode' && change.nodeId === this.id;
    return result;
  }

  private proposeEntry(type: EntryType, data: Buffer): ProposeResult {
    if (this.role !== Role.leader) return this.refuse(ProposeRefusal.notLeader);
    if (this.leadTransferee !== noneId) return this.refuse(ProposeRefusal.transferring);
    if (this.removingSelf) return this.refuse(ProposeRefusal.leaving);
    const bytes = data.length + entryOverheadBytes;
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.cfg.uncommittedBytesMax) {
      return this.refuse(ProposeRefusal.uncommittedBytesMax);
    }
    const index = this.appendEntry(type, data);
    this.broadcastAppend();
    return { accepted: true, index, term: this.term };
  }

  private refuse(reason: ProposeRefusal): ProposeResult {
    return { accepted: false, reason, leaderId: this.lead };
  }

  /** Hands leadership to `to` once its log is caught up (§3.10); false if not possible now. */
  transferLeadership(to: NodeId): boolean {
    if (this.role !== Role.leader || to === this.id) return false;
    if (this.leadTransferee === to) return true;
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isLearner) return false;
    if (this.leadTransferee !== noneId) this.abortLeaderTransfer('superseded');
    this.leadTransferee = to;
    // The transfer must finish within one election timeout or it is abandoned (tickLeader).
    this.electionElapsed = 0;
    this.logger.info({ term: this.term, to }, 'leadership transfer started');
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to, term: this.term });
    else this.sendAppend(to, true);
    return true;
  }

  private abortLeaderTransfer(why: string): void {
    const to = this.leadTransferee;
    this.logger.info({ term: this.term, to, why }, 'leadership transfer aborted');
    this.leadTransferee = noneId;
  }

  /**
   * Asks for a linearizable read point (§6.4). The answer arrives as a ReadState in a later Ready
   * (possibly none, if leadership is lost: the caller retries on its own timeout).
   */
  readIndex(context: string): boolean {
    if (this.role === Role.leader) return this.handleReadIndex(this.id, context);
    if (this.role !== Role.follower || this.lead === noneId) return false;
    this.send({ type: 'readIndex', to: this.lead, term: this.term, context });
    return true;
  }

  /** The host's transport failed to deliver a snapshot (or did): resume probing either way. */
  reportSnapshot(to: NodeId, delivered: boolean): void {
    const pr = this.progress.get(to);
    if (this.role !== Role.leader || pr?.state !== ProgressState.snapshot) return;
    if (!delivered) pr.pendingSnapshot = 0;
    // Wait for the follower's answer before the next append (probe with probeSent).
    pr.becomeProbe();
    pr.probeSent = true;
  }

  /** The host could not reach `to`: stop pipelining to it until it answers again. */
  reportUnreachable(to: NodeId): void {
    const pr = this.progress.get(to);
    if (this.role === Role.leader && pr?.state === ProgressState.replicate) pr.becomeProbe();
  }

  // ---- messages -----------------------------------------------------------------------------

  step(m: Message): void {
    assert(m.to === this.id, `message for ${m.to} stepped into ${this.id}`);
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.stepLowerTerm(m);
      return;
    }
    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVote(m);
      return;
    }
    switch (this.role) {
      case Role.leader:
        this.stepLeader(m);
        return;
      case Role.candidate:
      case Role.preCandidate:
        this.stepCandidate(m);
        return;
      case Role.follower:
        this.stepFollower(m);
        return;
      default:
        unreachable(this.role);
    }
  }

  /** Whether to go on handling `m` after adopting (or deliberately not adopting) its term. */
  private stepHigherTerm(m: Message): boolean {
    if (m.type === 'vote' || m.type === 'preVote') {
      // Leader lease (§4.2.3): while we heard from a leader within the minimum election timeout,
      // a campaign is disruptive (a removed or partitioned node), unless it is a transfer.
      const inLease = this.cfg.checkQuorum && this.lead !== noneId &&
        this.electionElapsed < this.cfg.electionTimeoutTicks;
      if (inLease && !m.transfer) {
        const fields = { term: this.term, from: m.from, type: m.type };
        this.logger.debug(fields, 'vote ignored: in lease');
        return false;
      }
    }
    // A pre-vote, or a granted pre-vote answer, carries a future term we do not adopt (§9.6).
    if (m.type === 'preVote') return true;
    if (m.type === 'preVoteResponse' && !m.reject) return true;
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : noneId);
    return true;
  }

  private stepLowerTerm(m: Message): void {
    const fromLeader = m.type === 'heartbeat' || m.type === 'append';
    if ((this.cfg.checkQuorum || this.cfg.preVote) && fromLeader) {
      // A stale leader would never learn our term otherwise: with pre-vote we never bump it by
      // campaigning, and with check-quorum we ignore its campaigns. Tell it so it steps down.
      this.send({
        type: 'appendResponse', to: m.from, term: this.term,
        index: 0, reject: true, hintIndex: 0, hintTerm: 0,
      });
    } else if (m.type === 'preVote' || m.type === 'vote') {
      // A stale candidate learns our term from the rejection (§3.3: replies carry the term). etcd
      // ignores stale votes; then a candidate whose only voters are ahead of it never catches up.
      const type = m.type === 'vote' ? 'voteResponse' : 'preVoteResponse';
      this.send({ type, to: m.from, term: this.term, reject: true });
    }
  }

  private handleVote(m: VoteMessage): void {
    const canVote = this.vote === m.from ||
      (this.vote === noneId && this.lead === noneId) ||
      (m.type === 'preVote' && m.term > this.term);
    const responseType = m.type === 'vote' ? 'voteResponse' : 'preVoteResponse';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote answers in the campaign's term so the candidate can count it.
      this.send({ type: responseType, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.logger.debug({ term: this.term, from: m.from, type: m.type, vote: this.vote, lead: this.lead }, 'vote refused');
      this.send({ type: responseType, to: m.from, term: this.term, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'appendResponse':
        this.handleAppendResponse(m);
        return;
      case 'heartbeatResponse':
        this.handleHeartbeatResponse(m);
        return;
      case 'readIndex':
        this.handleReadIndex(m.from, m.context);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Two leaders in one term: impossible unless a vote was lost from disk.
        this.logger.warn({ term: this.term, from: m.from, type: m.type }, 'second leader in term');
        return;
      default:
        return; // late votes, stray responses
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Someone won this term (§3.4): follow it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'voteResponse':
      case 'preVoteResponse':
        this.handleVoteResponse(m);
        return;
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        return;
      case 'timeoutNow':
        // Only the leader hands leadership over (§3.10); from anyone else it is forged or stray,
        // and obeying it would skip pre-vote and the lease.
        if (m.from !== this.lead) {
          this.logger.warn({ term: this.term, from: m.from, lead: this.lead },
            'timeoutNow ignored: not from the leader');
          return;
        }
        this.logger.info({ term: this.term, from: m.from }, 'campaigning: leadership transferred');
        this.campaign(true);
        return;
      case 'readIndexResponse':
        // Only the leader confirms a read point; another's answer could serve a stale read.
        if (m.from !== this.lead) return;
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.lead = from;
  }

  // ---- elections ----------------------------------------------------------------------------

  private startElection(kind: 'vote' | 'preVote', transfer: boolean): void {
    let term: Term;
    if (kind === 'preVote') {
      this.becomePreCandidate();
      term = this.term + 1; // the term we would campaign in; not adopted yet
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    if (this.recordVote(this.id, true) === VoteResult.won) {
      // A single voter wins alone.
      if (kind === 'preVote') this.startElection('vote', false);
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    this.logger.debug({ term, kind, index, logTerm, timeoutTicks: this.randomizedElectionTimeout }, 'campaigning');
    for (const to of this.conf.voters) {
      if (to === this.id) continue;
      this.send({ type: kind, to, term, index, logTerm, transfer });
    }
  }

  private recordVote(from: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of this.conf.voters) {
      const v = this.votes.get(id);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    return voteResult(yes, no, this.conf.voters.length);
  }

  private handleVoteResponse(m: VoteResponseMessage): void {
    const mine = this.role === Role.preCandidate ? 'preVoteResponse' : 'voteResponse';
    if (m.type !== mine) return;
    const result = this.recordVote(m.from, !m.reject);
    if (result === VoteResult.won) {
      if (this.role === Role.preCandidate) this.startElection('vote', false);
      else this.becomeLeader();
    } else if (result === VoteResult.lost) {
      const what = this.role === Role.preCandidate ? 'pre-vote rejected' : 'vote lost';
      this.logger.info({ term: this.term }, what);
      this.becomeFollower(this.term, noneId);
    }
  }

  private promotable(): boolean {
    return this.conf.voters.includes(this.id) && this.log.unstable.snapshot === null;
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    const entries = this.log.slice(lo, this.log.committed + 1, Number.POSITIVE_INFINITY);
    return entries.some((e) => e.type === EntryType.confChange);
  }

  /** Whether an entry not yet applied removes this node (proposed by an earlier leader). */
  private unappliedRemovalOfSelf(): boolean {
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    const entries = this.log.slice(lo, this.log.lastIndex() + 1, Number.POSITIVE_INFINITY);
    return entries.some((e) => {
      if (e.type !== EntryType.confChange) return false;
      const change = decodeConfChange(e.data);
      return change.type === 'removeNode' && change.nodeId === this.id;
    });
  }

  /** §6.2: counts members heard from since the last round (self included), then forgets them. */
  private checkQuorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      const pr = this.progress.get(id) as Progress;
      if (id === this.id || pr.recentActive) active++;
    }
    for (const [id, pr] of this.progress) pr.recentActive = id === this.id;
    return active >= Math.floor(this.conf.voters.length / 2) + 1;
  }

  // ---- role changes -------------------------------------------------------------------------

  private reset(term: Term): void {
    if (this.term !== term) {
      assert(term > this.term, `term going back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = noneId;
    }
    this.lead = noneId;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTimeoutTicks +
      this.prng.below(this.cfg.electionTimeoutTicks);
    this.leadTransferee = noneId;
    this.votes.clear();
    this.pendingConfIndex = 0;
    this.removingSelf = false;
    this.uncommittedBytes = 0;
    this.readOnly.clear();
    this.readsBeforeCommit = [];
    const next = this.log.lastIndex() + 1;
    for (const [id, pr] of this.progress) {
      pr.becomeProbe();
      pr.match = id === this.id ? this.log.lastIndex() : 0;
      pr.next = next;
      pr.recentActive = id === this.id;
      pr.sentCommit = 0;
    }
  }

  becomeFollower(term: Term, lead: NodeId): void {
    const wasLeader = this.role === Role.leader;
    this.reset(term);
    this.role = Role.follower;
    this.lead = lead;
    this.campaignForTransfer = false;
    if (wasLeader) this.logger.info({ term, lead }, 'became follower');
  }

  private becomePreCandidate(): void {
    assert(this.role !== Role.leader, 'leader cannot become pre-candidate');
    // Neither term nor vote changes: a pre-campaign must not disturb anyone (§9.6).
    this.votes.clear();
    this.lead = noneId;
    this.role = Role.preCandidate;
  }

  private becomeCandidate(): void {
    assert(this.role !== Role.leader, 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.candidate;
  }

  private becomeLeader(): void {
    assert(this.role === Role.candidate, `${this.role} cannot become leader`);
    const transfer = this.campaignForTransfer;
    this.reset(this.term);
    this.role = Role.leader;
    this.lead = this.id;
    (this.progress.get(this.id) as Progress).becomeReplicate();
    // No conf change until everything before this term is applied (see proposeConfChange).
    this.pendingConfIndex = this.log.lastIndex();
    this.removingSelf = this.unappliedRemovalOfSelf();
    // An entry of the new term lets earlier entries commit (§3.6.2) and read-index start (§6.4).
    this.appendEntry(EntryType.normal, emptyData);
    const fields = { term: this.term, lastIndex: this.log.lastIndex(), transfer };
    this.logger.info(fields, 'became leader');
    this.broadcastAppend();
  }

  // ---- replication (leader) -----------------------------------------------------------------

  private appendEntry(type: EntryType, data: Buffer): Index {
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.uncommittedBytes += entryBytes(entry);
    const last = this.log.append([entry]);
    // The leader's own copy counts once its Ready is persisted, which happens before any append
    // it sends can be acknowledged (Ready order: persist, then send).
    (this.progress.get(this.id) as Progress).maybeUpdate(last);
    this.maybeCommit();
    return last;
  }

  /** Advances commit to what a quorum of voters holds, if that entry is of this term (§3.6.2). */
  private maybeCommit(): boolean {
    const voters = this.conf.voters;
    if (this.matchScratch.length < voters.length) {
      this.matchScratch = new Float64Array(voters.length);
    }
    for (let i = 0; i < voters.length; i++) {
      this.matchScratch[i] = (this.progress.get(voters[i] as NodeId) as Progress).match;
    }
    const index = quorumIndex(this.matchScratch, voters.length);
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    this.log.commitTo(index);
    this.releaseReadsBeforeCommit();
    return true;
  }

  private peers(): NodeId[] {
    const out: NodeId[] = [];
    for (const id of this.conf.voters) if (id !== this.id) out.push(id);
    for (const id of this.conf.learners) if (id !== this.id) out.push(id);
    return out;
  }

  private broadcastAppend(): void {
    for (const to of this.peers()) this.sendAppend(to, true);
  }

  private broadcastHeartbeat(context: string): void {
    for (const to of this.peers()) {
      const pr = this.progress.get(to) as Progress;
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to, term: this.term, commit, context });
      pr.sentCommit = Math.max(pr.sentCommit, commit);
    }
  }

  /**
   * Sends `to` the entries after its next index, or a snapshot when they were compacted away.
   * Returns whether a message was sent; nothing is sent while the follower's progress is paused.
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to) as Progress;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    const last = this.log.lastIndex();
    const entries = pr.next <= last
      ? this.log.slice(pr.next, last + 1, this.cfg.appendBytesMax)
      : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    let bytes = 0;
    for (const e of entries) bytes += entryBytes(e);
    const m: Omit<AppendMessage, 'from'> = {
      type: 'append', to, term: this.term, index: prevIndex, logTerm: prevTerm, entries,
      commit: this.log.committed,
    };
    this.send(m);
    pr.sentEntries(prevIndex + entries.length, entries.length, bytes);
    pr.sentCommit = Math.max(pr.sentCommit, this.log.committed);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only to a follower known to be alive: a snapshot is large (etcd does the same).
    if (!pr.recentActive) return false;
    const snapshot: Snapshot = this.log.snapshot();
    assert(snapshot.meta.index > 0, 'entries compacted without a snapshot');
    pr.becomeSnapshot(snapshot.meta.index);
    this.logger.debug({ term: this.term, to, index: snapshot.meta.index }, 'sent snapshot');
    const m: Omit<SnapshotMessage, 'from'> = { type: 'snapshot', to, term: this.term, snapshot };
    this.send(m);
    return true;
  }

  private handleAppendResponse(m: AppendResponseMessage): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    if (!m.reject && m.index > this.log.lastIndex()) {
      // No follower can hold what this leader never had: counting it could commit entries no
      // quorum stores. Only a forged or corrupt answer says so (issue 13).
      this.logger.warn({ term: this.term, from: m.from, index: m.index,
        lastIndex: this.log.lastIndex() }, 'append answer beyond our log ignored');
      return;
    }
    pr.recentActive = true;
    if (m.reject) {
      const hint = m.hintTerm > 0
        ? this.log.findConflictByTerm(m.hintIndex, m.hintTerm)
        : m.hintIndex;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === ProgressState.replicate) pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    const repeatedProbe = pr.match === m.index && pr.state === ProgressState.probe;
    if (!pr.maybeUpdate(m.index) && !repeatedProbe) return;
    if (pr.state === ProgressState.probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.snapshot) {
      if (pr.match >= pr.pendingSnapshot || pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    } else {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) this.broadcastAppend();
    else if (pr.sentCommit < Math.min(this.log.committed, pr.match)) this.sendAppend(m.from, true);
    // Fill the pipeline; bounded by the in-flight window (each send adds one to it).
    for (let i = 0; i <= this.cfg.inflightCountMax && this.sendAppend(m.from, false); i++);
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: 'timeoutNow', to: m.from, term: this.term });
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponseMessage): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === ProgressState.snapshot) {
      // The snapshot or its answer may have been lost; after enough answered heartbeats, retry.
      pr.snapshotWaitHeartbeats++;
      if (pr.snapshotWaitHeartbeats >= this.cfg.snapshotRetryHeartbeats) pr.becomeProbe();
    }
    if (pr.state === ProgressState.replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex() || pr.state === ProgressState.probe) {
      this.sendAppend(m.from, true);
    }
    if (m.context !== '' && this.conf.voters.includes(m.from)) this.ackRead(m.context, m.from);
  }

  // ---- replication (follower) ---------------------------------------------------------------

  private handleAppend(m: AppendMessage): void {
    const reply = { type: 'appendResponse', to: m.from, term: this.term } as const;
    if (m.index < this.log.committed) {
      // Everything up to our commit matches any leader's log (Leader Completeness): skip ahead.
      this.send({ ...reply, index: this.log.committed, reject: false, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const result = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (result !== undefined) {
      if (result.truncated) this.logger.info({ term: this.term, index: m.index }, 'truncated log');
      this.send({ ...reply, index: result.lastNew, reject: false, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const probe = Math.min(m.index, this.log.lastIndex());
    const hintIndex = this.log.findConflictByTerm(probe, m.logTerm);
    const hintTerm = this.log.term(hintIndex) as Term;
    this.send({ ...reply, index: m.index, reject: true, hintIndex, hintTerm });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    if (m.commit > this.log.lastIndex()) {
      // A leader sends min(our match, its commit), never beyond our log; etcd panics here, but
      // the message came off the network: refuse the commit, not the node (issue 13).
      this.logger.warn({ term: this.term, from: m.from, commit: m.commit,
        lastIndex: this.log.lastIndex() }, 'heartbeat commit beyond our log ignored');
    } else {
      this.log.commitTo(m.commit);
    }
    this.send({ type: 'heartbeatResponse', to: m.from, term: this.term, context: m.context });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    const meta = m.snapshot.meta;
    let index = this.log.committed;
    if (meta.index > this.log.committed) {
      if (this.log.matchTerm(meta.index, meta.term)) {
        // We already hold the snapshot's last entry: it is committed, keep the log (§5.3).
        this.log.commitTo(meta.index);
        index = meta.index;
      } else {
        this.log.restore(m.snapshot);
        this.conf = meta.conf;
        this.rebuildProgress();
        index = meta.index;
        this.logger.info({ term: this.term, index, snapshotTerm: meta.term }, 'installed snapshot');
      }
    }
    this.send({
      type: 'appendResponse', to: m.from, term: this.term,
      index, reject: false, hintIndex: 0, hintTerm: 0,
    });
  }

  // ---- read index ---------------------------------------------------------------------------

  private handleReadIndex(from: NodeId, context: string): boolean {
    if (this.log.term(this.log.committed) !== this.term) {
      // §6.4: until it commits an entry of its term, a new leader does not know the commit index.
      if (this.readsBeforeCommit.length >= this.cfg.readIndexPendingMax) return false;
      this.readsBeforeCommit.push({ from, context });
      return true;
    }
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      this.answerRead(from, this.log.committed, context);
      return true;
    }
    const acks = new Set<NodeId>();
    if (this.conf.voters.includes(this.id)) acks.add(this.id);
    if (!this.readOnly.add({ context, from, index: this.log.committed, acks })) return false;
    this.broadcastHeartbeat(context);
    return true;
  }

  private ackRead(context: string, from: NodeId): void {
    const acks = this.readOnly.ack(context, from);
    if (acks < Math.floor(this.conf.voters.length / 2) + 1) return;
    for (const r of this.readOnly.release(context)) this.answerRead(r.from, r.index, r.context);
  }

  private answerRead(to: NodeId, index: Index, context: string): void {
    if (to === this.id) this.readStates.push({ index, context });
    else this.send({ type: 'readIndexResponse', to, term: this.term, index, context });
  }

  private releaseReadsBeforeCommit(): void {
    if (this.readsBeforeCommit.length === 0) return;
    const waiting = this.readsBeforeCommit;
    this.readsBeforeCommit = [];
    for (const r of waiting) this.handleReadIndex(r.from, r.context);
  }

  // ---- membership ---------------------------------------------------------------------------

  /**
   * Applies a committed conf change (RawNode.advance calls this as the entry is applied). The new
   * membership takes effect for commit and election counting from here on.
   */
  applyConfChange(change: ConfChange): void {
    this.conf = applyToConfState(this.conf, change);
    this.rebuildProgress();
    this.logger.info({ term: this.term, change, voters: this.conf.voters }, 'applied conf change');
    if (this.role !== Role.leader) return;
    if (!this.conf.voters.includes(this.id)) {
      // A removed leader steps down once the removal is committed (§4.2.2), telling the others
      // the commit first so they apply it; the rest elect a successor after a timeout.
      this.broadcastHeartbeat('');
      this.becomeFollower(this.term, noneId);
      return;
    }
    if (this.leadTransferee !== noneId && !this.conf.voters.includes(this.leadTransferee)) {
      this.abortLeaderTransfer('transferee removed');
    }
    // A smaller quorum may commit more; a new member needs its first (probing) append now rather
    // than at the next heartbeat.
    this.maybeCommit();
    this.broadcastAppend();
  }

  /** Entries applied: their bytes no longer count against uncommittedBytesMax. */
  reduceUncommittedBytes(entries: readonly Entry[]): void {
    if (this.role !== Role.leader) return;
    for (const e of entries) this.uncommittedBytes -= entryBytes(e);
    if (this.uncommittedBytes < 0) this.uncommittedBytes = 0;
  }

  /** Makes `progress` hold exactly the members of `conf`, keeping what is known of survivors. */
  private rebuildProgress(): void {
    const members = new Set<NodeId>([...this.conf.voters, ...this.conf.learners]);
    for (const id of this.progress.keys()) if (!members.has(id)) this.progress.delete(id);
    const next = this.log.lastIndex() + 1;
    for (const id of members) {
      const isLearner = this.conf.learners.includes(id);
      const pr = this.progress.get(id);
      if (pr !== undefined) {
        pr.isLearner = isLearner;
        continue;
      }
      const { inflightCountMax, inflightBytesMax } = this.cfg;
      const fresh = new Progress(next, isLearner, inflightCountMax, inflightBytesMax);
      if (id === this.id) fresh.match = this.log.lastIndex();
      this.progress.set(id, fresh);
    }
  }

  /** Committed-entry bytes RawNode may hand out per Ready. */
  get committedBytesMax(): number {
    return this.cfg.committedBytesMax;
  }

  // ---- output -------------------------------------------------------------------------------

  /** `m` is always a fresh literal, so it is completed in place rather than copied. */
  private send(m: Send): void {
    assert(m.to !== this.id, `message ${m.type} to self`);
    (m as { from?: NodeId }).from = this.id;
    this.messages.push(m as Message);
  }
}
