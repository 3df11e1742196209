/**
 * Idempotent batches a leader refused with a retriable error before appending them (not the
 * leader, too few in-sync replicas, disk full, held too long): the last one per producer. A batch
 * pipelined behind a refused one must not be judged against a log that lacks it: answered
 * OUT_OF_ORDER_SEQUENCE_NUMBER (or UNKNOWN_PRODUCER_ID), librdkafka bumps its epoch and sends
 * again, under the new epoch, every record it holds unacknowledged — including batches an
 * earlier answer left "possibly persisted" (a dropped connection, NOT_ENOUGH_REPLICAS_AFTER_APPEND)
 * that are in fact in the log: duplicates (issue 13, the bridge-flap chaos run). Kafka rarely
 * meets this, as it handles one request per connection at a time; Pado handles a connection's
 * requests concurrently and a refusal can end a moment before the condition does (a lease
 * back, the ISR grown again). So a batch whose gap starts exactly at a refused batch gets that
 * batch's retriable error: the client retries both, in order. Pure and bounded.
 */
export interface RefusedBatch {
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly errorCode: number;
}

export class RefusedBatches {
  /** By producer id, oldest refusal first (Map order); Invariant: size ≤ max. */
  private readonly byProducer = new Map<number, RefusedBatch>();
  private readonly max: number;

  constructor(max = 1024) {
    this.max = max;
  }

  get size(): number {
    return this.byProducer.size;
  }

  /** `producerId`'s batch starting at `baseSequence` was refused with `errorCode`, not appended. */
  refused(producerId: number, producerEpoch: number, baseSequence: number, errorCode: number): void {
    if (producerId < 0) return;
    this.byProducer.delete(producerId);
    this.byProducer.set(producerId, { producerEpoch, baseSequence, errorCode });
    if (this.byProducer.size > this.max) {
      const oldest = this.byProducer.keys().next().value as number;
      this.byProducer.delete(oldest);
    }
  }

  /** A batch of `producerId` was appended: its sequence has moved on. */
  appended(producerId: number): void {
    if (this.byProducer.size > 0) this.byProducer.delete(producerId);
  }

  /**
   * A batch of `producerId` in `producerEpoch` leaves a gap that starts at `expectedSequence`:
   * the refused batch that opened it, if it was refused here (same epoch, same first sequence).
   */
  gapOpenedBy(producerId: number, producerEpoch: number, expectedSequence: number):
    RefusedBatch | undefined {
    const refused = this.byProducer.get(producerId);
    if (refused === undefined || refused.producerEpoch !== producerEpoch ||
      refused.baseSequence !== expectedSequence) return undefined;
    return refused;
  }
}
