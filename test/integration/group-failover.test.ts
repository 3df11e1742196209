/**
 * The group coordinator moves with its `__consumer_offsets` partition (issue 6), with 3 real
 * `pado start` processes and kafkajs: the internal topic is created with 3 replicas; a kafkajs
 * consumer group consumes and commits an RF=3 topic; its coordinator (FindCoordinator) is
 * SIGKILLed; once the controller fences it another broker leads the partition, loads the group
 * and coordinates it: the committed offsets are still there (admin fetchOffsets), the consumer
 * goes on with records produced after the kill, and a new member of the group starts from the
 * committed offsets (nothing below them is read again, nothing above is lost). Waits are
 * conditions with deadlines; every client and process is closed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { findGroupCoordinator, KafkaClient } from '../../src/client/index.js';
import { sessionTimeoutMsDefault } from '../../src/controller/index.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';

const movedWithinMs = sessionTimeoutMsDefault + 20_000;
const topic = 'orders';
const groupId = 'failover';
const retry = { initialRetryTime: 100, maxRetryTime: 1_000, retries: 100 };
const consumerRetry = { initialRetryTime: 100, maxRetryTime: 500, retries: 5 };
let cluster: RaftCluster;
let kafka: Kafka;
let admin: Admin | undefined;
let producer: Producer | undefined;
const consumers: Consumer[] = [];

before(async () => {
  cluster = await RaftCluster.start(3);
  const brokers = cluster.voters().split(',').map((v) => v.split('@')[1]!);
  kafka = new Kafka({ clientId: 'group-failover', brokers, logLevel: logLevel.NOTHING, retry });
});
after(async () => {
  for (const c of consumers) await c.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await cluster?.stop();
});

function withClient<T>(id: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  return cluster.withClient(id, f);
}

/** The coordinator a live broker names for the group, if it names one. */
async function coordinatorSeenBy(id: number): Promise<number | undefined> {
  const c = await withClient(id, (client) => findGroupCoordinator(client, groupId))
    .catch(() => undefined);
  return c !== undefined && c.errorCode === 0 && c.nodeId > 0 ? c.nodeId : undefined;
}

async function produce(from: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ value: String(from + i) }));
  await producer!.send({ topic, acks: -1, messages });
}

/** The committed offset of every partition of `topic`, once all are committed. */
async function committedOffsets(): Promise<Map<number, number>> {
  const [committed] = await admin!.fetchOffsets({ groupId, topics: [topic] });
  return new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function committedToEnd(): Promise<boolean> {
  const committed = await committedOffsets();
  const ends = await admin!.fetchTopicOffsets(topic);
  return ends.every((e) => committed.get(e.partition) === Number(e.high));
}

async function startConsumer(seen: Map<number, number>): Promise<Consumer> {
  // Few retries: kafkajs keeps its coordinator until a retry cycle gives up, then restarts the
  // consumer, which finds the coordinator again (FindCoordinator names the new leader).
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 300,
    retry: consumerRetry, maxWaitTimeInMs: 200 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 100,
    eachMessage: async ({ message }) => {
      const v = Number(message.value!.toString());
      seen.set(v, (seen.get(v) ?? 0) + 1);
    },
  });
  return consumer;
}

const allSeen = (seen: Map<number, number>, count: number): boolean =>
  Array.from({ length: count }, (_, i) => i).every((v) => seen.has(v));

test('the coordinator moves with its partition: offsets kept, consuming resumes', async () => {
  await waitFor('three brokers', async () => {
    const md = await withClient(1, (c) => c.metadata([])).catch(() => undefined);
    return md?.brokers.length === 3 ? true : undefined;
  });
  const internal = await withClient(1, (c) => c.metadata(['__consumer_offsets']));
  const replicas = internal.topics[0]?.partitions.map((p) => p.replicaNodes.length);
  assert.ok(replicas !== undefined && replicas.length > 0 && replicas.every((n) => n === 3),
    `__consumer_offsets has 3 replicas per partition (${replicas?.join(',')})`);

  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 3 }],
    waitForLeaders: true });
  producer = kafka.producer();
  await producer.connect();
  await produce(0, 100);
  const seen = new Map<number, number>();
  await startConsumer(seen);
  await waitFor('the first 100 consumed', () => (allSeen(seen, 100) ? true : undefined), 60_000);
  await waitFor('commits reach the end', async () =>
    ((await committedToEnd().catch(() => false)) ? true : undefined), 30_000);
  const before = await committedOffsets();

  const old = await waitFor('the coordinator', () => coordinatorSeenBy(1));
  await cluster.kill(old);
  const live = cluster.running();
  const moved = await waitFor('a new coordinator', async () => {
    const id = await coordinatorSeenBy(live[0]!);
    return id !== undefined && id !== old ? id : undefined;
  }, movedWithinMs);
  assert.ok(live.includes(moved));
  // Committed offsets survive on the new coordinator (fetched from it through admin).
  const after = await waitFor('offsets from the new coordinator', () =>
    committedOffsets().catch(() => undefined), movedWithinMs);
  for (const [partition, offset] of before) {
    assert.ok((after.get(partition) ?? -1) >= offset, `partition ${partition} keeps ${offset}`);
  }

  await produce(100, 100);
  await waitFor('the next 100 consumed on the new coordinator',
    () => (allSeen(seen, 200) ? true : undefined), movedWithinMs + 30_000);
  await waitFor('commits reach the end again', async () =>
    ((await committedToEnd().catch(() => false)) ? true : undefined), 30_000);
  assert.equal(await coordinatorSeenBy(live[0]!), moved, 'the group stayed on the new coordinator');

  // A new member starts from the committed offsets: only what is produced now is read.
  await consumers.shift()!.disconnect();
  const fresh = new Map<number, number>();
  await startConsumer(fresh);
  await produce(200, 50);
  await waitFor('the new member reads the last 50', () =>
    (Array.from({ length: 50 }, (_, i) => 200 + i).every((v) => fresh.has(v)) ? true : undefined),
  60_000);
  assert.ok([...fresh.keys()].every((v) => v >= 200), 'nothing below the committed offsets again');
});
