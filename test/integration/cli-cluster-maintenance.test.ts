/**
 * Issue 16 item 4: `pado cluster maintenance enable|disable|status` and `pado cluster partitions
 * transfer-leadership`, against a real 3-node cluster. What it proves, by every node's Metadata
 * and independent clients (kcat, idempotent):
 * - enable drains every leadership off the broker and produce with acks=all keeps working; the
 *   state shows in `cluster info` and `status`, and holds across the broker's restart and the
 *   controller's (a new controller never gives the broker a leadership back); disable returns its
 *   preferred partitions;
 * - transfer-leadership makes an in-sync replica the leader (Metadata on every node says so) and
 *   is refused, naming the ISR, for a replica that is not in sync.
 * Waits are conditions with deadlines; the cluster (and every process) is stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { padoCli, startLiveCluster } from '../support/pado-cli.js';
import type { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
let bootstrap: string;

before(async () => ({ cluster, bootstrap } = await startLiveCluster(3)));
after(() => cluster?.stop());

const pado = (args: readonly string[], on = bootstrap) => padoCli(args, on);

/** Every running node's view: leader per partition of every topic ('t:p' → leader). */
async function leadersOn(id: number): Promise<Map<string, number> | undefined> {
  const md = await cluster.withClient(id, (c) => c.metadata(null)).catch(() => undefined);
  if (md === undefined) return undefined;
  const out = new Map<string, number>();
  for (const t of md.topics) for (const p of t.partitions) out.set(`${t.name}:${p.partitionIndex}`, p.leaderId);
  return out;
}

/** Waits until every running node agrees that `ok` holds for its leaders. */
async function everyNode(what: string, ok: (leaders: Map<string, number>) => boolean,
  timeoutMs = 20_000): Promise<void> {
  await waitFor(what, async () => {
    for (const id of cluster.running()) {
      const leaders = await leadersOn(id);
      if (leaders === undefined || !ok(leaders)) return undefined;
    }
    return true;
  }, timeoutMs);
}

const leadsNothing = (broker: number) => (leaders: Map<string, number>) =>
  leaders.size > 0 && [...leaders.values()].every((l) => l >= 0 && l !== broker);

async function controllerId(): Promise<number> {
  return waitFor('a controller', async () => {
    const md = await cluster.withClient(cluster.running()[0] as number, (c) => c.metadata([]))
      .catch(() => undefined);
    return md !== undefined && md.controllerId > 0 ? md.controllerId : undefined;
  });
}

/** kcat, idempotent and acks=all, writes `count` keyed records; all must be acknowledged. */
async function produce(topic: string, tag: string, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `${tag}-${i}:${tag}-${i}`).join('\n');
  const r = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-K', ':', '-X', 'acks=all',
    '-X', 'enable.idempotence=true'], { input: `${lines}\n`, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
}

