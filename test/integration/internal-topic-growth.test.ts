/**
 * The README's cluster flow keeps consumer groups durable (issue 13): node 1 starts alone, so
 * `__consumer_offsets` is created with one replica; a kafkajs consumer group commits offsets of a
 * topic there; nodes 2 and 3 then start with `--join`. Proves that the controller extends every
 * `__consumer_offsets` partition to 3 replicas and that the new replicas catch up into the ISR
 * (3 in sync); that after SIGKILL of node 1 another broker coordinates the group, and the
 * offsets it returns are exactly those committed before the kill (including the ones committed
 * while node 1 was alone); and that a kafkajs consumer in the group keeps consuming and
 * committing an RF=3 topic (min.insync.replicas 2 by default: 2 of 3 left in sync suffice).
 * DescribeConfigs (kafkajs admin) reports that default per topic: 2 for the 3-replica topics
 * (`__consumer_offsets` included, once grown), 1 for the 1-replica one, source DEFAULT_CONFIG.
 * Every wait is a condition with a deadline; every client and process is closed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { fetchOffsets, findGroupCoordinator, KafkaClient } from '../../src/client/index.js';
import { sessionTimeoutMsDefault } from '../../src/controller/index.js';
import { startBroker, type BrokerProcess } from '../support/broker.js';
import { waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const groupId = 'durable-group';
const early = 'early';
const orders = 'orders';
const movedWithinMs = sessionTimeoutMsDefault + 20_000;
const retry = { initialRetryTime: 100, maxRetryTime: 1_000, retries: 100 };
// Few retries: kafkajs keeps its coordinator until a retry cycle gives up, then restarts the
// consumer, which finds the coordinator again (FindCoordinator names the new leader).
const consumerRetry = { initialRetryTime: 100, maxRetryTime: 500, retries: 5 };

const nodes = new Map<number, BrokerProcess>();
const closers: (() => Promise<void>)[] = [];

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await Promise.all([...nodes.values()].map((p) => p.stop()));
});

function node(id: number): BrokerProcess {
  const proc = nodes.get(id);
  assert.ok(proc !== undefined, `node ${id} started`);
  return proc;
}

function readyLine(proc: BrokerProcess): boolean {
  return proc.lines.some((l) => l.includes('"msg":"node ready"'));
}

async function startNode(id: number, joinTo?: BrokerProcess): Promise<void> {
  const args = ['--node-id', String(id), ...(joinTo === undefined ? [] : ['--join', joinTo.bootstrap])];
  const proc = await startBroker({ args });
  nodes.set(id, proc);
  await waitFor(`node ${id} ready`, () => (readyLine(proc) ? true : undefined), 40_000);
}

async function withClient<T>(port: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port, connectTimeoutMs: 1_000,
    requestTimeoutMs: 5_000 });
  try {
    return await f(client);
  } finally {
    await client.close();
  }
}

function kafkaOf(ids: readonly number[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers: ids.map((id) => node(id).bootstrap),
    logLevel: logLevel.NOTHING, retry });
}

async function connected<T extends { disconnect(): Promise<void> }>(client: T & {
  connect(): Promise<void>;
}): Promise<T> {
  await client.connect();
  closers.push(() => client.disconnect());
  return client;
}

/** The coordinator broker `id` names for the group, if it names one. */
async function coordinatorSeenBy(id: number): Promise<number | undefined> {
  const c = await withClient(node(id).port, (client) => findGroupCoordinator(client, groupId))
    .catch(() => undefined);
  return c !== undefined && c.errorCode === 0 && c.nodeId > 0 ? c.nodeId : undefined;
}

/** Every offset the group committed ("topic-partition" → offset), asked of its coordinator. */
async function committed(coordinator: number): Promise<Map<string, number> | undefined> {
  const r = await withClient(node(coordinator).port, (c) => fetchOffsets(c, groupId, null))
    .catch(() => undefined);
  if (r === undefined || r.errorCode !== 0) return undefined;
  const out = new Map<string, number>();
  for (const t of r.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) return undefined;
      if (p.committedOffset >= 0) out.set(`${t.name}-${p.partitionIndex}`, p.committedOffset);
    }
  }
  return out;
}

/** Whether the group's commits of `topic` reach each partition's end. */
async function committedToEnd(admin: Admin, topic: string, coordinator: number):
  Promise<boolean> {
  const offsets = await committed(coordinator);
  const ends = await admin.fetchTopicOffsets(topic);
  return offsets !== undefined &&
    ends.every((e) => offsets.get(`${topic}-${e.partition}`) === Number(e.high));
}

/** min.insync.replicas of each topic as kafkajs' describeConfigs reports it: [value, source]. */
async function minIsr(admin: Admin, topics: readonly string[]): Promise<[string, number][]> {
  const described = await admin.describeConfigs({ includeSynonyms: false,
    resources: topics.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })) });
  return topics.map((name) => {
    const entry = described.resources.find((r) => r.resourceName === name)?.configEntries[0] as
      { configValue: string; configSource: number } | undefined;
    return [entry?.configValue ?? '?', entry?.configSource ?? -1];
  });
}

