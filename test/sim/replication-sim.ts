/**
 * Deterministic simulation of one partition replicated on 3 brokers (STYLE.md §3), driving the
 * pure cores of src/partitions: LeaderReplica, FollowerReplica, LeaderEpochCache, safeLeaders.
 * Around them: in-memory logs of (epoch, value) entries whose unsynced suffix a crash loses, a
 * controller model (fencing after a session timeout, elections from the ISR with epoch + 1,
 * AlterPartition with epoch checks, KIP-966's last ISR member kept, controlled leader moves that
 * leave a stale leader running), a lossy, delaying, reordering network with isolation of one
 * broker from the others, metadata that reaches each broker late, and a producer writing sequence
 * numbers with acks=all. Every choice comes from one seed. Invariants are checked after every
 * step; at the end everything heals and the partition must converge (liveness).
 */
import { Prng } from '../../src/common/index.js';
import {
  type AckCompletion,
  type EpochEndOffset,
  type FetchedBatch,
  type FetchResponse,
  FollowerReplica,
  type FollowerRequest,
  LeaderEpochCache,
  LeaderReplica,
  type IsrChangeProposal,
  safeLeaders,
} from '../../src/partitions/index.js';

export const rareEvents = [
  'isrShrink', 'isrExpand', 'truncatedOnDivergence', 'notEnoughReplicas', 'unsafeLeaderRefused',
  'notEnoughReplicasAfterAppend', 'requestTimedOut', 'staleLeaderFenced', 'isrChangeRejected',
] as const;
export type RareEvent = (typeof rareEvents)[number];

export class SimFailure extends Error {
  override name = 'SimFailure';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SimFailure(message);
}

const stepMs = 10;
const replicaIds = [0, 1, 2] as const;
const controllerId = -1;

export interface Setup {
  readonly seed: number;
  readonly steps: number;
  readonly dropRate: number;
  readonly delayStepsMax: number;
  readonly crashRate: number;
  readonly restartRate: number;
  readonly isolateRate: number;
  readonly moveRate: number;
  readonly produceRate: number;
  readonly syncRate: number;
  readonly metadataRate: number;
  readonly minIsr: number;
  readonly lagMaxMs: number;
  readonly sessionMs: number;
  readonly ackTimeoutMs: number;
  readonly truncateFirstRate: number;
}

export function drawSetup(seed: number): Setup {
  const p = new Prng(seed);
  return {
    seed,
    steps: p.between(300, 700),
    dropRate: p.pick([0, 0.02, 0.1, 0.2]),
    delayStepsMax: p.pick([1, 2, 4, 8]),
    crashRate: p.pick([0.002, 0.005, 0.01, 0.02]),
    restartRate: p.pick([0.01, 0.03, 0.1]),
    isolateRate: p.pick([0, 0.003, 0.01]),
    moveRate: p.pick([0, 0.003, 0.01]),
    produceRate: p.pick([0.2, 0.4, 0.7]),
    syncRate: p.pick([0.2, 0.5, 0.9]),
    metadataRate: p.pick([0.1, 0.3, 0.8]),
    minIsr: p.chance(0.7) ? 2 : 1,
    lagMaxMs: p.pick([100, 200, 400]),
    sessionMs: p.pick([100, 200, 400]),
    ackTimeoutMs: p.pick([200, 500, 1500]),
    truncateFirstRate: p.pick([0, 0.5, 1]),
  };
}

interface Entry {
  readonly epoch: number;
  readonly value: number;
}

