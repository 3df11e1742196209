/**
 * Controller failover (issue 5): three `pado start` processes sharing the metadata quorum. Each
 * round: find the active controller (DescribeCluster), SIGKILL it by PID, and time until a metadata
 * change commits again — a CreateTopics through a surviving broker answered without error (polled
 * every 20 ms; a broker that is not the controller forwards it). The killed node restarts and
 * rejoins before the next round. Reports p50, p99 and max over `kills` kills.
 */
import { performance } from 'node:perf_hooks';
import { KafkaClient } from '../src/client/index.js';
import { ApiKey } from '../src/protocol/index.js';
import { RaftCluster } from '../test/support/raft-cluster.js';
import { percentile, round } from './support.js';
import { systemClock, systemNet } from '../src/node/io/index.js';

const clientIo = { net: systemNet, clock: systemClock };

export interface FailoverOptions {
  readonly kills: number;
}

export const failoverDefaults: FailoverOptions = { kills: 20 };

function portOf(c: RaftCluster, id: number): number {
  return Number(c.voters().split(',')[id - 1]!.split(':')[1]);
}

async function ask<T>(c: RaftCluster, id: number, f: (k: KafkaClient) => Promise<T>): Promise<T | undefined> {
  let client: KafkaClient | undefined;
  try {
    client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: portOf(c, id), connectTimeoutMs: 1_000,
      requestTimeoutMs: 2_000 });
    return await f(client);
  } catch {
    return undefined;
  } finally {
    await client?.close();
  }
}

async function controllerOf(c: RaftCluster, id: number): Promise<number> {
  const r = await ask(c, id, (k) => k.request<{ controllerId: number }>(ApiKey.describeCluster,
    { includeClusterAuthorizedOperations: false, endpointType: 1 }, 0));
  return r?.controllerId ?? -1;
}

async function oneKill(c: RaftCluster, round: number): Promise<number> {
  let controller = -1;
  for (let i = 0; i < 500 && controller < 0; i++) {
    controller = await controllerOf(c, (round % 3) + 1);
    if (controller < 0) await new Promise((r) => setTimeout(r, 20));
  }
  if (controller < 0) throw new Error('no controller before the kill');
  const survivors = c.ids.filter((id) => id !== controller);
  const t0 = performance.now();
  await c.kill(controller);
  for (let attempt = 0; performance.now() - t0 < 30_000; attempt++) {
    const via = survivors[attempt % survivors.length]!;
    const created = await ask(c, via, (k) => k.createTopics([{ name: `failover-${round}-${attempt}`,
      numPartitions: 1, replicationFactor: 1 }], 2_000));
    if (created?.topics[0]?.errorCode === 0) {
      const elapsed = performance.now() - t0;
      await c.startNode(controller);
      return elapsed;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no metadata commit within 30 s after killing controller ${controller}`);
}

export async function controllerFailover(opts: FailoverOptions = failoverDefaults): Promise<object> {
  const cluster = await RaftCluster.start(3);
  const times: number[] = [];
  try {
    for (let i = 0; i < opts.kills; i++) times.push(await oneKill(cluster, i));
  } finally {
    await cluster.stop();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    measure: 'controller-failover',
    kills: opts.kills,
    killToCommitMs: {
      p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1]!), min: round(sorted[0]!),
    },
    samplesMs: times.map(round),
  };
}
