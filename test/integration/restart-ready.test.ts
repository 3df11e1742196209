/**
 * A restarting broker answers clients only once it is ready (issue 13, break 10): registered,
 * unfenced and caught up with the metadata log, as Kafka's broker opens its client listener only
 * then. From the moment a SIGKILLed broker's port accepts again, a raw client (ours) polls Metadata
 * every 25 ms on it:
 * - one node: every answer must be the caught-up view the broker settles on — itself the only
 *   broker, every partition led by it at the leader epoch of after the restart — never the
 *   pre-crash view (same leader, older epoch) nor an empty one (0 brokers, no leaders);
 * - three nodes: the victim (not the controller) is killed and fenced (its leaderships moved)
 *   before it restarts; every answer it gives must list all 3 brokers, a leader for every
 *   partition, and per partition a leader epoch no older than the controller's view read just
 *   before the request (the freshest there is), so never its pre-crash snapshot.
 * Then real clients across a restart of their only broker, polling as busy clients do: a kafkajs
 * admin (describeCluster, ListOffsets every 25 ms) gets no error but "cannot connect" and is only
 * ever told of broker 1, while a kafkajs consumer group keeps consuming what is produced after the
 * restart, with no crash it cannot restart from and no "not found in the cached metadata"; every
 * `kcat -L` names broker 1 and a leader for every partition, while a librdkafka
 * (python3-confluent-kafka) consumer group keeps consuming. Waits are conditions with deadlines;
 * processes and directories are cleaned up in `t.after`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaClient } from '../../src/client/index.js';
import type { MetadataResponse } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { freePorts, RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const topic = 'ready';
const partitions = 3;
const conditionMs = 30_000;
const pollEveryMs = 25;
/** Answers gathered after the restarted broker reported itself started. */
const answersAfterStart = 20;

interface Answer {
  readonly brokers: number[];
  /** `topic/partition` → leader and leader epoch. */
  readonly leaders: Map<string, { leader: number; epoch: number }>;
  /** The controller's view read just before this request (three-node case). */
  readonly reference?: Answer;
}

function answerOf(md: MetadataResponse): Answer {
  const leaders = new Map<string, { leader: number; epoch: number }>();
  for (const t of md.topics) {
    for (const p of t.partitions) {
      leaders.set(`${t.name}/${p.partitionIndex}`, { leader: p.leaderId, epoch: p.leaderEpoch });
    }
  }
  return { brokers: md.brokers.map((b) => b.nodeId).sort(), leaders };
}

/**
 * Polls Metadata (all topics) on `port` every `pollEveryMs` from the moment it accepts, on one
 * connection while it lasts; `reference` (if any) is read just before each request.
 */
class MetadataPoller {
  readonly answers: Answer[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(port: number, reference?: () => Promise<Answer | undefined>) {
    this.loop = this.run(port, reference);
  }

  private async run(port: number, reference?: () => Promise<Answer | undefined>): Promise<void> {
    let client: KafkaClient | undefined;
    while (!this.stopped) {
      try {
        client ??= await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port, clientId: 'poller',
          connectTimeoutMs: 500, requestTimeoutMs: 10_000 });
        const before = await reference?.();
        const md = await client.metadata(null);
        this.answers.push(before === undefined ? answerOf(md)
          : { ...answerOf(md), reference: before });
      } catch {
        await client?.close().catch(() => undefined);
        client = undefined;
      }
      await new Promise((r) => setTimeout(r, pollEveryMs));
    }
    await client?.close().catch(() => undefined);
  }

  /** Waits for `count` more answers, then stops (also when they do not come: no endless loop). */
  async stopAfter(count: number): Promise<Answer[]> {
    const target = this.answers.length + count;
    try {
      await waitFor(`${count} more Metadata answers`, () =>
        this.answers.length >= target ? true : undefined, conditionMs);
    } finally {
      this.stopped = true;
      await this.loop;
    }
    return this.answers;
  }
}

async function produceToEach(c: KafkaClient, label: string): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const batch = buildBatch({ records: [{ key: null, value: Buffer.from(`${label}-${p}`),
      timestamp: Date.now() }], compression: 'none' });
    const r = await c.produce(topic, p, batch, -1, 10_000);
    assert.equal(r?.responses[0]?.partitionResponses[0]?.errorCode, 0);
  }
}

