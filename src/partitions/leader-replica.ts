/**
 * A partition on its leader, pure (STYLE.md §2): events in — `appended`, `synced`,
 * `followerFetched`, `updatePartition`, `tick` — and decisions out — the high watermark,
 * completed produce waits (`takeCompletions`) and ISR changes for the controller
 * (`takeIsrChangeProposal`). The contract with its host is in README.md.
 *
 * Durability (DESIGN.md "Replication rules"): a copy counts toward the high watermark only once
 * fsynced. Pado followers fsync what they fetched before they fetch again, so a follower's fetch
 * offset is also its synced offset (KIP-392: fetching at X means holding everything below X); a
 * follower that pipelines instead reports `syncedOffset` separately.
 *
 * Damage (issue 13, break 4): an ISR member that fetches below the HW says it lacks records
 * every ISR member must hold — a damaged range it will refetch, or a tail a crash cost it — so
 * it is out of sync at once and its removal is proposed without waiting for the lag time. Until
 * the removal is committed (it left our maximal ISR, which the HW is computed over) its fetches
 * get no records (`outOfSync`): that is the damaged follower's signal that it may truncate.
 * A leader whose own log is damaged `resign`s: it proposes an ISR without itself, which the
 * controller answers by electing another member (Pado's extension of AlterPartition), unless it
 * is the only one.
 */
import { assert, limits } from '../common/index.js';
import { AckQueue, type AckWait } from './ack-waits.js';
import { type EpochEndOffset, LeaderEpochCache, undefinedEpoch } from './leader-epoch-cache.js';

/**
 * replica.lag.time.max.ms default. Kafka uses 30 s (KIP-537, raised from 10 s for JVM GC pauses
 * and cloud networks). A dead or frozen Pado broker is fenced by the controller after its 1.2 s
 * session anyway; this bound only catches a follower that heartbeats but does not keep up (slow
 * disk, stuck fetcher), during which acks=all produces stall. On a LAN, 5 s is ten 500 ms fetch
 * long-polls and several worst-case SD-card fsyncs: long enough not to flap, short enough that a
 * degraded follower stalls producers for seconds rather than half a minute.
 */
export const replicaLagTimeMaxMsDefault = 5_000;

