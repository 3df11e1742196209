/**
 * Chaos: SIGKILL the consumer group's coordinator (the leader of the group's `__consumer_offsets`
 * partition, as FindCoordinator names it) while the kafkajs group reads along and auto-commits
 * under idempotent acks=all load, then restart it (2 rounds in `npm test`, 10 in
 * `npm run test:chaos`). Proves committed offsets survive the coordinator's death: no offset the
 * old coordinator answered with OffsetFetch, and no commit it acknowledged to the consumer, is
 * above the new coordinator's first answer, nor above the answer once the killed node is back
 * (OffsetFetch answers only commits the offsets partition's ISR holds); and, as in
 * every scenario, no acknowledged record is lost, duplicated or reordered and the group reads
 * every acknowledged record (test/support/chaos.ts).
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: SIGKILL the group coordinator, restart, repeat', { timeout: 30 * 60_000 },
  async () => {
    await runScenario('coordinator-kill', { short: 2, full: 10 }, (run) => run.killCoordinator());
  });
