/**
 * A partition this node leads: the Kafka-facing checks around its log. Produce validates the batch
 * (CRC32C, size, one batch per request as Kafka requires from v3, idempotent sequence), appends it
 * (offsets assigned in place, bytes stored as sent), and answers once the append is durable.
 * Nothing is changed by a request that fails a check. Replication state (HW, follower progress,
 * acks=all waits, ISR changes) lives in a LeaderReplica per leader epoch, built only when the
 * image names this node leader in an epoch newer than any in its log (a leader epoch is led
 * once); until then produce is refused with NOT_LEADER_OR_FOLLOWER. The HW outlives each epoch's
 * LeaderReplica: a new epoch (or a restart, through the log's HW checkpoint) starts from the last
 * one known, never from the log end, which may hold records the other ISR members lack.
 * A damaged log (a batch failing its CRC, a missing range) is never served — reads answer
 * KAFKA_STORAGE_ERROR at the bad batch — and the leader resigns in favour of another ISR member
 * (`damaged`); alone in the ISR it keeps leading what it can serve.
 */
import type { Logger } from 'pino';
import { isPadoError, limits, PadoErrorCode, type Clock, type Timer } from '../common/index.js';
import { KafkaError } from '../protocol/index.js';
import {
  isControlBatch,
  isLogAppendTime,
  isTransactional,
  validateBatches,
  type BatchHeader,
} from '../protocol/records/index.js';
import {
  AppendGate, lastSequenceOf, LeaderReplica, RefusedBatches, type AckError,
  type IsrChangeProposal, type PartitionState,
} from '../partitions/index.js';
import type {
  LocalPartition, ProduceAcks, ProduceOutcome, ReadOutcome, ReplicaReadOutcome,
} from '../server/index.js';
import { leaseWaitMs } from '../server/index.js';
import type { PartitionLog } from '../storage/index.js';

/** What a produce with no acks options waits for: the leader's own fsync (acks=1). */
const suspendedMessage = 'this broker lost contact with the controller (no lease): another ' +
  'broker may lead this partition now; retry after a metadata refresh';
const leaderOnly: ProduceAcks = { requiredAcks: 1, minIsr: 1, timeoutMs: 30_000 };
/**
 * How many times one batch ahead of its producer's sequence is answered NOT_LEADER_OR_FOLLOWER at
 * a new leader (`gapAtNewLeader`) before it gets Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER: a client
 * that never sends the batch before it must not be kept retrying for ever.
 */
const gapExcusesMax = 3;
/** Producers whose excused gap is remembered per partition (the oldest is forgotten first). */
const gapExcusesProducersMax = 1024;

export class PartitionReplica implements LocalPartition {
  readonly topic: string;
  readonly partition: number;
  readonly brokerId: number;
  private epoch = -1;
  readonly log: PartitionLog;
  private readonly logger: Logger;
  private readonly onAdvance: (replica: PartitionReplica) => void;
  private readonly onAppend: (replica: PartitionReplica) => void;
  private readonly onIsrChange: (replica: PartitionReplica, proposal: IsrChangeProposal) => void;
  /** Undefined while this node is named leader in an epoch its log already holds. */
  private leader: LeaderReplica | undefined;
  /**
   * The last HW known here: the current or latest LeaderReplica's, else the one this replica
   * started with. Invariant: ≤ the synced offset of every ISR member when it was learnt.
   */
  private knownHighWatermark: number;
  /** Produces waiting for their acks, by request id; bounded by the LeaderReplica's waitsMax. */
  private readonly ackWaits = new Map<number, (error: AckError) => void>();
  private readonly replicaLagTimeMaxMs: number | undefined;
  /** Live brokers per the latest image (`setEligibleBrokers`), for each epoch's LeaderReplica. */
  private eligibleBrokers: ReadonlySet<number> | undefined;
  private nextRequestId = 0;
  /**
   * acks=all produces held before their append while the log runs too far ahead of the HW; a
   * ticket resumes its produce with the time it was admitted, or undefined when it timed out.
   */
  private readonly gate: AppendGate<(admittedMs: number | undefined) => void>;
  /** Resolves when everything appended so far is durable (appends become durable in order). */
  private lastDurable: Promise<void> = Promise.resolve();
  /**
   * Set while this broker holds no lease from the controller (`suspend`): the controller may have
   * moved the leadership already, so nothing is appended or acknowledged; the LeaderReplica is kept
   * for when the lease returns in the same epoch (a lease can lapse without a fence).
   */
  private suspended = false;
  /** When the current suspension began; its waits end `leaseWaitMs` later (`suspend`). */
  private suspendedAtMs = 0;
  /** Whether this suspension has ended the waits already. */
  private suspensionFailedWaits = false;
  /**
   * Produces that arrived while suspended, in arrival order: each continues synchronously when
   * woken, `resume` (true) or the grace's end (false), so they append in the order they came.
   */
  private resumeWaiters: ((resumed: boolean) => void)[] = [];
  /** Ends this suspension's grace for `resumeWaiters` between ticks (one timer, all at once). */
  private resumeTimer: Timer | undefined;
  private readonly holdsLease: () => boolean;
  /** When a refused idempotent batch was last logged (`noteProducerRefusal`). */
  private lastRefusalLogMs = -Infinity;
  /**
   * Idempotent batches refused here, retriably, before their append: a batch pipelined behind
   * one gets the same answer, not OUT_OF_ORDER_SEQUENCE_NUMBER (partitions/refused-batches.ts).
   * Kept across leader epochs: what it says (this log lacks that batch) stays true.
   */
  private readonly refusedBatches = new RefusedBatches();
  /** Per producer, the batch last answered NOT_LEADER as a gap at a new leader, and how often. */
  private readonly gapExcuses = new Map<number, { baseSequence: number; count: number }>();
  maxMessageBytes: number;
  private readonly clock: Clock;

