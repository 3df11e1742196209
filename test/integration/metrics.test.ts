/**
 * Issue 16 item 1: every node of a 3-node cluster serves /metrics, /health and /ready on its HTTP
 * admin listener, and the numbers are the cluster's: leaders per node as Metadata says, records in
 * per topic exactly as many as kcat (librdkafka, idempotent, several partitions per send) and
 * kafkajs (idempotent, one partition per send) had acknowledged, one active controller, nothing
 * under-replicated. Then a broker is SIGKILLed: the survivors report under-replicated partitions
 * within 5 s (the controller fences it after the 1.2 s session and takes it out of every ISR), the
 * count matching what Metadata shows, and the dead node's /health no longer answers.
 * A group's committed offsets show as kafka_consumergroup_lag (on the node coordinating it) equal to
 * each partition's high watermark minus the commit.
 * Every node has the same alert hooks (a webhook to this test's HTTP server and a command appending
 * to a file): the kill fires both within 5 s, once (only the controller sends), naming the
 * broker; `pado cluster events` lists the fence, a `--follow` started before the kill prints it
 * and ends on Ctrl+C, and the HTTP feed (/events, JSON and server-sent events) has it too.
 * Waits are conditions with deadlines; the cluster and the follower are stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { httpPort, mainJs, tempDir } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
const topic = 'metered';

/** What the webhook received: each body with its arrival time. */
const alerts: { atMs: number; body: { event: { id: number; kind: string; brokerId: number }; nodeId: number;
  text: string } }[] = [];
let hookServer: Server;
const commandLog = join(tempDir('pado-alerts-'), 'alerts.jsonl');
let follower: ChildProcess | undefined;

