/**
 * Issue 16 item 4: `pado cluster logdirs describe` against a real 3-node cluster. After kcat
 * writes 200 records to an RF 3 topic, every broker answers for its data directory (the node's
 * own, as an absolute path) with every replica it holds: each partition of the topic on all three
 * brokers, the same size on each once the followers caught up, offset lag 0, and the volume's
 * total and usable bytes (v4). `--topics` and `--broker` narrow it; the table has its columns
 * and totals. kafka-python, with its own protocol code (v0), sees the same sizes. Waits are
 * conditions with deadlines; the cluster is stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LogDirsView } from '../../src/cli/cluster/logdirs-describe.js';
import { mainJs } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const script = resolve('test/fixtures/python/describe_log_dirs.py');
let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3);
  await cluster.allLive();
});
after(async () => {
  await cluster?.stop();
});

function pado(args: readonly string[]) {
  return run(process.execPath, [mainJs, ...args, '--bootstrap', cluster.bootstrap()], { timeoutMs: 30_000 });
}

async function describe(extra: readonly string[] = []): Promise<LogDirsView> {
  const r = await pado(['cluster', 'logdirs', 'describe', '--format', 'json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as LogDirsView;
}

test('cluster logdirs describe: every replica on every broker, sizes, lag, volume; narrowed; kafka-python agrees', async () => {
  assert.equal((await pado(['topic', 'create', 'disk', '-p', '3', '-r', '3'])).code, 0);
  const lines = Array.from({ length: 200 }, (_, i) => `record ${i} ${'x'.repeat(50)}`).join('\n');
  const produced = await run('kcat', ['-b', cluster.bootstrap(), '-P', '-t', 'disk', '-X', 'acks=all'],
    { input: `${lines}\n`, timeoutMs: 30_000 });
  assert.equal(produced.code, 0, produced.stderr);

  // Followers copy after the HW moved: wait until each partition has one size on all three.
  const view = await waitFor('every replica of disk the same size, on all three brokers', async () => {
    const v = await describe();
    const disk = v.rows.filter((r) => r.topic === 'disk');
    if (disk.length !== 9) return undefined;
    for (const p of [0, 1, 2]) {
      const sizes = new Set(disk.filter((r) => r.partition === p).map((r) => r.sizeBytes));
      if (sizes.size !== 1) return undefined;
    }
    return disk.every((r) => r.offsetLag === 0) ? v : undefined;
  }, 30_000, 300);
  const disk = view.rows.filter((r) => r.topic === 'disk');
  assert.equal(disk.reduce((s, r) => s + r.sizeBytes, 0) / 3 > 200 * 50, true, 'the records are there');
  assert.deepEqual(view.brokers.map((b) => b.broker), [1, 2, 3]);
  for (const b of view.brokers) {
    assert.equal(b.dir, resolve(cluster.dataDir(b.broker)));
    assert.equal(b.error, null);
    assert.ok(b.totalBytes > 0 && b.usableBytes > 0 && b.usableBytes <= b.totalBytes, JSON.stringify(b));
    assert.ok(view.rows.filter((r) => r.broker === b.broker).every((r) => r.dir === b.dir));
  }
  assert.equal(view.partitions, view.rows.length);

  const narrowed = await describe(['--topics', 'disk', '--broker', '2']);
  assert.deepEqual(narrowed.rows.map((r) => [r.broker, r.topic, r.partition]),
    [[2, 'disk', 0], [2, 'disk', 1], [2, 'disk', 2]]);
  assert.deepEqual(narrowed.rows.map((r) => r.sizeBytes),
    disk.filter((r) => r.broker === 2).map((r) => r.sizeBytes));

  const table = await pado(['cluster', 'logdirs', 'describe', '--topics', 'disk']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^BROKER\s+DIR\s+TOPIC\s+PARTITION\s+SIZE\s+LAG$/m);
  assert.match(table.stdout, /^broker 3: 3 partition replica\(s\), [\d.]+ KiB in \S+; volume [\d.]+ \wiB, [\d.]+ \wiB usable$/m);
  assert.match(table.stdout, /^total: 9 partition replica\(s\), [\d.]+ KiB on 3 broker\(s\)$/m);
  const unknown = await pado(['cluster', 'logdirs', 'describe', '--topics', 'nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /topic 'nope' does not exist/);

  const py = await run(python, [script, cluster.bootstrap()], { timeoutMs: 60_000 });
  assert.equal(py.code, 0, `${py.stdout}\n${py.stderr}`);
  const seen = JSON.parse(py.stdout.trim().split('\n').pop() ?? '{}') as
    Record<string, { error_code: number; log_dir: string; topics: Record<string, Record<string, number>> }[]>;
  assert.deepEqual(Object.keys(seen).sort(), ['1', '2', '3']);
  for (const [id, dirs] of Object.entries(seen)) {
    assert.equal(dirs.length, 1);
    assert.equal(dirs[0]?.error_code, 0);
    assert.equal(dirs[0]?.log_dir, resolve(cluster.dataDir(Number(id))));
    const expected = Object.fromEntries(disk.filter((r) => r.broker === Number(id))
      .map((r) => [String(r.partition), r.sizeBytes]));
    assert.deepEqual(dirs[0]?.topics['disk'], expected);
  }
});
