/**
 * A pipelining idempotent producer inside the world, shaped after librdkafka's (the client that
 * broke Pado's first promise in issue 13): up to 5 batches in flight per partition, one Produce per
 * leader carrying a batch for each of its partitions, several Produce requests pipelined on one
 * connection. Its rules, as librdkafka applies them (KIP-98, KIP-360):
 * - a batch keeps its bytes (producer id, epoch, sequence) across retries;
 * - a retriable error or a lost connection puts the batch back; the partition is drained (nothing
 *   more is sent for it until every batch in flight has come back) and sent again in order;
 * - OUT_OF_ORDER_SEQUENCE_NUMBER behind an unacknowledged batch is retriable (a consequence of the
 *   one before it); on the first unacknowledged batch, or UNKNOWN_PRODUCER_ID there, the producer
 *   is out of step with the broker: librdkafka bumps its epoch (InitProducerId, sequences from 0)
 *   and sends every unacknowledged batch again, duplicating what a broker had stored. A correct
 *   broker never makes an orderly client do that, so every bump here is a finding, with its cause.
 * What it sent and had acknowledged goes into a Session (workload.ts), acknowledgements being a
 * prefix per partition (a partition's batches are appended in sequence order).
 */
import { delay } from '../../../src/common/index.js';
import { noLeader, type ClusterClient, type KafkaClient } from '../../../src/client/index.js';
import { KafkaError, type InitProducerIdResponse, type ProduceResponse } from '../../../src/protocol/index.js';
import { buildBatch } from '../../../src/protocol/records/index.js';
import { runSessions, topic, type ProducerSpec, type Session } from './workload.js';
import type { World } from './world.js';

const inFlightMax = 5;
const retryBackoffMs = 100;

const retriable: ReadonlySet<number> = new Set([
  KafkaError.notLeaderOrFollower.code, KafkaError.leaderNotAvailable.code,
  KafkaError.unknownTopicOrPartition.code, KafkaError.notEnoughReplicas.code,
  KafkaError.notEnoughReplicasAfterAppend.code, KafkaError.requestTimedOut.code,
  KafkaError.kafkaStorageError.code, KafkaError.fencedLeaderEpoch.code, KafkaError.unknownLeaderEpoch.code,
  KafkaError.networkException.code,
]);

interface Batch {
  readonly partition: number;
  /** Index of its first value in the session's `sent` list of the partition. */
  readonly first: number;
  readonly count: number;
  bytes: Buffer;
  inFlight: boolean;
  acked: boolean;
}

interface PartitionState {
  batches: Batch[];
  nextSequence: number;
  inFlight: number;
  /** After a failure: send nothing until every batch in flight is back. */
  draining: boolean;
  retryAtMs: number;
  /** The broker the batches in flight went to. */
  inFlightTo: number;
}

/** Thrown out of a session: the producer must bump its epoch (or give up). */
class OutOfStep extends Error {}

export interface PipelineEvents {
  /** An epoch bump and why: a finding unless the client caused it. */
  bump(detail: string): void;
  /** A batch acknowledged (acks=all) at these offsets of `partition`. */
  acked?(partition: number, baseOffset: number, lastOffset: number): void;
}

/** Sessions until `stopped()`; each send enqueues a record per partition, flushing as it goes. */
export function runPipelinedProducer(
  world: World, spec: ProducerSpec, sessions: Session[], stopped: () => boolean, events: PipelineEvents,
): Promise<void> {
  return runSessions(world, spec, '10.0.2', stopped, async (cluster, session) => {
    const { producerId, producerEpoch } = await initProducer(cluster, stopped);
    sessions.push(session);
    await new Pipeline(cluster, spec, session, producerId, producerEpoch, events).run(stopped);
  });
}

async function initProducer(cluster: ClusterClient, stopped: () => boolean):
  Promise<{ producerId: number; producerEpoch: number }> {
  for (let attempt = 0; attempt < 200 && !stopped(); attempt++) {
    try {
      const client = await cluster.any();
      const r: InitProducerIdResponse = await client.initProducerId();
      if (r.errorCode === 0) return { producerId: r.producerId, producerEpoch: r.producerEpoch };
    } catch {
      // no broker answered: again
    }
    await delay(cluster.clock, retryBackoffMs);
  }
  throw new Error('no producer id');
}