function describe(a: Answer): string {
  return JSON.stringify({ brokers: a.brokers, leaders: [...a.leaders] });
}

test('one node: from the first answer after a restart, Metadata is the caught-up view',
  async (t) => {
    const dataDir = tempDir();
    const [port] = await freePorts(1);
    let broker: BrokerProcess | undefined;
    t.after(async () => {
      await broker?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    broker = await startBroker({ dataDir, port: port! });
    await withClient(broker.port, async (c) => {
      const created = await c.createTopics([{ name: topic, numPartitions: partitions,
        replicationFactor: -1 }]);
      assert.equal(created.topics[0]?.errorCode, 0);
      await waitFor('leaders for every partition', async () =>
        (await c.metadata([topic])).topics[0]?.partitions.every((p) => p.leaderId === 1)
          ? true : undefined, conditionMs);
      await produceToEach(c, 'before');
    });
    await broker.stop({ keepData: true });
    broker = undefined;

    const poller = new MetadataPoller(port!);
    broker = await startBroker({ dataDir, port: port! });
    const answers = await poller.stopAfter(answersAfterStart);
    const settled = answerOf(await withClient(port!, (c) => c.metadata(null)));
    t.diagnostic(`${answers.length} Metadata answers; settled: ${describe(settled)}`);
    assert.deepEqual(settled.brokers, [1]);
    assert.ok(settled.leaders.has(`${topic}/0`));
    for (const [i, a] of answers.entries()) {
      assert.deepEqual(a.brokers, settled.brokers, `answer ${i}: ${describe(a)}`);
      assert.deepEqual([...a.leaders].sort(), [...settled.leaders].sort(),
        `answer ${i} is not the caught-up view: ${describe(a)}`);
    }
    await withClient(port!, (c) => produceToEach(c, 'after'));
  });

test('three nodes: a restarted broker never answers Metadata older than the controller\'s',
  async (t) => {
    let cluster: RaftCluster | undefined;
    t.after(async () => {
      await cluster?.stop();
    });
    cluster = await RaftCluster.start(3);
    const c = cluster;
    const view = async (id: number): Promise<Answer | undefined> =>
      c.withClient(id, async (k) => answerOf(await k.metadata(null)), 3_000)
        .catch(() => undefined);
    await waitFor('three brokers', async () =>
      (await view(1))?.brokers.length === 3 ? true : undefined, conditionMs);
    const created = await c.withClient(1, (k) => k.createTopics([{ name: topic,
      numPartitions: partitions, replicationFactor: 3 }]));
    assert.equal(created.topics[0]?.errorCode, 0);
    const controller = await waitFor('a controller', () => c.withClient(1, async (k) => {
      const md = await k.metadata([topic]);
      const led = md.topics[0]?.partitions.every((p) => p.leaderId > 0 && p.isrNodes.length === 3);
      return led === true && md.controllerId > 0 ? md.controllerId : undefined;
    }).catch(() => undefined), conditionMs);
    // The victim leads something if it can: its pre-crash snapshot then names it leader.
    const first = await view(controller);
    const victim = [...(first?.leaders.values() ?? [])].map((l) => l.leader)
      .find((id) => id !== controller) ?? c.ids.find((id) => id !== controller)!;
    await c.kill(victim);
    await waitFor(`broker ${victim} fenced and its leaderships moved`, async () => {
      const v = await view(controller);
      if (v === undefined || v.brokers.includes(victim)) return undefined;
      return [...v.leaders.values()].every((l) => l.leader !== victim && l.leader > 0)
        ? true : undefined;
    }, conditionMs);

    const port = Number(c.address(victim).split(':')[1]);
    const poller = new MetadataPoller(port, () => view(controller));
    await c.startNode(victim);
    const answers = await poller.stopAfter(answersAfterStart);
    t.diagnostic(`${answers.length} Metadata answers from the restarted broker ${victim}`);
    for (const [i, a] of answers.entries()) {
      assert.deepEqual(a.brokers, [1, 2, 3], `answer ${i}: ${describe(a)}`);
      const reference = a.reference;
      if (reference === undefined) continue;
      for (const [key, ref] of reference.leaders) {
        const mine = a.leaders.get(key);
        assert.ok(mine !== undefined && mine.leader > 0, `answer ${i}: ${key} has no leader`);
        assert.ok(mine.epoch >= ref.epoch, `answer ${i}: ${key} at leader epoch ${mine.epoch}, ` +
          `older than the controller's ${ref.epoch} (${describe(a)})`);
      }
    }
  });

function withClient<T>(port: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  return KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port, requestTimeoutMs: 15_000 })
    .then(async (c) => {
      try {
        return await f(c);
      } finally {
        await c.close();
      }
    });
}

