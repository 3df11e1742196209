/**
 * Issue 16 item 4: the admin verbs that match rpk's, each against a real 3-node cluster, checked by
 * what every node's Metadata and an independent client (kcat) then show.
 * Waits are conditions with deadlines; the cluster is stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { mainJs } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
let bootstrap: string;

before(async () => {
  cluster = await RaftCluster.start(3);
  bootstrap = cluster.bootstrap();
  await cluster.allLive();
});
after(async () => {
  await cluster?.stop();
});

function pado(args: readonly string[]) {
  return run(process.execPath, [mainJs, ...args, '--bootstrap', bootstrap], { timeoutMs: 30_000 });
}

/** Partition count of `topic` on every node, once all agree. */
async function partitionsEverywhere(topic: string, count: number): Promise<void> {
  await waitFor(`${topic} has ${count} partitions on every node`, async () => {
    for (const id of cluster.ids) {
      const md = await cluster.withClient(id, (c) => c.metadata([topic])).catch(() => undefined);
      const t = md?.topics.find((x) => x.name === topic);
      if (t?.partitions.length !== count || t.partitions.some((p) => p.leaderId < 0)) return undefined;
    }
    return true;
  });
}

test('topic add-partitions: 2 → 5 on every node, the new partitions take records; mistakes are refused', async () => {
  const created = await pado(['topic', 'create', 'grow', '-p', '2', '-r', '3']);
  assert.equal(created.code, 0, created.stderr);
  await partitionsEverywhere('grow', 2);
  const added = await pado(['topic', 'add-partitions', 'grow', '--num', '3']);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, "topic 'grow': 2 → 5 partitions\n");
  await partitionsEverywhere('grow', 5);
  // librdkafka writes to and reads from a new partition.
  const produced = await run('kcat', ['-b', bootstrap, '-P', '-t', 'grow', '-p', '4', '-X', 'acks=all'],
    { input: 'in-a-new-partition\n' });
  assert.equal(produced.code, 0, produced.stderr);
  const read = await run('kcat', ['-b', bootstrap, '-C', '-t', 'grow', '-p', '4', '-o', 'beginning', '-e', '-q']);
  assert.equal(read.stdout, 'in-a-new-partition\n');
  const unknown = await pado(['topic', 'add-partitions', 'no-such-topic', '--num', '1']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no-such-topic/);
  const missing = await pado(['topic', 'add-partitions', 'grow']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--num <count> is required/);
  await partitionsEverywhere('grow', 5);
  // Kafka's spelling of the broker list works too.
  const described = await run(process.execPath, [mainJs, 'topic', 'describe', 'grow', '--bootstrap-server',
    bootstrap, '--format', 'json'], { timeoutMs: 30_000 });
  assert.equal(described.code, 0, described.stderr);
  assert.equal((JSON.parse(described.stdout) as { partitions: unknown[] }).partitions.length, 5);
});

