/**
 * Chaos: forged peer frames under load, then a failover (issue 13, break 7). Each round sends a
 * seeded node a burst of forged and malformed frames at once over plain TCP, as any client could
 * (test/support/forged-frames.ts): RaftMessage heartbeats with term 2^53−1 and 2^50, an unknown
 * sender, term bytes 2^53 and −1 (each refused: INVALID_REQUEST or the connection closed), term
 * 1,000,000 from a claimed voter — also with a commit index of 2^40 — (within the bound: Raft may
 * take it and elect anew), a truncated, an unfinished and a bit-flipped frame, a garbage frame
 * and raw garbage, and a RaftKv (test-only API 1001) put, which production nodes do not serve.
 * Every frame must get an answer or a close (never silence), every node must still run, and
 * right after, the leader of a seeded partition (even rounds) or the controller (odd rounds) is
 * SIGKILLed, so the quorum must elect and commit at once; the killed node restarts and rejoins
 * every ISR (1 round in `npm test`, 10 in `npm run test:chaos`). Both workloads run throughout;
 * the checker reads every partition back: nothing acknowledged lost, duplicated or reordered, no
 * fatal error, the consumer group read every acknowledged record.
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: a burst of forged peer frames, then a leader or controller killed',
  { timeout: 30 * 60_000 }, async () => {
    await runScenario('forged-peer', { short: 1, full: 10 }, async (run, round) => {
      await run.load(1_000, 3_000);
      const target = run.prng.pick(run.cluster.running());
      await run.forgedPeer(target, run.prng.below(3), round % 2 === 0 ? 'leader' : 'controller');
    });
  });