  constructor(opts: {
    topic: string;
    partition: number;
    brokerId: number;
    state: PartitionState;
    log: PartitionLog;
    logger: Logger;
    maxMessageBytes: number;
    nowMs: number;
    clock: Clock;
    /**
     * The HW learnt as a follower; defaults to the log's checkpoint (0 without one). Cut to what
     * the log holds durably; alone in the ISR the leader then raises it to that at once.
     */
    highWatermark?: number | undefined;
    onAdvance: (replica: PartitionReplica) => void;
    /** Appended bytes were written: followers' long polls may answer at once. */
    onAppend?: (replica: PartitionReplica) => void;
    onIsrChange?: (replica: PartitionReplica, proposal: IsrChangeProposal) => void;
    /** Whether the broker holds its lease now (the manager's tick resumes replicas a tick late). */
    holdsLease?: () => boolean;
    /** How far the log may run ahead of the HW before acks=all produces are held. */
    acksAllBacklogBytesMax?: number;
    /** replica.lag.time.max.ms of each epoch's LeaderReplica (its default when absent). */
    replicaLagTimeMaxMs?: number | undefined;
  }) {
    this.replicaLagTimeMaxMs = opts.replicaLagTimeMaxMs;
    this.gate = new AppendGate(opts.acksAllBacklogBytesMax ?? limits.acksAllBacklogBytesMax);
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.brokerId = opts.brokerId;
    this.log = opts.log;
    this.logger = opts.logger;
    this.maxMessageBytes = opts.maxMessageBytes;
    this.clock = opts.clock;
    this.onAdvance = opts.onAdvance;
    this.onAppend = opts.onAppend ?? (() => undefined);
    this.log.onWritten = () => this.onAppend(this);
    this.log.onRolledBack = (endOffset) => this.followRollback(endOffset);
    this.onIsrChange = opts.onIsrChange ?? (() => undefined);
    this.holdsLease = opts.holdsLease ?? (() => true);
    const start = opts.highWatermark ?? opts.log.checkpointedHighWatermark ?? 0;
    this.knownHighWatermark = Math.min(start, opts.log.durableEndOffset);
    this.lead(opts.state, opts.nowMs);
  }

  get leaderEpoch(): number {
    return this.epoch;
  }

  /** The replication state of this leader epoch (tests and diagnostics). */
  get leaderReplica(): LeaderReplica | undefined {
    return this.leader;
  }

  /** Whether a produce arriving now could be appended: led in a new epoch, lease held. */
  get takesWrites(): boolean {
    return this.leader !== undefined && !this.suspended;
  }

