/**
 * Chaos: SIGSTOP the leader of partition 0 for longer than its broker session (it is fenced and
 * its partitions move while it still believes it leads), then SIGCONT: it must step down, truncate
 * what it alone wrote and rejoin the ISR (1 round in `npm test`, 5 in `npm run test:chaos`).
 * librdkafka runs with a 1.5 s message timeout here: its records in flight to the paused leader
 * time out, which makes it bump its producer epoch (KIP-360) and go on with fresh sequences; the
 * epoch-bump path must lose, duplicate and reorder nothing acknowledged either.
 */
import { test } from 'node:test';
import { sessionTimeoutMsDefault } from '../../src/controller/index.js';
import { runScenario } from './scenario.js';

test('chaos: SIGSTOP a leader past its session, SIGCONT', { timeout: 30 * 60_000 }, async () => {
  await runScenario('pause-leader', { short: 1, full: 5 },
    (run) => run.pauseLeader(0, sessionTimeoutMsDefault), { rdkafkaMessageTimeoutMs: 1_500 });
});