interface PartitionView {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

type Role =
  | { readonly kind: 'none' }
  | { readonly kind: 'leader'; readonly core: LeaderReplica }
  | { readonly kind: 'follower'; readonly core: FollowerReplica };

interface Replica {
  readonly id: number;
  up: boolean;
  incarnation: number;
  /** The log: entries [0, synced) survive a crash. */
  log: Entry[];
  synced: number;
  hw: number;
  readonly epochs: LeaderEpochCache;
  role: Role;
  /** The metadata this broker has applied (it lags the controller). */
  known: PartitionView;
  inflight: { readonly reqId: number; readonly request: FollowerRequest; readonly sentMs: number }
    | undefined;
  isolatedUntilMs: number;
}

type Body =
  | { readonly t: 'fetch'; readonly reqId: number; readonly request: FollowerRequest }
  | { readonly t: 'fetchResp'; readonly reqId: number; readonly response?: FetchResponse;
      readonly entries: readonly Entry[] }
  | { readonly t: 'ofle'; readonly reqId: number; readonly request: FollowerRequest }
  | { readonly t: 'ofleResp'; readonly reqId: number; readonly answer?: EpochEndOffset }
  | { readonly t: 'alter'; readonly proposal: IsrChangeProposal }
  | { readonly t: 'alterResp'; readonly accepted: boolean; readonly proposal: IsrChangeProposal;
      readonly partitionEpoch: number };

interface Message {
  readonly deliverMs: number;
  readonly from: number;
  readonly to: number;
  readonly body: Body;
}

interface Produce {
  readonly seq: number;
  readonly offset: number;
  readonly leader: number;
}

export interface SimResult {
  readonly events: Map<RareEvent, number>;
  readonly acked: number;
  readonly steps: number;
}

/** One run; throws SimFailure (with the trace tail) when an invariant breaks. */
export class ReplicationSim {
  private readonly p: Prng;
  private nowMs = 0;
  private readonly replicas: Replica[];
  private readonly ctl: PartitionView = { leader: 0, leaderEpoch: 0, partitionEpoch: 0,
    isr: [0, 1, 2] };
  private readonly fenced = new Set<number>();
  private network: Message[] = [];
  private nextId = 1;
  private nextSeq = 1;
  private readonly produces = new Map<number, Produce>();
  /** seq → offset of every acknowledged record. */
  readonly acked = new Map<number, number>();
  private readonly hwSeen = new Map<string, number>();
  readonly events = new Map<RareEvent, number>();
  private readonly trace: string[] = [];
  private healed = false;

  readonly setup: Setup;
  private readonly traceAll: boolean;

  constructor(setup: Setup, traceAll = false) {
    this.setup = setup;
    this.traceAll = traceAll;
    this.p = new Prng(setup.seed ^ 0x5eed);
    this.replicas = replicaIds.map((id) => ({
      id, up: true, incarnation: 0, log: [], synced: 0, hw: 0, epochs: new LeaderEpochCache(),
      role: { kind: 'none' }, known: { leader: -1, leaderEpoch: -1, partitionEpoch: -1, isr: [] },
      inflight: undefined, isolatedUntilMs: 0,
    }));
  }

  run(): SimResult {
    for (const r of this.replicas) this.learnMetadata(r);
    for (let i = 0; i < this.setup.steps; i++) this.step(true);
    this.heal();
    return { events: this.events, acked: this.acked.size, steps: this.setup.steps };
  }

  private mark(event: RareEvent): void {
    this.events.set(event, (this.events.get(event) ?? 0) + 1);
  }

  private log(line: string): void {
    const text = `t=${this.nowMs} ${line}`;
    if (this.traceAll) console.log(text);
    this.trace.push(text);
    if (this.trace.length > 60) this.trace.shift();
  }

  private fail(message: string): never {
    throw new SimFailure(`${message}\n  last steps:\n    ${this.trace.join('\n    ')}`);
  }

  private step(chaos: boolean): void {
    this.nowMs += stepMs;
    if (chaos) this.faults();
    this.deliver();
    for (const r of this.replicas) if (r.up) this.turn(r, chaos);
    this.checkInvariants();
  }

  // ---- faults ----

  private faults(): void {
    const s = this.setup;
    for (const r of this.replicas) {
      if (r.up && this.p.chance(s.crashRate)) this.crash(r);
      else if (!r.up && this.p.chance(s.restartRate)) this.restart(r);
      else if (r.up && this.p.chance(s.isolateRate)) {
        r.isolatedUntilMs = this.nowMs + this.p.between(1, 60) * stepMs;
        this.log(`isolate ${r.id} until ${r.isolatedUntilMs}`);
      }
    }
    if (this.p.chance(s.moveRate)) this.moveLeader();
  }

  private crash(r: Replica): void {
    this.log(`crash ${r.id} (log ${r.log.length}, synced ${r.synced}, hw ${r.hw})`);
    if (r.role.kind === 'leader') {
      r.role.core.abort(); // the answers die with the process: the producer sees a disconnect
      for (const c of r.role.core.takeCompletions()) this.produces.delete(c.requestId);
    }
    r.up = false;
    r.incarnation++;
    r.log = r.log.slice(0, r.synced);
    r.epochs.truncateFromEnd(r.synced);
    r.hw = Math.min(r.hw, r.synced);
    r.role = { kind: 'none' };
    r.known = { leader: -1, leaderEpoch: -1, partitionEpoch: -1, isr: [] };
    r.inflight = undefined;
    const incarnation = r.incarnation;
    // The controller notices when the broker's session expires (if it is still the same death).
    this.schedule(this.setup.sessionMs, () => {
      if (!r.up && r.incarnation === incarnation) this.fence(r.id);
    });
  }