  /**
   * The image names this node leader of `state`. A newer leader epoch than any in the log gets a
   * new LeaderReplica, which assigns the epoch at the log end (KIP-101); the same epoch updates
   * the ISR. An epoch the log already holds (a restart before the controller moved it on) is not
   * led again: produce is refused until the next epoch arrives. A new LeaderReplica starts from
   * the HW known so far: followers' offsets are unknown in the new epoch until they fetch.
   */
  lead(state: PartitionState, nowMs: number): void {
    this.epoch = state.leaderEpoch;
    const current = this.leader;
    if (current !== undefined && current.leaderEpoch === state.leaderEpoch) {
      current.updatePartition(state, nowMs);
      this.drain(nowMs);
      return;
    }
    this.abort(nowMs);
    const epochs = this.log.leaderEpochs;
    if (state.leaderEpoch <= epochs.latestEpoch) {
      this.logger.warn({ leaderEpoch: state.leaderEpoch, logEpoch: epochs.latestEpoch },
        'named leader in an epoch already in the log: refusing produce until the next epoch');
      // Alone in the ISR what it holds is committed (LeaderReplica's constructor's rule too).
      if (state.isr.length === 1 && state.isr[0] === this.brokerId) {
        this.knownHighWatermark = Math.max(this.knownHighWatermark, this.log.durableEndOffset);
      }
      return;
    }
    const synced = this.log.durableEndOffset;
    this.leader = new LeaderReplica({
      brokerId: this.brokerId, partition: state, logEndOffset: this.log.logEndOffset,
      syncedOffset: synced, highWatermark: Math.min(this.knownHighWatermark, synced),
      epochs, nowMs,
      ...(this.replicaLagTimeMaxMs === undefined ? {}
        : { replicaLagTimeMaxMs: this.replicaLagTimeMaxMs }),
      ...(this.eligibleBrokers === undefined ? {} : { eligibleBrokers: this.eligibleBrokers }),
    });
    // Alone in the ISR its constructor has already raised the HW to our synced offset.
    this.knownHighWatermark = this.leader.highWatermark;
    this.log.checkpointLeaderEpochs();
    // Elected with a damaged log (the damage found before its ISR removal was committed).
    if (this.log.damage !== undefined) this.leader.resign(nowMs);
    this.drain(nowMs);
  }

  /**
   * Our log is damaged (log.damage): hand leadership to another ISR member. 'only-copy' when no
   * other is in the ISR: we keep leading (reads stop at the damage; nothing better exists).
   */
  damaged(nowMs: number): 'handing-off' | 'only-copy' | 'not-leading' {
    const leader = this.leader;
    if (leader === undefined) return 'not-leading';
    leader.resign(nowMs);
    this.drain(nowMs);
    return leader.canResign ? 'handing-off' : 'only-copy';
  }

  /** Leadership lost (or a new epoch): waiting produces end with NOT_LEADER_OR_FOLLOWER. */
  abort(nowMs: number): void {
    const leader = this.leader;
    if (leader === undefined) return;
    leader.abort();
    this.drain(nowMs);
    this.knownHighWatermark = leader.highWatermark;
    this.leader = undefined;
    // Held produces were not appended: each retries its checks against whatever leads now.
    for (const resume of this.gate.clear()) resume(nowMs);
    this.wakeResumeWaiters(false);
  }

  /**
   * This broker lost its lease (cut off from the controller, or fenced; called on every tick while
   * it lasts): nothing is appended until `resume`. Produces already waiting for the ISR keep
   * waiting for `leaseWaitMs` (the client gate's grace, server/ready-gate.ts): a lease lapses on
   * every broker while a new controller is elected and is usually back sooner. Then they end with
   * NOT_LEADER_OR_FOLLOWER (none was acknowledged; clients retry at the new leader, where
   * idempotent retries are recognised). Failing them at once broke librdkafka's idempotence: a
   * batch failed by a lapse of 200 ms, the next one pipelined behind it acknowledged once the lease
   * was back, and librdkafka saw a sequence gap, bumped its epoch and sent the first one again
   * under the new epoch — a duplicate (issue 13, seen in the isolate-controller chaos runs).
   */
  suspend(nowMs: number): void {
    if (!this.suspended) {
      this.suspended = true;
      this.suspendedAtMs = nowMs;
      this.suspensionFailedWaits = false;
      return;
    }
    if (this.suspensionFailedWaits || nowMs - this.suspendedAtMs < leaseWaitMs) return;
    this.suspensionFailedWaits = true;
    this.leader?.abort();
    this.drain(nowMs);
    for (const resume of this.gate.clear()) resume(nowMs);
    this.wakeResumeWaiters(false);
  }

