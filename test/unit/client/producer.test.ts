// Proves the leader routing and retries of the CLI's producer (client/cluster.ts, producer.ts)
// against scripted in-memory brokers, no sockets: a bootstrap list is tried in turn; batches go to
// each partition's leader, one Produce per leader; when the leader moves, or the connection drops
// after the leader appended, metadata is refreshed and the very same batch (same producer id,
// epoch and sequence) goes to the new leader, which recognises a copy it already has, so the log
// holds it once. Without idempotence a lost answer stops instead; a refused sequence stops with a
// message naming topic, partition and the next step. The brokers model Kafka's check: a batch
// whose (producer id, base sequence) the partition holds is answered with its original offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClusterClient, connectAny, Producer, ProduceError, type BrokerAddress, type KafkaClient,
  type PartitionBatch, type ProduceRetry,
} from '../../../src/client/index.js';
import { PadoError, PadoErrorCode, isPadoError } from '../../../src/common/index.js';
import {
  defaultMetadataResponse, defaultMetadataResponseBroker, defaultMetadataResponsePartition,
  defaultMetadataResponseTopic, type MetadataResponse, type ProduceResponse,
} from '../../../src/protocol/index.js';
import { parseBatchHeader } from '../../../src/protocol/records/index.js';
import { systemClock } from '../../../src/node/io/index.js';

const topic = 't';

interface Stored {
  producerId: number;
  baseSequence: number;
  recordCount: number;
}

/** What the next Produce to a broker does before (or instead of) answering. */
type Fault = 'append-then-drop';

class FakeCluster {
  readonly leaders = new Map<number, number>();
  readonly logs = new Map<number, Stored[]>();
  readonly down = new Set<number>();
  /** Faults of the next Produce to a broker, and what happens in the cluster right after. */
  readonly faults = new Map<number, { fault: Fault; then?: () => void }>();
  /** Produce requests seen: broker id and the partitions it carried. */
  readonly produces: { broker: number; partitions: number[] }[] = [];
  /** Error code the leader of a partition answers instead of appending, once. */
  readonly refuseOnce = new Map<number, number>();

  address(id: number): BrokerAddress {
    return { host: `b${id}`, port: 9092 };
  }

  connect = (address: BrokerAddress): Promise<KafkaClient> => {
    const id = Number(address.host.slice(1));
    if (!(id >= 1 && id <= 3) || this.down.has(id)) {
      return Promise.reject(new PadoError(PadoErrorCode.connection,
        `broker ${address.host}:${address.port}: connection refused; is \`pado start\` ` +
        'running there?', { cause: new Error('connect ECONNREFUSED') }));
    }
    return Promise.resolve(this.client(id, address));
  };

  private client(id: number, address: BrokerAddress): KafkaClient {
    const fake = {
      address,
      supports: () => true,
      close: () => Promise.resolve(),
      initProducerId: () => Promise.resolve({ throttleTimeMs: 0, errorCode: 0, producerId: 42,
        producerEpoch: 0 }),
      metadata: () => Promise.resolve(this.metadata()),
      produceBatches: (_topic: string, batches: readonly PartitionBatch[]) =>
        this.produce(id, batches),
    };
    return fake as unknown as KafkaClient;
  }

  private metadata(): MetadataResponse {
    return {
      ...defaultMetadataResponse(),
      brokers: [1, 2, 3].filter((id) => !this.down.has(id)).map((id) => ({
        ...defaultMetadataResponseBroker(), nodeId: id, ...this.address(id),
      })),
      topics: [{
        ...defaultMetadataResponseTopic(), name: topic,
        partitions: [...this.leaders].map(([partitionIndex, leaderId]) => ({
          ...defaultMetadataResponsePartition(), partitionIndex, leaderId,
        })),
      }],
    };
  }

