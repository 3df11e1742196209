/**
 * Fetch, ListOffsets and DeleteRecords against a real broker, through Pado's own client:
 * - a long poll on an empty partition is answered with the data produced while it waits;
 * - per-partition and total byte limits return whole batches only, except the first batch of the
 *   response, which comes whole even when larger than the limits (KIP-74);
 * - a fetch below the log start or beyond the end gets OFFSET_OUT_OF_RANGE;
 * - ListOffsets answers earliest, latest and by timestamp; DeleteRecords moves the log start.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient, decodeFetchedRecords, OffsetSpec } from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { startBroker, type BrokerProcess } from '../support/broker.js';
import { clientIo } from '../support/client-io.js';

let broker: BrokerProcess;
let client: KafkaClient;
const topic = 'fetching';

before(async () => {
  broker = await startBroker();
  client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port, requestTimeoutMs: 20_000 });
  const created = await client.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]);
  assert.equal(created.topics[0]?.errorCode, 0);
});
after(async () => {
  await client?.close();
  await broker?.stop();
});

function batchOf(values: string[], timestamp: number): Buffer {
  return buildBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp })),
    compression: 'none',
  });
}

async function produce(partition: number, values: string[], timestamp = Date.now()): Promise<number> {
  const res = await client.produce(topic, partition, batchOf(values, timestamp), -1);
  const p = res!.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, 0);
  return p.baseOffset;
}

test('a long poll is answered with data produced while it waits', async () => {
  const poll = client.fetch([{ topic, partition: 1, offset: 0 }], { maxWaitMs: 10_000, minBytes: 1 });
  // The fetch is in flight before the produce is sent (one connection, requests in order).
  const produced = produce(1, ['late arrival']);
  const [res] = await Promise.all([poll, produced]);
  const records = decodeFetchedRecords(res.responses[0]!.partitions[0]!.records).records;
  assert.deepEqual(records.map((r) => r.value?.toString()), ['late arrival']);
});

test('byte limits return whole batches; the first batch comes whole even when larger (KIP-74)', async () => {
  const kb = 'x'.repeat(1000);
  for (let i = 0; i < 5; i++) await produce(0, [`${i}${kb}`]);
  const small = await client.fetch([{ topic, partition: 0, offset: 0, maxBytes: 2500 }], { maxWaitMs: 0 });
  const got = decodeFetchedRecords(small.responses[0]!.partitions[0]!.records).records;
  assert.equal(got.length, 2, 'two ~1 KiB batches fit in 2,500 bytes, a third does not');
  const tiny = await client.fetch([{ topic, partition: 0, offset: 0, maxBytes: 10 }], { maxWaitMs: 0 });
  const first = decodeFetchedRecords(tiny.responses[0]!.partitions[0]!.records).records;
  assert.equal(first.length, 1, 'one whole batch despite a 10-byte limit');
  const total = await client.fetch(
    [{ topic, partition: 0, offset: 0, maxBytes: 1 << 20 }, { topic, partition: 1, offset: 0, maxBytes: 1 << 20 }],
    { maxWaitMs: 0, maxBytes: 10 },
  );
  const [p0, p1] = total.responses[0]!.partitions;
  assert.equal(decodeFetchedRecords(p0!.records).records.length, 1, 'first partition: one batch');
  assert.equal(decodeFetchedRecords(p1!.records).records.length, 0, 'no room left for the second');
  assert.equal(p1!.highWatermark, 1);
});

test('offsets out of range, ListOffsets and DeleteRecords', async () => {
  const beyond = await client.fetch([{ topic, partition: 0, offset: 99 }], { maxWaitMs: 0 });
  assert.equal(beyond.responses[0]!.partitions[0]!.errorCode, 1);
  const t0 = Date.now() + 86_400_000; // later than every earlier batch in this partition
  const base = await produce(0, ['old'], t0);
  await produce(0, ['new'], t0 + 60_000);
  const offsets = await client.listOffsets(topic, [
    { partition: 0, timestamp: OffsetSpec.earliest },
    { partition: 1, timestamp: OffsetSpec.latest },
  ]);
  assert.equal(offsets.topics[0]!.partitions[0]!.offset, 0);
  assert.equal(offsets.topics[0]!.partitions[1]!.offset, 1);
  const byTime = await client.listOffsets(topic, [{ partition: 0, timestamp: t0 + 30_000 }]);
  assert.equal(byTime.topics[0]!.partitions[0]!.offset, base + 1);

  const deleted = await client.request<{ topics: { partitions: { lowWatermark: number; errorCode: number }[] }[] }>(
    ApiKey.deleteRecords,
    { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 3 }] }], timeoutMs: 5000 },
    2,
  );
  assert.deepEqual(deleted.topics[0]!.partitions[0], { partitionIndex: 0, lowWatermark: 3, errorCode: 0 });
  const below = await client.fetch([{ topic, partition: 0, offset: 0 }], { maxWaitMs: 0 });
  assert.equal(below.responses[0]!.partitions[0]!.errorCode, 1, 'below the log start: out of range');
  assert.equal(below.responses[0]!.partitions[0]!.logStartOffset, 3);
  const earliest = await client.listOffsets(topic, [{ partition: 0, timestamp: OffsetSpec.earliest }]);
  assert.equal(earliest.topics[0]!.partitions[0]!.offset, 3);
});
