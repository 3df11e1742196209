/**
 * Pado's producer for one topic (the I/O shell around producer-core.ts): batches go to their
 * partition's leader per the cluster's metadata, one Produce per leader carrying a batch for each
 * of its partitions, sent to the leaders in parallel. An answer that the leader moved (or a lost
 * connection) refreshes metadata and re-sends the same batch after a backoff, to whichever broker
 * leads then. With acks=all the producer is idempotent: a producer id and epoch from
 * InitProducerId, sequence numbers per partition, so a re-sent batch is never stored twice.
 * `flush` resolves once every queued batch is acknowledged, or throws a ProduceError naming the
 * partition that could not be written; nothing is sent after that.
 */
import { delay, PadoError, PadoErrorCode } from '../common/index.js';
import { ApiKey, KafkaError, kafkaErrorByCode, type ProduceResponse } from '../protocol/index.js';
import type { RecordInput } from '../protocol/records/index.js';
import type { KafkaClient } from './client.js';
import { noLeader, shortReason, type ClusterClient } from './cluster.js';
import {
  ProducerCore, retryBackoffMs,
  type PartitionAcks, type ProduceFailure, type QueuedBatch, type SendOutcome,
} from './producer-core.js';

export interface ProducerOptions {
  topic: string;
  acks: 0 | 1 | -1;
  compression: 'none' | 'gzip';
  /** How long a leader may wait for its in-sync replicas (Produce timeoutMs). Default 10 s. */
  requestTimeoutMs?: number;
  /** Give up on a batch this long after its first send (Kafka delivery.timeout.ms). 120 s. */
  deliveryTimeoutMs?: number;
  /** First retry after this long, doubling up to retryBackoffMaxMs (Kafka: 100 ms, 1 s). */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Sends of one batch at most, a bound beside the deadline. */
  attemptsMax?: number;
  /** Told of each batch that will be sent again, and why (the CLI prints it). */
  onRetry?: (retry: ProduceRetry) => void;
}

export interface ProduceRetry {
  partition: number;
  /** Sends so far of this batch. */
  attempts: number;
  /** What went wrong: a Kafka error name, or the connection's error. */
  reason: string;
  retryInMs: number;
}

export const producerDefaults = {
  requestTimeoutMs: 10_000,
  deliveryTimeoutMs: 120_000,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1_000,
  attemptsMax: 100,
  onRetry: (): void => undefined,
} as const;

/** A batch that could not be written (what was acknowledged: Producer.acknowledged()). */
export class ProduceError extends PadoError {
  readonly failure: ProduceFailure;
  readonly topic: string;

  constructor(topic: string, failure: ProduceFailure, message: string) {
    super(PadoErrorCode.notAcknowledged, message);
    this.topic = topic;
    this.failure = failure;
  }
}

/** InitProducerId answers worth another try: no producer id block yet, or no controller. */
const initRetriableCodes: ReadonlySet<number> = new Set([
  KafkaError.coordinatorLoadInProgress.code, KafkaError.coordinatorNotAvailable.code,
  KafkaError.notCoordinator.code, KafkaError.requestTimedOut.code,
]);

export class Producer {
  private readonly cluster: ClusterClient;
  private readonly core: ProducerCore;
  private readonly options: Required<ProducerOptions>;
  /** A retry is pending: refresh metadata before the next round of sends. */
  private metadataStale = false;

  private constructor(
    cluster: ClusterClient, core: ProducerCore, options: Required<ProducerOptions>,
  ) {
    this.cluster = cluster;
    this.core = core;
    this.options = options;
  }

  /** With acks=all, first gets a producer id (retrying while none can be had, to the deadline). */
  static async open(cluster: ClusterClient, options: ProducerOptions): Promise<Producer> {
    const o: Required<ProducerOptions> = { ...producerDefaults, ...options };
    const id = o.acks === -1 ? await initProducerId(cluster, o) : null;
    const core = new ProducerCore({
      compression: o.compression,
      producerId: id?.producerId ?? null,
      producerEpoch: id?.producerEpoch ?? -1,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
      retryBackoffMs: o.retryBackoffMs,
      retryBackoffMaxMs: o.retryBackoffMaxMs,
      attemptsMax: o.attemptsMax,
    });
    return new Producer(cluster, core, o);
  }

  get idempotent(): boolean {
    return this.core.idempotent;
  }

  /** Bytes queued and not yet acknowledged (the caller flushes before holding too many). */
  get pendingBytes(): number {
    return this.core.pendingBytes;
  }