  private produce(id: number, batches: readonly PartitionBatch[]): Promise<ProduceResponse> {
    if (this.down.has(id)) return Promise.reject(lost());
    this.produces.push({ broker: id, partitions: batches.map((b) => b.partition) });
    const scripted = this.faults.get(id);
    this.faults.delete(id);
    const answers = batches.map((b) => ({ index: b.partition, ...this.append(id, b) }));
    scripted?.then?.();
    if (scripted?.fault === 'append-then-drop') return Promise.reject(lost());
    return Promise.resolve({ throttleTimeMs: 0, nodeEndpoints: [], responses: [{ name: topic,
      partitionResponses: answers.map((a) => ({ index: a.index, errorCode: a.errorCode,
        baseOffset: a.baseOffset, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [],
        errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } })) }] });
  }

  private append(id: number, b: PartitionBatch): { errorCode: number; baseOffset: number } {
    if (this.leaders.get(b.partition) !== id) return { errorCode: 6, baseOffset: -1 };
    const refused = this.refuseOnce.get(b.partition);
    if (refused !== undefined) {
      this.refuseOnce.delete(b.partition);
      return { errorCode: refused, baseOffset: -1 };
    }
    const parsed = parseBatchHeader(b.batch, 0);
    assert.ok(parsed.ok);
    const { producerId, baseSequence, recordCount } = parsed.header;
    const log = this.logs.get(b.partition) ?? [];
    this.logs.set(b.partition, log);
    let offset = 0;
    for (const s of log) {
      if (producerId >= 0 && s.producerId === producerId && s.baseSequence === baseSequence) {
        return { errorCode: 0, baseOffset: offset };
      }
      offset += s.recordCount;
    }
    log.push({ producerId, baseSequence, recordCount });
    return { errorCode: 0, baseOffset: offset };
  }
}

function lost(): PadoError {
  return new PadoError(PadoErrorCode.connection, 'broker b1:9092: connection closed by the ' +
    'broker; is `pado start` running there?');
}

const records = (n: number, tag: string) => Array.from({ length: n }, (_, i) =>
  ({ key: null, value: Buffer.from(`${tag}${i}`), timestamp: 1_000 }));
const fast = { retryBackoffMs: 1, retryBackoffMaxMs: 2 };

async function open(
  fake: FakeCluster, bootstrap: BrokerAddress[], acks: 1 | -1 = -1,
  retries: ProduceRetry[] = [],
): Promise<{ cluster: ClusterClient; producer: Producer }> {
  const cluster = new ClusterClient(bootstrap, fake.connect, systemClock);
  await cluster.metadata([topic]);
  const producer = await Producer.open(cluster, { topic, acks, compression: 'none', ...fast,
    onRetry: (r) => retries.push(r) });
  return { cluster, producer };
}

test('connectAny tries each address in turn; one address keeps its own error', async () => {
  const fake = new FakeCluster();
  const client = await connectAny([{ host: 'b9', port: 1 }, fake.address(2)], fake.connect);
  assert.equal(client.address.host, 'b2');
  await assert.rejects(connectAny([{ host: 'b9', port: 1 }], fake.connect),
    /^PadoError: broker b9:1: connection refused/);
  await assert.rejects(connectAny([{ host: 'b8', port: 1 }, { host: 'b9', port: 2 }],
    fake.connect), (e: unknown) => isPadoError(e, 'PADO_CONNECTION') && e.message ===
    'none of the 2 bootstrap brokers answered: b8:1 (connect ECONNREFUSED), b9:2 (connect ' +
    'ECONNREFUSED); is `pado start` running there? (set the addresses with --bootstrap ' +
    'host:port,host:port)');
});

test('batches go to their partition leaders, one Produce per leader, found from a bootstrap ' +
  'list whose first address is down', async () => {
  const fake = new FakeCluster();
  for (const [p, leader] of [[0, 1], [1, 2], [2, 3], [3, 1]] as const) fake.leaders.set(p, leader);
  fake.down.add(1);
  const { cluster, producer } = await open(fake, [fake.address(1), fake.address(3)]);
  fake.down.delete(1);
  await cluster.metadata([topic]);
  for (const p of [0, 1, 2, 3]) producer.enqueue(p, records(2, `p${p}-`));
  await producer.flush();
  assert.deepEqual(fake.produces.sort((a, b) => a.broker - b.broker), [
    { broker: 1, partitions: [0, 3] }, { broker: 2, partitions: [1] },
    { broker: 3, partitions: [2] },
  ]);
  assert.deepEqual(producer.acknowledged().map((p) => [p.partition, p.records]),
    [[0, 2], [1, 2], [2, 2], [3, 2]]);
  await cluster.close();
});

