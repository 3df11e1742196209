/**
 * Bit rot and lost segment files are detected and healed (issue 13, break 4), on 3 real `pado
 * start` processes. A topic with replication factor 3, min.insync.replicas 2 and 32 KiB segments
 * (several closed segments) gets 1,600 records acknowledged with acks=all, from kafkajs
 * (idempotent) and kcat (librdkafka). Then one copy is damaged:
 * - a byte in the middle of a closed segment of a follower stopped with SIGTERM, with the
 *   scrubber off; the follower restarts, rejoins, and the leader is SIGKILLed so the damaged
 *   replica leads: the first read of the bad batch answers KAFKA_STORAGE_ERROR, the damaged
 *   leader hands leadership to the healthy replica, truncates and refetches;
 * - a closed segment file of a stopped follower deleted: the restart finds the gap, the follower
 *   repairs before the leader is SIGKILLed; then a byte flipped under a running follower is found
 *   by its scrubber;
 * - a byte flipped under the running leader: a consumer's read finds it and the leader hands off;
 *   and a leader that is the only in-sync replica keeps leading, serves up to the bad batch,
 *   `pado cluster health` names the partition and the broker, and it hands off once a follower
 *   is back in sync.
 * Every time, kafkajs and kcat consumers read every acknowledged record exactly once, in order;
 * the damaged replica logged the damage (topic, partition, replica, offset, file), left the ISR,
 * truncated, refetched and rejoined, and its log ends up byte for byte the leader's. All waits
 * are conditions with deadlines; every process is killed and every directory removed after.
 * PADO_BIT_ROT_LOGS=<dir> keeps each node's log lines of the last test there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaClient } from '../../src/client/index.js';
import { validateBatches } from '../../src/protocol/records/index.js';
import { mainJs } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

const topic = 'rot';
const segmentBytes = 32 * 1024;
const conditionMs = 60_000;
const storageError = 56;

interface View {
  leader: number;
  isr: number[];
  replicas: number[];
}

async function view(cluster: RaftCluster, id: number, name = topic): Promise<View | undefined> {
  const md = await cluster.withClient(id, (c) => c.metadata([name])).catch(() => undefined);
  const p = md?.topics[0]?.partitions[0];
  if (p === undefined || p.leaderId < 0) return undefined;
  return { leader: p.leaderId, isr: [...p.isrNodes].sort(), replicas: [...p.replicaNodes] };
}

/** The first answer from any of `ids` that satisfies `ok`. */
async function viewWhere(cluster: RaftCluster, ids: readonly number[], what: string,
  ok: (v: View) => boolean, name = topic): Promise<View> {
  return waitFor(what, async () => {
    for (const id of ids) {
      const v = await view(cluster, id, name);
      if (v !== undefined && ok(v)) return v;
    }
    return undefined;
  }, conditionMs, 100);
}

async function keepLogs(cluster: RaftCluster): Promise<void> {
  const dir = process.env.PADO_BIT_ROT_LOGS;
  if (dir === undefined) return;
  for (const id of cluster.ids) {
    await writeFile(join(dir, `node-${id}.log`), (cluster.process(id)?.lines ?? []).join('\n'));
  }
}

async function startCluster(t: { after: (fn: () => Promise<void>) => void },
  scrubBytesPerSecond?: number): Promise<RaftCluster> {
  const config = scrubBytesPerSecond === undefined ? {}
    : { 'log.scrub.bytes.per.second': scrubBytesPerSecond };
  const cluster = await RaftCluster.start(3, { config });
  // PADO_BIT_ROT_LOGS=<dir>: keep each node's log lines there (registered first: runs first).
  t.after(() => keepLogs(cluster));
  t.after(() => cluster.stop());
  await waitFor('three brokers', async () =>
    ((await cluster.withClient(1, (c) => c.metadata([])).catch(() => undefined))?.brokers
      .length === 3 ? true : undefined), conditionMs);
  return cluster;
}