/** One broker on a fixed port and data directory, restarted (SIGKILL, start) on demand. */
async function singleNode(t: { after: (fn: () => Promise<void>) => void }, topicName: string) {
  const dataDir = tempDir();
  const [port] = await freePorts(1);
  let broker: BrokerProcess | undefined = await startBroker({ dataDir, port: port! });
  const cleanups: (() => Promise<void>)[] = [];
  // One hook, in order: clients first (they would retry against a dead broker), then the broker.
  t.after(async () => {
    for (const f of cleanups) await f();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await withClient(port!, async (c) => {
    const created = await c.createTopics([{ name: topicName, numPartitions: 2,
      replicationFactor: -1 }]);
    assert.equal(created.topics[0]?.errorCode, 0);
  });
  /** acks=all, one record per call, retried until acknowledged. */
  const produce = async (values: readonly string[]): Promise<void> => {
    for (const [i, value] of values.entries()) {
      await waitFor(`${value} acknowledged`, () => withClient(port!, async (c) => {
        const batch = buildBatch({ records: [{ key: null, value: Buffer.from(value),
          timestamp: Date.now() }], compression: 'none' });
        const r = await c.produce(topicName, i % 2, batch, -1, 5_000);
        return r?.responses[0]?.partitionResponses[0]?.errorCode === 0 ? true : undefined;
      }).catch(() => undefined), conditionMs, 100);
    }
  };
  return {
    bootstrap: `127.0.0.1:${port!}`,
    produce,
    onCleanup: (f: () => Promise<void>) => cleanups.push(f),
    async restart(): Promise<void> {
      await broker?.stop({ keepData: true });
      broker = undefined;
      broker = await startBroker({ dataDir, port: port! });
    },
  };
}

const values = (prefix: string): string[] => Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);

test('a kafkajs consumer group keeps consuming across a restart of its only broker',
  async (t) => {
    const group = 'kafkajs-restart';
    const node = await singleNode(t, group);
    const logged: string[] = [];
    const kafka = new Kafka({ clientId: 'restart-ready', brokers: [node.bootstrap],
      logLevel: logLevel.ERROR,
      logCreator: () => ({ log }) => {
        logged.push(`${log.message} ${String(log['error'] ?? '')}`);
      } });
    // kafkajs's defaults, as an application runs it. By design (kafkajs PR #1402) its consumer
    // "crashes" with a retriable KafkaJSNoBrokerAvailableError when the only broker's connection
    // closes (it drops that broker from its pool) and restarts itself: reported, tolerated. A
    // crash it does not restart from, or one on a broker missing from Metadata, fails the test.
    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6_000,
      heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    node.onCleanup(() => consumer.disconnect().catch(() => undefined));
    const crashes: { error: string; restart: boolean }[] = [];
    consumer.on(consumer.events.CRASH, (e) =>
      crashes.push({ error: String(e.payload.error), restart: e.payload.restart }));
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: group, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      seen.add(message.value?.toString() ?? '');
    } });
    const before = values('before-');
    await node.produce(before);
    await waitFor('the records produced before the restart consumed', () =>
      before.every((v) => seen.has(v)) ? true : undefined, conditionMs);

    // kafkajs's own view, refreshed every 25 ms across the restart, as a busy client's is: the
    // brokers it is told of, and ListOffsets to the leaders it is told of. While the broker is
    // down it cannot connect (expected); once it can, every answer must be one that holds.
    const admin = new Kafka({ clientId: 'restart-probe', brokers: [node.bootstrap],
      logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin({ retry: { retries: 0 } });
    await admin.connect();
    node.onCleanup(() => admin.disconnect().catch(() => undefined));
    const adminErrors: string[] = [];
    const brokerViews = new Set<string>();
    let polling = true;
    const adminPoll = (async () => {
      while (polling) {
        await admin.describeCluster()
          .then((d) => brokerViews.add(d.brokers.map((b) => b.nodeId).join(',')))
          .then(() => admin.fetchTopicOffsets(group))
          .catch((e: unknown) => adminErrors.push(String(e)));
        await new Promise((r) => setTimeout(r, pollEveryMs));
      }
    })();
    await node.restart();
    const after = values('after-');
    await node.produce(after);
    await waitFor('the records produced after the restart consumed', () =>
      after.every((v) => seen.has(v)) || crashes.some((c) => !c.restart) ? true : undefined,
    60_000);
    polling = false;
    await adminPoll;
    const down = /Connection error|ECONNREFUSED|ECONNRESET|Closed connection/;
    t.diagnostic(`kafkajs admin: ${adminErrors.length} errors, broker views ${[...brokerViews]}; ` +
      `consumer crashes it restarted from: ${JSON.stringify(crashes)}`);
    const notFound = /not found in the cached metadata/;
    assert.deepEqual(crashes.filter((c) => !c.restart || notFound.test(c.error)), [],
      'no crash the consumer cannot restart from, none on a broker missing from Metadata');
    assert.deepEqual(logged.filter((l) => notFound.test(l)), []);
    assert.deepEqual([...brokerViews], ['1'], 'kafkajs was only ever told of broker 1');
    assert.deepEqual(adminErrors.filter((e) => !down.test(e)), [],
      'no error but "cannot connect" while the broker restarts');
    assert.ok(after.every((v) => seen.has(v)));
  });

