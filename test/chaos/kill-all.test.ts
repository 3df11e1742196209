/**
 * Chaos: SIGKILL all three brokers at once and restart them (1 round in `npm test`, 5 in
 * `npm run test:chaos`): every acknowledged record was fsynced by every ISR member, so none is lost.
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: SIGKILL all three at once, restart', { timeout: 30 * 60_000 }, async () => {
  await runScenario('kill-all', { short: 1, full: 5 }, (run) => run.killAll());
});