async function createTopic(cluster: RaftCluster, name: string, replicationFactor: number,
  minIsr: number): Promise<View> {
  const created = await cluster.withClient(1, (c) => c.createTopics([{ name, numPartitions: 1,
    replicationFactor, configs: { 'min.insync.replicas': String(minIsr),
      'segment.bytes': String(segmentBytes) } }]));
  assert.equal(created.topics[0]?.errorCode, 0);
  return viewWhere(cluster, cluster.ids, `${name}: a leader with a full ISR`,
    (v) => v.isr.length === replicationFactor, name);
}

const value = (prefix: string, i: number) => `${prefix}${i}:`.padEnd(120, '.');

/**
 * 1,000 records from kafkajs (idempotent, acks=all, 25 per send) then 600 from kcat (acks=all,
 * 25 per batch); every send must be acknowledged. Returns the values in the order produced.
 */
async function produceAcked(cluster: RaftCluster, ids: readonly number[], name = topic):
  Promise<string[]> {
  const brokers = ids.map((id) => cluster.address(id));
  const kafka = new Kafka({ clientId: 'bit-rot', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const acked: string[] = [];
  try {
    for (let i = 0; i < 1000; i += 25) {
      const values = Array.from({ length: 25 }, (_, j) => value('k', i + j));
      await producer.send({ topic: name, acks: -1, messages: values.map((v) => ({ value: v })) });
      acked.push(...values);
    }
  } finally {
    await producer.disconnect();
  }
  const lines = Array.from({ length: 600 }, (_, i) => value('c', i));
  const r = await run('kcat', ['-b', brokers.join(','), '-P', '-t', name, '-p', '0',
    '-X', 'acks=all', '-X', 'linger.ms=1', '-X', 'batch.num.messages=25'],
  { input: `${lines.join('\n')}\n`, timeoutMs: conditionMs });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /fail|error/i, 'every kcat message delivered');
  acked.push(...lines);
  return acked;
}

/** Every value of the topic via a kafkajs consumer group, in offset order, once `count` are in. */
async function consumeKafkajs(cluster: RaftCluster, ids: readonly number[], count: number,
  name = topic): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'bit-rot-reader', brokers: ids.map((id) =>
    cluster.address(id)), logLevel: logLevel.NOTHING,
  retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 1_000 } });
  const consumer = kafka.consumer({ groupId: `readers-${name}-${Date.now()}`,
    maxWaitTimeInMs: 500 });
  const seen: { offset: number; value: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      seen.push({ offset: Number(message.offset), value: message.value?.toString() ?? '' });
    } });
    await waitFor(`kafkajs reading ${count} records (at ${seen.length})`,
      () => (seen.length >= count ? true : undefined), conditionMs, 100);
  } finally {
    await consumer.disconnect();
  }
  const offsets = seen.map((s) => s.offset);
  assert.deepEqual(offsets, Array.from({ length: offsets.length }, (_, i) => i),
    'kafkajs: offsets 0, 1, 2… each once');
  return seen.map((s) => s.value);
}

/** Every value of the topic via kcat -C -e (librdkafka), checking offsets are 0, 1, 2… */
async function consumeKcat(cluster: RaftCluster, ids: readonly number[], name = topic):
  Promise<string[]> {
  const r = await run('kcat', ['-b', ids.map((id) => cluster.address(id)).join(','), '-C',
    '-t', name, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\n'],
  { timeoutMs: conditionMs });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => l !== '');
  const offsets = rows.map((row) => Number(row.slice(0, row.indexOf(' '))));
  assert.deepEqual(offsets, Array.from({ length: rows.length }, (_, i) => i),
    'kcat: offsets 0, 1, 2… each once');
  return rows.map((row) => row.slice(row.indexOf(' ') + 1));
}

function partitionDir(cluster: RaftCluster, id: number, name = topic): string {
  return join(cluster.dataDir(id), `${name}-0`);
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
}

