/**
 * Chaos: bit rot, a deleted segment and a torn tail under load (issue 13, break 4). Rounds cycle
 * through three nemeses on a seeded partition (2 rounds in `npm test`: a flip and a torn tail; 9
 * in `npm run test:chaos`, 3 of each):
 * - flip / delete: a follower is stopped cleanly, one byte in the middle of one of its closed
 *   segments is flipped or the segment file deleted, the follower restarts, and then the
 *   partition's leader is SIGKILLed so the damaged replica may lead;
 * - torn tail: the partition's leader or a follower (seeded) is SIGKILLed, the active segment of
 *   that partition and maybe others is cut inside its last batch or given a partial next batch
 *   or garbage (an index file too, if the segment has one), and the broker restarts at once.
 * Both workloads (kafkajs and librdkafka) run throughout; the checker reads every partition back:
 * nothing acknowledged lost, duplicated or reordered, no fatal error, and the consumer group read
 * every acknowledged record. The report lists what each round damaged (`diskFaults`).
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

const kinds = ['flip', 'torn-tail', 'delete'] as const;

test('chaos: a flipped byte or a deleted closed segment on a follower, then its leader killed; ' +
  'a torn active segment tail on a killed broker',
{ timeout: 30 * 60_000 }, async () => {
  await runScenario('disk-fault', { short: 2, full: 9 }, async (run, round) => {
    await run.load(3_000, 5_000);
    const kind = kinds[round % kinds.length]!;
    if (kind === 'torn-tail') await run.tornTail(run.prng.below(3));
    else await run.diskFault(kind, run.prng.below(3));
  });
});