/** The partition as the metadata image has it. */
export interface PartitionState {
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface LeaderStart {
  readonly brokerId: number;
  readonly partition: PartitionState;
  readonly logEndOffset: number;
  readonly syncedOffset: number;
  /** This replica's high watermark so far (as a follower it learnt it from the old leader). */
  readonly highWatermark: number;
  /** The log's epoch cache, shared with the host, which persists it; we assign our epoch. */
  readonly epochs: LeaderEpochCache;
  readonly nowMs: number;
  readonly replicaLagTimeMaxMs?: number;
  /** Produce waits held at once; beyond it a wait fails at once with requestTimedOut. */
  readonly waitsMax?: number;
  /** An ISR change with no answer (a new partition epoch) after this long is sent again. */
  readonly isrChangeTimeoutMs?: number;
  /** After the controller refuses an ISR change, none is proposed for this long. */
  readonly isrChangeRetryMs?: number;
  /** The brokers an ISR may hold (`setEligibleBrokers`); absent: any replica. */
  readonly eligibleBrokers?: ReadonlySet<number>;
}

/**
 * AlterPartition answer deadline: the controller commits through Raft (tens of ms on a LAN); a
 * request or answer lost on the way must not freeze the ISR, so we send it again after 2 s.
 */
export const isrChangeTimeoutMsDefault = 2_000;
/**
 * Back-off after a refused ISR change. A refusal means our view is stale (a newer partition
 * epoch, or a broker fenced that our image still shows live): the image that explains it comes
 * within a heartbeat (200 ms), and proposing again before it only repeats the refusal — once per
 * follower fetch, thousands a second.
 */
export const isrChangeRetryMsDefault = 200;

/** What a follower's Fetch says about it (replica id ≥ 0 in the request). */
export interface FollowerFetch {
  readonly fetchOffset: number;
  /** The epoch of the follower's last record (KIP-595), or undefinedEpoch for an empty log. */
  readonly lastFetchedEpoch: number;
  /** Defaults to fetchOffset: Pado followers fsync before fetching again. */
  readonly syncedOffset?: number;
}

export type FetchCheck =
  | { readonly kind: 'ok' }
  /**
   * An ISR member fetching below the HW: its removal is proposed; send it no records (but the
   * HW) until the removal is committed, so it keeps its log until the ISR no longer counts it.
   */
  | { readonly kind: 'outOfSync' }
  /** The follower's log diverges: answer divergingEpoch; the fetch does not count. */
  | { readonly kind: 'diverging'; readonly divergingEpoch: EpochEndOffset }
  | { readonly kind: 'notReplica' }
  | { readonly kind: 'offsetOutOfRange' };

/** Errors a produce wait ends with (KafkaError keys; `none` is success). */
export type AckError =
  | 'none' | 'notEnoughReplicasAfterAppend' | 'requestTimedOut' | 'notLeaderOrFollower';

export interface AckCompletion {
  readonly requestId: number;
  readonly error: AckError;
}

/** An AlterPartition request for the controller, applied only if both epochs still match. */
export interface IsrChangeProposal {
  readonly newIsr: readonly number[];
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

/** What the leader knows of one follower, from its fetches in this leader epoch. */
export interface FollowerProgress {
  /** The follower's log end offset; -1 until it fetches in this epoch. */
  readonly fetchOffset: number;
  /** The end of what it has fsynced; -1 until it fetches in this epoch. */
  readonly syncedOffset: number;
  /** When it last reached our log end offset as of its previous fetch (Kafka's rule). */
  readonly lastCaughtUpMs: number;
  readonly lastFetchMs: number;
}

interface Progress {
  fetchOffset: number;
  syncedOffset: number;
  lastCaughtUpMs: number;
  lastFetchMs: number;
  /** Our log end offset when it last fetched: reaching it later still counts as caught up then. */
  leaderEndAtLastFetch: number;
  /** Its last fetch, as an ISR member, was below the HW: it lacks acknowledged records. */
  lacking: boolean;
  /**
   * Our log end at some of its earlier fetches (oldest first, at most one per
   * lagMaxMs / endSamplesPerLag, none older than lagMaxMs): reaching `end` means it is caught up
   * to where we were at `ms`.
   */
  readonly ends: { ms: number; end: number }[];
}

/** Samples of our log end kept per follower over replica.lag.time.max.ms (its time resolution). */
const endSamplesPerLag = 50;

export class LeaderReplica {
  readonly brokerId: number;
  readonly leaderEpoch: number;
  /** Where this leader epoch starts: a follower joins the ISR only once it has reached it. */
  readonly epochStartOffset: number;
  private readonly epochs: LeaderEpochCache;
  private readonly lagMaxMs: number;
  private readonly waitsMax: number;
  private readonly isrChangeTimeoutMs: number;
  private partitionEpochValue: number;
  private isrValue: readonly number[];
  private readonly progress = new Map<number, Progress>();
  private logEnd: number;
  private syncedEnd: number;
  private hw: number;
  private hwChanged = false;
  /** acks=all waits (complete at the HW) and acks=1 waits (complete at our synced offset). */
  private readonly waitsAll = new AckQueue();
  private readonly waitsLeader = new AckQueue();
  private completions: AckCompletion[] = [];
  /** Invariant: at most one ISR change in flight; `sentMs` once the host has taken it. */
  private pending: { readonly proposal: IsrChangeProposal; sentMs: number | undefined } | undefined;
  private readonly isrChangeRetryMs: number;
  /** No new ISR change is proposed before this (set by a refusal). */
  private proposeNotBeforeMs = -Infinity;
  /**
   * Brokers the controller accepts in an ISR: registered and not fenced (KIP-841; it refuses
   * others with INELIGIBLE_REPLICA). Undefined: every replica. A fenced follower may look caught
   * up for a whole lag time after it stopped (nothing was written meanwhile): it is not added.
   */
  private eligible: ReadonlySet<number> | undefined;
  /** Our log is damaged: hand leadership to another ISR member as soon as one is eligible. */
  private resigning = false;