/** The closed segment in the middle of the log (not the first, not the active one). */
async function middleClosedSegment(dir: string): Promise<string> {
  const files = await segmentFiles(dir);
  assert.ok(files.length >= 4, `${files.length} segments`);
  return files[Math.floor((files.length - 1) / 2)] as string;
}

/**
 * Flips one byte of a record in the batch in the middle of `file` (a header byte could be the
 * leader epoch, which no CRC covers); returns that batch's base offset.
 */
async function flipByte(file: string): Promise<number> {
  const checked = validateBatches(await readFile(file));
  assert.ok(checked.ok);
  const batch = checked.batches[Math.floor(checked.batches.length / 2)]!;
  const at = batch.position + 61 + 20;
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x20;
    await handle.write(byte, 0, 1, at);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return batch.baseOffset;
}

/** The batches of a replica's log, concatenated (segment boundaries aside). */
async function logBytes(cluster: RaftCluster, id: number, name = topic): Promise<Buffer> {
  const files = await segmentFiles(partitionDir(cluster, id, name)).catch(() => []);
  return Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
}

async function logsMatch(cluster: RaftCluster, ids: readonly number[], leader: number,
  name = topic): Promise<void> {
  await waitFor(`replicas ${ids.join(',')} holding leader ${leader}'s log`, async () => {
    const expected = await logBytes(cluster, leader, name);
    for (const id of ids) if (!expected.equals(await logBytes(cluster, id, name))) return undefined;
    return true;
  }, conditionMs, 200);
}

/** A log line of node `id` (pino JSON) whose message matches and whose fields include `fields`. */
function line(cluster: RaftCluster, id: number, message: RegExp,
  fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return waitFor(`node ${id} logging ${message}`, () => {
    for (const raw of cluster.process(id)?.lines ?? []) {
      if (!raw.startsWith('{')) continue;
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      if (!message.test(String(parsed.msg))) continue;
      if (Object.entries(fields).every(([k, v]) => parsed[k] === v)) return parsed;
    }
    return undefined;
  }, conditionMs, 100);
}

/** SIGTERM (controlled shutdown) and wait for a clean exit. */
async function stopCleanly(cluster: RaftCluster, id: number): Promise<void> {
  const exit = await cluster.process(id)?.signal('SIGTERM');
  assert.equal(exit?.code, 0, `node ${id} exits cleanly`);
}

