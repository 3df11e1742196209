/**
 * Issue 16 item 4: `pado cluster config get|set|reset`, the cluster's dynamic configs, on a real
 * 3-node cluster: a value set through one broker is what every broker reports (source "cluster"),
 * and what they do — a topic auto-created by kcat gets the cluster's num.partitions, a topic's
 * retention.ms default follows log.retention.ms; kafka-python's AlterConfigs on the cluster-wide
 * default resource works too; a bad value or a per-node setting is refused with the reason and
 * changes nothing; reset goes back to the node's value; each change is a config-changed event.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { mainJs } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
before(async () => {
  cluster = await RaftCluster.start(3);
  await cluster.allLive();
});
after(async () => {
  await cluster?.stop();
});

const pado = (...args: string[]) => run(process.execPath, [mainJs, ...args]);

async function get(id: number, name: string): Promise<{ value: string; source: string; dynamic: boolean }> {
  const r = await pado('cluster', 'config', 'get', name, '--format', 'json', '--bootstrap', cluster.address(id));
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; value: string; source: string; dynamic: boolean }[];
  assert.equal(rows.length, 1, r.stdout);
  return rows[0]!;
}

test('set through one broker: every broker reports it and acts on it; reset goes back', async () => {
  assert.deepEqual(await get(2, 'num.partitions'), { name: 'num.partitions', value: '1', source: 'default',
    dynamic: true });
  const set = await pado('cluster', 'config', 'set', 'num.partitions=4', 'log.retention.ms=3600000',
    '--bootstrap', cluster.address(1));
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /^set num.partitions, log.retention.ms: every broker applies it now/);
  for (const id of cluster.ids) {
    await waitFor(`broker ${id} reports the cluster's values`, async () => {
      const p = await get(id, 'num.partitions');
      const r = await get(id, 'log.retention.ms');
      return p.value === '4' && p.source === 'cluster (dynamic)' && r.value === '3600000' ? true : undefined;
    });
  }
  // What brokers do with it: kcat's produce auto-creates a topic with 4 partitions.
  const topic = 'auto-made';
  const kcat = await run('kcat', ['-b', cluster.address(3), '-P', '-t', topic, '-X', 'acks=all',
    '-X', 'topic.metadata.refresh.interval.ms=200'], { input: 'a\nb\n' });
  assert.equal(kcat.code, 0, kcat.stderr);
  const described = await pado('topic', 'describe', topic, '--bootstrap', cluster.address(2));
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /partitions: 4\b|PARTITIONS\s+4|\b4 partition/i);
  assert.match(described.stdout, /retention\.ms\s+3600000/);
  // kafka-python: AlterConfigs on the cluster-wide default, DescribeConfigs of broker 3.
  const py = await run('/usr/bin/python3', [resolve('test/fixtures/python/cluster_config.py'),
    cluster.address(1), '3']);
  assert.equal(py.code, 0, py.stderr);
  assert.deepEqual(JSON.parse(py.stdout), { alterErrorCode: 0, value: '1073741824', readOnly: false });
  // AlterConfigs replaces the whole set: what it did not name went back.
  await waitFor('legacy AlterConfigs reset the rest', async () =>
    ((await get(1, 'num.partitions')).value === '1' ? true : undefined));
  const reset = await pado('cluster', 'config', 'reset', 'log.retention.bytes', '--bootstrap', cluster.address(2));
  assert.equal(reset.code, 0, reset.stderr);
  await waitFor('back to the default', async () => {
    const r = await get(3, 'log.retention.bytes');
    return r.source === 'default' ? true : undefined;
  });
  const events = await pado('cluster', 'events', '--bootstrap', cluster.address(1));
  assert.match(events.stdout, /config-changed +cluster config changed: num.partitions=4, log.retention.ms=3600000/);
  assert.match(events.stdout, /config-changed +cluster config changed: log.retention.bytes back to its default/);
});

test('a bad value and a per-node setting are refused with the reason and change nothing', async () => {
  const before = await get(1, 'log.segment.bytes');
  const bad = await pado('cluster', 'config', 'set', 'log.segment.bytes=10', '--bootstrap', cluster.address(1));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /log.segment.bytes=10: 10 is not a segment size in bytes \(14–2147483647\)/);
  const node = await pado('cluster', 'config', 'set', 'log.dirs=/tmp/x', '--bootstrap', cluster.address(1));
  assert.equal(node.code, 2);
  assert.match(node.stderr, /log.dirs is not a dynamic cluster config; these are: auto.create.topics.enable/);
  assert.deepEqual(await get(1, 'log.segment.bytes'), before);
});
