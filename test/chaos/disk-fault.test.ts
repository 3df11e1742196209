/**
 * Chaos: bit rot and a deleted segment under load (issue 13, break 4). Each round a follower of a
 * seeded partition is stopped cleanly, one byte in the middle of one of its closed segments is
 * flipped (even rounds) or the segment file deleted (odd rounds), the follower restarts, and then
 * the partition's leader is SIGKILLed so the damaged replica may lead (1 round in `npm test`, 6 in
 * `npm run test:chaos`). Both workloads (kafkajs and librdkafka) run throughout; the checker reads
 * every partition back: nothing acknowledged lost, duplicated or reordered, no fatal error, and
 * the consumer group read every acknowledged record.
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: a flipped byte or a deleted closed segment on a follower, then its leader killed',
  { timeout: 30 * 60_000 }, async () => {
    await runScenario('disk-fault', { short: 1, full: 6 }, async (run, round) => {
      await run.load(3_000, 5_000);
      await run.diskFault(round % 2 === 0 ? 'flip' : 'delete', run.prng.below(3));
    });
  });