/** Records views of the topic from `ids` every 100 ms until stopped. */
function sampleViews(cluster: RaftCluster, ids: () => readonly number[], name = topic) {
  const views: View[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      for (const id of ids()) {
        const v = await view(cluster, id, name);
        if (v !== undefined) views.push(v);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { views, stop: async () => {
    running = false;
    await done;
  } };
}

test('a byte flipped in a closed segment of a stopped follower: the damaged replica leads after ' +
  'the leader is SIGKILLed, never serves the bad batch, hands off, repairs and rejoins',
async (t) => {
  const cluster = await startCluster(t, 0);
  const start = await createTopic(cluster, topic, 3, 2);
  const leader = start.leader;
  // Elections take the first live ISR member in replica order: that is who leads next.
  const damaged = start.replicas.find((id) => id !== leader) as number;
  const healthy = start.replicas.find((id) => id !== leader && id !== damaged) as number;
  const acked = await produceAcked(cluster, cluster.ids);
  await logsMatch(cluster, [damaged, healthy], leader);

  await stopCleanly(cluster, damaged);
  const bad = await flipByte(await middleClosedSegment(partitionDir(cluster, damaged)));
  await cluster.startNode(damaged);
  await viewWhere(cluster, [leader], 'the restarted replica back in the ISR',
    (v) => v.isr.length === 3);
  await cluster.kill(leader);
  const live = [damaged, healthy];
  const led = await viewWhere(cluster, live, 'a new leader', (v) => v.leader !== leader);
  assert.equal(led.leader, damaged, 'the damaged replica leads (its damage is not known yet)');
  const sampler = sampleViews(cluster, () => live);

  assert.deepEqual(await consumeKafkajs(cluster, live, acked.length), acked);
  assert.deepEqual(await consumeKcat(cluster, live), acked);

  const logged = await line(cluster, damaged, /^damaged partition data/, { offset: bad });
  assert.equal(logged.topic, topic);
  assert.equal(logged.partition, 0);
  assert.equal(logged.replica, damaged);
  assert.equal(logged.foundBy, 'read');
  assert.match(String(logged.file), /rot-0\/\d{20}\.log$/);
  assert.match(String(logged.next), /handing leadership/);
  await line(cluster, damaged, /^truncating the damaged range/, { endOffset: bad });
  await line(cluster, damaged, /^damaged replica repaired: back in the ISR/);
  const healed = await viewWhere(cluster, live, 'both live replicas in the ISR',
    (v) => v.isr.includes(damaged) && v.isr.includes(healthy));
  await sampler.stop();
  assert.ok(sampler.views.some((v) => v.leader === healthy && !v.isr.includes(damaged)),
    'the damaged replica left the ISR and leadership moved to the healthy one');
  await logsMatch(cluster, [damaged], healed.leader);
});

test('a deleted closed segment of a stopped follower is found at restart and refetched; a byte ' +
  'flipped under a running follower is found by its scrubber', async (t) => {
  const cluster = await startCluster(t);
  const start = await createTopic(cluster, topic, 3, 2);
  const leader = start.leader;
  const damaged = start.replicas.find((id) => id !== leader) as number;
  const other = start.replicas.find((id) => id !== leader && id !== damaged) as number;
  const acked = await produceAcked(cluster, cluster.ids);
  await logsMatch(cluster, [damaged, other], leader);

  await stopCleanly(cluster, damaged);
  const deleted = await middleClosedSegment(partitionDir(cluster, damaged));
  // The segment before it ends right where the deleted one started: the gap starts there.
  const gapStart = Number(basename(deleted).slice(0, 20));
  await unlink(deleted);
  await cluster.startNode(damaged);
  // Back in the ISR means repaired: it cannot rejoin before it holds everything below the HW.
  await viewWhere(cluster, [leader], 'the restarted replica back in the ISR',
    (v) => v.isr.length === 3);
  await cluster.kill(leader);
  const live = [damaged, other];
  const led = await viewWhere(cluster, live, 'a new leader', (v) => v.leader !== leader);
  assert.equal(led.leader, damaged, 'the restarted replica leads');
  assert.deepEqual(await consumeKafkajs(cluster, live, acked.length), acked);
  assert.deepEqual(await consumeKcat(cluster, live), acked);
  const logged = await line(cluster, damaged, /^damaged partition data/);
  assert.equal(logged.offset, gapStart);
  assert.equal(logged.damage, 'missing');
  assert.equal(logged.foundBy, 'recovery');
  assert.equal(logged.topic, topic);
  assert.equal(logged.replica, damaged);
  await line(cluster, damaged, /^truncating the damaged range/, { endOffset: gapStart });
  await line(cluster, damaged, /^damaged replica repaired: back in the ISR/);
  await logsMatch(cluster, [other], damaged);

  // Rot under a running follower, in data nobody reads: the scrubber finds it.
  await viewWhere(cluster, live, 'both in the ISR', (v) => v.isr.length === 2);
  const bad = await flipByte(await middleClosedSegment(partitionDir(cluster, other)));
  const scrubbed = await line(cluster, other, /^damaged partition data/, { offset: bad });
  assert.equal(scrubbed.foundBy, 'scrub');
  await line(cluster, other, /^truncating the damaged range/, { endOffset: bad });
  await line(cluster, other, /^damaged replica repaired: back in the ISR/);
  await logsMatch(cluster, [other], damaged);
  assert.deepEqual(await consumeKcat(cluster, live), acked);
});

test('a byte flipped under the running leader is never served: it hands off and repairs; alone ' +
  'in the ISR it keeps leading, health names it, and it hands off once a follower is back',
async (t) => {
  const cluster = await startCluster(t, 0);
  const start = await createTopic(cluster, topic, 3, 2);
  const leader = start.leader;
  const acked = await produceAcked(cluster, cluster.ids);
  const followers = start.replicas.filter((id) => id !== leader);
  await logsMatch(cluster, followers, leader);
  const bad = await flipByte(await middleClosedSegment(partitionDir(cluster, leader)));
  assert.deepEqual(await consumeKafkajs(cluster, cluster.ids, acked.length), acked);
  assert.deepEqual(await consumeKcat(cluster, cluster.ids), acked);
  const logged = await line(cluster, leader, /^damaged partition data/, { offset: bad });
  assert.equal(logged.foundBy, 'read');
  await line(cluster, leader, /^truncating the damaged range/, { endOffset: bad });
  await line(cluster, leader, /^damaged replica repaired: back in the ISR/);
  const healed = await viewWhere(cluster, cluster.ids, 'all three in the ISR again',
    (v) => v.isr.length === 3);
  assert.notEqual(healed.leader, leader, 'leadership moved off the damaged copy');
  await logsMatch(cluster, [leader], healed.leader);

  // The only in-sync copy: a topic of two replicas whose follower is stopped.
  const solo = 'solo';
  const soloStart = await createTopic(cluster, solo, 2, 1);
  const soloAcked = await produceAcked(cluster, cluster.ids, solo);
  const soloLeader = soloStart.leader;
  const soloFollower = soloStart.replicas.find((id) => id !== soloLeader) as number;
  await logsMatch(cluster, [soloFollower], soloLeader, solo);
  await stopCleanly(cluster, soloFollower);
  const up = cluster.ids.filter((id) => id !== soloFollower);
  await viewWhere(cluster, up, 'solo: the leader alone in the ISR', (v) => v.isr.length === 1,
    solo);
  const soloDir = partitionDir(cluster, soloLeader, solo);
  const soloBad = await flipByte(await middleClosedSegment(soloDir));
  const answer = await cluster.withClient(soloLeader, (c) =>
    c.fetch([{ topic: solo, partition: 0, offset: soloBad }], { maxWaitMs: 0 }));
  assert.equal(answer.responses[0]?.partitions[0]?.errorCode, storageError);
  assert.equal(answer.responses[0]?.partitions[0]?.records?.length ?? 0, 0);
  const kept = await line(cluster, soloLeader, /^damaged partition data/, { topic: solo });
  assert.match(String(kept.next), /keeping leadership/);
  const health = await run(process.execPath, [mainJs, 'cluster', 'health', '--format', 'json',
    '--bootstrap', cluster.address(up[0]!)], { timeoutMs: conditionMs });
  assert.equal(health.code, 1, health.stderr);
  const report = JSON.parse(health.stdout) as { problems: { kind: string; subject: string;
    message: string }[] };
  const problem = report.problems.find((p) => p.kind === 'damaged-replica');
  assert.equal(problem?.subject, `${solo}-0`, health.stdout);
  assert.match(problem?.message ?? '', new RegExp(`broker ${soloLeader}'s copy is damaged.*` +
    'only in-sync replica'));

  await cluster.startNode(soloFollower);
  await viewWhere(cluster, cluster.ids, 'solo: led by the healthy copy',
    (v) => v.leader === soloFollower, solo);
  await line(cluster, soloLeader, /^damaged replica repaired: back in the ISR/, { topic: solo });
  assert.deepEqual(await consumeKcat(cluster, cluster.ids, solo), soloAcked);
  await logsMatch(cluster, [soloLeader], soloFollower, solo);
  await waitFor('cluster health clean', async () => {
    const r = await run(process.execPath, [mainJs, 'cluster', 'health', '--bootstrap',
      cluster.address(1)], { timeoutMs: conditionMs });
    return r.code === 0 ? true : undefined;
  }, conditionMs, 500);
});