class Pipeline {
  private readonly parts = new Map<number, PartitionState>();
  private metadataStale = true;
  private wake: (() => void) | null = null;
  /** Set when the producer fell out of step with a broker (run() ends the session with it). */
  private outOfStep: OutOfStep | null = null;
  private stopDeadlineMs = -1;

  private readonly cluster: ClusterClient;
  private readonly spec: ProducerSpec;
  private readonly session: Session;
  private readonly producerId: number;
  private readonly producerEpoch: number;
  private readonly events: PipelineEvents;

  constructor(cluster: ClusterClient, spec: ProducerSpec, session: Session, producerId: number,
    producerEpoch: number, events: PipelineEvents) {
    this.cluster = cluster;
    this.spec = spec;
    this.session = session;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.events = events;
    for (let p = 0; p < spec.partitions; p++) {
      this.parts.set(p, { batches: [], nextSequence: 0, inFlight: 0, draining: false, retryAtMs: 0,
        inFlightTo: noLeader });
      session.sent.set(p, []);
      session.acked.set(p, 0);
    }
  }

  async run(stopped: () => boolean): Promise<void> {
    const clock = this.cluster.clock;
    let n = 0;
    let lastEnqueueMs = -Infinity;
    for (;;) {
      if (this.outOfStep !== null) throw this.outOfStep;
      if (stopped()) {
        // Once stopped, unacknowledged batches get 30 s more (then the session just ends).
        if (this.stopDeadlineMs < 0) this.stopDeadlineMs = clock.now() + 30_000;
        if (this.unacked() === 0 || (this.inFlight() === 0 && clock.now() > this.stopDeadlineMs)) break;
      }
      // An application writing every pauseMs, as long as little is outstanding.
      if (!stopped() && clock.now() - lastEnqueueMs >= this.spec.pauseMs && this.unacked() < 40) {
        lastEnqueueMs = clock.now();
        const startMs = clock.now();
        for (let p = 0; p < this.spec.partitions; p++) {
          const values: string[] = [];
          for (let i = 0; i < this.spec.recordsPerSend; i++) {
            values.push(`${this.spec.name}/${this.session.number}/${n++}`);
          }
          this.enqueue(p, values);
        }
        this.session.sends.push({ startMs, endMs: -1 });
      }
      if (this.metadataStale) {
        this.metadataStale = false;
        await this.cluster.metadata([topic]).catch(() => { this.metadataStale = true; });
      }
      this.sendReady();
      await this.sleep(Math.max(1, Math.min(this.spec.pauseMs, 50)));
    }
  }

  private unacked(): number {
    let n = 0;
    for (const s of this.parts.values()) n += s.batches.length;
    return n;
  }