  constructor(start: LeaderStart) {
    const { partition: p, brokerId } = start;
    assert(p.isr.includes(brokerId), `leader ${brokerId} not in ISR ${p.isr.join(',')}`);
    assert(start.syncedOffset <= start.logEndOffset, 'synced beyond the log end');
    assert(start.highWatermark <= start.syncedOffset, 'high watermark beyond synced offset');
    // A leader epoch is led once: a restarted leader resuming its epoch could reuse offsets that
    // followers hold with other records (the controller bumps the epoch on re-registration).
    assert(p.leaderEpoch > start.epochs.latestEpoch,
      `leader epoch ${p.leaderEpoch} not newer than the log's ${start.epochs.latestEpoch}`);
    this.brokerId = brokerId;
    this.leaderEpoch = p.leaderEpoch;
    this.epochs = start.epochs;
    this.lagMaxMs = start.replicaLagTimeMaxMs ?? replicaLagTimeMaxMsDefault;
    this.waitsMax = start.waitsMax ?? limits.waitingProducesMax;
    this.isrChangeTimeoutMs = start.isrChangeTimeoutMs ?? isrChangeTimeoutMsDefault;
    this.isrChangeRetryMs = start.isrChangeRetryMs ?? isrChangeRetryMsDefault;
    this.eligible = start.eligibleBrokers;
    this.partitionEpochValue = p.partitionEpoch;
    this.isrValue = [...p.isr];
    this.logEnd = start.logEndOffset;
    this.syncedEnd = start.syncedOffset;
    this.hw = start.highWatermark;
    this.epochStartOffset = start.logEndOffset;
    // KIP-101: the new epoch starts at our log end; OffsetForLeaderEpoch answers from it.
    this.epochs.assign(p.leaderEpoch, start.logEndOffset);
    // Followers' offsets are unknown until they fetch in this epoch, so the HW cannot advance on
    // what they held under an older leader; ISR members get the full lag time to show up.
    for (const id of p.replicas) if (id !== brokerId) this.progress.set(id, fresh(start.nowMs));
    // Alone in the ISR, our synced offset is the HW at once (a restarted single replica whose
    // HW was not kept would otherwise serve nothing until its next append).
    this.advanceHighWatermark();
  }

  get logEndOffset(): number {
    return this.logEnd;
  }

  get syncedOffset(): number {
    return this.syncedEnd;
  }

  /** Invariant: never decreases; ≤ the synced offset of every member of the (maximal) ISR. */
  get highWatermark(): number {
    return this.hw;
  }

  get partitionEpoch(): number {
    return this.partitionEpochValue;
  }

  get isr(): readonly number[] {
    return this.isrValue;
  }

  get waitingCount(): number {
    return this.waitsAll.size + this.waitsLeader.size;
  }

  /** The replicas other than this leader, whose progress is tracked. */
  followerIds(): IterableIterator<number> {
    return this.progress.keys();
  }

  followerProgress(id: number): FollowerProgress | undefined {
    return this.progress.get(id);
  }

  /** acks=all is accepted only with ≥ min.insync.replicas in the ISR; check before appending. */
  canAcceptAcksAll(minIsr: number): boolean {
    return this.isrValue.length >= minIsr;
  }

  /** OffsetForLeaderEpoch, answered from this leader's log. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.logEnd);
  }

  /** Records up to `lastOffset` (inclusive) were appended to our log (not yet synced). */
  appended(lastOffset: number): void {
    assert(lastOffset >= this.logEnd, `append ending at ${lastOffset} below end ${this.logEnd}`);
    this.logEnd = lastOffset + 1;
  }

  /**
   * Our log rolled back a failed write (a full disk, an I/O error): it ends at `endOffset` again,
   * and the next append reuses the offsets from there. Nothing beyond was readable (a log serves
   * only what it has written), so no follower holds it; nothing fsynced is ever rolled back.
   */
  rolledBack(endOffset: number): void {
    assert(endOffset >= this.syncedEnd && endOffset >= this.hw,
      `rolled back to ${endOffset} below synced ${this.syncedEnd} or HW ${this.hw}`);
    if (endOffset >= this.logEnd) return;
    this.logEnd = endOffset;
    for (const p of this.progress.values()) {
      p.leaderEndAtLastFetch = Math.min(p.leaderEndAtLastFetch, endOffset);
      for (const sample of p.ends) sample.end = Math.min(sample.end, endOffset);
    }
  }

  /** Our log is fsynced up to `endOffset` (exclusive): our copy counts from now on. */
  synced(endOffset: number): void {
    assert(endOffset <= this.logEnd, `synced ${endOffset} beyond log end ${this.logEnd}`);
    if (endOffset <= this.syncedEnd) return;
    this.syncedEnd = endOffset;
    this.waitsLeader.completeBelow(endOffset, (w) => this.complete(w, 'none'));
    this.advanceHighWatermark();
  }