  private restart(r: Replica): void {
    r.up = true;
    this.log(`restart ${r.id} (log ${r.log.length}, epoch ${r.epochs.latestEpoch})`);
    // Re-registering with a new incarnation fences the old one first (its session may not have
    // expired yet): a restarted broker must never resume a leadership in the same leader epoch,
    // since it may have lost records of that epoch that followers already copied.
    if (!this.fenced.has(r.id)) this.fence(r.id, false);
    this.fenced.delete(r.id);
    if (this.ctl.leader === -1) this.elect('restart', true);
  }

  private readonly timers: { atMs: number; run: () => void }[] = [];

  private schedule(afterMs: number, run: () => void): void {
    this.timers.push({ atMs: this.nowMs + afterMs, run });
  }

  // ---- controller ----

  private isLive(id: number): boolean {
    return this.replicas[id]!.up && !this.fenced.has(id);
  }

  private fence(id: number, countRefusal = true): void {
    this.fenced.add(id);
    const c = this.ctl;
    this.log(`fence ${id} (leader ${c.leader}, isr ${c.isr})`);
    // Kafka and Pado keep the last ISR member: the last copy known to hold every ack.
    const shrink = c.isr.includes(id) && c.isr.length > 1;
    if (shrink) c.isr = c.isr.filter((m) => m !== id);
    if (c.leader === id) this.elect('leader fenced', countRefusal);
    else if (shrink) c.partitionEpoch++;
  }

  private elect(why: string, countRefusal: boolean): void {
    const c = this.ctl;
    const candidates = this.replicas.map((r) => ({
      brokerId: r.id, live: this.isLive(r.id), lastEpoch: r.epochs.latestEpoch,
      logEndOffset: r.log.length,
    }));
    const safe = safeLeaders(candidates, c.isr);
    const leader = safe[0] ?? -1;
    if (leader === -1 && countRefusal && candidates.some((x) => x.live)) {
      this.mark('unsafeLeaderRefused');
    }
    if (leader === -1 && c.leader === -1) return;
    if (leader !== -1) {
      const liveIsr = c.isr.filter((m) => this.isLive(m));
      c.isr = liveIsr.includes(leader) ? liveIsr : [leader];
    }
    c.leader = leader;
    c.leaderEpoch++;
    c.partitionEpoch++;
    this.log(`elect ${leader} epoch ${c.leaderEpoch} isr ${c.isr} (${why}; safe ${safe})`);
  }

  /** A controlled move (shutdown, preferred leader): the old leader keeps running, stale. */
  private moveLeader(): void {
    const c = this.ctl;
    const others = c.isr.filter((m) => m !== c.leader && this.isLive(m));
    if (c.leader === -1 || others.length === 0) return;
    c.leader = this.p.pick(others);
    c.leaderEpoch++;
    c.partitionEpoch++;
    this.log(`move leader to ${c.leader} epoch ${c.leaderEpoch}`);
  }

  private alterPartition(from: number, proposal: IsrChangeProposal): boolean {
    const c = this.ctl;
    const ok = from === c.leader && proposal.leaderEpoch === c.leaderEpoch &&
      proposal.partitionEpoch === c.partitionEpoch && proposal.newIsr.includes(from) &&
      proposal.newIsr.every((m) => this.isLive(m));
    if (!ok) {
      this.mark('isrChangeRejected');
      return false;
    }
    if (proposal.newIsr.some((m) => !c.isr.includes(m))) this.mark('isrExpand');
    if (c.isr.some((m) => !proposal.newIsr.includes(m))) this.mark('isrShrink');
    this.log(`isr ${c.isr} -> ${proposal.newIsr}`);
    c.isr = [...proposal.newIsr];
    c.partitionEpoch++;
    return true;
  }

  // ---- network ----

  private send(from: number, to: number, body: Body): void {
    if (this.p.chance(this.healed ? 0 : this.setup.dropRate)) return;
    const delay = this.p.between(1, this.setup.delayStepsMax) * stepMs;
    this.network.push({ deliverMs: this.nowMs + delay, from, to, body });
  }

