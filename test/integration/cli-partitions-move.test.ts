/**
 * Issue 16 item 4: `pado cluster partitions move` (KIP-455 reassignment) against a real 4-node
 * cluster. What it proves:
 * - a move of [1,2,3] → [1,2,4] and of [1,2,3] → [4,2,3] (the leader leaves) completes while
 *   kcat (librdkafka, idempotent, acks=all) and kafkajs (idempotent, one partition per send)
 *   produce to both partitions; afterwards every node's Metadata shows the new replicas, and
 *   reading everything back (kcat) finds every acknowledged record exactly once, in the order
 *   each producer sent it per partition (no loss, no duplicate, no reordering);
 * - the CLI prints progress lines (not a TTY) and removes the throttle it set;
 * - a move held back by a throttle (1 byte/s: the new replica cannot catch up) is listed by
 *   `--status` with its adding and removing replicas, survives a controller change (the state
 *   is in the metadata), and completes under the new controller once the throttle is removed;
 * - `--cancel` ends a move in progress: the partition keeps its original replicas;
 * - mistakes are refused: an unknown broker, a topic that does not exist.
 * Waits are conditions with deadlines; producers and the cluster are stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { replicationThrottle } from '../../src/client/index.js';
import { padoCli, startLiveCluster } from '../support/pado-cli.js';
import type { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
let bootstrap: string;
let kafka: Kafka;

before(async () => {
  ({ cluster, bootstrap } = await startLiveCluster(4));
  kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
});
after(() => cluster?.stop());

const pado = (args: readonly string[], on = bootstrap) => padoCli(args, on);

interface PartitionState { replicas: number[]; isr: number[]; leader: number }

async function stateOn(id: number, topic: string): Promise<PartitionState[] | undefined> {
  const md = await cluster.withClient(id, (c) => c.metadata([topic])).catch(() => undefined);
  const t = md?.topics.find((x) => x.name === topic);
  if (t === undefined || t.errorCode !== 0) return undefined;
  return [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)
    .map((p) => ({ replicas: p.replicaNodes, isr: p.isrNodes, leader: p.leaderId }));
}

/** Waits until every running node shows `topic`'s partitions satisfying `ok`. */
async function everyNode(what: string, topic: string, ok: (s: PartitionState[]) => boolean,
  timeoutMs = 30_000): Promise<void> {
  await waitFor(what, async () => {
    for (const id of cluster.running()) {
      const s = await stateOn(id, topic);
      if (s === undefined || !ok(s)) return undefined;
    }
    return true;
  }, timeoutMs);
}

async function createOn123(topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, replicaAssignment: Array.from({ length: partitions },
      (_, partition) => ({ partition, replicas: [1, 2, 3] })) }] });
  } finally {
    await admin.disconnect();
  }
  await everyNode(`${topic} on 1,2,3, all in sync`, topic, (s) => s.length === partitions
    && s.every((p) => p.leader > 0 && p.isr.length === 3));
}

/** kcat, idempotent, acks=all: `count` records of ~1 KiB to `partition`. */
async function preload(topic: string, partition: number, count: number): Promise<void> {
  const pad = 'x'.repeat(1000);
  const lines = Array.from({ length: count }, (_, i) => `pre-${partition}-${i}-${pad}`).join('\n');
  const r = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', String(partition),
    '-X', 'acks=all', '-X', 'enable.idempotence=true'], { input: `${lines}\n`, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
}

/** (partition, value) of every record, in log order per partition, read by kcat. */
async function readBack(topic: string): Promise<Map<number, string[]>> {
  const r = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q',
    '-f', '%p %s\n'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = new Map<number, string[]>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(' ');
    const p = Number(line.slice(0, at));
    out.set(p, [...out.get(p) ?? [], line.slice(at + 1)]);
  }
  return out;
}

