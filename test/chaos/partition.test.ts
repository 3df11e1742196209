/**
 * Chaos: network partitions between brokers (issue 13). Each broker runs in a network namespace of
 * its own (test/support/netns.ts: veth pairs on a bridge, `tc` drops); the clients, on the bridge,
 * reach every broker throughout. Nemeses: the leader of a partition cut off from the other brokers
 * (it must stop acting as leader so producers move to the new one), the active controller cut off,
 * a bridge (two brokers cannot reach each other, both reach the third), and a leader flapping in
 * and out. Needs root for namespaces; skipped otherwise.
 */
import { test } from 'node:test';
import { canCreateNetns } from '../support/netns.js';
import { runScenario } from './scenario.js';

const skip = canCreateNetns() ? false : 'needs root, ip netns and tc';
const network = { network: true };

test('chaos: isolate a partition leader from the other brokers', { skip, timeout: 30 * 60_000 },
  async () => {
    await runScenario('isolate-leader', { short: 1, full: 10 }, async (run) => {
      const partition = run.prng.between(0, 2);
      await run.partition('isolate', await run.leader(partition), 4_000, 8_000);
    }, network);
  });

test('chaos: isolate the active controller', { skip, timeout: 30 * 60_000 }, async () => {
  await runScenario('isolate-controller', { short: 1, full: 10 }, async (run) => {
    await run.partition('isolate', await run.controllerId(), 4_000, 8_000);
  }, network);
});

test('chaos: bridge partition and a flapping leader', { skip, timeout: 30 * 60_000 }, async () => {
  await runScenario('bridge-flap', { short: 1, full: 5 }, async (run) => {
    await run.partition('bridge', await run.controllerId(), 3_000, 6_000);
    await run.load();
    await run.flap(run.prng.between(0, 2), 4);
  }, network);
});