  private cutOff(m: Message): boolean {
    if (m.from === controllerId || m.to === controllerId) return false;
    const isolated = (id: number) => this.replicas[id]!.isolatedUntilMs > this.nowMs;
    return isolated(m.from) || isolated(m.to);
  }

  private deliver(): void {
    const due = this.timers.filter((t) => t.atMs <= this.nowMs);
    for (const t of due) this.timers.splice(this.timers.indexOf(t), 1);
    for (const t of due) t.run();
    const ready = this.network.filter((m) => m.deliverMs <= this.nowMs);
    this.network = this.network.filter((m) => m.deliverMs > this.nowMs);
    for (const m of ready) {
      if (this.cutOff(m)) continue;
      if (m.to === controllerId) this.onController(m);
      else if (this.replicas[m.to]!.up) this.onMessage(this.replicas[m.to]!, m);
    }
  }

  private onController(m: Message): void {
    if (m.body.t !== 'alter') return;
    const proposal = m.body.proposal;
    const accepted = this.alterPartition(m.from, proposal);
    const partitionEpoch = this.ctl.partitionEpoch;
    this.send(controllerId, m.from, { t: 'alterResp', accepted, proposal, partitionEpoch });
  }

  private onMessage(r: Replica, m: Message): void {
    const b = m.body;
    if (b.t === 'fetch') this.serveFetch(r, m.from, b.reqId, b.request);
    else if (b.t === 'ofle') this.serveOffsetForLeaderEpoch(r, m.from, b.reqId, b.request);
    else if (b.t === 'fetchResp') this.onFetchResponse(r, b.reqId, b.response, b.entries);
    else if (b.t === 'ofleResp') this.onOffsetForLeaderEpoch(r, b.reqId, b.answer);
    else if (b.t === 'alterResp' && r.role.kind === 'leader' && !b.accepted) {
      r.role.core.isrChangeRejected(b.proposal, b.partitionEpoch, this.nowMs);
    }
  }

  // ---- leader side ----

  private currentLeader(r: Replica, currentLeaderEpoch: number): LeaderReplica | undefined {
    if (r.role.kind !== 'leader') return undefined;
    if (r.role.core.leaderEpoch !== currentLeaderEpoch) {
      if (currentLeaderEpoch > r.role.core.leaderEpoch) this.mark('staleLeaderFenced');
      return undefined;
    }
    return r.role.core;
  }

  private serveFetch(r: Replica, from: number, reqId: number, req: FollowerRequest): void {
    if (req.kind !== 'fetch') return;
    const core = this.currentLeader(r, req.currentLeaderEpoch);
    if (core === undefined) return this.send(r.id, from, { t: 'fetchResp', reqId, entries: [] });
    const check = core.followerFetched(from, req, this.nowMs);
    this.drainLeader(r);
    if (check.kind === 'diverging') {
      const response: FetchResponse = { kind: 'diverging', divergingEpoch: check.divergingEpoch };
      return this.send(r.id, from, { t: 'fetchResp', reqId, response, entries: [] });
    }
    if (check.kind !== 'ok') return this.send(r.id, from, { t: 'fetchResp', reqId, entries: [] });
    const entries = r.log.slice(req.fetchOffset, req.fetchOffset + this.p.between(1, 30));
    const batches: FetchedBatch[] = [];
    entries.forEach((e, i) => {
      const offset = req.fetchOffset + i;
      const last = batches.at(-1);
      // Runs of one epoch form a batch, cut at random, as producers' batches would be.
      if (last !== undefined && last.epoch === e.epoch && this.p.chance(0.5)) {
        batches[batches.length - 1] = { ...last, lastOffset: offset };
      } else batches.push({ baseOffset: offset, lastOffset: offset, epoch: e.epoch });
    });
    const response: FetchResponse = { kind: 'records', batches, highWatermark: core.highWatermark };
    this.send(r.id, from, { t: 'fetchResp', reqId, response, entries });
  }

  private serveOffsetForLeaderEpoch(r: Replica, from: number, reqId: number,
    req: FollowerRequest): void {
    if (req.kind !== 'offsetForLeaderEpoch') return;
    const core = this.currentLeader(r, req.currentLeaderEpoch);
    const answer = core?.endOffsetForEpoch(req.leaderEpoch);
    this.send(r.id, from, answer === undefined ? { t: 'ofleResp', reqId }
      : { t: 'ofleResp', reqId, answer });
  }

