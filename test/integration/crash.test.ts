/**
 * Durability across crashes, on real processes and real files.
 * - SIGKILL mid-produce: a kafkajs producer (idempotent, acks=-1) sends uniquely numbered values to
 *   a 4-partition topic and records which sends were acknowledged; the broker is killed by PID
 *   while sends are in flight. After a restart on the same data directory, kcat reads every
 *   partition from the beginning: every acknowledged value is there exactly once, no value appears
 *   twice, anything unacknowledged that survived came from the sends in flight at the kill, and
 *   offsets are dense. The tail is clean: a second (orderly) restart changes neither offsets nor
 *   contents, and new records get the offsets right after the old end.
 * - Torn tail: after an orderly stop, garbage is appended to the last segment file, then (second
 *   round) the last batch is cut in half. Each restart truncates exactly the damaged bytes, keeps
 *   every batch before them, and serves: produce continues at the first offset not fully on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { KafkaClient } from '../../src/client/index.js';
import { type ProduceResponse } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { run, waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const partitions = 4;

/** `partition offset value` per record of the topic, via kcat, by partition then offset. */
async function readAll(bootstrap: string, topic: string): Promise<string[]> {
  const r = await run('kcat', ['-b', bootstrap, '-m', '10', '-C', '-t', topic, '-o', 'beginning',
    '-e', '-q', '-f', '%p %o %s\n'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => l !== '');
  const key = (row: string) => row.split(' ').slice(0, 2).map(Number) as [number, number];
  return rows.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
}

async function logEnds(bootstrap: string, topic: string, count: number): Promise<number[]> {
  const [host, port] = bootstrap.split(':');
  const client = await KafkaClient.connect({ io: clientIo, host: host!, port: Number(port) });
  try {
    const queries = Array.from({ length: count }, (_, partition) => ({ partition, timestamp: -1 }));
    const r = await client.listOffsets(topic, queries);
    const parts = [...(r.topics[0]?.partitions ?? [])]
      .sort((a, b) => a.partitionIndex - b.partitionIndex);
    return parts.map((p) => Number(p.offset));
  } finally {
    await client.close();
  }
}

interface SendLog {
  acked: Set<string>;
  /** Values of sends that had started but not been acknowledged when the broker died. */
  unsure: Set<string>;
  stop: boolean;
  done: Promise<void>;
}

/** Sends batches of 25 numbered values until stopped or the broker is gone. */
function sendUntilKilled(producer: Producer, topic: string): SendLog {
  const log: SendLog = {
    acked: new Set(), unsure: new Set(), stop: false, done: Promise.resolve(),
  };
  log.done = (async () => {
    for (let batch = 0; !log.stop && batch < 10_000; batch++) {
      const values = Array.from({ length: 25 }, (_, j) => `v${batch * 25 + j}`);
      for (const v of values) log.unsure.add(v);
      try {
        const messages = values.map((value) => ({ key: value, value }));
        await producer.send({ topic, acks: -1, messages });
      } catch {
        return; // the broker is gone: these values stay unsure
      }
      for (const v of values) {
        log.unsure.delete(v);
        log.acked.add(v);
      }
    }
  })();
  return log;
}

function checkNoLossNoDup(rows: readonly string[], sent: SendLog): void {
  const seen = new Set<string>();
  const nextOffset = new Map<number, number>();
  for (const row of rows) {
    const [p, o, value] = row.split(' ') as [string, string, string];
    assert.ok(!seen.has(value), `${value} stored twice`);
    seen.add(value);
    assert.ok(sent.acked.has(value) || sent.unsure.has(value), `${value} was never sent`);
    const expected = nextOffset.get(Number(p)) ?? 0;
    assert.equal(Number(o), expected, `partition ${p}: offsets are dense`);
    nextOffset.set(Number(p), expected + 1);
  }
  const lost = [...sent.acked].filter((v) => !seen.has(v));
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged values lost`);
}

test('SIGKILL while producing: every acked record once, clean tail after restart', async (t) => {
  const dataDir = tempDir();
  let broker: BrokerProcess = await startBroker({ dataDir });
  t.after(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const kafka = new Kafka({
    clientId: 'crash', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'crash', numPartitions: partitions }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
  await producer.connect();
  t.after(() => producer.disconnect().catch(() => undefined));

  const sent = sendUntilKilled(producer, 'crash');
  await waitFor('2,000 records acknowledged',
    () => (sent.acked.size >= 2_000 ? true : undefined), 60_000);
  process.kill(broker.pid, 'SIGKILL');
  // signal() on a process already killed just waits for its exit.
  assert.deepEqual(await broker.signal('SIGKILL'), { code: null, signal: 'SIGKILL' });
  sent.stop = true;
  await sent.done;
  t.diagnostic(`acked=${sent.acked.size} unsure=${sent.unsure.size}`);

  broker = await startBroker({ dataDir });
  const rows = await readAll(broker.bootstrap, 'crash');
  checkNoLossNoDup(rows, sent);
  const ends = await logEnds(broker.bootstrap, 'crash', partitions);
  assert.equal(ends.reduce((a, b) => a + b, 0), rows.length);

  // A second, orderly restart finds nothing more to repair: same ends, same contents.
  assert.deepEqual(await broker.signal('SIGTERM'), { code: 0, signal: null });
  broker = await startBroker({ dataDir });
  assert.deepEqual(await logEnds(broker.bootstrap, 'crash', partitions), ends);
  assert.deepEqual(await readAll(broker.bootstrap, 'crash'), rows);

  // Producing continues right after the old end of every partition.
  const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
  t.after(() => client.close());
  for (let p = 0; p < partitions; p++) {
    const r = await client.produce('crash', p, batchOf([`after-${p}`]), -1) as ProduceResponse;
    const answer = r.responses[0]?.partitionResponses[0];
    assert.deepEqual([answer?.errorCode, answer?.baseOffset], [0, ends[p]], `partition ${p}`);
  }
});

function batchOf(values: readonly string[]): Buffer {
  return buildBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })),
    compression: 'none',
  });
}

/** The newest segment file of partition 0 of `topic`. */
function lastSegment(dataDir: string, topic: string): string {
  const dir = join(dataDir, `${topic}-0`);
  const logs = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  const last = logs[logs.length - 1];
  assert.ok(last !== undefined, `a segment in ${dir}`);
  return join(dir, last);
}

async function produceBatches(port: number, topic: string, count: number, tag: string) {
  const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port });
  try {
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const batch = batchOf([`${tag}-${i}-a`, `${tag}-${i}-b`]);
      const r = await client.produce(topic, 0, batch, -1) as ProduceResponse;
      assert.equal(r.responses[0]?.partitionResponses[0]?.errorCode, 0);
      sizes.push(batch.length);
    }
    return sizes;
  } finally {
    await client.close();
  }
}

test('torn tail: garbage or half a batch at the end is cut; earlier data intact', async (t) => {
  const dataDir = tempDir();
  let broker: BrokerProcess = await startBroker({ dataDir });
  t.after(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await produceBatches(broker.port, 'torn', 20, 'first');
  const before = await readAll(broker.bootstrap, 'torn');
  assert.equal(before.length, 40);
  assert.deepEqual(await broker.signal('SIGTERM'), { code: 0, signal: null });

  // Round 1: bytes after the last batch that are not a batch.
  const segment = lastSegment(dataDir, 'torn');
  const cleanBytes = statSync(segment).size;
  const garbage = Buffer.from('this is not a record batch, just a torn write at the end');
  appendFileSync(segment, garbage);
  broker = await startBroker({ dataDir });
  assert.deepEqual(await readAll(broker.bootstrap, 'torn'), before);
  assert.deepEqual(await logEnds(broker.bootstrap, 'torn', 1), [40]);
  const [secondBytes] = await produceBatches(broker.port, 'torn', 1, 'second');
  const afterGarbage = await readAll(broker.bootstrap, 'torn');
  assert.deepEqual(afterGarbage.slice(40), ['0 40 second-0-a', '0 41 second-0-b']);
  assert.deepEqual(await broker.signal('SIGTERM'), { code: 0, signal: null });
  assert.equal(statSync(segment).size, cleanBytes + secondBytes!,
    'garbage gone, new batch in its place');
  assert.ok(truncationLogged(broker, garbage.length), 'the repair is logged');

  // Round 2: the last batch (offsets 40–41) cut in half, as a crash mid-write leaves it.
  truncateSync(segment, cleanBytes + Math.floor(secondBytes! / 2));
  broker = await startBroker({ dataDir });
  assert.deepEqual(await readAll(broker.bootstrap, 'torn'), before);
  assert.deepEqual(await logEnds(broker.bootstrap, 'torn', 1), [40]);
  await produceBatches(broker.port, 'torn', 1, 'third');
  assert.deepEqual((await readAll(broker.bootstrap, 'torn')).slice(40),
    ['0 40 third-0-a', '0 41 third-0-b']);
  assert.deepEqual(await broker.signal('SIGTERM'), { code: 0, signal: null });
  assert.ok(truncationLogged(broker, Math.floor(secondBytes! / 2)), 'the repair is logged');
});

/** The broker's log is buffered; call after an orderly stop, which flushes it. */
function truncationLogged(broker: BrokerProcess, bytes: number): boolean {
  return broker.lines.some((l) => /"msg":"recovered a torn log tail/.test(l) &&
    l.includes(`"truncatedBytes":${bytes}`) && l.includes('"dir":"torn-0"'));
}
