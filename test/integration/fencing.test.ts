/**
 * Broker liveness over the KRaft lifecycle APIs with 3 real `pado start` processes (issue 5):
 * - SIGKILL a broker that is not the controller: within the session timeout plus a margin the
 *   controller's Metadata no longer lists it, and `pado cluster health` exits 1 naming it;
 *   restarted on its data, it registers again and is listed again;
 * - SIGTERM a broker: it shuts down in a controlled way — it exits 0, its log says the controller
 *   moved its leaderships, and the controller's Metadata read right after the exit already leaves
 *   it out (its fence was committed before it exited, not found later by session expiry).
 * Waits are conditions with deadlines; every process is killed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import { sessionTimeoutMsDefault } from '../../src/controller/index.js';
import { mainJs } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

/** Session timeout + a generous margin for a loaded 2-core machine (not a timing assertion). */
const fencedWithinMs = sessionTimeoutMsDefault + 8_000;

let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3);
});
after(async () => {
  await cluster?.stop();
});

function bootstrap(id: number): string {
  return cluster.address(id);
}

function withClient<T>(id: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  return cluster.withClient(id, f);
}

async function controllerSeenBy(id: number): Promise<number> {
  return withClient(id, async (c) => {
    const r = await c.request<{ controllerId: number }>(ApiKey.describeCluster, {
      includeClusterAuthorizedOperations: false, endpointType: 1,
    }, 0);
    return r.controllerId;
  });
}

/** The running controller, once every running node agrees on one. */
async function controller(): Promise<number> {
  return waitFor('a controller every running node agrees on', async () => {
    const seen = await Promise.all(
      cluster.running().map((id) => controllerSeenBy(id).catch(() => -1)));
    const first = seen[0];
    return first !== undefined && first > 0 && seen.every((c) => c === first) ? first : undefined;
  });
}

async function listedBrokers(id: number): Promise<number[]> {
  return withClient(id, async (c) => (await c.metadata([])).brokers.map((b) => b.nodeId).sort());
}

async function health(id: number): Promise<{ code: number | null; stdout: string }> {
  return run(process.execPath, [mainJs, 'cluster', 'health', '--bootstrap', bootstrap(id)],
    { timeoutMs: 20_000 });
}

test('all three brokers register themselves and are listed', async () => {
  await waitFor('three listed brokers', async () => {
    const ids = await listedBrokers(1).catch(() => []);
    return ids.length === 3 ? ids : undefined;
  });
});

test('SIGKILL of a non-controller: fenced within the session, unhealthy; listed again on restart',
  async () => {
    const ctrl = await controller();
    const victim = cluster.ids.find((id) => id !== ctrl)!;
    await cluster.kill(victim);
    await waitFor(`broker ${victim} gone from the controller's Metadata`, async () => {
      const ids = await listedBrokers(ctrl);
      return ids.includes(victim) ? undefined : ids;
    }, fencedWithinMs);
    const sick = await health(ctrl);
    assert.equal(sick.code, 1, sick.stdout);
    assert.match(sick.stdout, new RegExp(`broker ${victim}\\b`));

    await cluster.startNode(victim);
    await waitFor(`broker ${victim} listed again`, async () => {
      const ids = await listedBrokers(ctrl);
      return ids.includes(victim) ? ids : undefined;
    });
    await waitFor('a healthy cluster',
      async () => ((await health(ctrl)).code === 0 ? true : undefined));
  });

test('SIGTERM: controlled shutdown commits the broker\'s fence before it exits', async () => {
  const ctrl = await controller();
  const victim = cluster.ids.find((id) => id !== ctrl)!;
  const proc = cluster.process(victim)!;
  const exit = await proc.signal('SIGTERM');
  assert.equal(exit.code, 0, proc.lines.slice(-20).join('\n'));
  const tail = proc.lines.slice(-20).join('\n');
  assert.ok(proc.lines.some((l) => l.includes('controlled shutdown')), tail);
  // Read at once, from the controller (it answered shouldShutDown only after the fence committed).
  assert.ok(!(await listedBrokers(ctrl)).includes(victim));
  await cluster.kill(victim); // forget the exited process
});

test('a dead broker\'s partitions move to another in-sync replica with a new leader epoch', async (t) => {
  for (const id of cluster.ids.filter((n) => !cluster.running().includes(n))) await cluster.startNode(id);
  const ctrl = await controller();
  await waitFor('all three brokers live again', async () =>
    ((await listedBrokers(ctrl).catch(() => [])).length === 3 ? true : undefined), fencedWithinMs);
  const created = await withClient(ctrl, (c) =>
    c.createTopics([{ name: 'replicated', numPartitions: 3, replicationFactor: 3 }]));
  assert.equal(created.topics[0]?.errorCode, 0);
  const before = await withClient(ctrl, (c) => c.metadata(['replicated']));
  // A partition led by a broker that is not the controller (so only the broker dies, not both).
  const victimPartition = before.topics[0]!.partitions.find((p) => p.leaderId !== ctrl)!;
  const victim = victimPartition.leaderId;
  assert.deepEqual([...victimPartition.replicaNodes].sort(), [1, 2, 3]);
  const killedAt = Date.now();
  await cluster.kill(victim);
  const moved = await waitFor('a new leader for the dead broker\'s partition', async () => {
    const md = await withClient(ctrl, (c) => c.metadata(['replicated'])).catch(() => undefined);
    const p = md?.topics[0]?.partitions.find((q) => q.partitionIndex === victimPartition.partitionIndex);
    return p !== undefined && p.leaderId > 0 && p.leaderId !== victim ? p : undefined;
  }, fencedWithinMs);
  t.diagnostic(`leadership moved ${Date.now() - killedAt} ms after SIGKILL of broker ${victim}`);
  assert.ok(moved.leaderEpoch > victimPartition.leaderEpoch, 'leader epoch + 1');
  assert.ok(!moved.isrNodes.includes(victim), 'the dead broker left the ISR');
  assert.ok(moved.offlineReplicas.includes(victim) || moved.offlineReplicas.length === 0);
  await cluster.startNode(victim);
});