  /** Takes the leader's decisions: HW, completed produces, an ISR change for the controller. */
  private drainLeader(r: Replica): void {
    if (r.role.kind !== 'leader') return;
    const core = r.role.core;
    r.hw = core.highWatermark;
    const key = `${r.id}/${core.leaderEpoch}`;
    if (core.highWatermark < (this.hwSeen.get(key) ?? 0)) {
      this.fail(`HW went back on leader ${r.id} epoch ${core.leaderEpoch}: ${core.highWatermark}`);
    }
    this.hwSeen.set(key, core.highWatermark);
    for (const c of core.takeCompletions()) this.completed(c);
    const proposal = core.takeIsrChangeProposal(this.nowMs);
    if (proposal !== undefined) {
      this.log(`leader ${r.id} proposes isr ${proposal.newIsr} (pe ${proposal.partitionEpoch})`);
      this.send(r.id, controllerId, { t: 'alter', proposal });
    }
  }

  private completed(c: AckCompletion): void {
    const produce = this.produces.get(c.requestId);
    if (produce === undefined) this.fail(`completion for unknown request ${c.requestId}`);
    this.produces.delete(c.requestId);
    if (c.error === 'none') {
      this.acked.set(produce.seq, produce.offset);
      this.log(`acked seq ${produce.seq} at ${produce.offset} by ${produce.leader}`);
    } else if (c.error === 'notEnoughReplicasAfterAppend' || c.error === 'requestTimedOut') {
      this.mark(c.error);
    }
  }

  private produce(): void {
    // The producer's metadata may be stale too: it writes to any broker that thinks it leads.
    const leaders = this.replicas.filter((r) => r.up && r.role.kind === 'leader');
    if (leaders.length === 0) return;
    const r = this.p.pick(leaders);
    if (r.role.kind !== 'leader') return;
    const core = r.role.core;
    if (!core.canAcceptAcksAll(this.setup.minIsr)) return this.mark('notEnoughReplicas');
    const offset = r.log.length;
    const seq = this.nextSeq++;
    r.log.push({ epoch: core.leaderEpoch, value: seq });
    core.appended(offset);
    const requestId = this.nextId++;
    this.produces.set(requestId, { seq, offset, leader: r.id });
    const deadlineMs = this.nowMs + this.setup.ackTimeoutMs;
    core.waitForAcks(requestId, offset, -1, this.setup.minIsr, deadlineMs);
    this.drainLeader(r);
  }

  // ---- every broker, every step ----

  private turn(r: Replica, chaos: boolean): void {
    if (r.known.partitionEpoch !== this.ctl.partitionEpoch &&
      (this.p.chance(this.setup.metadataRate) || !chaos)) this.learnMetadata(r);
    if (r.synced < r.log.length && this.p.chance(this.setup.syncRate)) this.sync(r);
    if (r.role.kind === 'leader') {
      r.role.core.tick(this.nowMs);
      this.drainLeader(r);
      if (chaos && this.p.chance(this.setup.produceRate)) this.produce();
    } else if (r.role.kind === 'follower') this.followerTurn(r, r.role.core);
  }

  private sync(r: Replica): void {
    r.synced = r.log.length;
    if (r.role.kind === 'none') return;
    r.role.core.synced(r.synced);
    this.drainLeader(r);
  }

  private learnMetadata(r: Replica): void {
    const c = this.ctl;
    const sameEpoch = r.known.leaderEpoch === c.leaderEpoch;
    r.known = { ...c, isr: [...c.isr] };
    if (sameEpoch && r.role.kind === 'leader') {
      r.role.core.updatePartition({ ...c, replicas: replicaIds }, this.nowMs);
      return this.drainLeader(r);
    }
    if (sameEpoch && r.role.kind !== 'none') return;
    if (r.role.kind === 'leader') {
      r.role.core.abort();
      this.drainLeader(r);
    }
    r.inflight = undefined;
    if (c.leader === r.id) this.becomeLeader(r);
    else if (c.leader === -1) r.role = { kind: 'none' };
    else {
      const truncateFirst = this.p.chance(this.setup.truncateFirstRate);
      r.role = { kind: 'follower', core: new FollowerReplica({
        leaderId: c.leader, leaderEpoch: c.leaderEpoch, logEndOffset: r.log.length,
        syncedOffset: r.synced, highWatermark: r.hw, epochs: r.epochs, truncateFirst,
      }) };
    }
  }

