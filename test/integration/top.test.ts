/**
 * Issue 16 item 4: `pado top` against a real 3-node cluster, given the nodes' HTTP listeners
 * (`--http`, as the test's nodes bind port 0; test/integration/dev.test.ts covers the default
 * addresses of `pado dev`). While a producer keeps writing, a frame shows records and bytes in for
 * the topic and requests on every broker; a group that committed part of the topic shows the lag
 * `pado group describe` computes; with node 3 SIGKILLed, node 3 is unreachable and under-replicated
 * partitions appear. `--count 2` in a pipe prints two plain frames (no cursor codes) with their
 * tables. Every wait is a condition with a deadline; the producer loop and the cluster are
 * stopped in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TopView } from '../../src/cli/top-view.js';
import { httpPort, mainJs } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

let cluster: RaftCluster;
let http: string;
let producing = false;
let producer: Promise<void> = Promise.resolve();

before(async () => {
  cluster = await RaftCluster.start(3);
  await cluster.allLive();
  http = cluster.ids.map((id) => `127.0.0.1:${httpPort(cluster.process(id) ?? assert.fail())}`).join(',');
});
after(async () => {
  producing = false;
  await producer;
  await cluster?.stop();
});

function pado(args: readonly string[], input?: string) {
  return run(process.execPath, [mainJs, ...args, '--bootstrap', cluster.bootstrap()],
    { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
}

async function frame(): Promise<TopView> {
  const r = await pado(['top', '--once', '--format', 'json', '--http', http]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  return JSON.parse(lines[0] ?? '') as TopView;
}

test('top: rates while a producer writes, group lag, a dead broker and under-replication', async () => {
  assert.equal((await pado(['topic', 'create', 'busy', '-p', '3', '-r', '3'])).code, 0);
  const batch = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n') + '\n';
  assert.equal((await pado(['produce', 'busy'], batch)).code, 0);
  const consumed = await pado(['consume', 'busy', '--group', 'readers', '--from-beginning', '-n', '200']);
  assert.equal(consumed.code, 0, consumed.stderr);

  producing = true;
  producer = (async () => {
    while (producing) {
      await run('kcat', ['-b', cluster.bootstrap(), '-P', '-t', 'busy'], { input: batch, timeoutMs: 30_000 })
        .catch(() => undefined);
    }
  })();
  const busy = await waitFor('a frame with traffic on busy', async () => {
    const v = await frame();
    const t = v.topics.find((x) => x.topic === 'busy');
    return t !== undefined && t.recordsInPerSec > 0 && t.bytesInPerSec > 0 ? v : undefined;
  }, 30_000, 200);
  // Given --http, a broker is known by its HTTP address (its id is not in /metrics).
  assert.deepEqual(busy.brokers.map((b) => [b.brokerId, b.http, b.error]),
    http.split(',').map((a) => [-1, a, null]));
  assert.ok(busy.brokers.every((b) => (b.requestsPerSec ?? 0) > 0), JSON.stringify(busy.brokers));
  assert.ok(busy.groups.some((g) => g.group === 'readers'), JSON.stringify(busy.groups));
  producing = false;
  await producer;

  // Idle now: top's lag for the group is what `pado group describe` says.
  await waitFor('top\'s group lag equals pado group describe\'s', async () => {
    const described = await pado(['group', 'describe', 'readers', '--format', 'json']);
    const lag = (JSON.parse(described.stdout) as { offsets: { lag: number | null }[] }).offsets
      .reduce((n, o) => n + (o.lag ?? 0), 0);
    const v = await frame();
    const seen = v.groups.find((g) => g.group === 'readers')?.lag;
    return lag > 0 && seen === lag && v.groupLag >= lag ? true : undefined;
  }, 30_000, 500);

  const plain = await pado(['top', '--count', '2', '--http', http]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /\x1b\[/, 'no cursor codes in a pipe');
  assert.equal(plain.stdout.match(/^pado top /gm)?.length, 2);
  assert.match(plain.stdout, /^BROKER\s+HTTP\s+IN\s+OUT\s+RECORDS-IN\/S\s+REQUESTS\/S\s+UNDER-REPLICATED$/m);
  assert.match(plain.stdout, /^GROUP\s+STATE\s+LAG$/m);
  assert.match(plain.stdout, /^consumer-group lag: \d+$/m);

  await cluster.kill(3);
  const down = await waitFor('node 3 unreachable and partitions under-replicated', async () => {
    const v = await frame();
    return v.underReplicated > 0 && v.brokers[2]?.error !== null ? v : undefined;
  }, 30_000, 300);
  assert.match(down.brokers[2]?.error ?? '', /^unreachable \(/);
  assert.ok(down.brokers.slice(0, 2).every((b) => b.error === null));
});