  /** The lease is back: produces are taken again (if this node still leads this epoch). */
  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.wakeResumeWaiters(true);
  }

  private wakeResumeWaiters(resumed: boolean): void {
    this.resumeTimer?.cancel();
    this.resumeTimer = undefined;
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const wake of waiters) wake(resumed);
  }

  /**
   * A produce that finds this replica suspended waits for the lease like the client gate does (the
   * gate and the tick that resumes replicas see the lease up to a tick apart), until the
   * suspension is `leaseWaitMs` old. Woken, it goes on synchronously to its append (`admit`),
   * each in arrival order: a batch pipelined behind must never be appended first (it would be
   * refused as out of order, and librdkafka bump its epoch or fail: issue 13's bridge-flap run).
   */
  private afterResume(records: Buffer, nowMs: number, acks: ProduceAcks): Promise<ProduceOutcome> {
    const leftMs = this.suspendedAtMs + leaseWaitMs - nowMs;
    if (this.suspensionFailedWaits || leftMs <= 0) {
      return Promise.resolve(this.refuseUnread(records, KafkaError.notLeaderOrFollower,
        suspendedMessage));
    }
    this.resumeTimer ??= this.clock.after(leftMs, () => {
      this.resumeTimer = undefined;
      this.wakeResumeWaiters(false);
    });
    return new Promise((resolve) => {
      this.resumeWaiters.push((resumed) => resolve(resumed ? this.admit(records, nowMs, acks)
        : this.refuseUnread(records, KafkaError.notLeaderOrFollower, suspendedMessage)));
    });
  }

  /**
   * This node no longer leads the partition (the log may live on as a follower's): waits end as
   * in `abort`, and the log stops waking this object's followers' long polls.
   */
  release(nowMs: number): void {
    this.abort(nowMs);
    this.log.onWritten = () => undefined;
  }

  /** Timer: expired produce waits and lagging followers. */
  tick(nowMs: number): void {
    if (this.leader === undefined) return;
    this.leader.tick(nowMs);
    this.drain(nowMs);
    for (const resume of this.gate.expire(nowMs)) resume(undefined);
  }

  /**
   * The brokers live in the latest metadata image: only they may be added to the ISR (the
   * controller refuses others, KIP-841).
   */
  setEligibleBrokers(ids: ReadonlySet<number>, nowMs: number): void {
    this.eligibleBrokers = ids;
    this.leader?.setEligibleBrokers(ids);
    this.drain(nowMs);
  }

  /** The controller refused `proposal`, the partition being at `partitionEpoch` there. */
  isrChangeRejected(proposal: IsrChangeProposal, partitionEpoch: number, nowMs: number): void {
    this.leader?.isrChangeRejected(proposal, partitionEpoch, nowMs);
    this.drain(nowMs);
  }

  /** Executes the LeaderReplica's decisions after every event (README: contract with the host). */
  private drain(nowMs: number): void {
    const leader = this.leader;
    if (leader === undefined) return;
    for (const c of leader.takeCompletions()) {
      const resolve = this.ackWaits.get(c.requestId);
      this.ackWaits.delete(c.requestId);
      resolve?.(c.error);
    }
    if (leader.takeHighWatermarkChange() !== undefined) {
      this.knownHighWatermark = leader.highWatermark;
      this.gate.highWatermark(leader.highWatermark);
      this.admitNext(nowMs);
      this.onAdvance(this);
    }
    const proposal = leader.takeIsrChangeProposal(nowMs);
    if (proposal !== undefined) this.onIsrChange(this, proposal);
  }

  /**
   * OffsetForLeaderEpoch: where `epoch` (or the newest one before it) ends in this log; undefined
   * while a damaged leader hands off (see `handingOff`).
   */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } | undefined {
    if (this.handingOff()) return undefined;
    return this.log.leaderEpochs.endOffsetFor(epoch, this.log.logEndOffset);
  }

  /**
   * Leading with a damaged log. It may lack what the followers hold (recovery cut rotted data
   * after a power loss: whole-cluster simulation, seed 1954), so it must not tell them where to
   * truncate — they would cut acknowledged records to match it. They get KAFKA_STORAGE_ERROR and
   * retry; the leader hands off to one of them as soon as one is eligible (not merely while one
   * is: just after a whole-cluster restart the others are still fenced).
   */
  private handingOff(): boolean {
    return this.leader !== undefined && this.log.damage !== undefined;
  }

  logStartOffset(): number {
    return this.log.logStartOffset;
  }

  logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /**
   * The leader's HW; while not leading (an epoch the log already holds, e.g. just after a
   * restart), the last one known — not the log end, which the other replicas may lack.
   */
  highWatermark(): number {
    return this.leader?.highWatermark ??
      Math.min(this.knownHighWatermark, this.log.durableEndOffset);
  }

  produce(records: Buffer, nowMs: number, acks: ProduceAcks = leaderOnly):
    Promise<ProduceOutcome> {
    // The lease is back but the tick that resumes replicas has not run: resume now (the produces
    // waiting for it go first). A produce refused here while the next one, a moment later, is
    // taken is the sequence gap that makes librdkafka bump its epoch (a restarted broker's first
    // produces met exactly that).
    if (this.suspended && this.holdsLease()) this.resume();
    if (this.suspended) return this.afterResume(records, nowMs, acks);
    return this.admit(records, nowMs, acks);
  }

  /**
   * Produce on a replica not suspended: synchronous up to its append or its place in the gate,
   * so produces are appended in the order they are admitted.
   */
  private async admit(records: Buffer, nowMs: number, acks: ProduceAcks): Promise<ProduceOutcome> {
    if (this.leader === undefined) {
      return this.refuseUnread(records, KafkaError.notLeaderOrFollower,
        `leader epoch ${this.epoch} is not led here yet; retry after a metadata refresh`);
    }
    const checked = validateBatches(records, { batchBytesMax: this.maxMessageBytes });
    if (!checked.ok) {
      const error = checked.error === 'tooLarge' ? KafkaError.messageTooLarge : KafkaError.corruptMessage;
      return this.failure(error, checked.message);
    }
    const batch = checked.batches[0] as BatchHeader;
    if (checked.batches.length !== 1) {
      return this.failure(KafkaError.invalidRecord, 'a produce request must carry exactly one batch per partition');
    }
    if (isTransactional(batch.attributes) || isControlBatch(batch.attributes)) {
      return this.failure(KafkaError.invalidRecord, 'transactional and control batches are not supported yet');
    }
    if (acks.requiredAcks !== -1 || !this.gate.mustHold()) {
      return this.checkAndAppend(records, checked.batches, batch, nowMs, acks);
    }
    const backlog = this.gate.backlogBytes;
    const admittedMs = await new Promise<number | undefined>((resume) =>
      this.gate.hold(resume, nowMs + acks.timeoutMs, acks.source ?? 0));
    if (admittedMs === undefined) {
      return this.refuse(batch, KafkaError.requestTimedOut, `acks=all: the in-sync replicas did ` +
        `not copy the ${backlog} bytes ahead of this batch within ${acks.timeoutMs} ms; not appended`);
    }
    // Synchronous up to the append, so the next held produce sees this one's bytes. The wait for
    // the ISR gets what is left of the request's timeout.
    const left = { ...acks, timeoutMs: Math.max(0, acks.timeoutMs - (admittedMs - nowMs)) };
    const outcome = this.checkAndAppend(records, checked.batches, batch, admittedMs, left);
    this.admitNext(admittedMs);
    return outcome;
  }

  /**
   * The checks that depend on the partition's state now (leadership, producer sequence, ISR
   * size), then the append: synchronous until the log has taken the batch.
   */
  private checkAndAppend(records: Buffer, batches: BatchHeader[], batch: BatchHeader,
    nowMs: number, acks: ProduceAcks): Promise<ProduceOutcome> {
    if (this.suspended) {
      return Promise.resolve(this.refuse(batch, KafkaError.notLeaderOrFollower, suspendedMessage));
    }
    if (this.leader === undefined) {
      return Promise.resolve(this.refuse(batch, KafkaError.notLeaderOrFollower,
        'leadership moved while this batch waited; retry after a metadata refresh'));
    }
    const lastSeq = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta);
    const producers = this.log.producerState;
    const state = producers.check(batch.producerId, batch.producerEpoch, batch.baseSequence, lastSeq);
    if (state.kind === 'duplicate') return this.answerDuplicate(state.baseOffset, batch, nowMs, acks);
    if (state.kind === 'error') {
      const expected = producers.expectedSequence(batch.producerId, batch.producerEpoch);
      const opener = state.error === 'invalidProducerEpoch' ? undefined
        : this.refusedBatches.gapOpenedBy(batch.producerId, batch.producerEpoch, expected);
      if (opener !== undefined) {
        return Promise.resolve(this.failure({ code: opener.errorCode }, `producer ` +
          `${batch.producerId}: the batch before this one (sequence ${expected}) was refused ` +
          `with error ${opener.errorCode} and not written; retry both, in order`));
      }
      if (state.error === 'outOfOrderSequence' && this.gapAtNewLeader(batch, expected)) {
        this.noteProducerRefusal(batch, lastSeq, 'gapAtNewLeader', nowMs);
        return Promise.resolve(this.failure(KafkaError.notLeaderOrFollower, `producer ` +
          `${batch.producerId}: its batch from sequence ${expected} has not reached this new ` +
          `leader yet (still in flight to the previous one?); retry both, in order`));
      }
      this.noteProducerRefusal(batch, lastSeq, state.error, nowMs);
      return Promise.resolve(this.failure(producerError(state.error),
        `producer ${batch.producerId}: ${state.error}`));
    }
    if (acks.requiredAcks === -1 && !this.leader.canAcceptAcksAll(acks.minIsr)) {
      return Promise.resolve(this.refuse(batch, KafkaError.notEnoughReplicas,
        `${this.leader.isr.length} in-sync replicas, min.insync.replicas=${acks.minIsr}`));
    }
    return this.append(records, batches, batch, nowMs, acks);
  }

  /**
   * Whether `batch`, ahead of its producer's `expected` sequence, comes from a producer that has
   * written nothing in this leader epoch yet (its last batch here came from an earlier leader).
   * Such a gap is a client moving to the new leader: librdkafka
   * sends the batches it queued for the partition before it re-queues the one the old leader
   * failed (its issue 4953). OUT_OF_ORDER_SEQUENCE_NUMBER, Kafka's answer, makes it bump its
   * epoch and send again everything unacknowledged — duplicates of whatever was in fact stored
   * (issue 13's bridge-flap chaos runs). NOT_LEADER_OR_FOLLOWER makes it retry both in order. A
   * client never skips sequences on purpose (one that gave a batch up bumps its epoch first), so
   * once the producer has written in this epoch, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER again — and
   * so is one batch sent more than `gapExcusesMax` times without the batch before it.
   */
  private gapAtNewLeader(batch: BatchHeader, expected: number): boolean {
    // Ahead of the expected sequence (sequences wrap at 2^31): a gap, not an old retry.
    if (((batch.baseSequence - expected) & 0x7fff_ffff) >= 0x4000_0000) return false;
    const producers = this.log.producerState;
    if (producers.epochOf(batch.producerId) !== batch.producerEpoch) return false;
    const last = producers.batchesOf(batch.producerId).at(-1);
    if (last === undefined || this.log.leaderEpochs.epochAt(last.lastOffset) >= this.epoch) {
      return false;
    }
    const seen = this.gapExcuses.get(batch.producerId);
    const count = seen?.baseSequence === batch.baseSequence ? seen.count + 1 : 1;
    if (count > gapExcusesMax) return false;
    this.gapExcuses.delete(batch.producerId);
    this.gapExcuses.set(batch.producerId, { baseSequence: batch.baseSequence, count });
    if (this.gapExcuses.size > gapExcusesProducersMax) {
      this.gapExcuses.delete(this.gapExcuses.keys().next().value as number);
    }
    return true;
  }

  /** A retriable refusal of a batch not appended: remembered for the batches behind it. */
  private refuse(batch: BatchHeader, error: { code: number }, message: string): ProduceOutcome {
    this.refusedBatches.refused(batch.producerId, batch.producerEpoch, batch.baseSequence,
      error.code);
    return this.failure(error, message);
  }

  /** `refuse` before the batch was validated: remembered only if it is one valid batch. */
  private refuseUnread(records: Buffer, error: { code: number }, message: string): ProduceOutcome {
    const checked = validateBatches(records, { batchBytesMax: this.maxMessageBytes });
    if (checked.ok && checked.batches.length === 1) {
      return this.refuse(checked.batches[0] as BatchHeader, error, message);
    }
    return this.failure(error, message);
  }

  /**
   * An idempotent batch refused (out of order, unknown producer, fenced epoch): rare, and what makes
   * a client such as librdkafka bump its epoch and send records again under a new identity, so it
   * is logged (at most once a second per partition) with what the producer state expected.
   */
  private noteProducerRefusal(batch: BatchHeader, lastSeq: number, error: string,
    nowMs: number): void {
    if (nowMs - this.lastRefusalLogMs < 1_000) return;
    this.lastRefusalLogMs = nowMs;
    const remembered = this.log.producerState.batchesOf(batch.producerId);
    const last = remembered[remembered.length - 1];
    this.logger.info({ producerId: batch.producerId, producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence, lastSequence: lastSeq, error,
      knownEpoch: this.log.producerState.epochOf(batch.producerId) ?? null,
      knownLastSequence: last?.lastSeq ?? null }, 'idempotent batch refused');
  }

  /** Lets the next held acks=all produce go if the backlog has room. */
  private admitNext(nowMs: number): void {
    this.gate.admitNext()?.(nowMs);
  }

  /**
   * A failed write was rolled back and the log ends at `endOffset`: as leader, forget the offsets
   * past it now (found by the whole-cluster simulation, seed 51: a leader of a __consumer_offsets
   * partition whose disk filled kept an end two records past its log, its followers could never
   * reach it, the ISR shrank to the leader, and min.insync.replicas then refused every append —
   * the one that would have noticed the rollback — until its leadership moved).
   */
  private followRollback(endOffset: number): void {
    const leader = this.leader;
    if (leader === undefined || endOffset >= leader.logEndOffset) return;
    leader.rolledBack(endOffset);
    this.gate.rolledBack(endOffset);
    this.logger.info({ endOffset }, 'a failed write was rolled back: the leader follows the log end');
  }

  /** The log records the producer state of what it appends (and rebuilds it after a failed write). */
  private async append(records: Buffer, batches: BatchHeader[], batch: BatchHeader, nowMs: number,
    acks: ProduceAcks) {
    const leader = this.leader as LeaderReplica;
    let appended;
    try {
      appended = this.log.append(records, batches, this.leaderEpoch, nowMs);
    } catch (err) {
      const outcome = this.storageFailure(err);
      return this.refuse(batch, { code: outcome.errorCode }, outcome.errorMessage ?? '');
    }
    this.refusedBatches.appended(batch.producerId);
    if (this.gapExcuses.size > 0) this.gapExcuses.delete(batch.producerId);
    if (appended.baseOffset < leader.logEndOffset) {
      // A write failed since our last append and the log rolled it back (its appends were
      // refused, KAFKA_STORAGE_ERROR): those offsets are this batch's now.
      leader.rolledBack(appended.baseOffset);
      this.gate.rolledBack(appended.baseOffset);
    }
    leader.appended(appended.lastOffset);
    this.gate.appended(appended.lastOffset, records.length);
    const durable = appended.durable;
    this.lastDurable = durable.catch(() => undefined);
    try {
      await durable;
    } catch (err) {
      return this.storageFailure(err);
    }
    // Our copy counts once durable: the HW may advance (alone in the ISR, to this very batch).
    if (this.leader === leader) {
      leader.synced(this.log.durableEndOffset);
      this.drain(nowMs);
    }
    if (acks.requiredAcks === -1) {
      const error = await this.waitForReplicas(leader, appended.lastOffset, acks, nowMs);
      if (error !== 'none') return this.failure(ackError(error), `acks=all: ${error}`);
    }
    const appendTime = isLogAppendTime(batch.attributes) ? appended.logAppendTimeMs : -1;
    return this.success(appended.baseOffset, appendTime);
  }

  /**
   * A retried batch (KIP-98) gets its original offsets, but only on the terms of the original
   * ack: durable here, and for acks=all replicated to the ISR. The original may have been
   * appended by this leader and never acknowledged (its producer timed out), or copied here from
   * an earlier leader as a follower: acknowledging the retry on our own fsync could then ack a
   * record that a leader change loses.
   */
  private async answerDuplicate(baseOffset: number, batch: BatchHeader, nowMs: number,
    acks: ProduceAcks): Promise<ProduceOutcome> {
    await this.lastDurable;
    const leader = this.leader;
    if (acks.requiredAcks === -1) {
      if (leader === undefined) {
        return this.failure(KafkaError.notLeaderOrFollower, 'leadership moved; retry');
      }
      const lastOffset = baseOffset + batch.lastOffsetDelta;
      const error = await this.waitForReplicas(leader, lastOffset, acks, nowMs);
      if (error !== 'none') return this.failure(ackError(error), `acks=all: ${error}`);
    }
    return this.success(baseOffset, -1);
  }

  /** acks=all: resolves once the HW passes `lastOffset`, or with why it will not. */
  private waitForReplicas(leader: LeaderReplica, lastOffset: number, acks: ProduceAcks,
    nowMs: number): Promise<AckError> {
    if (this.leader !== leader || this.suspended) return Promise.resolve('notLeaderOrFollower');
    const requestId = this.nextRequestId++;
    const done = new Promise<AckError>((resolve) => this.ackWaits.set(requestId, resolve));
    leader.waitForAcks(requestId, lastOffset, -1, acks.minIsr, nowMs + acks.timeoutMs);
    this.drain(nowMs);
    return done;
  }

  async read(fetchOffset: number, maxBytes: number): Promise<ReadOutcome> {
    const hw = this.highWatermark();
    const base = { errorCode: 0, highWatermark: hw, logStartOffset: this.logStartOffset(), records: null };
    // Kafka's rule: between the HW and the log end is not out of range, only not readable yet
    // (a new leader's HW may trail what consumers already read from the old one).
    if (fetchOffset < this.logStartOffset() || fetchOffset > Math.max(hw, this.logEndOffset())) {
      return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    }
    if (fetchOffset >= hw) return base;
    const result = await this.log.read(fetchOffset, maxBytes, hw);
    if (result.kind === 'offsetOutOfRange') return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    // The log reported the damage (its listener starts the hand-off); the client retries.
    if (result.kind === 'damaged') return { ...base, errorCode: KafkaError.kafkaStorageError.code };
    return { ...base, records: result.records.length > 0 ? result.records : null };
  }

  /**
   * A follower's fetch: its fetch offset is its synced end (Pado followers fsync before fetching
   * again), so it may advance the HW and complete acks=all produces.
   */
  async readAsReplica(fetchOffset: number, lastFetchedEpoch: number, maxBytes: number,
    replicaId: number, nowMs: number): Promise<ReplicaReadOutcome> {
    const leader = this.leader;
    const noRecords = { logStartOffset: this.logStartOffset(), records: null, divergingEpoch: null };
    if (leader === undefined) {
      return { ...noRecords, errorCode: KafkaError.notLeaderOrFollower.code, highWatermark: -1 };
    }
    const check = leader.followerFetched(replicaId, { fetchOffset, lastFetchedEpoch }, nowMs);
    this.drain(nowMs);
    const base = { ...noRecords, errorCode: 0, highWatermark: leader.highWatermark };
    if (this.handingOff() && (check.kind === 'diverging' || check.kind === 'offsetOutOfRange')) {
      return { ...base, errorCode: KafkaError.kafkaStorageError.code };
    }
    if (check.kind === 'diverging') return { ...base, divergingEpoch: check.divergingEpoch };
    // It lacks acknowledged records: nothing until its removal from the ISR is committed.
    if (check.kind === 'outOfSync') return base;
    if (check.kind === 'notReplica') {
      return { ...base, errorCode: KafkaError.notLeaderOrFollower.code };
    }
    if (check.kind === 'offsetOutOfRange') {
      return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    }
    const result = await this.log.read(fetchOffset, maxBytes, Number.MAX_SAFE_INTEGER);
    if (result.kind === 'offsetOutOfRange') {
      return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    }
    if (result.kind === 'damaged') return { ...base, errorCode: KafkaError.kafkaStorageError.code };
    return { ...base, records: result.records.length > 0 ? result.records : null };
  }

  async offsetForTimestamp(timestampMs: number) {
    return this.log.offsetForTimestamp(timestampMs);
  }

  async deleteRecords(offset: number): Promise<{ errorCode: number; lowWatermark: number }> {
    if (offset > this.highWatermark() || offset < 0) {
      return { errorCode: KafkaError.offsetOutOfRange.code, lowWatermark: -1 };
    }
    try {
      await this.log.deleteRecordsBefore(offset);
    } catch (err) {
      this.logger.warn({ err }, 'delete records failed');
      return { errorCode: KafkaError.kafkaStorageError.code, lowWatermark: -1 };
    }
    return { errorCode: 0, lowWatermark: this.logStartOffset() };
  }

  private success(baseOffset: number, logAppendTimeMs: number): ProduceOutcome {
    return { errorCode: 0, errorMessage: null, baseOffset, logAppendTimeMs, logStartOffset: this.logStartOffset() };
  }

  private failure(error: { code: number }, message: string): ProduceOutcome {
    return { errorCode: error.code, errorMessage: message, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
  }

  private storageFailure(err: unknown): ProduceOutcome {
    const full = isPadoError(err, PadoErrorCode.diskFull);
    if (full) this.logger.warn({ err: (err as Error).message }, 'produce refused: disk full');
    else this.logger.error({ err }, 'append failed');
    const message = full
      ? 'the broker disk is full (below its free-space reserve); producing resumes when space returns'
      : 'the broker could not write this partition';
    return this.failure(KafkaError.kafkaStorageError, message);
  }
}

function ackError(error: Exclude<AckError, 'none'>) {
  switch (error) {
    case 'notEnoughReplicasAfterAppend':
      return KafkaError.notEnoughReplicasAfterAppend;
    case 'requestTimedOut':
      return KafkaError.requestTimedOut;
    case 'notLeaderOrFollower':
      return KafkaError.notLeaderOrFollower;
  }
}

function producerError(error: 'outOfOrderSequence' | 'invalidProducerEpoch' | 'unknownProducerId') {
  switch (error) {
    case 'outOfOrderSequence':
      return KafkaError.outOfOrderSequenceNumber;
    case 'invalidProducerEpoch':
      return KafkaError.invalidProducerEpoch;
    case 'unknownProducerId':
      return KafkaError.unknownProducerId;
  }
}