before(async () => {
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      alerts.push({ atMs: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  const address = hookServer.address();
  assert.ok(address !== null && typeof address === 'object');
  cluster = await RaftCluster.start(3, { config: { alerts: {
    webhook: `http://127.0.0.1:${address.port}/pado`,
    command: `cat >> '${commandLog}' && echo >> '${commandLog}'`,
  } } });
  await cluster.allLive();
});
after(async () => {
  follower?.kill('SIGKILL');
  await cluster?.stop();
  await new Promise((resolve) => hookServer?.close(resolve));
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
  // Consumer-group lag: a group's committed offsets (kafkajs admin) against each partition's HW.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId: 'lagging', topic, partitions: [0, 1, 2].map((p) => ({ partition: p, offset: '10' })) });
    const ends = await admin.fetchTopicOffsets(topic);
    const expected = new Map(ends.map((e) => [e.partition, Number(e.high) - 10]));
    await waitFor('kafka_consumergroup_lag matches the committed offsets', async () => {
      const s = await Promise.all(cluster.ids.map(scrape));
      return [0, 1, 2].every((p) => sum(s, `kafka_consumergroup_lag{consumergroup="lagging",topic="${topic}",partition="${p}"}`)
        === expected.get(p)) ? true : undefined;
    });
  } finally {
    await admin.disconnect();
  }
  const consumedBy = sum(scrapes, `kafka_server_brokertopicmetrics_replicationbytesout_total{topic="${topic}"}`);
  assert.ok(consumedBy > 0, 'followers fetched the topic');
  const copied = sum(scrapes, `kafka_server_brokertopicmetrics_replicationbytesin_total{topic="${topic}"}`);
  assert.ok(copied > 0, 'followers appended the topic');
});

test('a SIGKILLed broker under load: the survivors report under-replicated partitions within 5 s, as Metadata shows them, and the alert hooks fire', async (t) => {
  const victim = 2;
  const survivors = cluster.ids.filter((id) => id !== victim);
  const victimHttp = httpPort(cluster.process(victim) ?? assert.fail('node 2 runs'));
  // `pado cluster events --follow`, only new events, started before the kill.
  follower = spawn(process.execPath, [mainJs, 'cluster', 'events', '--follow', '--last', '0',
    '--bootstrap', survivors.map((id) => cluster.address(id)).join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let followed = '';
  let followErr = '';
  follower.stdout?.on('data', (c: Buffer) => { followed += c.toString(); });
  follower.stderr?.on('data', (c: Buffer) => { followErr += c.toString(); });
  const alertsBefore = alerts.length;
  await waitFor('the follower follows', () => (/following events after #\d+/.test(followErr) ? true : undefined));
  // Under load: a kafkajs producer (idempotent, acks=all) sends throughout the kill.
  const kafka = new Kafka({ brokers: survivors.map((id) => cluster.address(id)), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const load = { stop: false, acked: 0, ackedAfterKill: 0, killed: false };
  const loop = (async () => {
    for (let i = 0; !load.stop && i < 100_000; i++) {
      try {
        await producer.send({ topic, acks: -1, messages: [{ partition: i % 3, value: `load-${i}` }] });
        load.acked++;
        if (load.killed) load.ackedAfterKill++;
      } catch {
        // A partition the victim led: kafkajs retries within the send; the next send goes on.
      }
    }
  })();
  await waitFor('the load runs', () => (load.acked >= 20 ? true : undefined));
  const killedAt = Date.now();
  await cluster.kill(victim);
  load.killed = true;
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

  // The alert hooks: the webhook within 5 s of the kill, naming the broker, sent by one node.
  const fenced = alerts.slice(alertsBefore).find((a) => a.body.event.kind === 'broker-fenced' &&
    a.body.event.brokerId === victim) ?? await waitFor('a broker-fenced alert', () => alerts.slice(alertsBefore)
    .find((a) => a.body.event.kind === 'broker-fenced' && a.body.event.brokerId === victim), 10_000);
  t.diagnostic(`alert webhook called ${fenced.atMs - killedAt} ms after the kill: ${fenced.body.text}`);
  assert.ok(fenced.atMs - killedAt <= 5_000, `alerted ${fenced.atMs - killedAt} ms after the kill`);
  assert.ok(survivors.includes(fenced.body.nodeId), 'sent by the controller, a survivor');
  assert.match(fenced.body.text, new RegExp(`^\\[pado WARN\\] broker ${victim} fenced \\(it leads nothing.*\\): .*(session expired|connection to the controller closed)`));
  const commanded = await waitFor('the alert command ran', () => {
    if (!existsSync(commandLog)) return undefined;
    const lines = readFileSync(commandLog, 'utf8').split('\n').filter((l) => l !== '');
    return lines.map((l) => JSON.parse(l) as { event: { id: number } })
      .find((a) => a.event.id === fenced.body.event.id);
  }, 10_000);
  assert.equal(commanded.event.id, fenced.body.event.id);
  // `pado cluster events` lists it; the follower printed it; the HTTP feed has it.
  const bootstrap = survivors.map((id) => cluster.address(id)).join(',');
  const listed = await run(process.execPath, [mainJs, 'cluster', 'events', '--bootstrap', bootstrap]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`WARN   broker-fenced +broker ${victim} fenced`));
  assert.match(listed.stdout, /INFO   topic-created +topic metered created: 3 partition\(s\) × 3 replica\(s\)/);
  await waitFor('the follower printed the fence', () =>
    (new RegExp(`broker-fenced +broker ${victim} fenced`).test(followed) ? true : undefined), 10_000);
  assert.doesNotMatch(followed, /topic-created/, '--last 0: only events after it started');
  const stopped = new Promise<number | null>((resolve) => follower?.once('exit', resolve));
  follower.kill('SIGINT');
  assert.equal(await stopped, 0, 'Ctrl+C ends --follow cleanly');
  follower = undefined;
  const feed = await get(survivors[0] as number, '/events?since=0');
  const events = (JSON.parse(feed.body) as { events: { id: number; kind: string; severity: string }[] }).events;
  assert.ok(events.some((e) => e.id === fenced.body.event.id && e.kind === 'broker-fenced' && e.severity === 'warn'));
  const stream = await fetch(`http://127.0.0.1:${httpPort(cluster.process(survivors[0] as number)!)}/events?follow=1&since=${fenced.body.event.id - 1}`,
    { signal: AbortSignal.timeout(5_000) });
  assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = stream.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  assert.match(first, new RegExp(`^id: ${fenced.body.event.id}\nevent: cluster-event\ndata: \\{.*"kind":"broker-fenced"`));
  load.stop = true;
  await loop;
  await producer.disconnect();
  t.diagnostic(`load: ${load.acked} sends acknowledged, ${load.ackedAfterKill} after the kill`);
  assert.ok(load.ackedAfterKill > 0, 'the load went on through the kill');
  // One node sent each alert: no event id twice.
  const ids = alerts.map((a) => a.body.event.id);
  assert.equal(new Set(ids).size, ids.length, `alerts: ${ids.join(', ')}`);
});
