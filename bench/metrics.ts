/**
 * `metrics`: what issue 16's metrics cost (target: ≤ 3 % of produce throughput). In-process, so
 * the answer is not lost in the produce bench's run-to-run spread: the time the request wrapper
 * (server/measured.ts) and NodeMetrics add to one Produce and one Fetch, against the same handler
 * unwrapped, for the produce bench's shapes (one partition with a 1 MiB batch of 1 KiB records;
 * one with a 16 KiB batch; ten partitions of one record each); and the time of one scrape of a
 * node with 1,000 partitions (read when Prometheus asks, off the request path).
 */
import { NodeMetrics, type NodeState } from '../src/observability/index.js';
import { apiTable, ApiKey } from '../src/protocol/index.js';
import { buildBatch } from '../src/protocol/records/index.js';
import { measured, type Handler, type HandlerTable } from '../src/server/index.js';
import { round, spread } from './support.js';

export interface MetricsOptions {
  readonly runs: number;
}

export const metricsDefaults: MetricsOptions = { runs: 5 };

const ctx = {} as never;

function batchOf(records: number, valueBytes: number): Buffer {
  return buildBatch({ compression: 'none', records: Array.from({ length: records }, (_, i) => ({
    key: null, value: Buffer.alloc(valueBytes, i & 0xff), headers: [], timestamp: 0 })) });
}

interface Shape {
  readonly name: string;
  readonly request: unknown;
  readonly handler: Handler;
}

function produceShape(name: string, partitions: number, batch: Buffer): Shape {
  const request = { acks: -1, timeoutMs: 30_000, transactionalId: null, topicData: [{ name: 'bench',
    partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: batch })) }] };
  const response = { throttleTimeMs: 0, nodeEndpoints: [], responses: [{ name: 'bench',
    partitionResponses: Array.from({ length: partitions }, (_, index) => ({ index, errorCode: 0 })) }] };
  return { name, request, handler: { apiKey: ApiKey.produce, minVersion: 0, maxVersion: 11,
    handle: () => Promise.resolve(response) } };
}

function fetchShape(batch: Buffer): Shape {
  const response = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [], responses: [
    { topic: 'bench', topicId: '', partitions: [{ records: batch }] }] };
  return { name: 'fetch 1 MiB', request: { replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 } },
    handler: { apiKey: ApiKey.fetch, minVersion: 0, maxVersion: 16, handle: () => Promise.resolve(response) } };
}

/** ns per call of `table`'s handler for `shape`, over `count` calls. */
async function nsPerCall(table: HandlerTable, shape: Shape, count: number): Promise<number> {
  const h = table.get(shape.handler.apiKey)!;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await h.handle(ctx, shape.request as never);
  return Number(process.hrtime.bigint() - start) / count;
}

function stateWith(partitions: number): NodeState {
  return { nodeId: 1, isController: true,
    raft: { term: 3, leaderId: 1, role: 'leader', commitIndex: 10, appliedIndex: 10, lastIndex: 10, voters: 3,
      observers: 0 },
    brokers: { active: 3, fenced: 0 }, offlinePartitions: 0, ready: true, diskFreeBytes: 1e12,
    partitions: Array.from({ length: partitions }, (_, i) => ({ topic: `t${i % 50}`, partition: i, leader: i % 3 === 0,
      replicas: 3, isr: 3, minIsr: 2, sizeBytes: 1e6, logEndOffset: 1e4, highWatermark: 1e4 })) };
}

export async function metricsCost(opts: MetricsOptions): Promise<object> {
  const names = new Map([...apiTable].map(([k, info]) => [k, info.name]));
  const shapes = [
    produceShape('produce 1 MiB (1,024 × 1 KiB)', 1, batchOf(1024, 1000)),
    produceShape('produce 16 KiB', 1, batchOf(16, 1000)),
    produceShape('produce 10 partitions × 1 record', 10, batchOf(1, 100)),
    fetchShape(batchOf(1024, 1000)),
  ];
  const results: object[] = [];
  for (const shape of shapes) {
    const bare: HandlerTable = new Map([[shape.handler.apiKey, shape.handler]]);
    const metrics = new NodeMetrics(() => undefined, names);
    const wrapped = measured(bare, {
      nowMs: () => performance.now(), requestDone: (k, s) => metrics.requestDone(k, s),
      produced: (t, b, r) => metrics.produced(t, b, r), fetched: (t, b, f) => metrics.fetched(t, b, f),
    }, () => undefined);
    const count = 200_000;
    await nsPerCall(wrapped, shape, 20_000);
    await nsPerCall(bare, shape, 20_000);
    const added: number[] = [];
    for (let run = 0; run < opts.runs; run++) {
      const plain = await nsPerCall(bare, shape, count);
      const measuredNs = await nsPerCall(wrapped, shape, count);
      added.push(measuredNs - plain);
    }
    results.push({ shape: shape.name, addedNsPerRequest: spread(added.map((n) => Math.round(n))) });
  }
  const scrapeMs: number[] = [];
  const metrics = new NodeMetrics(() => stateWith(1000), names);
  await metrics.render();
  for (let run = 0; run < opts.runs; run++) {
    const start = performance.now();
    await metrics.render();
    scrapeMs.push(round(performance.now() - start));
  }
  return { measure: 'metrics', runs: opts.runs, requests: results,
    scrape1000PartitionsMs: spread(scrapeMs) };
}
