/**
 * Proves the Raft core safe and live under faults, by running the deterministic simulation
 * (raft-sim.ts) over many seeds: after every step at most one leader per term, log matching,
 * committed entries never change, applied prefixes agree, leaders hold every committed entry,
 * reads are never stale, terms and commits never go back; after healing a new proposal commits
 * on every voter within a bounded number of ticks. Across the seeds every rare event (pre-vote
 * rejected, check-quorum step-down, truncation, snapshot install, transfer, ...) must happen.
 * Seeds: PADO_SEED=<n> replays one; PADO_SIM_SEEDS=<count> (default 1000) sets how many.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rareEvents, runSeed, type RareEvent } from './raft-sim.js';

const single = process.env.PADO_SEED;
const seedCount = Number(process.env.PADO_SIM_SEEDS ?? 1000);
const firstSeed = Number(process.env.PADO_SIM_FIRST_SEED ?? 1);

const title = single === undefined
  ? `raft simulation: ${seedCount} seeds from ${firstSeed}`
  : `raft simulation: seed ${single}`;

test(title, (t) => {
  const totals = new Map<RareEvent, number>();
  const seeds = single === undefined
    ? Array.from({ length: seedCount }, (_, i) => firstSeed + i)
    : [Number(single)];
  for (const seed of seeds) {
    const result = runSeed(seed);
    for (const [event, n] of result.events) totals.set(event, (totals.get(event) ?? 0) + n);
  }
  t.diagnostic(`rare events: ${JSON.stringify(Object.fromEntries(totals))}`);
  if (single !== undefined) return;
  const missing = rareEvents.filter((e) => (totals.get(e) ?? 0) === 0);
  assert.deepEqual(missing, [], 'a rare event never happened: the simulator is too gentle');
});
