/**
 * Issue 16 item 1: every node of a 3-node cluster serves /metrics, /health and /ready on its HTTP
 * admin listener, and the numbers are the cluster's: leaders per node as Metadata says, records in
 * per topic exactly as many as kcat (librdkafka, idempotent, several partitions per send) and
 * kafkajs (idempotent, one partition per send) had acknowledged, one active controller, nothing
 * under-replicated. Then a broker is SIGKILLed: the survivors report under-replicated partitions
 * within 5 s (the controller fences it after the 1.2 s session and takes it out of every ISR), the
 * count matching what Metadata shows, and the dead node's /health no longer answers.
 * Waits are conditions with deadlines; the cluster is stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { httpPort } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
const topic = 'metered';

before(async () => {
  cluster = await RaftCluster.start(3);
  await cluster.allLive();
});
after(async () => {
  await cluster?.stop();
});

type Samples = Map<string, number>;

/** `name{labels}` → value, from the Prometheus text format. */
function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

async function get(id: number, path: string): Promise<{ status: number; body: string }> {
  const proc = cluster.process(id);
  assert.ok(proc !== undefined, `node ${id} runs`);
  const res = await fetch(`http://127.0.0.1:${httpPort(proc)}${path}`, { signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: await res.text() };
}

async function scrape(id: number): Promise<Samples> {
  const r = await get(id, '/metrics');
  assert.equal(r.status, 200);
  return parse(r.body);
}

const sum = (samples: Samples[], key: string): number =>
  samples.reduce((n, s) => n + (s.get(key) ?? 0), 0);

interface Led { leader: number; underReplicated: boolean }

/** Every partition of the cluster as a running node's Metadata shows it. */
async function partitions(): Promise<Led[]> {
  for (const id of cluster.running()) {
    const md = await cluster.withClient(id, (c) => c.metadata(null)).catch(() => undefined);
    if (md === undefined) continue;
    return md.topics.flatMap((t) => t.partitions.map((p) => ({ leader: p.leaderId,
      underReplicated: p.isrNodes.length < p.replicaNodes.length })));
  }
  return [];
}

test('/health, /ready and /metrics on every node; the numbers are the cluster\'s', async () => {
  for (const id of cluster.ids) {
    assert.deepEqual(await get(id, '/health'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get(id, '/ready'), { status: 200, body: 'ready\n' });
    assert.equal((await get(id, '/nope')).status, 404);
  }
  const created = await cluster.withClient(1, (c) =>
    c.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3 }]));
  assert.equal(created.topics[0]?.errorCode, 0);
  await waitFor('every partition led with 3 in sync', async () => {
    const ps = await partitions();
    return ps.length > 0 && ps.every((p) => p.leader > 0 && !p.underReplicated) ? true : undefined;
  });
  // librdkafka: idempotent, acks=all, keyed records spread over the three partitions per send.
  const kcatRecords = 3_000;
  const lines = Array.from({ length: kcatRecords }, (_, i) => `k${i % 17}:v${i}`).join('\n');
  const kcat = await run('kcat', ['-b', cluster.address(1), '-P', '-t', topic, '-K', ':',
    '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'linger.ms=5'], { input: `${lines}\n` });
  assert.equal(kcat.code, 0, kcat.stderr);
  // kafkajs: idempotent, one partition per send.
  const kafka = new Kafka({ brokers: cluster.ids.map((id) => cluster.address(id)), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const kafkajsRecords = 600;
  try {
    for (let i = 0; i < kafkajsRecords; i += 100) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 },
        (_, j) => ({ partition: (i / 100) % 3, value: `j${i + j}` })) });
    }
  } finally {
    await producer.disconnect();
  }
  const key = `kafka_server_brokertopicmetrics_messagesin_total{topic="${topic}"}`;
  const scrapes = await waitFor('every acknowledged record counted', async () => {
    const s = await Promise.all(cluster.ids.map(scrape));
    return sum(s, key) >= kcatRecords + kafkajsRecords ? s : undefined;
  });
  assert.equal(sum(scrapes, key), kcatRecords + kafkajsRecords, 'records in: exactly what was acknowledged');
  assert.ok(sum(scrapes, `kafka_server_brokertopicmetrics_bytesin_total{topic="${topic}"}`) > 0);
  assert.equal(sum(scrapes, 'kafka_controller_kafkacontroller_activecontrollercount'), 1);
  assert.equal(sum(scrapes, 'kafka_server_replicamanager_underreplicatedpartitions'), 0);
  const ps = await partitions();
  for (const [i, id] of cluster.ids.entries()) {
    const s = scrapes[i] as Samples;
    assert.equal(s.get('kafka_server_replicamanager_leadercount'), ps.filter((p) => p.leader === id).length,
      `node ${id} leads what Metadata says`);
    assert.equal(s.get('pado_ready'), 1);
    assert.ok((s.get('process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
    const requests = [...s].filter(([k]) => k.startsWith('kafka_network_requestmetrics_totaltime_seconds_count'));
    assert.ok(requests.reduce((n, [, v]) => n + v, 0) > 0, `node ${id} counted its requests`);
    assert.ok((s.get('kafka_log_logflushstats_logflush_seconds_count') ?? 0) > 0, 'fsyncs timed');
  }
  const consumedBy = sum(scrapes, `kafka_server_brokertopicmetrics_replicationbytesout_total{topic="${topic}"}`);
  assert.ok(consumedBy > 0, 'followers fetched the topic');
  const copied = sum(scrapes, `kafka_server_brokertopicmetrics_replicationbytesin_total{topic="${topic}"}`);
  assert.ok(copied > 0, 'followers appended the topic');
});

test('a SIGKILLed broker: the survivors report under-replicated partitions within 5 s, as Metadata shows them', async (t) => {
  const victim = 2;
  const survivors = cluster.ids.filter((id) => id !== victim);
  const victimHttp = httpPort(cluster.process(victim) ?? assert.fail('node 2 runs'));
  const killedAt = Date.now();
  await cluster.kill(victim);
  const seen = await waitFor('under-replicated partitions reported', async () => {
    const s = await Promise.all(survivors.map((id) => scrape(id).catch(() => undefined)));
    if (s.some((x) => x === undefined)) return undefined;
    const n = sum(s as Samples[], 'kafka_server_replicamanager_underreplicatedpartitions');
    return n > 0 ? { n, afterMs: Date.now() - killedAt } : undefined;
  }, 10_000);
  t.diagnostic(`${seen.n} under-replicated partition(s) reported ${seen.afterMs} ms after the kill`);
  assert.ok(seen.afterMs <= 5_000, `reported ${seen.afterMs} ms after the kill`);
  // Once the ISR changes have settled, every survivor's count is what Metadata shows for it.
  await waitFor('scrapes match Metadata', async () => {
    const ps = await partitions();
    const s = await Promise.all(survivors.map(scrape));
    const match = survivors.every((id, i) => s[i]?.get('kafka_server_replicamanager_underreplicatedpartitions') ===
      ps.filter((p) => p.leader === id && p.underReplicated).length);
    const all = ps.filter((p) => p.underReplicated).length;
    return match && all > 0 && ps.every((p) => p.leader !== victim) ? true : undefined;
  });
  await assert.rejects(fetch(`http://127.0.0.1:${victimHttp}/health`, { signal: AbortSignal.timeout(3_000) }),
    'the dead node\'s /health does not answer');
});
