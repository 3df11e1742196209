/**
 * NodeMetrics and the admin routes (issue 16 item 1): names and labels as Kafka's exported JMX
 * metrics, counters that count what they are told, gauges read from the node's state at scrape
 * time, and the measured handler wrapper's accounting of Produce and Fetch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminRoutes, isStream, jsonAnswer, NodeMetrics, type HttpAnswer, type HttpHandler, type HttpRequest, type NodeState,
} from '../../../src/observability/index.js';
import { ApiKey } from '../../../src/protocol/index.js';
import { buildBatch } from '../../../src/protocol/records/index.js';
import { measured, type Handler } from '../../../src/server/index.js';

const state: NodeState = {
  nodeId: 1, isController: true,
  raft: { term: 7, leaderId: 1, role: 'leader', commitIndex: 40, appliedIndex: 38, lastIndex: 42, voters: 3,
    observers: 1 },
  brokers: { active: 2, fenced: 1 }, offlinePartitions: 1,
  partitions: [
    { topic: 'a', partition: 0, leader: true, replicas: 3, isr: 3, minIsr: 2, sizeBytes: 100, logEndOffset: 5,
      highWatermark: 5 },
    { topic: 'a', partition: 1, leader: true, replicas: 3, isr: 1, minIsr: 2, sizeBytes: 50, logEndOffset: 2,
      highWatermark: 2 },
    { topic: 'b', partition: 0, leader: false, replicas: 3, isr: 2, minIsr: 2, sizeBytes: 7, logEndOffset: 1,
      highWatermark: 1 },
  ],
  diskFreeBytes: 123_456, ready: true,
};

function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

test('scrape-time gauges come from the node state; counters from what they were told', async () => {
  let reads = 0;
  const m = new NodeMetrics(() => { reads++; return state; }, new Map([[0, 'Produce']]));
  m.requestDone(0, 0.002);
  m.requestDone(0, 0.2);
  m.requestDone(99, 0.001);
  m.produced('a', 1000, 10);
  m.fetched('a', 300, false);
  m.fetched('a', 700, true);
  m.isrChanged(3, 2);
  m.isrChanged(2, 3);
  m.isrChanged(2, 3);
  m.leadersElected(4);
  m.flushed(0.003);
  const { text, contentType } = await m.render();
  assert.match(contentType, /^text\/plain/);
  assert.equal(reads, 1, 'one read of the state per scrape');
  const s = samples(text);
  const expected: [string, number][] = [
    ['kafka_network_requestmetrics_totaltime_seconds_count{request="Produce"}', 2],
    ['kafka_network_requestmetrics_totaltime_seconds_bucket{le="0.0025",request="Produce"}', 1],
    ['kafka_network_requestmetrics_totaltime_seconds_count{request="api-99"}', 1],
    ['kafka_server_brokertopicmetrics_bytesin_total{topic="a"}', 1000],
    ['kafka_server_brokertopicmetrics_messagesin_total{topic="a"}', 10],
    ['kafka_server_brokertopicmetrics_bytesout_total{topic="a"}', 300],
    ['kafka_server_brokertopicmetrics_replicationbytesout_total{topic="a"}', 700],
    ['kafka_server_replicamanager_isrshrinks_total', 1],
    ['kafka_server_replicamanager_isrexpands_total', 2],
    ['kafka_controller_controllerstats_leaderelections_total', 4],
    ['kafka_log_logflushstats_logflush_seconds_count', 1],
    ['kafka_server_replicamanager_partitioncount', 3],
    ['kafka_server_replicamanager_leadercount', 2],
    ['kafka_server_replicamanager_underreplicatedpartitions', 1],
    ['kafka_server_replicamanager_underminisrpartitioncount', 1],
    ['kafka_controller_kafkacontroller_activecontrollercount', 1],
    ['kafka_controller_kafkacontroller_offlinepartitionscount', 1],
    ['kafka_controller_kafkacontroller_activebrokercount', 2],
    ['kafka_controller_kafkacontroller_fencedbrokercount', 1],
    ['kafka_server_raftmetrics_current_epoch', 7],
    ['kafka_server_raftmetrics_current_leader', 1],
    ['pado_raft_commit_lag_entries', 2],
    ['pado_raft_apply_lag_entries', 2],
    ['kafka_server_raftmetrics_current_state{state="leader"}', 1],
    ['kafka_log_log_size{topic="a",partition="1"}', 50],
    ['kafka_log_log_size{topic="b",partition="0"}', 7],
    ['kafka_cluster_partition_insyncreplicascount{topic="a",partition="1"}', 1],
    ['pado_disk_free_bytes', 123_456],
    ['pado_ready', 1],
  ];
  for (const [key, value] of expected) assert.equal(s.get(key), value, key);
  // A second scrape reads the state again (no stale values across scrapes).
  await m.render();
  assert.equal(reads, 2);
});

test('before the node has its parts, a scrape answers: up, not ready, nothing led, no per-partition series', async () => {
  const m = new NodeMetrics(() => undefined, new Map());
  const s = samples((await m.render()).text);
  assert.equal(s.get('pado_up'), 1);
  assert.equal(s.get('pado_ready'), 0);
  assert.equal(s.get('kafka_server_replicamanager_leadercount'), 0);
  assert.equal([...s.keys()].some((k) => k.startsWith('kafka_log_log_size')), false);
});

const get = (path: string, method = 'GET'): HttpRequest =>
  ({ method, path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) });

/** A whole (not streamed) answer. */
async function answer(routes: HttpHandler, path: string, method = 'GET'): Promise<HttpAnswer> {
  const r = await routes(get(path, method));
  assert.ok(!isStream(r));
  return r;
}

