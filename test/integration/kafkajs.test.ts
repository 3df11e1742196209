/**
 * kafkajs 2.2 against a real `pado start` process, unchanged: it creates a 3-partition topic, sends
 * 10,000 keyed messages with acks=-1, idempotence and gzip, and reads every one back with a
 * consumer, in per-partition order (each key's messages in the order sent). Also checks admin
 * calls (list/describe/delete topics, configs) and the errors clients rely on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, CompressionTypes, logLevel, type Admin } from 'kafkajs';
import { startBroker, type BrokerProcess } from '../support/broker.js';
import { waitFor } from '../support/run.js';

let broker: BrokerProcess;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: 'pado-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

test('10,000 keyed, gzip, idempotent acks=-1 messages come back in per-partition order', async () => {
  const topic = 'orders';
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const count = 10_000;
  const keys = 17;
  for (let start = 0; start < count; start += 500) {
    const messages = Array.from({ length: 500 }, (_, j) => {
      const i = start + j;
      return { key: `key-${i % keys}`, value: `${i}` };
    });
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  }
  await producer.disconnect();

  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  assert.equal(total, count);
  assert.ok(offsets.every((p) => Number(p.high) > 0), 'keys spread over all 3 partitions');

  const consumer = kafka.consumer({ groupId: 'orders-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seenByKey = new Map<string, number[]>();
  const partitionOfKey = new Map<string, number>();
  let seen = 0;
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const key = message.key!.toString();
      const value = Number(message.value!.toString());
      const list = seenByKey.get(key) ?? [];
      list.push(value);
      seenByKey.set(key, list);
      const p = partitionOfKey.get(key);
      assert.ok(p === undefined || p === partition, `key ${key} in one partition`);
      partitionOfKey.set(key, partition);
      seen++;
    },
  });
  await waitFor('all messages consumed', () => (seen >= count ? true : undefined), 60_000);
  await consumer.disconnect();
  assert.equal(seen, count);
  for (const [key, values] of seenByKey) {
    const k = Number(key.slice(4));
    const expected = Array.from({ length: count }, (_, i) => i).filter((i) => i % keys === k);
    assert.deepEqual(values, expected, `order of ${key}`);
  }
});

test('admin: list, describe configs, alter configs, add partitions, delete', async () => {
  await admin.createTopics({ topics: [{ topic: 'admin-t', numPartitions: 2 }] });
  assert.ok((await admin.listTopics()).includes('admin-t'));
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2, name: 'admin-t', configEntries: [{ name: 'retention.ms', value: '60000' }] }],
  });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2, name: 'admin-t', configNames: ['retention.ms'] }],
  });
  assert.equal(described.resources[0]?.configEntries[0]?.configValue, '60000');
  await admin.createPartitions({ topicPartitions: [{ topic: 'admin-t', count: 4 }] });
  const md = await admin.fetchTopicMetadata({ topics: ['admin-t'] });
  assert.equal(md.topics[0]?.partitions.length, 4);
  await admin.deleteTopics({ topics: ['admin-t'] });
  assert.ok(!(await admin.listTopics()).includes('admin-t'));
});

test('admin errors: duplicate topic, bad config, bad name', async () => {
  assert.equal(await admin.createTopics({ topics: [{ topic: 'dup' }] }), true);
  // kafkajs turns TOPIC_ALREADY_EXISTS into `false`.
  assert.equal(await admin.createTopics({ topics: [{ topic: 'dup' }] }), false);
  await assert.rejects(
    admin.createTopics({ topics: [{ topic: 'badcfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    /./,
  );
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!' }] }), /./);
  assert.ok(!(await admin.listTopics()).includes('badcfg'));
});
