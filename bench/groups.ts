/**
 * Consumer-group measures (issue 3):
 * - commit throughput: 100 groups, each committing offsets for 3 partitions in a loop (OffsetCommit
 *   with generation -1, as admin tools do), all concurrently over 4 client connections; every commit
 *   is durable (appended to __consumer_offsets and fsynced) before it is answered. Reports commits/s
 *   and per-request latency p50/p99.
 * - rebalance time for 3 members: kafkajs consumers join one group; the time from the third
 *   member's `connect` to the moment all three hold an assignment of the new generation
 *   (kafkajs with 100 ms heartbeats and fetch waits, so the client's polling does not dominate).
 * Each measure runs `runs` times on a fresh broker; median and spread are reported.
 */
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaClient, commitOffsets, noGeneration } from '../src/client/index.js';
import { percentile, spread, startBroker } from './support.js';
import { systemClock, systemNet } from '../src/node/io/index.js';

const clientIo = { net: systemNet, clock: systemClock };

export interface GroupsOptions {
  readonly runs: number;
  readonly groups: number;
  readonly commitsPerGroup: number;
}

export const groupsDefaults: GroupsOptions = { runs: 5, groups: 100, commitsPerGroup: 50 };

async function commitRun(opts: GroupsOptions) {
  const broker = await startBroker();
  const clients: KafkaClient[] = [];
  try {
    for (let i = 0; i < 4; i++) clients.push(await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port }));
    const admin = clients[0]!;
    await admin.createTopics([{ name: 'committed', numPartitions: 3, replicationFactor: 1 }]);
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: opts.groups }, async (_, g) => {
      const client = clients[g % clients.length]!;
      for (let n = 0; n < opts.commitsPerGroup; n++) {
        const t0 = performance.now();
        await commitOffsets(client, `bench-group-${g}`, { generationId: noGeneration, memberId: '' },
          [0, 1, 2].map((partition) => ({ topic: 'committed', partition, offset: n })));
        latencies.push(performance.now() - t0);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      commitsPerSec: (opts.groups * opts.commitsPerGroup) / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      peakRssMiB: broker.peakRssKiB() / 1024,
    };
  } finally {
    for (const c of clients) await c.close();
    await broker.stop();
  }
}

async function rebalanceRun(): Promise<number> {
  const broker = await startBroker();
  const kafka = new Kafka({ clientId: 'bench', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  const consumers: ReturnType<Kafka['consumer']>[] = [];
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'rebalanced', numPartitions: 6 }] });
    await admin.disconnect();
    // Each consumer's latest assignment (partition count) and when it arrived.
    const assigned = new Map<number, { count: number; at: number }>();
    const join = async (i: number) => {
      // kafkajs heartbeats between fetches: with its default 5 s long poll an idle member learns of
      // a rebalance only after the poll returns, so the bench polls for 100 ms (the client's cost
      // otherwise dominates; the broker's part is what we measure).
      const c = kafka.consumer({ groupId: 'bench-rebalance', heartbeatInterval: 100, maxWaitTimeInMs: 100 });
      c.on(c.events.GROUP_JOIN, (e) => {
        assigned.set(i, { count: e.payload.memberAssignment['rebalanced']?.length ?? 0, at: performance.now() });
      });
      await c.connect();
      await c.subscribe({ topic: 'rebalanced' });
      await c.run({ eachMessage: async () => {} });
      consumers.push(c);
    };
    const total = (ids: number[]) => ids.reduce((n, i) => n + (assigned.get(i)?.count ?? 0), 0);
    await join(0);
    await join(1);
    await waitUntil(() => assigned.get(0)?.count === 3 && assigned.get(1)?.count === 3);
    const t0 = performance.now();
    await join(2);
    // Done when all three hold a share assigned after t0 and the shares cover all 6 partitions.
    await waitUntil(() => [0, 1, 2].every((i) => (assigned.get(i)?.at ?? 0) > t0 && assigned.get(i)!.count === 2)
      && total([0, 1, 2]) === 6);
    return performance.now() - t0;
  } finally {
    for (const c of consumers) await c.disconnect();
    await broker.stop();
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function groups(opts: GroupsOptions = groupsDefaults): Promise<object> {
  const commits = [];
  const rebalances = [];
  for (let i = 0; i < opts.runs; i++) {
    commits.push(await commitRun(opts));
    rebalances.push(await rebalanceRun());
  }
  return {
    measure: 'groups',
    runs: opts.runs,
    groups: opts.groups,
    commitsPerGroup: opts.commitsPerGroup,
    commitsPerSec: spread(commits.map((c) => c.commitsPerSec)),
    commitP50Ms: spread(commits.map((c) => c.p50Ms)),
    commitP99Ms: spread(commits.map((c) => c.p99Ms)),
    peakRssMiB: spread(commits.map((c) => c.peakRssMiB)),
    rebalance3Ms: spread(rebalances),
  };
}