test('group offset-delete: one partition\'s commit is gone, the others stay (kafkajs reads them); ' +
  'refused while a live member consumes the topic', async (t) => {
  assert.equal((await pado(['topic', 'create', 'ledger', '-p', '3', '-r', '3'])).code, 0);
  await partitionsEverywhere('ledger', 3);
  const lines = Array.from({ length: 30 }, (_, i) => `k${i}:v${i}`).join('\n');
  const produced = await run('kcat', ['-b', bootstrap, '-P', '-t', 'ledger', '-K', ':', '-X', 'acks=all'],
    { input: `${lines}\n` });
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await pado(['consume', 'ledger', '--group', 'billing', '--from-beginning', '-n', '30']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const committed = async () => Object.fromEntries((await admin.fetchOffsets({ groupId: 'billing',
    topics: ['ledger'] }))[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
  const before = await committed();
  assert.ok([0, 1, 2].every((p) => (before[p] ?? -1) >= 0), JSON.stringify(before));
  const deleted = await pado(['group', 'offset-delete', 'billing', '--topic', 'ledger:0']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, "group 'billing': committed offsets of 'ledger' partition(s) 0 deleted\n");
  const after = await committed();
  assert.deepEqual(after, { ...before, 0: -1 }, 'partition 0 forgotten, 1 and 2 kept');
  // A live member (librdkafka's balanced consumer) consuming the topic: refused, nothing changed.
  const member = spawn('kcat', ['-b', bootstrap, '-G', 'billing', 'ledger', '-q'], { stdio: 'ignore' });
  t.after(() => member.kill('SIGKILL'));
  await waitFor('kcat is a member of billing', async () => {
    const g = await admin.describeGroups(['billing']);
    return g.groups[0]?.state === 'Stable' && g.groups[0].members.length === 1 ? true : undefined;
  }, 30_000);
  const refused = await pado(['group', 'offset-delete', 'billing', '--topic', 'ledger']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /group 'billing' has live members consuming 'ledger': stop them/);
  member.kill('SIGKILL');
  const unknownTopic = await pado(['group', 'offset-delete', 'billing', '--topic', 'nope']);
  assert.equal(unknownTopic.code, 1);
  assert.match(unknownTopic.stderr, /nope/);
});

test('topic trim-prefix: each partition\'s leader drops the records below the offset; kcat reads the rest', async () => {
  assert.equal((await pado(['topic', 'create', 'trim', '-p', '3', '-r', '3'])).code, 0);
  await partitionsEverywhere('trim', 3);
  for (const partition of [0, 1, 2]) {
    const input = Array.from({ length: 10 }, (_, i) => `p${partition}-v${i}`).join('\n');
    const r = await run('kcat', ['-b', bootstrap, '-P', '-t', 'trim', '-p', String(partition), '-X', 'acks=all'],
      { input: `${input}\n` });
    assert.equal(r.code, 0, r.stderr);
  }
  const read = async (partition: number) => (await run('kcat', ['-b', bootstrap, '-C', '-t', 'trim', '-p',
    String(partition), '-o', 'beginning', '-e', '-q'])).stdout.split('\n').filter((l) => l !== '');
  const trimmed = await pado(['topic', 'trim-prefix', 'trim', '--offset', '4', '-p', '0,1']);
  assert.equal(trimmed.code, 0, trimmed.stderr);
  assert.deepEqual(trimmed.stdout.split('\n').filter((l) => l !== '').sort(),
    ['trim partition 0: records start at 4', 'trim partition 1: records start at 4']);
  assert.deepEqual(await read(0), Array.from({ length: 6 }, (_, i) => `p0-v${i + 4}`));
  assert.deepEqual(await read(1), Array.from({ length: 6 }, (_, i) => `p1-v${i + 4}`));
  assert.equal((await read(2)).length, 10, 'partition 2 untouched');
  const all = await pado(['topic', 'trim-prefix', 'trim', '--offset', 'end']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /trim partition 2: records start at 10/);
  for (const p of [0, 1, 2]) assert.deepEqual(await read(p), []);
  const missing = await pado(['topic', 'trim-prefix', 'trim']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--offset <offset> is required/);
  const noSuch = await pado(['topic', 'trim-prefix', 'trim', '--offset', '1', '-p', '7']);
  assert.equal(noSuch.code, 1);
  assert.match(noSuch.stderr, /topic 'trim' has no partition 7 \(it has 3\)/);
});

test('group seek: to start, to end, to a time; kafkajs sees the committed offsets move', async (t) => {
  assert.equal((await pado(['topic', 'create', 'seekable', '-p', '3', '-r', '3'])).code, 0);
  await partitionsEverywhere('seekable', 3);
  const input = Array.from({ length: 30 }, (_, i) => `k${i}:v${i}`).join('\n');
  assert.equal((await run('kcat', ['-b', bootstrap, '-P', '-t', 'seekable', '-K', ':', '-X', 'acks=all'],
    { input: `${input}\n` })).code, 0);
  const consumed = await pado(['consume', 'seekable', '--group', 'seeker', '--from-beginning', '-n', '30']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const committed = async () => (await admin.fetchOffsets({ groupId: 'seeker', topics: ['seekable'] }))[0]!
    .partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0);
  assert.equal(await committed(), 30, 'all 30 records committed');
  const start = await pado(['group', 'seek', 'seeker', '--to', 'start']);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(await committed(), 0);
  const end = await pado(['group', 'seek', 'seeker', '--to', 'end', '--topics', 'seekable']);
  assert.equal(end.code, 0, end.stderr);
  assert.equal(await committed(), 30);
  const long = await pado(['group', 'seek', 'seeker', '--to', '1000000000']);
  assert.equal(long.code, 0, long.stderr);
  assert.equal(await committed(), 0, 'every record is after 2001: back to the first');
  const bad = await pado(['group', 'seek', 'seeker', '--to', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--to yesterday: write start, end/);
});

test('pado doctor: ok on the healthy cluster; with a node SIGKILLed it names the node and exits 1', async () => {
  const healthy = await pado(['doctor']);
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(healthy.stdout, /^ok: 3 nodes, 6 directed pairs checked, all reachable/);
  await cluster.kill(3);
  const sick = await waitFor('doctor sees node 3 gone', async () => {
    const r = await pado(['doctor']);
    return r.code === 1 && /broker 3 is named as a replica or voter but is not registered/.test(r.stdout)
      ? r : undefined;
  }, 20_000, 500);
  assert.match(sick.stdout, /^problem: /m);
  assert.doesNotMatch(sick.stdout, /^ok:/m);
});
