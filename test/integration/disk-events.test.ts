/**
 * Issue 16 events a broker reports about its own machine: node 2's data directory is a 128 MiB
 * tmpfs with a 16 MiB reserve; a filler file takes its free space under the reserve and
 * `pado cluster events` (asked of another node) shows `disk-full` for broker 2, then, the filler
 * gone, `disk-ok`. Waits are conditions with deadlines (the broker measures every 5 s). Skipped
 * with a reason where a tmpfs cannot be mounted (needs root).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { mainJs } from '../support/broker.js';
import { fillBelow } from '../support/chaos.js';
import { RaftCluster, tmpfsAllowed } from '../support/raft-cluster.js';
import { run, waitFor } from '../support/run.js';

const mib = 1024 * 1024;
let cluster: RaftCluster | undefined;
after(async () => {
  await cluster?.stop();
});

async function events(c: RaftCluster): Promise<string> {
  const r = await run(process.execPath, [mainJs, 'cluster', 'events', '--bootstrap', c.address(1)]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('a broker\'s full disk and its recovery are cluster events', async (t) => {
  if (!tmpfsAllowed()) {
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  const c = await RaftCluster.start(3, { tmpfsBytes: 128 * mib, config: { diskReserveBytes: 16 * mib } });
  cluster = c;
  await c.allLive();
  const mount = c.mountOf(2) ?? assert.fail('node 2 has a tmpfs');
  const filler = join(mount, 'filler');
  const free = fillBelow(mount, filler, 8 * mib);
  t.diagnostic(`node 2: ${Math.round(free / mib)} MiB free`);
  const full = await waitFor('a disk-full event for broker 2', async () => {
    const line = (await events(c)).split('\n').find((l) => / ERROR  disk-full +broker 2: data disk full: /.test(l));
    return line;
  }, 30_000, 500);
  assert.match(full, /under the 16 MiB reserve; produce is refused until space is freed/);
  rmSync(filler, { force: true });
  await waitFor('a disk-ok event for broker 2', async () =>
    ((await events(c)).match(/INFO   disk-ok +broker 2: data disk fine again/) ? true : undefined), 30_000, 500);
});
