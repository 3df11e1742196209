/**
 * Chaos: whole-cluster power loss as the independent testers ran it (issue 13, break 3): each
 * round a fresh librdkafka idempotent acks=all producer (sends spanning the three partitions)
 * writes for 6 s beside the kafkajs producers, then all three brokers are SIGKILLed at once and
 * restarted 1 s later (1 round in `npm test`, 5 in `npm run test:chaos`). Nothing acknowledged may
 * be lost, duplicated or reordered, and librdkafka must never raise a fatal error.
 */
import { test } from 'node:test';
import { runScenario } from './scenario.js';

test('chaos: power loss (all SIGKILLed, restarted 1 s later) under a fresh librdkafka producer',
  { timeout: 30 * 60_000 }, async () => {
    await runScenario('power-loss', { short: 1, full: 5 }, (run) => run.powerLossRound(6_000, 1_000));
  });
