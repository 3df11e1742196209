/**
 * Chaos: SIGKILL the leader of partition 0 of an RF=3 topic under idempotent acks=all load, then
 * restart it; repeated (2 rounds in `npm test`, 100 in `npm run test:chaos`). Proves no
 * acknowledged record is lost, duplicated or reordered across leader failovers (test/support/chaos.ts).
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: SIGKILL the partition leader, restart, repeat', { timeout: 60 * 60_000 }, async () => {
  await runScenario('leader-kill', { short: 2, full: 100 }, (run) => run.killLeader(0));
});
