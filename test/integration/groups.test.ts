/**
 * Consumer groups with kafkajs against real broker processes (issue 3 acceptance):
 * - two consumers share a 6-partition topic and together read every message exactly once; a third
 *   joins, then one leaves — across both rebalances nothing is lost, and at the end the committed
 *   offsets equal the log end offsets (read through the admin API);
 * - a member that stops heartbeating (its process SIGKILLed, so no LeaveGroup) is removed after its
 *   session timeout and its partitions go to the survivor;
 * - after a SIGTERM restart and after a SIGKILL restart the committed offsets are back and a new
 *   consumer in the group resumes from them (it reads only what was produced after the commit).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { waitFor } from '../support/run.js';

const dataDir = tempDir();
let broker: BrokerProcess;
let kafka: Kafka;
let admin: Admin;

async function boot(): Promise<void> {
  broker = await startBroker({ dataDir });
  kafka = new Kafka({ clientId: 'groups-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
}

before(boot);
after(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

async function produce(topic: string, from: number, count: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (let i = from; i < from + count; i += 500) {
    const n = Math.min(500, from + count - i);
    const messages = Array.from({ length: n }, (_, j) => ({ key: `k${(i + j) % 31}`, value: String(i + j) }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

async function committedEqualsEnd(groupId: string, topic: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.every((e) => committed!.partitions.find((c) => c.partition === e.partition)?.offset === e.high);
}

test('consumers share partitions, survive a join and a leave, and commit to the end', async () => {
  const topic = 'shared';
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  await produce(topic, 0, 5000);
  const seen = new Map<number, number>();
  const consumers: Consumer[] = [];
  const start = async (name: string) => {
    const c = kafka.consumer({ groupId: 'sharers', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) => {
        const v = Number(message.value!.toString());
        seen.set(v, (seen.get(v) ?? 0) + 1);
      },
    });
    consumers.push(c);
    void name;
    return c;
  };
  await start('a');
  const b = await start('b');
  await waitFor('first 5,000 consumed', () => (seen.size >= 5000 ? true : undefined), 60_000);
  await waitFor('commits reach the end', async () => ((await committedEqualsEnd('sharers', topic)) ? true : undefined), 30_000);
  assert.ok([...seen.values()].every((n) => n === 1), 'the first 5,000 were read exactly once');

  await start('c');
  await produce(topic, 5000, 2500);
  await waitFor('7,500 consumed', () => (seen.size >= 7500 ? true : undefined), 60_000);
  await b.disconnect();
  await produce(topic, 7500, 2500);
  await waitFor('10,000 consumed', () => (seen.size >= 10_000 ? true : undefined), 60_000);
  await waitFor('commits reach the end', async () => ((await committedEqualsEnd('sharers', topic)) ? true : undefined), 30_000);
  for (const c of consumers) await c.disconnect();
  assert.equal(seen.size, 10_000, 'no message lost');
  for (let i = 0; i < 10_000; i++) assert.ok(seen.has(i), `message ${i} seen`);
});

test('a member that stops heartbeating is removed after its session timeout', async () => {
  const topic = 'heartbeats';
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
  const member = spawn(process.execPath, [
    resolve('test/fixtures/js/group-member.mjs'), broker.bootstrap, 'beaters', topic, '6000',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const assignments: string[] = [];
  createInterface({ input: member.stdout! }).on('line', (l) => assignments.push(l));
  try {
    await waitFor('the child member is assigned', () => (assignments.length > 0 ? true : undefined), 30_000);
    const survivor = kafka.consumer({ groupId: 'beaters', sessionTimeout: 30_000, heartbeatInterval: 500 });
    let owned: number[] = [];
    survivor.on(survivor.events.GROUP_JOIN, (e) => {
      owned = e.payload.memberAssignment[topic] ?? [];
    });
    await survivor.connect();
    await survivor.subscribe({ topic, fromBeginning: true });
    await survivor.run({ eachMessage: async () => {} });
    await waitFor('partitions split between two members', () => (owned.length === 2 ? true : undefined), 30_000);
    member.kill('SIGKILL');
    await waitFor('the survivor owns every partition', () => (owned.length === 4 ? true : undefined), 40_000);
    const described = await admin.describeGroups(['beaters']);
    assert.equal(described.groups[0]?.members.length, 1);
    await survivor.disconnect();
  } finally {
    member.kill('SIGKILL');
  }
});

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`committed offsets survive a ${signal} restart and consumers resume from them`, async () => {
    const topic = `resume-${signal}`;
    const groupId = `resumers-${signal}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await produce(topic, 0, 600);
    const first = kafka.consumer({ groupId });
    let count = 0;
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({ eachMessage: async () => void count++ });
    await waitFor('600 consumed', () => (count >= 600 ? true : undefined), 30_000);
    await waitFor('committed', async () => ((await committedEqualsEnd(groupId, topic)) ? true : undefined), 30_000);
    await first.disconnect();
    const [before] = await admin.fetchOffsets({ groupId, topics: [topic] });

    await admin.disconnect();
    await broker.signal(signal);
    await boot();

    const [afterRestart] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(afterRestart, before);
    await produce(topic, 600, 90);
    const second = kafka.consumer({ groupId });
    const values: number[] = [];
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({ eachMessage: async ({ message }) => void values.push(Number(message.value!.toString())) });
    await waitFor('the 90 new messages', () => (values.length >= 90 ? true : undefined), 30_000);
    await second.disconnect();
    assert.deepEqual(values.sort((a, b) => a - b), Array.from({ length: 90 }, (_, i) => 600 + i));
  });
}