  private inFlight(): number {
    let n = 0;
    for (const s of this.parts.values()) n += s.inFlight;
    return n;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.cluster.clock.after(ms, () => {
        this.wake = null;
        resolve();
      });
      this.wake = () => {
        timer.cancel();
        this.wake = null;
        resolve();
      };
    });
  }

  private enqueue(partition: number, values: string[]): void {
    const s = this.parts.get(partition)!;
    const sent = this.session.sent.get(partition)!;
    const batch: Batch = { partition, first: sent.length, count: values.length, inFlight: false, acked: false,
      bytes: this.build(values, s.nextSequence) };
    sent.push(...values);
    s.nextSequence += values.length;
    s.batches.push(batch);
  }

  private build(values: readonly string[], baseSequence: number): Buffer {
    return buildBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 0 })),
      compression: 'none', producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence });
  }

  /** Per leader, one Produce with the next batch of each of its partitions that may go now. */
  private sendReady(): void {
    const now = this.cluster.clock.now();
    const byLeader = new Map<number, Batch[]>();
    for (const [p, s] of this.parts) {
      if (s.draining || s.inFlight >= inFlightMax || now < s.retryAtMs) continue;
      const next = s.batches.find((b) => !b.inFlight && !b.acked);
      if (next === undefined) continue;
      // In order: nothing after a batch not yet sent.
      const leader = this.cluster.leaderOf(topic, p);
      if (leader === noLeader) {
        this.metadataStale = true;
        continue;
      }
      // librdkafka drains a partition before producing to its new leader ("beginning partition
      // drain: wait for outstanding requests to finish before producing to new leader"): a batch
      // after one still in flight at the old leader would otherwise be acknowledged first, and
      // the old one, retried later, fall outside the broker's five-batch duplicate window
      // (seed 7021 on 633e810: OUT_OF_ORDER_SEQUENCE_NUMBER, the client's doing, not the broker's).
      if (s.inFlight > 0 && s.inFlightTo !== leader) continue;
      const list = byLeader.get(leader) ?? [];
      list.push(next);
      byLeader.set(leader, list);
    }
    for (const [leader, batches] of byLeader) {
      for (const b of batches) {
        b.inFlight = true;
        const s = this.parts.get(b.partition)!;
        s.inFlight++;
        s.inFlightTo = leader;
      }
      void this.produce(leader, batches);
    }
  }

  private async produce(leader: number, batches: Batch[]): Promise<void> {
    let response: ProduceResponse | null = null;
    let client: KafkaClient | undefined;
    try {
      client = await this.cluster.broker(leader);
      response = await client.produceBatches(topic, batches.map((b) => ({ partition: b.partition, batch: b.bytes })),
        -1, 3_000);
    } catch {
      if (client !== undefined) this.cluster.dropConnection(client);
    }
    for (const b of batches) {
      const answer = response?.responses.find((t) => t.name === topic)?.partitionResponses
        .find((x) => x.index === b.partition);
      const code = answer?.errorCode ?? KafkaError.networkException.code;
      if (code === 0 && answer !== undefined) this.events.acked?.(b.partition, Number(answer.baseOffset), Number(answer.baseOffset) + b.count - 1);
      this.complete(b, code);
    }
    this.wake?.();
  }

  private complete(b: Batch, code: number): void {
    const s = this.parts.get(b.partition)!;
    b.inFlight = false;
    s.inFlight--;
    if (s.inFlight === 0) s.draining = false;
    if (code === 0 || code === KafkaError.duplicateSequenceNumber.code) {
      b.acked = true;
      this.advanceAcks(b.partition);
      return;
    }
    const headUnacked = s.batches.find((x) => !x.acked) === b;
    if (retriable.has(code) || (!headUnacked && code === KafkaError.outOfOrderSequenceNumber.code)) {
      this.metadataStale = true;
      s.draining = s.inFlight > 0;
      s.retryAtMs = this.cluster.clock.now() + retryBackoffMs;
      return;
    }
    if (code === KafkaError.outOfOrderSequenceNumber.code || code === KafkaError.unknownProducerId.code) {
      const name = code === KafkaError.outOfOrderSequenceNumber.code ? 'OUT_OF_ORDER_SEQUENCE_NUMBER'
        : 'UNKNOWN_PRODUCER_ID';
      this.events.bump(`${this.spec.name} session ${this.session.number}: ${name} for the first ` +
        `unacknowledged batch of partition ${b.partition} (values ${b.first}..${b.first + b.count - 1}, ` +
        `sequence ${this.sequenceOf(b)})`);
      this.outOfStep ??= new OutOfStep(`${name}: out of step with the broker (librdkafka would bump its epoch)`);
      return;
    }
    this.outOfStep ??= new OutOfStep(`produce refused with error ${code}`);
  }

  private sequenceOf(b: Batch): number {
    return b.bytes.readInt32BE(53);
  }

  private advanceAcks(partition: number): void {
    const s = this.parts.get(partition)!;
    let acked = this.session.acked.get(partition) ?? 0;
    while (s.batches.length > 0 && s.batches[0]!.acked) {
      const b = s.batches.shift()!;
      acked = b.first + b.count;
    }
    this.session.acked.set(partition, acked);
    // A send (one record per partition) is acknowledged once every partition has it.
    const everywhere = Math.min(...[...this.session.acked.values()]) / this.spec.recordsPerSend;
    const now = this.cluster.clock.now();
    for (let i = 0; i < this.session.sends.length && i < everywhere; i++) {
      const send = this.session.sends[i]!;
      if (send.endMs < 0) send.endMs = now;
    }
  }
}
