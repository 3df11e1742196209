/**
 * Chaos: a full disk under load (issue 13, break 5). Each broker's data directory is on a tmpfs
 * of its own (256 MiB) and every broker keeps a 48 MiB free-space reserve. Each round a filler
 * file on one node's tmpfs takes free space below half the reserve — the leader of a seeded
 * partition in even rounds, a seeded follower of it in odd ones — for a seeded 2–6 s, then is
 * deleted (1 round in `npm test`, 6 in `npm run test:chaos`). While full, the node refuses the
 * produces it leads with KAFKA_STORAGE_ERROR (kafkajs and librdkafka retry them) and stops
 * appending what it follows, so it leaves those ISRs by the lag rule; once space returns it must
 * take produces again and rejoin every ISR with nobody intervening. Both workloads run
 * throughout; the checker reads every partition back: nothing acknowledged lost, duplicated or
 * reordered, no fatal error, the consumer group read every acknowledged record. Reported: each
 * round's free bytes, hold, refusals logged, full → next ack on what the node led (`diskFullMs`)
 * and space back → every ISR whole (`rejoinMs`). The cluster is stopped before the tmpfs mounts
 * are unmounted. Skipped (with a reason) when a tmpfs cannot be mounted (needs root).
 */
import { test } from 'node:test';
import { tmpfsAllowed } from '../support/raft-cluster.js';
import { runScenario } from './scenario.js';

const mib = 1024 * 1024;

test('chaos: a partition leader\'s or a follower\'s disk full below its reserve for seconds, ' +
  'then space back', { timeout: 30 * 60_000 }, async (t) => {
  if (!tmpfsAllowed()) {
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  await runScenario('disk-full', { short: 1, full: 6 }, async (run, round) => {
    await run.load(2_000, 4_000);
    await run.diskFull(run.prng.below(3), round % 2 === 0 ? 'leader' : 'follower', 2_000, 6_000);
  }, { tmpfsBytes: 256 * mib, diskReserveBytes: 48 * mib });
});