  /** Queues one batch of `records` for `partition`; sent by the next `flush`. */
  enqueue(partition: number, records: readonly RecordInput[]): void {
    if (records.length > 0) this.core.enqueue(partition, records);
  }

  acknowledged(): PartitionAcks[] {
    return this.core.acknowledged();
  }

  /** Sends until every queued batch is acknowledged; throws ProduceError if one cannot be. */
  async flush(): Promise<void> {
    // Bounded: every round completes each batch it takes, and each batch has at most attemptsMax
    // sends before its deadline; a round with nothing ready sleeps until the next retry is due.
    while (this.core.pendingBatches > 0) {
      const { clock } = this.cluster;
      const ready = this.core.takeReady(clock.now());
      if (ready.length === 0) {
        const at = this.core.nextRetryAtMs();
        await delay(clock, Math.max(1, (at ?? clock.now()) - clock.now()));
        continue;
      }
      if (this.metadataStale || ready.some((b) => this.leaderOf(b) === noLeader)) {
        this.metadataStale = false;
        // A failed refresh leaves the leaders as they were; the sends below fail and retry.
        await this.cluster.metadata([this.options.topic]).catch(() => undefined);
      }
      const groups = new Map<number, QueuedBatch[]>();
      for (const batch of ready) {
        const leader = this.leaderOf(batch);
        groups.set(leader, [...(groups.get(leader) ?? []), batch]);
      }
      const outcomes = await Promise.all([...groups].map(([leader, batches]) =>
        this.sendTo(leader, batches)));
      this.completeAll(outcomes.flat());
    }
  }

  private leaderOf(batch: QueuedBatch): number {
    return this.cluster.leaderOf(this.options.topic, batch.partition);
  }

  private completeAll(outcomes: readonly [QueuedBatch, SendOutcome][]): void {
    let failure: ProduceFailure | undefined;
    const nowMs = this.cluster.clock.now();
    for (const [batch, outcome] of outcomes) {
      const decision = this.core.complete(batch, outcome, nowMs);
      if (decision.kind === 'retry') {
        this.metadataStale = true;
        this.options.onRetry({ partition: batch.partition, attempts: this.core.attemptsOf(batch),
          reason: outcomeText(outcome), retryInMs: decision.retryAtMs - nowMs });
      }
      if (decision.kind === 'fatal') failure ??= decision.failure;
    }
    if (failure !== undefined) {
      throw new ProduceError(this.options.topic, failure, describeFailure(this.options.topic,
        failure));
    }
  }

  /** One Produce to `leader` with these partitions' batches; each batch's outcome. */
  private async sendTo(
    leader: number, batches: readonly QueuedBatch[],
  ): Promise<[QueuedBatch, SendOutcome][]> {
    const all = (outcome: SendOutcome): [QueuedBatch, SendOutcome][] =>
      batches.map((b) => [b, outcome]);
    if (leader === noLeader) return all({ kind: 'unsent', message: 'no leader right now' });
    let client: KafkaClient;
    try {
      client = await this.cluster.broker(leader);
    } catch (e) {
      this.cluster.dropBroker(leader);
      return all({ kind: 'unsent', message: `broker ${leader}: ${shortReason(e)}` });
    }
    let response: ProduceResponse | null;
    try {
      response = await client.produceBatches(this.options.topic,
        batches.map((b) => ({ partition: b.partition, batch: b.bytes })), this.options.acks,
        // One wait for the ISR never outlasts the delivery deadline by much.
        Math.min(this.options.requestTimeoutMs, this.options.deliveryTimeoutMs));
    } catch (e) {
      this.cluster.dropConnection(client);
      return all({ kind: 'lost', message: `broker ${leader}: ${shortReason(e)}` });
    }
    if (response === null) return all({ kind: 'written' });
    const answers = new Map(response.responses.filter((t) => t.name === this.options.topic)
      .flatMap((t) => t.partitionResponses).map((p) => [p.index, p]));
    return batches.map((b) => {
      const p = answers.get(b.partition);
      if (p === undefined) {
        return [b, { kind: 'lost', message: `broker ${leader} left partition ${b.partition} ` +
          'out of its answer' }];
      }
      return [b, { kind: 'answer', errorCode: p.errorCode, baseOffset: p.baseOffset,
        message: p.errorMessage }];
    });
  }
}