  /**
   * A follower fetched. Validates its position against our epochs (KIP-595: the fetch counts only
   * if its log matches ours below fetchOffset), then updates its progress, the HW and the ISR.
   */
  followerFetched(id: number, fetch: FollowerFetch, nowMs: number): FetchCheck {
    const p = this.progress.get(id);
    if (p === undefined) return { kind: 'notReplica' };
    const { fetchOffset, lastFetchedEpoch } = fetch;
    if (lastFetchedEpoch !== undefinedEpoch) {
      const end = this.epochs.endOffsetFor(lastFetchedEpoch, this.logEnd);
      if (end.epoch < lastFetchedEpoch || end.endOffset < fetchOffset) {
        return { kind: 'diverging', divergingEpoch: end };
      }
    }
    if (fetchOffset < 0 || fetchOffset > this.logEnd) return { kind: 'offsetOutOfRange' };
    this.noteCaughtUp(p, fetchOffset, nowMs);
    // Below the HW, an ISR member lacks acknowledged records (every member held them): it is
    // out of sync now, not after the lag time, so a leader change cannot pick it meanwhile.
    const lacking = fetchOffset < this.hw && this.inMaximalIsr(id);
    p.lacking = lacking;
    if (lacking) {
      p.lastCaughtUpMs = -Infinity;
      p.ends.length = 0;
    }
    p.fetchOffset = fetchOffset;
    p.syncedOffset = Math.min(fetch.syncedOffset ?? fetchOffset, fetchOffset);
    this.advanceHighWatermark();
    this.maybeProposeIsrChange(nowMs);
    return lacking ? { kind: 'outOfSync' } : { kind: 'ok' };
  }

  /**
   * Registers a produce whose records end at `lastOffset` (already appended). Its outcome comes
   * out of `takeCompletions`, possibly at once. `requiredAcks`: -1 waits for the HW, 1 for our
   * own fsync. The caller refused it with NOT_ENOUGH_REPLICAS if !canAcceptAcksAll(minIsr).
   */
  waitForAcks(requestId: number, lastOffset: number, requiredAcks: -1 | 1, minIsr: number,
    deadlineMs: number): void {
    assert(lastOffset < this.logEnd, `wait for ${lastOffset}, not appended (end ${this.logEnd})`);
    const wait: AckWait = { requestId, lastOffset, minIsr, deadlineMs };
    if (requiredAcks === 1) {
      if (lastOffset < this.syncedEnd) this.complete(wait, 'none');
      else if (this.waitingCount >= this.waitsMax) this.complete(wait, 'requestTimedOut');
      else this.waitsLeader.push(wait);
      return;
    }
    if (lastOffset < this.hw) this.complete(wait, this.replicatedOutcome(wait));
    else if (this.isrValue.length < minIsr) this.complete(wait, 'notEnoughReplicasAfterAppend');
    else if (this.waitingCount >= this.waitsMax) this.complete(wait, 'requestTimedOut');
    else this.waitsAll.push(wait);
  }

  /** Time passes: waits past their deadline time out; laggards leave the ISR. */
  tick(nowMs: number): void {
    this.waitsAll.expire(nowMs, (w) => this.complete(w, 'requestTimedOut'));
    this.waitsLeader.expire(nowMs, (w) => this.complete(w, 'requestTimedOut'));
    this.maybeProposeIsrChange(nowMs);
  }

  /**
   * A new metadata image for this partition in the same leader epoch (a new leader epoch means a
   * new LeaderReplica, or a follower). Older partition epochs are ignored. Any in-flight ISR
   * change is settled by it: either it is this very change or ours was stale.
   */
  updatePartition(p: PartitionState, nowMs: number): void {
    assert(p.leaderEpoch === this.leaderEpoch, `epoch ${p.leaderEpoch}: build a new replica`);
    if (p.partitionEpoch <= this.partitionEpochValue) return;
    assert(p.isr.includes(this.brokerId), `leader ${this.brokerId} dropped from ISR`);
    this.partitionEpochValue = p.partitionEpoch;
    this.isrValue = [...p.isr];
    this.pending = undefined;
    for (const id of this.progress.keys()) if (!p.replicas.includes(id)) this.progress.delete(id);
    for (const id of p.replicas) {
      if (id !== this.brokerId && !this.progress.has(id)) this.progress.set(id, fresh(nowMs));
    }
    // A shrink may let the HW advance; it may also leave too few replicas for waiting produces.
    this.advanceHighWatermark();
    const isrSize = this.isrValue.length;
    this.waitsAll.removeWhere((w) => isrSize < w.minIsr,
      (w) => this.complete(w, 'notEnoughReplicasAfterAppend'));
  }

