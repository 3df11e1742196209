/**
 * Joining without IP lists (issue 5 item 4), with real `pado start` processes on 127.0.0.1:
 * node 1 starts alone; node 2 starts with `--join` node 1 and node 3 with `--join` node 2 (not
 * the controller: the request is forwarded). Proves that the quorum ends with three voters (from
 * DescribeQuorum when served, else from the controller's "node admitted" log lines), that kcat -L
 * against each broker lists all three, and that a topic created through node 3 is visible through
 * node 1; `pado doctor` finds every pair reachable; `pado cluster remove-voter` / `add-voter`
 * demote and promote one voter. A node whose advertised address nobody can reach is refused with
 * a message saying what to set, and a restarted joined node does not join again. A node started on
 * a new disk under a member's id is refused (saying to decommission the old one); decommissioned,
 * it joins again and the quorum has three voters.
 * Every wait is a condition with a deadline; every process is killed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeQuorum, KafkaClient } from '../../src/client/index.js';
import { mainJs, startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { freePorts } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const nodes = new Map<number, BrokerProcess>();

async function startJoined(id: number, joinTo: BrokerProcess): Promise<BrokerProcess> {
  const proc = await startBroker({ args: ['--node-id', String(id), '--join', joinTo.bootstrap] });
  nodes.set(id, proc);
  return proc;
}

function node(id: number): BrokerProcess {
  const proc = nodes.get(id);
  assert.ok(proc !== undefined, `node ${id} started`);
  return proc;
}

async function withClient<T>(id: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  const client = await KafkaClient.connect({ io: clientIo,
    host: '127.0.0.1', port: node(id).port, requestTimeoutMs: 15_000,
  });
  try {
    return await f(client);
  } finally {
    await client.close();
  }
}

function readyLine(proc: BrokerProcess): boolean {
  return proc.lines.some((l) => l.includes('"msg":"node ready"'));
}

/** The voters: DescribeQuorum when the build serves it, else "admitted as voter" log lines. */
async function voters(): Promise<number[]> {
  const quorum = await withClient(1, (c) => describeQuorum(c)).catch(() => null);
  if (quorum !== null) return quorum.voters.map((v) => v.replicaId).sort();
  const admitted = new Set([1]);
  for (const proc of nodes.values()) {
    for (const l of proc.lines) {
      if (!l.includes('node admitted to the quorum') || !l.includes('"role":"voter"')) continue;
      const id = /"joining":(\d+)/.exec(l)?.[1];
      if (id !== undefined) admitted.add(Number(id));
    }
  }
  return [...admitted].sort();
}

before(async () => {
  nodes.set(1, await startBroker({ args: ['--node-id', '1'] }));
  await waitFor('node 1 ready', () => (readyLine(node(1)) ? true : undefined), 30_000);
  await startJoined(2, node(1));
  await waitFor('node 2 ready', () => (readyLine(node(2)) ? true : undefined), 40_000);
  await startJoined(3, node(2));
  await waitFor('node 3 ready', () => (readyLine(node(3)) ? true : undefined), 40_000);
});

after(async () => {
  await Promise.all([...nodes.values()].map((p) => p.stop()));
});

test('node 2 joins node 1 and node 3 joins node 2: three voters', async () => {
  const ids = await waitFor('three voters', async () => {
    const v = await voters();
    return v.length === 3 ? v : undefined;
  }, 20_000);
  assert.deepEqual(ids, [1, 2, 3]);
});

test('kcat -L against each broker lists all three brokers', async () => {
  for (const id of [1, 2, 3]) {
    const brokers = await waitFor(`brokers seen by ${id}`, async () => {
      const r = await run('kcat', ['-b', node(id).bootstrap, '-L', '-J', '-m', '10']);
      if (r.code !== 0) return undefined;
      const md = JSON.parse(r.stdout) as { brokers: { id: number }[] };
      const seen = md.brokers.map((b) => b.id).sort();
      return seen.length === 3 ? seen : undefined;
    }, 15_000, 200);
    assert.deepEqual(brokers, [1, 2, 3]);
  }
});

