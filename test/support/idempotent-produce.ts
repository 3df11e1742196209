/**
 * acks=all produces of one record each to one broker, as an idempotent producer, retried while
 * the answer is retriable (a node just named leader may not lead yet; on a busy machine its lease
 * may lapse for a moment): a retry is never stored twice, so a test can count what it wrote.
 */
import assert from 'node:assert/strict';
import type { KafkaClient } from '../../src/client/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { waitFor } from './run.js';

/** NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS(_AFTER_APPEND). */
const retriable = new Set([6, 7, 19, 20]);

export class IdempotentProducer {
  private id: { producerId: number; producerEpoch: number } | undefined;
  private sequence = 0;

  /** Produces `value` to `topic`/`partition` through `client`; resolves once acknowledged. */
  async send(client: KafkaClient, topic: string, partition: number, value: string,
    withinMs: number): Promise<void> {
    if (this.id === undefined) {
      const r = await client.initProducerId();
      assert.equal(r.errorCode, 0, `InitProducerId: error ${r.errorCode}`);
      this.id = { producerId: Number(r.producerId), producerEpoch: r.producerEpoch };
    }
    const batch = buildBatch({ records: [{ key: null, value: Buffer.from(value),
      timestamp: Date.now() }], compression: 'none', ...this.id, baseSequence: this.sequence });
    await waitFor(`${value} acknowledged`, async () => {
      const r = await client.produce(topic, partition, batch, -1, 10_000);
      const code = r?.responses[0]?.partitionResponses[0]?.errorCode;
      if (code === 0) return true;
      assert.ok(code !== undefined && retriable.has(code), `${value}: error ${code}`);
      return undefined;
    }, withinMs, 100);
    this.sequence++;
  }
}
