/**
 * The decisions of Pado's producer (producer.ts), without I/O or clock (STYLE.md §2): per
 * partition a queue of batches, each built once with its sequence numbers fixed; at most one
 * batch per partition in flight, so a partition's batches reach its log in the order they were
 * queued; and what each answer means: acknowledged, retry the same bytes after a backoff, or stop.
 * The shell sends what `takeReady` hands out, to the partition's current leader, and reports each
 * outcome to `complete` with the time.
 *
 * Idempotence (KIP-98): with a producer id and epoch from InitProducerId, each partition's batches
 * carry consecutive sequence numbers from 0. A retried batch is byte for byte the one first sent,
 * so a leader that already has it (it was appended before the answer was lost, or copied from a
 * leader that then died) answers with its original offsets instead of storing it twice. The
 * broker remembers a producer's last 5 batches per partition (Kafka's limit); one in flight is
 * well within that. Without idempotence (acks 0 or 1) only answers proving that nothing was
 * written are retried: a lost answer would otherwise be a duplicate.
 */
import { assert } from '../common/index.js';
import { KafkaError } from '../protocol/index.js';
import { buildBatch, type RecordInput } from '../protocol/records/index.js';

/** Sequences are int32 and wrap to 0 after 2^31 - 1 (Kafka DefaultRecordBatch). */
const sequenceLimit = 0x8000_0000;

/** The sequence of the record after a batch of `recordCount` starting at `baseSequence`. */
export function sequenceAfter(baseSequence: number, recordCount: number): number {
  assert(baseSequence >= 0 && baseSequence < sequenceLimit && recordCount > 0, 'sequence range');
  return (baseSequence + recordCount) % sequenceLimit;
}

/**
 * Answers a producer retries (Kafka's retriable produce errors): the leader moved or is being
 * elected, too few in-sync replicas right now, the ISR was slow to confirm, the disk is full.
 */
const retriableCodes: ReadonlySet<number> = new Set([
  KafkaError.unknownTopicOrPartition.code, KafkaError.leaderNotAvailable.code,
  KafkaError.notLeaderOrFollower.code, KafkaError.requestTimedOut.code,
  KafkaError.networkException.code, KafkaError.notEnoughReplicas.code,
  KafkaError.notEnoughReplicasAfterAppend.code, KafkaError.kafkaStorageError.code,
  KafkaError.fencedLeaderEpoch.code, KafkaError.unknownLeaderEpoch.code,
  KafkaError.newLeaderElected.code,
]);

/**
 * With acks=1, answers given before anything was appended (the leader check comes first), so a
 * retry cannot duplicate. NOT_LEADER_OR_FOLLOWER is one only for acks=1: with acks=all it may
 * also come after the append, while the leader waited for its followers.
 */
const notAppendedCodes: ReadonlySet<number> = new Set([
  KafkaError.unknownTopicOrPartition.code, KafkaError.leaderNotAvailable.code,
  KafkaError.notLeaderOrFollower.code,
]);

export type Verdict = 'acknowledged' | 'retry' | 'fatal';

/** What a producer does with a partition's error code in a Produce answer. */
export function verdictOf(errorCode: number, idempotent: boolean): Verdict {
  if (errorCode === 0) return 'acknowledged';
  // Older brokers answer a retried batch they already have so; Pado answers 0 and its offsets.
  if (errorCode === KafkaError.duplicateSequenceNumber.code && idempotent) return 'acknowledged';
  const retriable = idempotent ? retriableCodes : notAppendedCodes;
  return retriable.has(errorCode) ? 'retry' : 'fatal';
}

/** Exponential backoff from `baseMs`, doubling per attempt, capped at `maxMs`. */
export function retryBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  assert(attempt >= 1, 'backoff follows an attempt');
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 20));
}

export interface ProducerCoreOptions {
  readonly compression: 'none' | 'gzip';
  /** null: not idempotent (acks 0 or 1). */
  readonly producerId: number | null;
  readonly producerEpoch: number;
  /** A batch not acknowledged this long after its first send is given up. */
  readonly deliveryTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Sends of one batch at most (a bound beside the deadline). */
  readonly attemptsMax: number;
}