// Debian's python3-confluent-kafka installs for the system interpreter, not a pyenv one.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const confluentScript = resolve('test/fixtures/python/confluent_group_consumer.py');

test('a librdkafka (confluent-kafka) consumer group keeps consuming across a restart of its ' +
  'only broker', async (t) => {
  // A required client (`.ci/run` installs it), as in the chaos suite: missing is a failure, not a skip.
  const probe = await run(python, ['-c', 'import confluent_kafka'], { timeoutMs: 20_000 });
  assert.equal(probe.code, 0, 'python3-confluent-kafka is not installed: ' +
    'apt-get install python3-confluent-kafka');
  const group = 'librdkafka-restart';
  const node = await singleNode(t, group);
  const child = spawn(python, [confluentScript, node.bootstrap, group, group, '120'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  node.onCleanup(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  const seen = new Set<string>();
  const errors: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { value?: string; error?: string };
    if (event.value !== undefined) seen.add(event.value);
    if (event.error !== undefined) errors.push(event.error);
  });
  const before = values('before-');
  await node.produce(before);
  await waitFor('the records produced before the restart consumed', () =>
    before.every((v) => seen.has(v)) ? true : undefined, conditionMs);

  // `kcat -L` every 25 ms across the restart: each listing it gets must name broker 1 and a
  // leader for every partition (librdkafka waits out a broker that does not answer yet).
  const listings: string[] = [];
  let listing = true;
  const kcatPoll = (async () => {
    while (listing) {
      const r = await run('kcat', ['-L', '-J', '-t', group, '-b', node.bootstrap, '-m', '10'],
        { timeoutMs: 20_000 }).catch(() => undefined);
      if (r?.code === 0) listings.push(r.stdout.trim());
      await new Promise((res) => setTimeout(res, pollEveryMs));
    }
  })();
  await node.restart();
  const after = values('after-');
  await node.produce(after);
  await waitFor('the records produced after the restart consumed', () =>
    after.every((v) => seen.has(v)) ? true : undefined, 60_000);
  listing = false;
  await kcatPoll;
  await node.produce(['stop']);
  t.diagnostic(`librdkafka reported ${errors.length} errors across the restart; ` +
    `${listings.length} kcat listings`);
  assert.equal(await exited, 0, `no fatal error: ${errors.join('; ')}`);
  for (const l of listings) {
    const md = JSON.parse(l) as { brokers: { id: number }[];
      topics: { partitions: { leader: number }[] }[] };
    assert.deepEqual(md.brokers.map((b) => b.id), [1], `kcat -L: ${l}`);
    assert.ok(md.topics[0]?.partitions.every((p) => p.leader === 1), `kcat -L: ${l}`);
  }
});
