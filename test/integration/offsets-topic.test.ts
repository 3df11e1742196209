/**
 * Group state in `__consumer_offsets` stays bounded: after more commits than a snapshot interval
 * (10,000 records per partition) to one group, the group's partition of `__consumer_offsets` has
 * been snapshotted and trimmed (its log start offset moved past 0), and after a SIGKILL restart the
 * last committed offsets are back — read from the snapshot plus the log written since.
 * Also: clients may read the internal topic but not produce to it or delete it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient, commitOffsets, fetchOffsets, noGeneration, OffsetSpec } from '../../src/client/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { clientIo } from '../support/client-io.js';

const dataDir = tempDir();
let broker: BrokerProcess;
let client: KafkaClient;

before(async () => {
  broker = await startBroker({ dataDir });
  client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
});
after(async () => {
  await client?.close();
  await broker?.stop();
});

/** Kafka's partition for a group (abs(String.hashCode) % 10); what the broker uses too. */
function partitionFor(groupId: string): number {
  let h = 0;
  for (const ch of groupId) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return (h === -2147483648 ? 0 : Math.abs(h)) % 10;
}

test('snapshots trim __consumer_offsets, and commits survive a SIGKILL restart', async () => {
  const groupId = 'many-commits';
  await client.createTopics([{ name: 'tracked', numPartitions: 1, replicationFactor: 1 }]);
  const commits = 12_000;
  for (let done = 0; done < commits; done += 50) {
    // 50 commits in flight at once (the client allows 64): they share durable writes.
    await Promise.all(Array.from({ length: 50 }, (_, i) =>
      commitOffsets(client, groupId, { generationId: noGeneration, memberId: '' },
        [{ topic: 'tracked', partition: 0, offset: done + i + 1 }])));
  }
  const p = partitionFor(groupId);
  const earliest = await client.listOffsets('__consumer_offsets', [{ partition: p, timestamp: OffsetSpec.earliest }]);
  assert.ok(earliest.topics[0]!.partitions[0]!.offset >= 10_000, 'the log below the snapshot was deleted');

  await client.close();
  await broker.signal('SIGKILL');
  broker = await startBroker({ dataDir });
  client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
  const fetched = await fetchOffsets(client, groupId, [{ name: 'tracked', partitionIndexes: [0] }]);
  const committed = fetched.topics[0]!.partitions[0]!.committedOffset;
  assert.ok(committed >= commits - 49 && committed <= commits, `last commit back (${committed})`);
});

test('the internal topic can be read but not written or deleted', async () => {
  const batch = buildBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: Date.now() }], compression: 'none' });
  const produced = await client.produce('__consumer_offsets', 0, batch, 1);
  assert.equal(produced!.responses[0]!.partitionResponses[0]!.errorCode, 17, 'INVALID_TOPIC_EXCEPTION');
  const deleted = await client.deleteTopics(['__consumer_offsets']);
  assert.equal(deleted.responses[0]!.errorCode, 17);
  const md = await client.metadata(['__consumer_offsets']);
  assert.equal(md.topics[0]!.isInternal, true);
  assert.equal(md.topics[0]!.partitions.length, 10);
});