export interface QueuedBatch {
  readonly partition: number;
  /** Built once; every send carries exactly these bytes. */
  readonly bytes: Buffer;
  readonly recordCount: number;
  /** -1 without idempotence. */
  readonly baseSequence: number;
}

/** How one send of a batch ended. */
export type SendOutcome =
  /** The partition's answer in a Produce response. */
  | { readonly kind: 'answer'; readonly errorCode: number; readonly baseOffset: number;
      readonly message: string | null }
  /** acks=0: handed to the socket; no answer comes. */
  | { readonly kind: 'written' }
  /** Not sent: no leader known, or its connection could not be opened. */
  | { readonly kind: 'unsent'; readonly message: string }
  /** Sent, but the connection failed or timed out before the answer: it may have been written. */
  | { readonly kind: 'lost'; readonly message: string };

export interface ProduceFailure {
  readonly partition: number;
  /** The broker's error code, or null when the last try got no answer. */
  readonly errorCode: number | null;
  /** The broker's message or the connection's error. */
  readonly message: string | null;
  /**
   * refused: an error that retrying cannot fix; exhausted: retried until the attempts or the
   * delivery deadline ran out; unknown: without idempotence, a send whose answer was lost.
   */
  readonly reason: 'refused' | 'exhausted' | 'unknown';
  readonly attempts: number;
  /** Records of this batch and of those queued behind it on the partition. */
  readonly recordsNotAcknowledged: number;
}

export type Decision =
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'retry'; readonly retryAtMs: number }
  | { readonly kind: 'fatal'; readonly failure: ProduceFailure };

export interface PartitionAcks {
  readonly partition: number;
  readonly records: number;
  readonly batches: number;
  /** Bytes of the acknowledged batches as sent. */
  readonly bytes: number;
  /** Offsets of the first and last acknowledged record; -1 when unknown (acks=0). */
  readonly firstOffset: number;
  readonly lastOffset: number;
}

interface Entry {
  readonly batch: QueuedBatch;
  attempts: number;
  firstSentMs: number | null;
  retryAtMs: number;
  inFlight: boolean;
}

interface MutableAcks {
  records: number;
  batches: number;
  bytes: number;
  firstOffset: number;
  lastOffset: number;
}

export class ProducerCore {
  private readonly options: ProducerCoreOptions;
  /** Invariant: only a queue's head is ever in flight. */
  private readonly queues = new Map<number, Entry[]>();
  private readonly nextSequence = new Map<number, number>();
  private readonly acks = new Map<number, MutableAcks>();
  private queuedBytesTotal = 0;
  private queuedBatchCount = 0;

  constructor(options: ProducerCoreOptions) {
    this.options = options;
  }

  get idempotent(): boolean {
    return this.options.producerId !== null;
  }

  /** Batches queued and not yet acknowledged, in flight included. */
  get pendingBatches(): number {
    return this.queuedBatchCount;
  }

  get pendingBytes(): number {
    return this.queuedBytesTotal;
  }

  /** Builds a batch of `records` for `partition` with the partition's next sequence; queues it. */
  enqueue(partition: number, records: readonly RecordInput[]): QueuedBatch {
    const baseSequence = this.idempotent ? (this.nextSequence.get(partition) ?? 0) : -1;
    const bytes = buildBatch({
      records, compression: this.options.compression,
      ...(this.idempotent ? {
        producerId: this.options.producerId ?? -1,
        producerEpoch: this.options.producerEpoch,
        baseSequence,
      } : {}),
    });
    if (this.idempotent) {
      this.nextSequence.set(partition, sequenceAfter(baseSequence, records.length));
    }
    const batch: QueuedBatch = { partition, bytes, recordCount: records.length, baseSequence };
    let queue = this.queues.get(partition);
    if (queue === undefined) {
      queue = [];
      this.queues.set(partition, queue);
    }
    queue.push({ batch, attempts: 0, firstSentMs: null, retryAtMs: 0, inFlight: false });
    this.queuedBytesTotal += bytes.length;
    this.queuedBatchCount++;
    return batch;
  }

