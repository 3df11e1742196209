/**
 * Issue 16 item 4: `pado cluster health` and `pado doctor` report full disks and internal topics
 * short of replicas, each with its next step, on a real 3-node cluster whose nodes keep
 * `__consumer_offsets` on one replica (`offsetsTopicReplicationFactor: 1`, the misconfiguration
 * Kafka users meet as offsets.topic.replication.factor=1). First the internal topic is reported
 * (created by a group's first commit); then node 2's data directory, a 128 MiB tmpfs with a 16 MiB
 * reserve, is filled below the reserve: both verbs name broker 2's full disk (from its disk-full
 * event), and once the filler is gone (disk-ok) they stop; then node 3 is SIGKILLed: the
 * `__consumer_offsets` partitions it held are offline and the message says what that means for
 * the groups there. The disk part is skipped where a tmpfs cannot be mounted (needs root). Waits
 * are conditions with deadlines (brokers measure their disk every 5 s); the cluster is stopped in
 * `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthReport } from '../../src/client/index.js';
import { mainJs } from '../support/broker.js';
import { fillBelow } from '../support/chaos.js';
import { RaftCluster, tmpfsAllowed } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

const mib = 1024 * 1024;
const withTmpfs = tmpfsAllowed();
let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3, { ...(withTmpfs ? { tmpfsBytes: 128 * mib } : {}),
    config: { diskReserveBytes: 16 * mib, offsetsTopicReplicationFactor: 1 } });
  await cluster.allLive();
});
after(async () => {
  await cluster?.stop();
});

function pado(args: readonly string[], input?: string) {
  return run(process.execPath, [mainJs, ...args, '--bootstrap', cluster.address(1)],
    { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
}

async function health(): Promise<HealthReport> {
  const r = await pado(['cluster', 'health', '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = JSON.parse(r.stdout) as HealthReport;
  assert.equal(r.code, report.healthy ? 0 : 1);
  return report;
}

async function doctorSays(what: RegExp): Promise<string> {
  return waitFor(`pado doctor to say ${what}`, async () => {
    const r = await pado(['doctor']);
    return r.code === 1 && what.test(r.stdout) ? r.stdout : undefined;
  }, 30_000, 500);
}

test('health and doctor: an internal topic on fewer replicas than the brokers could hold', async () => {
  assert.equal((await pado(['topic', 'create', 'orders', '-p', '3', '-r', '3'])).code, 0);
  assert.equal((await pado(['produce', 'orders'], 'one\n')).code, 0);
  const consumed = await pado(['consume', 'orders', '--group', 'billing', '--from-beginning', '-n', '1']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const report = await waitFor('an internal-topic problem', async () => {
    const r = await health();
    return r.problems.some((p) => p.kind === 'internal-topic-under-replicated') ? r : undefined;
  }, 30_000, 500);
  assert.deepEqual(report.problems.map((p) => p.kind), ['internal-topic-under-replicated']);
  assert.match(report.problems[0]?.message ?? '', /^internal topic __consumer_offsets: 10 of 10 partitions have fewer than 3 replicas \(as few as 1\).*the controller adds replicas/);
  await doctorSays(/^problem: internal topic __consumer_offsets: 10 of 10 partitions/m);
});

test('health and doctor: a broker\'s full disk, until space is freed', async (t) => {
  if (!withTmpfs) {
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  const mount = cluster.mountOf(2) ?? assert.fail('node 2 has a tmpfs');
  const filler = join(mount, 'filler');
  t.after(() => rmSync(filler, { force: true }));
  fillBelow(mount, filler, 8 * mib);
  const full = await waitFor('a disk-full problem for broker 2', async () =>
    (await health()).problems.find((p) => p.kind === 'disk-full'), 30_000, 500);
  assert.equal(full.subject, 'broker 2');
  assert.match(full.message, /^broker 2's data disk is full \(it reported: data disk full: \d+ MiB free, under the 16 MiB reserve.*\): produces to the partitions it leads are refused with KAFKA_STORAGE_ERROR.*; free space on it: lower `retention\.ms`/);
  await doctorSays(/^problem: broker 2's data disk is full/m);
  rmSync(filler, { force: true });
  await waitFor('no disk problem once space is back', async () => ((await health()).problems
    .some((p) => p.kind === 'disk-full' || p.kind === 'disk-low') ? undefined : true), 30_000, 500);
});

test('health and doctor: a dead broker\'s internal partitions, with what it means for groups', async () => {
  await cluster.kill(3);
  const report = await waitFor('broker 3 missing and its offsets partitions offline', async () => {
    const r = await health();
    return r.problems.some((p) => p.kind === 'missing-broker') &&
      r.problems.some((p) => p.kind === 'offline' && p.subject.startsWith('__consumer_offsets-'))
      ? r : undefined;
  }, 30_000, 500);
  const offline = report.problems.filter((p) => p.kind === 'offline');
  assert.ok(offline.every((p) => p.subject.startsWith('__consumer_offsets-')), JSON.stringify(offline));
  for (const p of offline) {
    assert.match(p.message, /its only replica, broker 3, is down; start broker 3 \(an internal partition: the consumer groups it coordinates cannot join, sync or commit until it has a leader\)$/);
  }
  assert.ok(report.problems.some((p) => p.kind === 'under-replicated' && p.subject.startsWith('orders-')));
  const said = await doctorSays(/an internal partition: the consumer groups it coordinates cannot join/);
  assert.match(said, /^problem: broker 3 is named as a replica or voter but is not registered/m);
});
