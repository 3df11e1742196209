// Proves client/topic-reader.ts against scripted in-memory brokers, no sockets: Fetch and
// ListOffsets go to each partition's leader, one request per leader; a partition whose leader
// moved (NOT_LEADER_OR_FOLLOWER) or cannot be reached is left out of this answer and asked of its
// new leader after a metadata refresh; other error codes are handed back; a partition without an
// answering leader for leaderWaitMs ends the reads with an error naming it and the next step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClusterClient, TopicReader, type BrokerAddress, type FetchPartition, type KafkaClient,
  type OffsetQuery,
} from '../../../src/client/index.js';
import { PadoError, PadoErrorCode, isPadoError } from '../../../src/common/index.js';
import {
  defaultFetchResponse, defaultFetchResponsePartitionData, defaultListOffsetsResponse,
  defaultListOffsetsResponsePartitionResponse, defaultMetadataResponse,
  defaultMetadataResponseBroker, defaultMetadataResponsePartition, defaultMetadataResponseTopic,
} from '../../../src/protocol/index.js';
import { systemClock } from '../../../src/node/io/index.js';

const topic = 't';

/** Brokers 1–3; `leaders` is the truth, `told` what Metadata says (may lag behind). */
class Fake {
  readonly leaders = new Map<number, number>();
  readonly down = new Set<number>();
  readonly asked: { broker: number; api: string; partitions: number[] }[] = [];
  /** A partition's answer code from its leader, instead of 0. */
  readonly codes = new Map<number, number>();

  connect = (address: BrokerAddress): Promise<KafkaClient> => {
    const id = Number(address.host.slice(1));
    if (this.down.has(id)) {
      return Promise.reject(new PadoError(PadoErrorCode.connection, 'connection refused'));
    }
    return Promise.resolve({
      address, close: () => Promise.resolve(),
      metadata: () => Promise.resolve({
        ...defaultMetadataResponse(),
        brokers: [1, 2, 3].map((nodeId) => ({ ...defaultMetadataResponseBroker(), nodeId,
          host: `b${nodeId}`, port: 1 })),
        topics: [{ ...defaultMetadataResponseTopic(), name: topic,
          partitions: [...this.leaders].map(([partitionIndex, leaderId]) =>
            ({ ...defaultMetadataResponsePartition(), partitionIndex, leaderId })) }],
      }),
      fetch: (partitions: FetchPartition[]) => {
        this.asked.push({ broker: id, api: 'fetch',
          partitions: partitions.map((p) => p.partition) });
        return Promise.resolve({ ...defaultFetchResponse(), responses: [{ topic, topicId: '',
          partitions: partitions.map((p) => ({ ...defaultFetchResponsePartitionData(),
            partitionIndex: p.partition, errorCode: this.code(id, p.partition),
            highWatermark: 10 })) }] });
      },
      listOffsets: (_t: string, queries: OffsetQuery[]) => {
        this.asked.push({ broker: id, api: 'listOffsets',
          partitions: queries.map((q) => q.partition) });
        return Promise.resolve({ ...defaultListOffsetsResponse(), topics: [{ name: topic,
          partitions: queries.map((q) => ({ ...defaultListOffsetsResponsePartitionResponse(),
            partitionIndex: q.partition, errorCode: this.code(id, q.partition),
            offset: 100 + q.partition })) }] });
      },
    } as unknown as KafkaClient);
  };

  private code(broker: number, partition: number): number {
    if (this.leaders.get(partition) !== broker) return 6;
    return this.codes.get(partition) ?? 0;
  }
}

async function reader(fake: Fake, leaderWaitMs = 60_000): Promise<TopicReader> {
  const cluster = new ClusterClient([{ host: 'b1', port: 1 }], fake.connect, systemClock);
  await cluster.metadata([topic]);
  return new TopicReader(cluster, topic, { leaderWaitMs, retryBackoffMs: 1,
    retryBackoffMaxMs: 2 });
}

test('one Fetch per leader; a moved leader is asked again after a metadata refresh', async () => {
  const fake = new Fake();
  for (const [p, l] of [[0, 1], [1, 2], [2, 1]] as const) fake.leaders.set(p, l);
  const r = await reader(fake);
  fake.leaders.set(1, 3); // moved after the reader's metadata
  const positions = [0, 1, 2].map((partition) => ({ partition, offset: 0 }));
  const first = await r.fetch(positions, {});
  assert.deepEqual(first.map((p) => p.partitionIndex).sort(), [0, 2]);
  const second = await r.fetch([{ partition: 1, offset: 0 }], {});
  assert.deepEqual(second.map((p) => [p.partitionIndex, p.errorCode]), [[1, 0]]);
  assert.deepEqual(fake.asked.map((a) => [a.broker, a.partitions]).sort(),
    [[1, [0, 2]], [2, [1]], [3, [1]]]);
});

test('ListOffsets asks each leader until every partition answered; other codes come back',
  async () => {
    const fake = new Fake();
    for (const [p, l] of [[0, 1], [1, 2]] as const) fake.leaders.set(p, l);
    const r = await reader(fake);
    fake.leaders.set(0, 2);
    fake.codes.set(1, 1); // OFFSET_OUT_OF_RANGE is the caller's to explain
    const offsets = await r.offsets([0, 1], -1);
    assert.deepEqual([...offsets].sort(), [[0, { errorCode: 0, offset: 100 }],
      [1, { errorCode: 1, offset: 101 }]]);
  });

test('a partition with no answering leader for leaderWaitMs is an error naming it', async () => {
  const fake = new Fake();
  fake.leaders.set(0, 2);
  const r = await reader(fake, 20);
  fake.down.add(2);
  await assert.rejects(async () => {
    for (let i = 0; i < 1_000; i++) await r.fetch([{ partition: 0, offset: 0 }], {});
  }, (e: unknown) => isPadoError(e, 'PADO_TIMEOUT') && new RegExp("^topic 't' partition 0: " +
    'no leader answered for 20 ms \\(last: broker 2: connection refused\\); check ' +
    '`pado topic describe t`').test(e.message));
});