async function readAll(topic: string): Promise<string[]> {
  const r = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q',
    '-f', '%s\n'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

test('maintenance: enable drains every leader off the broker, produce keeps working, the state ' +
  'survives its restart and a controller change; disable gives leaders back', async () => {
  assert.equal((await pado(['topic', 'create', 'drain', '-p', '6', '-r', '3'])).code, 0);
  await everyNode('drain has leaders', (l) =>
    [0, 1, 2, 3, 4, 5].every((p) => (l.get(`drain:${p}`) ?? -1) >= 0));
  await produce('drain', 'before', 60);
  const broker = 2;
  const enabled = await pado(['cluster', 'maintenance', 'enable', String(broker)]);
  assert.equal(enabled.code, 0, enabled.stderr);
  assert.match(enabled.stdout, /broker 2 is in maintenance mode and leads no partition/);
  await everyNode('broker 2 leads nothing', leadsNothing(broker));
  const info = await pado(['cluster', 'info', '--format', 'json']);
  const view = JSON.parse(info.stdout) as { brokers: { id: number; maintenance: boolean }[] };
  assert.deepEqual(view.brokers.map((b) => [b.id, b.maintenance]), [[1, false], [2, true], [3, false]]);
  const status = await pado(['cluster', 'maintenance', 'status', '--format', 'json']);
  assert.deepEqual(JSON.parse(status.stdout), [{ brokerId: 2, leaderCount: 0, stuckLeaders: 0 }]);
  await produce('drain', 'during', 60);

  // The broker reboots: it comes back in maintenance and is given nothing.
  await cluster.terminate(broker);
  await cluster.startNode(broker);
  await cluster.allLive();
  await produce('drain', 'rebooted', 60);
  await everyNode('broker 2 still leads nothing after its restart', leadsNothing(broker));
  // The controller changes (unless it is broker 2, which leads nothing anyway): still drained.
  const controller = await controllerId();
  if (controller !== broker) {
    await cluster.terminate(controller);
    await waitFor('another controller', async () => ((await controllerId()) !== controller ? true : undefined));
    await cluster.startNode(controller);
    await cluster.allLive();
  }
  await everyNode('broker 2 leads nothing under the new controller', leadsNothing(broker));
  const stillOn = await pado(['cluster', 'maintenance', 'status']);
  assert.match(stillOn.stdout, /^BROKER/m);
  assert.match(stillOn.stdout, /\n2 +0 +0 +drained/);

  const disabled = await pado(['cluster', 'maintenance', 'disable', String(broker)]);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, /broker 2 left maintenance mode/);
  await everyNode('broker 2 leads its preferred partitions again',
    (l) => [...l.values()].includes(broker), 40_000);
  assert.equal((await pado(['cluster', 'maintenance', 'status'])).stdout, 'no broker is in maintenance mode\n');
  // Every acknowledged record is there once, in order per key prefix.
  const read = await readAll('drain');
  assert.equal(read.length, 180);
  assert.equal(new Set(read).size, 180);
  const unknown = await pado(['cluster', 'maintenance', 'enable', '9']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /broker 9 is not registered/);
});

test('transfer-leadership: an in-sync replica becomes the leader on every node; a replica out ' +
  'of the ISR is refused', async () => {
  assert.equal((await pado(['topic', 'create', 'handover', '-p', '1', '-r', '3'])).code, 0);
  const before = await waitFor('handover has a leader', async () => {
    const l = (await leadersOn(1))?.get('handover:0');
    return l !== undefined && l >= 0 ? l : undefined;
  });
  const target = [1, 2, 3].find((id) => id !== before) as number;
  const moved = await pado(['cluster', 'partitions', 'transfer-leadership', 'handover:0', '--to',
    String(target)]);
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stdout, new RegExp(`broker ${target} leads handover:0`));
  await everyNode(`broker ${target} leads handover:0`, (l) => l.get('handover:0') === target);
  const again = await pado(['cluster', 'partitions', 'transfer-leadership', 'handover:0', '--to',
    String(target)]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already leads/);
  await produce('handover', 'after', 20);

  // A broker that is down leaves the ISR (2 of 3 stay: min.insync.replicas): refused.
  const down = [1, 2, 3].find((id) => id !== target) as number;
  await cluster.kill(down);
  const alive = cluster.running()[0] as number;
  await waitFor(`broker ${down} out of the ISR`, async () => {
    const md = await cluster.withClient(alive, (c) => c.metadata(['handover'])).catch(() => undefined);
    const p = md?.topics[0]?.partitions[0];
    return p !== undefined && !p.isrNodes.includes(down) ? true : undefined;
  });
  const refused = await pado(['cluster', 'partitions', 'transfer-leadership', 'handover:0', '--to',
    String(down)], cluster.address(alive));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`broker ${down} is not in the ISR of handover:0`));
  await cluster.startNode(down);
  await cluster.allLive();
  assert.deepEqual((await readAll('handover')).length, 20);
});