async function produce(producer: Producer, topic: string, from: number, count: number) {
  const messages = Array.from({ length: count }, (_, i) => ({ value: String(from + i) }));
  await producer.send({ topic, acks: -1, messages });
}

async function consume(kafka: Kafka, topic: string, seen: Set<number>): Promise<Consumer> {
  const consumer = await connected(kafka.consumer({ groupId, sessionTimeout: 6_000,
    heartbeatInterval: 300, retry: consumerRetry, maxWaitTimeInMs: 200 }));
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 100,
    eachMessage: async ({ message }) => {
      seen.add(Number(message.value!.toString()));
    },
  });
  return consumer;
}

const allSeen = (seen: Set<number>, from: number, count: number): boolean =>
  Array.from({ length: count }, (_, i) => from + i).every((v) => seen.has(v));

/** `__consumer_offsets` per partition: [replicas, in sync], as broker `id` describes it. */
async function offsetsTopicShape(id: number): Promise<[number, number][] | undefined> {
  const md = await withClient(node(id).port, (c) => c.metadata(['__consumer_offsets']))
    .catch(() => undefined);
  const partitions = md?.topics[0]?.partitions;
  if (partitions === undefined || partitions.length === 0) return undefined;
  return partitions.map((p) => [p.replicaNodes.length, p.isrNodes.length]);
}

before(async () => {
  await startNode(1);
});

test('node 1 alone, then two --join: offsets survive the loss of node 1', async () => {
  // Node 1 alone: a group commits offsets of a topic only node 1 holds.
  const alone = kafkaOf([1], 'alone');
  const admin1 = await connected(alone.admin());
  await admin1.createTopics({ topics: [{ topic: early, numPartitions: 2, replicationFactor: 1 }],
    waitForLeaders: true });
  const producer1 = await connected(alone.producer());
  await produce(producer1, early, 0, 20);
  const seenEarly = new Set<number>();
  const first = await consume(alone, early, seenEarly);
  await waitFor('20 consumed on node 1 alone', () =>
    (allSeen(seenEarly, 0, 20) ? true : undefined), 60_000);
  await waitFor('early commits reach the end', async () =>
    ((await committedToEnd(admin1, early, 1).catch(() => false)) ? true : undefined), 30_000);
  await first.disconnect();
  assert.deepEqual((await offsetsTopicShape(1))?.[0], [1, 1], 'created with one replica');

  // Nodes 2 and 3 join: every offsets partition grows to 3 replicas, all 3 in sync.
  await startNode(2, node(1));
  await startNode(3, node(1));
  const shape = await waitFor('__consumer_offsets at 3 replicas, 3 in sync', async () => {
    const s = await offsetsTopicShape(2);
    return s !== undefined && s.every(([r, i]) => r === 3 && i === 3) ? s : undefined;
  }, 60_000);
  assert.ok(shape.length > 0);

  // The group consumes an RF=3 topic on the full cluster and commits it.
  const all = kafkaOf([1, 2, 3], 'all');
  const admin = await connected(all.admin());
  await admin.createTopics({ topics: [{ topic: orders, numPartitions: 2, replicationFactor: 3 }],
    waitForLeaders: true });
  const producer = await connected(all.producer());
  await produce(producer, orders, 0, 100);
  const seen = new Set<number>();
  await consume(all, orders, seen);
  await waitFor('the first 100 consumed', () => (allSeen(seen, 0, 100) ? true : undefined),
    60_000);
  const coordinator = await waitFor('the coordinator', () => coordinatorSeenBy(2));
  assert.equal(coordinator, 1, 'node 1 still leads the offsets partitions');
  await waitFor('orders commits reach the end', async () =>
    ((await committedToEnd(admin, orders, coordinator).catch(() => false)) ? true : undefined),
  30_000);
  const beforeKill = await waitFor('committed offsets', () => committed(coordinator));
  const defaultConfig = 5;
  assert.deepEqual(await minIsr(admin, [orders, '__consumer_offsets', early]),
    [['2', defaultConfig], ['2', defaultConfig], ['1', defaultConfig]]);

  // SIGKILL node 1: the group moves to another broker with every committed offset.
  await node(1).stop({ keepData: true });
  nodes.delete(1);
  const moved = await waitFor('a new coordinator', async () => {
    const id = await coordinatorSeenBy(2);
    return id !== undefined && id !== 1 ? id : undefined;
  }, movedWithinMs);
  const afterKill = await waitFor('offsets from the new coordinator', () => committed(moved),
    movedWithinMs);
  assert.deepEqual(afterKill, beforeKill);
  assert.equal(afterKill.get(`${early}-0`) !== undefined, true, 'early offsets kept');

  // The consumer in the group goes on: new records are consumed and committed.
  await produce(producer, orders, 100, 100);
  await waitFor('the next 100 consumed', () => (allSeen(seen, 100, 100) ? true : undefined),
    movedWithinMs + 30_000);
  await waitFor('commits reach the end again', async () =>
    ((await committedToEnd(admin, orders, moved).catch(() => false)) ? true : undefined),
  30_000);
});