  private becomeLeader(r: Replica): void {
    const c = this.ctl;
    this.log(`${r.id} leads epoch ${c.leaderEpoch} (log ${r.log.length}, hw ${r.hw})`);
    r.role = { kind: 'leader', core: new LeaderReplica({
      brokerId: r.id, partition: { ...c, replicas: replicaIds }, logEndOffset: r.log.length,
      syncedOffset: r.synced, highWatermark: r.hw, epochs: r.epochs, nowMs: this.nowMs,
      replicaLagTimeMaxMs: this.setup.lagMaxMs, isrChangeTimeoutMs: 300,
    }) };
    this.drainLeader(r);
  }

  private followerTurn(r: Replica, core: FollowerReplica): void {
    // A request unanswered after a round trip at the longest delay was lost: send it again.
    const resendMs = 2 * this.setup.delayStepsMax * stepMs + stepMs;
    if (r.inflight !== undefined && this.nowMs - r.inflight.sentMs <= resendMs) return;
    const request = core.nextRequest();
    if (request === undefined) return;
    const reqId = this.nextId++;
    r.inflight = { reqId, request, sentMs: this.nowMs };
    const t = request.kind === 'fetch' ? 'fetch' : 'ofle';
    this.send(r.id, core.leaderId, { t, reqId, request });
  }

  private takeInflight(r: Replica, reqId: number): FollowerRequest | undefined {
    if (r.inflight?.reqId !== reqId || r.role.kind !== 'follower') return undefined;
    const request = r.inflight.request;
    r.inflight = undefined;
    return request;
  }

  private onFetchResponse(r: Replica, reqId: number, response: FetchResponse | undefined,
    entries: readonly Entry[]): void {
    const request = this.takeInflight(r, reqId);
    if (request?.kind !== 'fetch' || response === undefined || r.role.kind !== 'follower') return;
    const core = r.role.core;
    const before = { end: r.log.length, hw: r.hw };
    const decision = core.onFetchResponse(request, response);
    if (decision.kind === 'append' && response.kind === 'records') {
      const last = response.batches[decision.batchCount - 1]!;
      r.log.push(...entries.slice(0, last.lastOffset + 1 - request.fetchOffset));
    } else if (decision.kind === 'truncate') this.truncate(r, decision.endOffset, before);
    this.followerUpdated(r, core);
  }

  private onOffsetForLeaderEpoch(r: Replica, reqId: number, answer: EpochEndOffset | undefined):
    void {
    const request = this.takeInflight(r, reqId);
    if (request?.kind !== 'offsetForLeaderEpoch' || answer === undefined) return;
    if (r.role.kind !== 'follower') return;
    const before = { end: r.log.length, hw: r.hw };
    const decision = r.role.core.onOffsetForLeaderEpoch(request.leaderEpoch, answer);
    if (decision.kind === 'truncate') this.truncate(r, decision.endOffset, before);
    this.followerUpdated(r, r.role.core);
  }

  private truncate(r: Replica, endOffset: number, before: { end: number; hw: number }): void {
    this.log(`${r.id} truncates ${before.end} -> ${endOffset} (hw ${before.hw})`);
    if (endOffset < before.hw) {
      this.fail(`replica ${r.id} truncated to ${endOffset} below its HW ${before.hw}`);
    }
    if (endOffset < before.end) this.mark('truncatedOnDivergence');
    r.log.length = endOffset;
    r.synced = Math.min(r.synced, endOffset);
  }

  private followerUpdated(r: Replica, core: FollowerReplica): void {
    if (core.logEndOffset !== r.log.length) {
      this.fail(`follower ${r.id} core end ${core.logEndOffset} ≠ log ${r.log.length}`);
    }
    r.hw = core.highWatermark;
  }

  // ---- invariants ----

  private checkInvariants(): void {
    for (const r of this.replicas) {
      if (r.hw > r.log.length) {
        this.fail(`replica ${r.id} HW ${r.hw} beyond its log ${r.log.length}`);
      }
      if (r.role.kind === 'leader' && r.hw > r.synced) {
        this.fail(`leader ${r.id} HW ${r.hw} > synced ${r.synced}`);
      }
    }
    this.checkIsrHoldsHighWatermark();
    this.checkAcked();
    this.checkLogMatching();
  }