  /** The head batch of each partition that may be sent now; each is then in flight. */
  takeReady(nowMs: number): QueuedBatch[] {
    const ready: QueuedBatch[] = [];
    for (const queue of this.queues.values()) {
      const head = queue[0];
      if (head === undefined || head.inFlight || head.retryAtMs > nowMs) continue;
      head.inFlight = true;
      head.attempts++;
      head.firstSentMs ??= nowMs;
      ready.push(head.batch);
    }
    return ready;
  }

  /** When the earliest waiting retry may go; null when none waits. */
  nextRetryAtMs(): number | null {
    let earliest: number | null = null;
    for (const queue of this.queues.values()) {
      const head = queue[0];
      if (head === undefined || head.inFlight) continue;
      earliest = earliest === null ? head.retryAtMs : Math.min(earliest, head.retryAtMs);
    }
    return earliest;
  }

  /** How a send of `batch` (a head handed out by takeReady) ended, and what follows. */
  complete(batch: QueuedBatch, outcome: SendOutcome, nowMs: number): Decision {
    const queue = this.queues.get(batch.partition);
    const head = queue?.[0];
    assert(queue !== undefined && head !== undefined && head.batch === batch && head.inFlight,
      'a completed batch is its partition\'s head, in flight');
    head.inFlight = false;
    const verdict = this.verdict(outcome);
    if (verdict === 'acknowledged') {
      queue.shift();
      this.queuedBytesTotal -= batch.bytes.length;
      this.queuedBatchCount--;
      this.recordAck(batch, outcome.kind === 'answer' ? outcome.baseOffset : -1);
      return { kind: 'acknowledged' };
    }
    const errorCode = outcome.kind === 'answer' ? outcome.errorCode : null;
    const message = outcome.kind === 'written' ? null : outcome.message;
    const fail = (reason: ProduceFailure['reason']): Decision => ({ kind: 'fatal', failure: {
      partition: batch.partition, errorCode, message, reason, attempts: head.attempts,
      recordsNotAcknowledged: queue.reduce((n, e) => n + e.batch.recordCount, 0),
    } });
    if (verdict === 'fatal') return fail(outcome.kind === 'lost' ? 'unknown' : 'refused');
    const o = this.options;
    const retryAtMs = nowMs + retryBackoffMs(head.attempts, o.retryBackoffMs, o.retryBackoffMaxMs);
    const deadlineMs = (head.firstSentMs ?? nowMs) + o.deliveryTimeoutMs;
    if (head.attempts >= o.attemptsMax || retryAtMs > deadlineMs) return fail('exhausted');
    head.retryAtMs = retryAtMs;
    return { kind: 'retry', retryAtMs };
  }

  /** Sends so far of a queued batch (0 once acknowledged). */
  attemptsOf(batch: QueuedBatch): number {
    return this.queues.get(batch.partition)?.find((e) => e.batch === batch)?.attempts ?? 0;
  }

  /** What was acknowledged, per partition that got anything, ascending. */
  acknowledged(): PartitionAcks[] {
    return [...this.acks].sort(([a], [b]) => a - b)
      .map(([partition, a]) => ({ partition, ...a }));
  }

  private verdict(outcome: SendOutcome): Verdict {
    switch (outcome.kind) {
      case 'answer':
        return verdictOf(outcome.errorCode, this.idempotent);
      case 'written':
        return 'acknowledged';
      case 'unsent':
        return 'retry';
      case 'lost':
        // With idempotence the same batch again is safe: a copy the leader has is recognised.
        return this.idempotent ? 'retry' : 'fatal';
    }
  }

  private recordAck(batch: QueuedBatch, baseOffset: number): void {
    const known = baseOffset >= 0;
    const lastOffset = known ? baseOffset + batch.recordCount - 1 : -1;
    const acks = this.acks.get(batch.partition);
    if (acks === undefined) {
      this.acks.set(batch.partition, { records: batch.recordCount, batches: 1,
        bytes: batch.bytes.length, firstOffset: known ? baseOffset : -1, lastOffset });
      return;
    }
    acks.records += batch.recordCount;
    acks.batches++;
    acks.bytes += batch.bytes.length;
    if (known) {
      if (acks.firstOffset < 0) acks.firstOffset = baseOffset;
      acks.lastOffset = lastOffset;
    }
  }
}