/** A kafkajs idempotent producer sending one record to one partition per send, in turn. */
function kafkajsLoop(producer: Producer, topic: string, partitions: number) {
  const acked = new Map<number, string[]>();
  let stop = false;
  let failure: unknown;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const partition = i % partitions;
      const value = `kjs-${partition}-${i}`;
      try {
        await producer.send({ topic, acks: -1, messages: [{ partition, value }] });
        acked.set(partition, [...acked.get(partition) ?? [], value]);
      } catch (err) {
        failure = err;
        return;
      }
    }
  })();
  return { acked, stop: async () => { stop = true; await done; return failure; } };
}

/** kcat, idempotent, fed lines over time: every line it was given must be acknowledged. */
function kcatStream(topic: string) {
  const child: ChildProcessWithoutNullStreams = spawn('kcat', ['-b', bootstrap, '-P', '-t', topic,
    '-K', ':', '-X', 'acks=all', '-X', 'enable.idempotence=true', '-X', 'linger.ms=5']);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const sent: string[] = [];
  let i = 0;
  const timer = setInterval(() => {
    const lines: string[] = [];
    for (let n = 0; n < 20; n++, i++) lines.push(`k${i % 7}:kcat-${i}`);
    sent.push(...lines.map((l) => l.slice(l.indexOf(':') + 1)));
    child.stdin.write(`${lines.join('\n')}\n`);
  }, 20);
  return {
    sent,
    async stop(): Promise<{ code: number | null; stderr: string }> {
      clearInterval(timer);
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(killer);
      return { code, stderr };
    },
    kill: () => child.kill('SIGKILL'),
  };
}

test('move [1,2,3] → [1,2,4] and [4,2,3] while kcat and kafkajs produce: nothing acknowledged ' +
  'is lost, duplicated or reordered', async (t) => {
  const topic = 'moving';
  await createOn123(topic, 2);
  await preload(topic, 0, 2_000);
  await preload(topic, 1, 2_000);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  const kjs = kafkajsLoop(producer, topic, 2);
  const kcat = kcatStream(topic);
  t.after(() => kcat.kill());
  await waitFor('both producers acknowledged something', () =>
    (kjs.acked.get(1)?.length ?? 0) > 5 && kcat.sent.length > 100 ? true : undefined);

  const moved = await pado(['cluster', 'partitions', 'move', `${topic}:0=1,2,4`, `${topic}:1=4,2,3`,
    '--throttle', '50000000']);
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stdout, /^moving 2 partition\(s\), throttled to 50000000 bytes\/s$/m);
  assert.match(moved.stdout, /^\[#+\] 2\/2 new replicas in sync, 2\/2 partitions moved$/m);
  assert.match(moved.stdout, /^replication throttle removed$/m);
  assert.match(moved.stdout, /^moved 2 partition\(s\): moving:0=1,2,4 moving:1=4,2,3$/m);

  // Keep producing a little on the new replica sets, then stop and check every ack.
  const acked1 = kjs.acked.get(1)?.length ?? 0;
  await waitFor('kafkajs acknowledged more after the move', () =>
    (kjs.acked.get(1)?.length ?? 0) > acked1 + 5 ? true : undefined, 30_000);
  assert.equal(await kjs.stop(), undefined, 'every kafkajs send was acknowledged');
  const kcatEnd = await kcat.stop();
  assert.equal(kcatEnd.code, 0, `kcat delivered every record: ${kcatEnd.stderr}`);

  await everyNode('every node shows the new replicas', topic, (s) =>
    s[0]?.replicas.join(',') === '1,2,4' && s[1]?.replicas.join(',') === '4,2,3'
    && s.every((p) => p.leader > 0 && p.isr.every((id) => p.replicas.includes(id)))
    && s[1]?.leader !== 1);
  const status = await pado(['cluster', 'partitions', 'move', '--status']);
  assert.equal(status.stdout, 'no partition move in progress\n');

  const read = await readBack(topic);
  const all = [...read.values()].flat();
  assert.equal(new Set(all).size, all.length, 'no record stored twice');
  for (const [partition, values] of kjs.acked) {
    const stored = (read.get(partition) ?? []).filter((v) => v.startsWith('kjs-'));
    assert.deepEqual(stored.filter((v) => values.includes(v)), values,
      `partition ${partition}: every kafkajs ack, once, in order`);
  }
  const kcatStored = all.filter((v) => v.startsWith('kcat-'));
  assert.deepEqual(new Set(kcatStored), new Set(kcat.sent), 'every kcat record, once');
  for (const values of read.values()) {
    // librdkafka keeps order per partition (idempotence): its records' numbers increase.
    const numbers = values.filter((v) => v.startsWith('kcat-')).map((v) => Number(v.slice(5)));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'kcat order per partition');
    const pre = values.filter((v) => v.startsWith('pre-'));
    assert.equal(pre.length, 2_000);
  }
});

