/**
 * Chaos: SIGKILL the active controller (the metadata quorum's Raft leader) under idempotent
 * acks=all load, then restart it (1 round in `npm test`, 10 in `npm run test:chaos`).
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: SIGKILL the active controller, restart, repeat', { timeout: 30 * 60_000 }, async () => {
  await runScenario('controller-kill', { short: 1, full: 10 }, (run) => run.killController());
});