test('routes: /health, /ready with its reason, /metrics, 404 and 405', async () => {
  let why: string | null = 'starting';
  const routes = adminRoutes({ metrics: new NodeMetrics(() => state, new Map()), notReady: () => why });
  assert.deepEqual(await answer(routes, '/health', 'GET'),
    { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' });
  assert.equal((await answer(routes, '/ready', 'GET')).status, 503);
  assert.match(String((await answer(routes, '/ready', 'GET')).body), /not ready: starting/);
  why = null;
  assert.equal((await answer(routes, '/ready', 'HEAD')).status, 200);
  const metrics = await answer(routes, '/metrics', 'GET');
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.body), /kafka_server_replicamanager_leadercount 2/);
  assert.equal((await answer(routes, '/nope', 'GET')).status, 404);
  assert.equal((await answer(routes, '/metrics', 'POST')).status, 405);
});

test('routes: a mount takes its prefix and what is under it, any method; the index lists it', async () => {
  const routes = adminRoutes({ metrics: new NodeMetrics(() => state, new Map()), notReady: () => null,
    mounts: [{ prefix: '/events', handle: async (req) => jsonAnswer(200, { path: req.path, m: req.method }) }] });
  assert.equal(String((await answer(routes, '/events')).body), '{"path":"/events","m":"GET"}\n');
  assert.equal(String((await answer(routes, '/events/x', 'POST')).body), '{"path":"/events/x","m":"POST"}\n');
  assert.equal((await answer(routes, '/eventsx')).status, 404);
  assert.match(String((await answer(routes, '/')).body), /\/metrics \/health \/ready \/events/);
});

test('measured: latency per API; Produce counts records of partitions answered without error; ' +
  'Fetch bytes per topic, by consumers or followers', async () => {
  const seen: string[] = [];
  let now = 0;
  const observer = {
    nowMs: () => now,
    requestDone: (apiKey: number, seconds: number) => seen.push(`done ${apiKey} ${seconds}`),
    produced: (topic: string, bytes: number, records: number) => seen.push(`in ${topic} ${bytes} ${records}`),
    fetched: (topic: string, bytes: number, byFollower: boolean) => seen.push(`out ${topic} ${bytes} ${byFollower}`),
  };
  const batch = (n: number) => buildBatch({ records: Array.from({ length: n }, (_, i) => ({
    key: null, value: Buffer.from(`v${i}`), headers: [], timestamp: 0 })), compression: 'none' });
  const two = Buffer.concat([batch(3), batch(4)]);
  const produce: Handler = { apiKey: ApiKey.produce, minVersion: 0, maxVersion: 11,
    handle: async () => {
      now += 5;
      return { throttleTimeMs: 0, nodeEndpoints: [], responses: [{ name: 't', partitionResponses: [
        { index: 0, errorCode: 0 }, { index: 1, errorCode: 6 }] }] };
    } };
  const fetch: Handler = { apiKey: ApiKey.fetch, minVersion: 0, maxVersion: 16,
    handle: () => ({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [], responses: [
      { topic: '', topicId: 'id-u', partitions: [{ records: Buffer.alloc(10) }, { records: null }] },
      { topic: 'v', topicId: 'id-v', partitions: [{ records: Buffer.alloc(0) }] }] }) };
  const table = measured(new Map([[ApiKey.produce, produce], [ApiKey.fetch, fetch]]), observer,
    (id) => (id === 'id-u' ? 'u' : undefined));
  const ctx = {} as never;
  await table.get(ApiKey.produce)!.handle(ctx, { acks: -1, timeoutMs: 1, transactionalId: null,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: two }, { index: 1, records: batch(1) }] }] });
  await table.get(ApiKey.fetch)!.handle(ctx, { replicaId: -1, replicaState: { replicaId: 2, replicaEpoch: 1 } });
  assert.deepEqual(seen, [`done ${ApiKey.produce} 0.005`, `in t ${two.length} 7`, `done ${ApiKey.fetch} 0`,
    'out u 10 true']);
});