test('a throttled move survives a controller change and completes once the throttle is gone; ' +
  '--cancel restores the original replicas; mistakes are refused', async () => {
  const topic = 'slow';
  await createOn123(topic, 2);
  await preload(topic, 0, 500);
  await preload(topic, 1, 500);
  // 1 byte/s: the new replica takes one batch, then waits far longer than this test runs.
  const started = await pado(['cluster', 'partitions', 'move', `${topic}:0=4,2,3`, `${topic}:1=1,2,4`,
    '--throttle', '1', '--no-wait']);
  assert.equal(started.code, 0, started.stderr);
  const status = await pado(['cluster', 'partitions', 'move', '--status']);
  assert.match(status.stdout, /^slow:0 +4,2,3,1 +4 +1$/m);
  assert.match(status.stdout, /^slow:1 +1,2,4,3 +4 +3$/m);
  assert.match(status.stdout, /^replication throttle: 1 bytes\/s$/m);

  // The controller changes: the move is still there, on every node.
  const controller = await waitFor('a controller', async () => {
    const md = await cluster.withClient(1, (c) => c.metadata([])).catch(() => undefined);
    return md !== undefined && md.controllerId > 0 ? md.controllerId : undefined;
  });
  await cluster.terminate(controller);
  const other = cluster.running()[0] as number;
  const stillThere = await pado(['cluster', 'partitions', 'move', '--status', '--format', 'json'],
    cluster.address(other));
  const listed = JSON.parse(stillThere.stdout) as { reassignments: { partition: number }[] };
  assert.deepEqual(listed.reassignments.map((r) => r.partition), [0, 1]);
  await cluster.startNode(controller);
  await cluster.allLive(40_000);

  // Cancel partition 1's move; remove the throttle so partition 0's completes.
  const cancelled = await pado(['cluster', 'partitions', 'move', '--cancel', `${topic}:1`]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, /cancelled the move of slow:1/);
  await cluster.withClient(other, (c) => replicationThrottle(c, { rateBytesPerSec: null }));
  await everyNode('slow:0 moved to 4,2,3 and slow:1 back on 1,2,3', topic, (s) =>
    s[0]?.replicas.join(',') === '4,2,3' && s[1]?.replicas.join(',') === '1,2,3'
    && s[0].isr.length === 3, 60_000);
  const after = await pado(['cluster', 'partitions', 'move', '--status']);
  assert.equal(after.stdout, 'no partition move in progress\n');
  const read = await readBack(topic);
  assert.equal(read.get(0)?.length, 500);
  assert.equal(read.get(1)?.length, 500);

  const unknownBroker = await pado(['cluster', 'partitions', 'move', `${topic}:0=1,2,9`]);
  assert.equal(unknownBroker.code, 1);
  assert.match(unknownBroker.stderr, /slow:0: .*broker 9 is not registered/);
  const unknownTopic = await pado(['cluster', 'partitions', 'move', 'nope:0=1,2,3']);
  assert.equal(unknownTopic.code, 1);
  assert.match(unknownTopic.stderr, /nope:0/);
  const nothing = await pado(['cluster', 'partitions', 'move', '--cancel', `${topic}:0`]);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /no reassignment of slow:0 is in progress/);
});