test('a topic created through node 3 is visible through node 1', async () => {
  const created = await withClient(3, (c) =>
    c.createTopics([{ name: 'joined-topic', numPartitions: 2, replicationFactor: 1 }]));
  assert.equal(created.topics[0]?.errorCode, 0, created.topics[0]?.errorMessage ?? '');
  const seen = await withClient(1, (c) => c.metadata(['joined-topic']));
  assert.equal(seen.topics[0]?.errorCode, 0);
  assert.equal(seen.topics[0]?.partitions.length, 2);
});

function pado(...args: string[]) {
  return run(process.execPath, [mainJs, ...args, '--bootstrap', node(1).bootstrap]);
}

test('pado doctor checks every pair of nodes in both directions: all fine', async () => {
  const r = await pado('doctor');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok: 3 nodes, 6 directed pairs checked/);
});

test('pado cluster remove-voter demotes a voter; add-voter promotes it again', async () => {
  const controller = await withClient(1, async (c) => (await c.metadata([])).controllerId);
  const target = [1, 2, 3].find((id) => id !== controller) as number;
  const removed = await pado('cluster', 'remove-voter', String(target));
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((await pado('cluster', 'remove-voter', String(target))).code, 1, 'not a voter now');
  const added = await pado('cluster', 'add-voter', String(target));
  assert.equal(added.code, 0, added.stderr);
  const refused = await pado('cluster', 'remove-voter', String(controller));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /active controller/);
});

test('a node advertising an address nobody can reach is refused with what to set', async () => {
  const [unused] = await freePorts(1);
  const dir = tempDir('pado-join-bad-');
  const config = join(dir, 'pado.json');
  writeFileSync(config, JSON.stringify({ advertised: `127.0.0.1:${unused}` }));
  // Start-up stops (exit 1) with the controller's message, before the node is ready.
  await assert.rejects(startBroker({
    args: ['--node-id', '9', '--join', node(1).bootstrap, '--config', config],
  }), (err: Error) => {
    assert.match(err.message,
      new RegExp(`node 9 advertised 127.0.0.1:${unused} but I cannot connect to it from here`));
    assert.match(err.message, /set advertised/);
    return true;
  });
});

test('a restarted joined node starts from its own log without joining again', async () => {
  const proc = node(3);
  await proc.signal('SIGTERM');
  const again = await startBroker({
    dataDir: proc.dataDir, port: proc.port, args: ['--node-id', '3', '--join', node(2).bootstrap],
  });
  nodes.set(3, again);
  await waitFor('node 3 ready again', () => (readyLine(again) ? true : undefined), 30_000);
  assert.ok(!again.lines.some((l) => l.includes('asking to join the metadata quorum')));
});

test('a node whose disk was replaced is refused while its old self is a member; decommissioned, it ' +
  'joins again under its id', async () => {
  const controller = await withClient(1, async (c) => (await c.metadata([])).controllerId);
  const target = [3, 2].find((id) => id !== controller) as number;
  const via = target === 3 ? node(2) : node(3);
  const old = node(target);
  await old.signal('SIGKILL');
  // The same id on an empty data directory (a new disk): its Raft store has another directory id.
  await assert.rejects(startBroker({ args: ['--node-id', String(target), '--join', via.bootstrap] }),
    (err: Error) => {
      assert.match(err.message, new RegExp(`node ${target} is already a voter of the metadata quorum ` +
        'with another data directory'));
      assert.match(err.message, new RegExp(`pado cluster decommission ${target}`));
      return true;
    });
  // The operator's way: decommission (once the cluster has fenced the old broker), then start it.
  const done = await waitFor(`node ${target} decommissioned`, async () => {
    const r = await pado('cluster', 'decommission', String(target));
    return r.code === 0 ? r : undefined;
  }, 30_000, 500);
  assert.match(done.stdout, new RegExp(`node ${target} is no longer a voter`));
  const fresh = await startBroker({ args: ['--node-id', String(target), '--join', via.bootstrap] });
  nodes.set(target, fresh);
  await waitFor(`node ${target} ready on its new disk`, () => (readyLine(fresh) ? true : undefined), 40_000);
  assert.ok(fresh.lines.some((l) => l.includes('asking to join the metadata quorum')));
  await waitFor('three voters again', async () => {
    const v = await voters();
    return v.join(',') === '1,2,3' ? v : undefined;
  }, 30_000);
});
