/**
 * Chaos: SIGKILL the leader of partition 0, restart it at once, and SIGKILL the next leader as
 * soon as it is elected (1 round in `npm test`, 10 in `npm run test:chaos`).
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: kill, restart and kill the next leader quickly', { timeout: 30 * 60_000 }, async () => {
  await runScenario('double-failover', { short: 1, full: 10 }, (run) => run.doubleFailover(0));
});