async function initProducerId(
  cluster: ClusterClient, o: Required<ProducerOptions>,
): Promise<{ producerId: number; producerEpoch: number }> {
  const { clock } = cluster;
  const deadlineMs = clock.now() + o.deliveryTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const r = await askProducerId(cluster);
    if (r.kind === 'granted') return r;
    const waitMs = retryBackoffMs(attempt, o.retryBackoffMs, o.retryBackoffMaxMs);
    if (attempt >= o.attemptsMax || clock.now() + waitMs > deadlineMs) {
      throw new PadoError(PadoErrorCode.timeout, `no producer id within ` +
        `${o.deliveryTimeoutMs} ms (last: ${r.problem}); check \`pado cluster health\``);
    }
    await delay(clock, waitMs);
  }
}

type ProducerIdAnswer =
  | { kind: 'granted'; producerId: number; producerEpoch: number }
  | { kind: 'retry'; problem: string };

/** One InitProducerId to any broker; throws when another try cannot help. */
async function askProducerId(cluster: ClusterClient): Promise<ProducerIdAnswer> {
  let client: KafkaClient;
  try {
    client = await cluster.any();
  } catch (e) {
    return { kind: 'retry', problem: errorText(e) };
  }
  if (!client.supports(ApiKey.initProducerId)) {
    throw new PadoError(PadoErrorCode.connection, `broker ${client.address.host}:` +
      `${client.address.port} does not serve InitProducerId, which acks=all needs for safe ` +
      'retries; use --acks 1, or upgrade the broker');
  }
  let r;
  try {
    r = await client.initProducerId();
  } catch (e) {
    cluster.dropConnection(client);
    return { kind: 'retry', problem: errorText(e) };
  }
  if (r.errorCode === 0) {
    return { kind: 'granted', producerId: r.producerId, producerEpoch: r.producerEpoch };
  }
  const name = kafkaErrorByCode(r.errorCode)?.name ?? `error ${r.errorCode}`;
  if (initRetriableCodes.has(r.errorCode)) return { kind: 'retry', problem: name };
  throw new PadoError(PadoErrorCode.connection, `the broker refused a producer id (${name}); ` +
    'check `pado cluster health`, or use --acks 1');
}

/** What happened to which partition, and what to do next. */
export function describeFailure(topic: string, f: ProduceFailure): string {
  const where = `topic '${topic}' partition ${f.partition}`;
  const code = f.errorCode === null ? undefined : kafkaErrorByCode(f.errorCode);
  const what = code !== undefined ? `${code.name} (${code.description})`
    : f.errorCode !== null ? `error code ${f.errorCode}` : (f.message ?? 'no answer');
  const broker = f.errorCode !== null && f.message ? ` (broker says: ${f.message})` : '';
  const rest = `${f.recordsNotAcknowledged} record(s) queued for it were not acknowledged`;
  switch (f.reason) {
    case 'exhausted':
      return `${where}: not acknowledged after ${f.attempts} attempt(s): ${what}${broker}; ` +
        `${rest}; check \`pado cluster health\` and \`pado topic describe ${topic}\`, then ` +
        'send the lines that were not acknowledged again';
    case 'unknown':
      return `${where}: the connection failed before the answer (${what}), so the batch may or ` +
        `may not be written; ${rest}; check with \`pado consume ${topic} -p ${f.partition} ` +
        '--from-beginning -e` (with --acks all, the default, retries are safe)';
    case 'refused':
      return `${where}: refused: ${what}${broker}; ${rest}; ${nextStep(topic, f)}`;
  }
}

function nextStep(topic: string, f: ProduceFailure): string {
  switch (f.errorCode) {
    case KafkaError.outOfOrderSequenceNumber.code:
    case KafkaError.unknownProducerId.code:
    case KafkaError.invalidProducerEpoch.code:
      return `the partition's log does not hold this producer's earlier batches as sent; ` +
        `check what arrived with \`pado consume ${topic} -p ${f.partition} --from-beginning -e\` ` +
        'and send the missing lines with a new `pado produce`';
    case KafkaError.messageTooLarge.code:
    case KafkaError.recordListTooLarge.code:
      return `send smaller lines, or raise it with \`pado topic alter-config ${topic} --set ` +
        'max.message.bytes=<n>`';
    default:
      return `check \`pado topic describe ${topic}\` and the broker logs`;
  }
}

function outcomeText(outcome: SendOutcome): string {
  switch (outcome.kind) {
    case 'answer':
      return kafkaErrorByCode(outcome.errorCode)?.name ?? `error code ${outcome.errorCode}`;
    case 'written':
      return 'written';
    case 'unsent':
    case 'lost':
      return outcome.message;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
