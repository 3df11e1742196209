/**
 * The ISR follows a follower's lag, not only its death (issue 6), with 3 real `pado start`
 * processes: a follower that stops fetching while its broker stays registered (SIGSTOP, with
 * `broker.session.timeout.ms` far longer than the pause, so the controller never fences it) is
 * dropped from the ISR by its leader after `replica.lag.time.max.ms` (1 s here) through an
 * AlterPartition to the controller; acks=all produces keep being acknowledged by the two left
 * (min.insync.replicas=2); once the follower runs again it catches up and the leader adds it
 * back. Every acknowledged record is then on all three replicas. Waits are conditions with
 * deadlines; the paused process is resumed and every process killed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdempotentProducer } from '../support/idempotent-produce.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';

const topic = 'lagging';
const lagMaxMs = 1_000;
/** Far beyond the pause: the follower is never fenced, so only the lag rule can drop it. */
const sessionMs = 120_000;
const conditionMs = 20_000;
let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3, {
    config: { 'replica.lag.time.max.ms': lagMaxMs, 'broker.session.timeout.ms': sessionMs },
  });
});
after(async () => {
  for (const id of cluster?.ids ?? []) cluster.process(id)?.proc.kill('SIGCONT');
  await cluster?.stop();
});

interface View {
  leader: number;
  isr: number[];
  brokers: number[];
  controller: number;
}

async function view(id: number): Promise<View | undefined> {
  const md = await cluster.withClient(id, (c) => c.metadata([topic])).catch(() => undefined);
  const p = md?.topics[0]?.partitions[0];
  if (md === undefined || p === undefined || p.leaderId < 0) return undefined;
  return { leader: p.leaderId, isr: [...p.isrNodes].sort(), controller: md.controllerId,
    brokers: md.brokers.map((b) => b.nodeId).sort() };
}

const producer = new IdempotentProducer();

/**
 * One acks=all produce of `value` to the leader, retried while the answer is retriable (a node
 * just named leader may not lead yet; a busy machine may lapse its lease); 0 once acknowledged.
 */
async function produce(leader: number, value: string): Promise<number> {
  await cluster.withClient(leader, (c) => producer.send(c, topic, 0, value, conditionMs),
    conditionMs + 5_000);
  return 0;
}

async function logBytes(id: number): Promise<Buffer> {
  const file = join(cluster.dataDir(id), `${topic}-0`, '00000000000000000000.log');
  return readFile(file).catch(() => Buffer.alloc(0));
}

test('a follower that stops fetching leaves the ISR after replica.lag.time.max.ms and comes ' +
  'back once caught up, without being fenced', async (t) => {
  await waitFor('three brokers', async () =>
    ((await cluster.withClient(1, (c) => c.metadata([])).catch(() => undefined))?.brokers
      .length === 3 ? true : undefined), conditionMs);
  const created = await cluster.withClient(1, (c) => c.createTopics([{ name: topic,
    numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]));
  assert.equal(created.topics[0]?.errorCode, 0);
  const start = await waitFor('a leader with 3 in sync', async () => {
    const v = await view(1);
    return v !== undefined && v.isr.length === 3 ? v : undefined;
  }, conditionMs);
  let acked = 0;
  assert.equal(await produce(start.leader, `r${acked}`), 0);
  acked++;
  // The follower to pause: not the controller if we can help it (no Raft election meanwhile).
  const followers = cluster.ids.filter((id) => id !== start.leader);
  const paused = followers.find((id) => id !== start.controller) ?? followers[0]!;
  const other = followers.find((id) => id !== paused)!;
  cluster.process(paused)?.proc.kill('SIGSTOP');
  const pausedAt = Date.now();

  // acks=all waits for the paused follower until the leader drops it, then is acknowledged.
  assert.equal(await produce(start.leader, `r${acked}`), 0);
  acked++;
  const shrunk = await waitFor('the ISR without the paused follower', async () => {
    const v = await view(other);
    return v !== undefined && !v.isr.includes(paused) ? v : undefined;
  }, conditionMs);
  // Reported, not asserted (no timing in tests): ≈ replica.lag.time.max.ms plus a round trip.
  t.diagnostic(`paused → ISR shrink seen: ${Date.now() - pausedAt} ms (lag max ${lagMaxMs} ms)`);
  assert.deepEqual(shrunk.isr, [start.leader, other].sort());
  assert.ok(shrunk.brokers.includes(paused), 'the paused broker was not fenced');
  for (let i = 0; i < 5; i++, acked++) assert.equal(await produce(start.leader, `r${acked}`), 0);

  cluster.process(paused)?.proc.kill('SIGCONT');
  const healed = await waitFor('the follower back in the ISR', async () => {
    const v = await view(other);
    return v !== undefined && v.isr.length === 3 ? v : undefined;
  }, conditionMs);
  assert.equal(healed.leader, start.leader, 'the leader never changed');
  const leaderLog = await logBytes(start.leader);
  assert.ok(leaderLog.length > 0);
  await waitFor('every replica holding the leader\'s log', async () => {
    for (const id of cluster.ids) if (!leaderLog.equals(await logBytes(id))) return undefined;
    return true;
  }, conditionMs);
  // Log lines reach us asynchronously (the broker's logger is a non-blocking destination).
  await waitFor('the leader\'s log of the shrink and the expansion', () => {
    const changes = cluster.process(start.leader)?.lines.filter((l) =>
      /"msg":"proposing an ISR change"/.test(l)) ?? [];
    return changes.length >= 2 ? true : undefined;
  }, conditionMs);
  assert.equal(acked, 7);
});