test('the leader moved: NOT_LEADER_OR_FOLLOWER, metadata again, the same batch to the new leader',
  async () => {
    const fake = new FakeCluster();
    fake.leaders.set(0, 1);
    const retries: ProduceRetry[] = [];
    const { cluster, producer } = await open(fake, [fake.address(1)], -1, retries);
    fake.leaders.set(0, 2); // moved after the producer read metadata
    producer.enqueue(0, records(3, 'a'));
    producer.enqueue(0, records(2, 'b'));
    await producer.flush();
    assert.deepEqual(fake.produces.map((p) => p.broker), [1, 2, 2]);
    assert.deepEqual(retries.map((r) => [r.partition, r.attempts, r.reason]),
      [[0, 1, 'NOT_LEADER_OR_FOLLOWER']]);
    const log = fake.logs.get(0) ?? [];
    assert.deepEqual(log.map((s) => [s.producerId, s.baseSequence]), [[42, 0], [42, 3]]);
    await cluster.close();
  });

test('the answer is lost after the leader appended, and it dies: the re-sent batch is ' +
  'recognised by the new leader and stored once', async () => {
  const fake = new FakeCluster();
  fake.leaders.set(0, 1);
  const { cluster, producer } = await open(fake, [fake.address(1), fake.address(2)]);
  producer.enqueue(0, records(5, 'x'));
  fake.faults.set(1, { fault: 'append-then-drop', then: () => {
    // The old leader is gone; broker 2, which had copied the batch, leads now.
    fake.down.add(1);
    fake.leaders.set(0, 2);
  } });
  await producer.flush();
  assert.deepEqual(fake.produces.map((p) => p.broker), [1, 2]);
  assert.equal(fake.logs.get(0)?.length, 1, 'stored once');
  assert.deepEqual(producer.acknowledged().map((p) => [p.records, p.firstOffset]), [[5, 0]]);
  await cluster.close();
});

test('without idempotence (acks=1) a lost answer stops: the batch may or may not be written',
  async () => {
    const fake = new FakeCluster();
    fake.leaders.set(0, 1);
    const { cluster, producer } = await open(fake, [fake.address(1)], 1);
    producer.enqueue(0, records(2, 'y'));
    fake.faults.set(1, { fault: 'append-then-drop' });
    await assert.rejects(producer.flush(), (e: unknown) => e instanceof ProduceError &&
      e.failure.reason === 'unknown' &&
      /^topic 't' partition 0: the connection failed .*may or may not be written/.test(e.message));
    assert.equal(fake.produces.length, 1, 'not sent again');
    await cluster.close();
  });

test('a refused sequence stops with the partition, what happened and the next step', async () => {
  const fake = new FakeCluster();
  fake.leaders.set(0, 1);
  fake.leaders.set(1, 2);
  const { cluster, producer } = await open(fake, [fake.address(2)]);
  fake.refuseOnce.set(1, 45);
  producer.enqueue(0, records(1, 'ok'));
  producer.enqueue(1, records(3, 'no'));
  producer.enqueue(1, records(3, 'later'));
  await assert.rejects(producer.flush(), (e: unknown) => {
    assert.ok(e instanceof ProduceError && isPadoError(e, 'PADO_NOT_ACKNOWLEDGED'));
    assert.equal(e.message, "topic 't' partition 1: refused: OUT_OF_ORDER_SEQUENCE_NUMBER " +
      '(The broker received an out-of-order sequence number.); 6 record(s) queued for it ' +
      "were not acknowledged; the partition's log does not hold this producer's earlier " +
      'batches as sent; check what arrived with `pado consume t -p 1 --from-beginning -e` and ' +
      'send the missing lines with a new `pado produce`');
    return true;
  });
  // Partition 0 was acknowledged in the same round.
  assert.deepEqual(producer.acknowledged().map((p) => [p.partition, p.records]), [[0, 1]]);
  await cluster.close();
});