  /**
   * The controller refused `proposal`, its partition being at `partitionEpoch` now. Only if that
   * is still the proposal's epoch do we know nothing changed, and forget it (to propose afresh on
   * tick). Otherwise the partition moved on — maybe by this very change, applied before a retry
   * was refused — so the proposal keeps counting toward the HW until the new image arrives
   * (`updatePartition`): dropping it earlier could let the HW pass a replica just added.
   */
  isrChangeRejected(proposal: IsrChangeProposal, partitionEpoch: number, nowMs: number): void {
    if (this.pending?.proposal !== proposal) return;
    this.proposeNotBeforeMs = nowMs + this.isrChangeRetryMs;
    if (partitionEpoch === proposal.partitionEpoch) this.pending = undefined;
  }

  /**
   * Our log is damaged (it holds a bad batch or lacks a range): propose an ISR without us as soon
   * as another eligible member is in it, so the controller moves leadership there. Alone, we keep
   * leading (nothing better exists); `canResign` says which.
   */
  resign(nowMs: number): void {
    this.resigning = true;
    this.maybeProposeIsrChange(nowMs);
  }

  /** Whether another eligible replica is in the ISR to take over from a resigning leader. */
  get canResign(): boolean {
    return this.successors().length > 0;
  }

  /**
   * ISR members other than us that the controller may elect (live per the latest image) and that
   * have not shown they lack records (a damaged follower whose removal is still pending).
   */
  private successors(): number[] {
    return this.isrValue.filter((id) => id !== this.brokerId &&
      (this.eligible === undefined || this.eligible.has(id)) &&
      this.progress.get(id)?.lacking !== true);
  }

  private inMaximalIsr(id: number): boolean {
    return this.isrValue.includes(id) || this.pending?.proposal.newIsr.includes(id) === true;
  }

  /** The brokers that may be in an ISR now (live in the metadata image), for expansions. */
  setEligibleBrokers(ids: ReadonlySet<number>): void {
    this.eligible = ids;
  }

  /**
   * The ISR change to send to the controller now: a new one, or the same again when the last send
   * got no answer within isrChangeTimeoutMs (the controller refuses a duplicate by its partition
   * epoch). Undefined when none is due.
   */
  takeIsrChangeProposal(nowMs: number): IsrChangeProposal | undefined {
    const pending = this.pending;
    if (pending === undefined) return undefined;
    if (pending.sentMs !== undefined && nowMs - pending.sentMs < this.isrChangeTimeoutMs) {
      return undefined;
    }
    pending.sentMs = nowMs;
    return pending.proposal;
  }

  takeCompletions(): AckCompletion[] {
    const out = this.completions;
    if (out.length > 0) this.completions = [];
    return out;
  }

  /** The new HW if it moved since the last call (to answer waiting fetches), else undefined. */
  takeHighWatermarkChange(): number | undefined {
    if (!this.hwChanged) return undefined;
    this.hwChanged = false;
    return this.hw;
  }

  /** Leadership lost: every wait ends with notLeaderOrFollower; the replica is then dropped. */
  abort(): void {
    const fail = (w: AckWait) => this.complete(w, 'notLeaderOrFollower');
    this.waitsAll.removeWhere(() => true, fail);
    this.waitsLeader.removeWhere(() => true, fail);
    this.pending = undefined;
  }

  /**
   * HW = min over the maximal ISR (committed ISR ∪ proposed one, KIP-497's rule) of synced
   * offsets, ours included. Counting a replica we are adding (or still removing) keeps
   * "HW ≤ synced offset of every ISR member" true whichever way the controller decides.
   */
  private advanceHighWatermark(): void {
    let candidate = this.syncedEnd;
    const visit = (id: number) => {
      if (id === this.brokerId) return;
      const p = this.progress.get(id);
      candidate = Math.min(candidate, p === undefined ? -1 : p.syncedOffset);
    };
    this.isrValue.forEach(visit);
    this.pending?.proposal.newIsr.forEach(visit);
    if (candidate <= this.hw) return;
    this.hw = candidate;
    this.hwChanged = true;
    this.waitsAll.completeBelow(candidate, (w) => this.complete(w, this.replicatedOutcome(w)));
  }

  /** Kafka's rule: replicated, but if the ISR is below min.insync.replicas it is not an ack. */
  private replicatedOutcome(wait: AckWait): AckError {
    return this.isrValue.length < wait.minIsr ? 'notEnoughReplicasAfterAppend' : 'none';
  }