  /** HW ≤ every ISR member's synced offset, and their logs agree with the leader's below it. */
  private checkIsrHoldsHighWatermark(): void {
    const leader = this.replicas[this.ctl.leader];
    if (leader === undefined || leader.role.kind !== 'leader' || !leader.up) return;
    if (leader.role.core.leaderEpoch !== this.ctl.leaderEpoch) return;
    const hw = leader.role.core.highWatermark;
    for (const id of this.ctl.isr) {
      const m = this.replicas[id]!;
      if (m.synced < hw) {
        this.fail(`ISR member ${id} synced ${m.synced} < leader ${leader.id} HW ${hw}`);
      }
      for (let o = 0; o < hw; o++) {
        if (!sameEntry(m.log[o], leader.log[o])) {
          this.fail(`ISR member ${id} differs from leader at ${o} < HW`);
        }
      }
    }
  }

  /** Every acked record is synced, at its offset, on every ISR member and below every HW. */
  private checkAcked(): void {
    for (const [seq, offset] of this.acked) {
      for (const id of this.ctl.isr) {
        const m = this.replicas[id]!;
        if (m.synced <= offset || m.log[offset]?.value !== seq) {
          this.fail(`acked seq ${seq} at ${offset} missing on ISR member ${id} ` +
            `(synced ${m.synced}, has ${m.log[offset]?.value})`);
        }
      }
      for (const r of this.replicas) {
        if (offset < r.hw && r.log[offset]?.value !== seq) {
          this.fail(`acked seq ${seq} at ${offset} not on replica ${r.id} below its HW ${r.hw}`);
        }
      }
    }
  }

  /** Any two logs agree below the smaller of their HWs. */
  private checkLogMatching(): void {
    for (const a of this.replicas) {
      for (const b of this.replicas) {
        if (a.id >= b.id) continue;
        const end = Math.min(a.hw, b.hw);
        for (let o = 0; o < end; o++) {
          if (!sameEntry(a.log[o], b.log[o])) {
            this.fail(`logs ${a.id} and ${b.id} differ at ${o} below HWs`);
          }
        }
      }
    }
  }

  // ---- healing and liveness ----

  /** Heal everything, stop writing; the partition must converge within a bounded time. */
  private heal(): void {
    this.healed = true;
    this.log('heal');
    for (const r of this.replicas) {
      r.isolatedUntilMs = 0;
      if (!r.up) this.restart(r);
    }
    const stepsMax = 1000;
    for (let i = 0; i < stepsMax; i++) {
      this.step(false);
      if (this.converged()) return this.checkFinal();
    }
    this.fail(`no convergence ${stepsMax} steps after healing: ctl ${JSON.stringify(this.ctl)}; ` +
      this.replicas.map((r) => `${r.id}: log ${r.log.length} synced ${r.synced} hw ${r.hw} ` +
        r.role.kind).join('; '));
  }

  private converged(): boolean {
    const leader = this.replicas[this.ctl.leader];
    if (leader === undefined || leader.role.kind !== 'leader') return false;
    if (this.ctl.isr.length !== replicaIds.length) return false;
    const end = leader.log.length;
    return this.produces.size === 0 && this.replicas.every((r) =>
      r.known.partitionEpoch === this.ctl.partitionEpoch && r.log.length === end && r.hw === end);
  }

  private checkFinal(): void {
    for (const [seq, offset] of this.acked) {
      for (const r of this.replicas) {
        if (r.log[offset]?.value !== seq) {
          this.fail(`acked seq ${seq} at ${offset} lost on ${r.id}`);
        }
      }
    }
  }
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  return a !== undefined && b !== undefined && a.epoch === b.epoch && a.value === b.value;
}

export function describe(setup: Setup): string {
  return Object.entries(setup).map(([k, v]) => `${k}=${v}`).join(' ');
}

export function runSeed(seed: number, traceAll = false): SimResult {
  const setup = drawSetup(seed);
  try {
    return new ReplicationSim(setup, traceAll).run();
  } catch (err) {
    const replay = `replay: PADO_SEED=${seed} node --test dist/test/sim/replication.test.js`;
    throw new SimFailure(`${describe(setup)}\n  ${replay}\n  ${(err as Error).message}`,
      { cause: err });
  }
}