  private maybeProposeIsrChange(nowMs: number): void {
    if (this.pending !== undefined || nowMs < this.proposeNotBeforeMs) return;
    // Hand-off: only members of the committed ISR (they hold every acknowledged record), never
    // one being added in the same change; a fenced member would make the controller refuse it.
    const successors = this.resigning ? this.successors() : [];
    if (successors.length > 0) {
      this.pending = { proposal: { newIsr: successors, leaderEpoch: this.leaderEpoch,
        partitionEpoch: this.partitionEpochValue }, sentMs: undefined };
      return;
    }
    const keep = this.isrValue.filter((id) => id === this.brokerId || !this.lagging(id, nowMs));
    const add = [...this.progress.keys()].filter((id) =>
      !this.isrValue.includes(id) && this.inSync(id, nowMs));
    if (keep.length === this.isrValue.length && add.length === 0) return;
    const proposal: IsrChangeProposal = {
      newIsr: [...keep, ...add], leaderEpoch: this.leaderEpoch,
      partitionEpoch: this.partitionEpochValue,
    };
    this.pending = { proposal, sentMs: undefined };
  }

  /**
   * When the follower was last caught up, fetching at `fetchOffset` now. Kafka's rule: at our end
   * now, or at least at our end as of its previous fetch, then. Alone, that rule drops a follower
   * that keeps pace a steady second behind (a pipelining producer keeps our log tens of MiB ahead
   * and each fetch returns a few): it never reaches our end as of its *previous* fetch, and
   * leaves the ISR after lagMaxMs however fast it copies. So we also remember our end at earlier
   * fetches: reaching our end as of time t means it lags by now − t, which is what
   * replica.lag.time.max.ms bounds. Only more lenient than Kafka's rule; an ISR member that lags
   * only holds the HW back (acks wait), it cannot make the HW pass what it holds.
   */
  private noteCaughtUp(p: Progress, fetchOffset: number, nowMs: number): void {
    if (fetchOffset >= this.logEnd) p.lastCaughtUpMs = nowMs;
    else if (fetchOffset >= p.leaderEndAtLastFetch) {
      p.lastCaughtUpMs = Math.max(p.lastCaughtUpMs, p.lastFetchMs);
    }
    // Samples it reached count (the latest one); they, and samples older than the lag bound,
    // can never matter again.
    const ends = p.ends;
    let drop = 0;
    for (const sample of ends) {
      if (sample.end <= fetchOffset) p.lastCaughtUpMs = Math.max(p.lastCaughtUpMs, sample.ms);
      else if (nowMs - sample.ms <= this.lagMaxMs) break;
      drop++;
    }
    if (drop > 0) ends.splice(0, drop);
    const last = ends.at(-1);
    if (this.logEnd > fetchOffset &&
      (last === undefined || nowMs - last.ms >= this.lagMaxMs / endSamplesPerLag)) {
      ends.push({ ms: nowMs, end: this.logEnd });
    }
    p.leaderEndAtLastFetch = this.logEnd;
    p.lastFetchMs = nowMs;
  }

  /** Out of sync: not caught up with our log end for longer than replica.lag.time.max.ms. */
  private lagging(id: number, nowMs: number): boolean {
    const p = this.progress.get(id);
    return p === undefined || nowMs - p.lastCaughtUpMs > this.lagMaxMs;
  }

  /**
   * Back in sync (Kafka's isFollowerInSync, with Pado's durability): it has fsynced up to the HW
   * and to the start of this leader epoch (so it holds every acknowledged record, whichever
   * leader acknowledged it), and it fetched recently.
   */
  private inSync(id: number, nowMs: number): boolean {
    const p = this.progress.get(id);
    if (p === undefined || p.syncedOffset < 0) return false;
    if (this.eligible !== undefined && !this.eligible.has(id)) return false;
    return p.syncedOffset >= this.hw && p.syncedOffset >= this.epochStartOffset &&
      !this.lagging(id, nowMs);
  }

  private complete(wait: AckWait, error: AckError): void {
    this.completions.push({ requestId: wait.requestId, error });
  }
}

function fresh(nowMs: number): Progress {
  return { fetchOffset: -1, syncedOffset: -1, lastCaughtUpMs: nowMs, lastFetchMs: -Infinity,
    leaderEndAtLastFetch: Infinity, ends: [], lacking: false };
}
