/**
 * Proves the replication cores (src/partitions) keep every acks=all record through leader
 * crashes, restarts that lose unsynced data, stale leaders, lossy networks and ISR changes, by
 * running the deterministic simulation (replication-sim.ts) over many seeds. After every step:
 * HW ≤ every ISR member's synced offset; a leader's HW never goes back; every acked record is
 * synced at its offset on every ISR member and present below every replica's HW; two logs agree
 * below the smaller HW; no follower truncates below its HW. After healing, the partition must
 * converge (full ISR, equal logs, HW at the end) and still hold every acked record. Across the
 * seeds each rare event (ISR shrink and expand, truncation on divergence, NOT_ENOUGH_REPLICAS,
 * an unsafe leader refused, ...) must happen, or the simulator is too gentle.
 * Seeds: PADO_SEED=<n> replays one (PADO_SIM_TRACE=1 prints every step); PADO_SIM_SEEDS=<count>
 * (default 300) and PADO_SIM_FIRST_SEED set the range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rareEvents, runSeed, type RareEvent } from './replication-sim.js';

const single = process.env.PADO_SEED;
const seedCount = Number(process.env.PADO_SIM_SEEDS ?? 300);
const firstSeed = Number(process.env.PADO_SIM_FIRST_SEED ?? 1);

const title = single === undefined
  ? `replication simulation: ${seedCount} seeds from ${firstSeed}`
  : `replication simulation: seed ${single}`;

test(title, (t) => {
  const totals = new Map<RareEvent, number>();
  const seeds = single === undefined
    ? Array.from({ length: seedCount }, (_, i) => firstSeed + i)
    : [Number(single)];
  let acked = 0;
  for (const seed of seeds) {
    const result = runSeed(seed, process.env.PADO_SIM_TRACE === '1');
    acked += result.acked;
    for (const [event, n] of result.events) totals.set(event, (totals.get(event) ?? 0) + n);
  }
  const events = JSON.stringify(Object.fromEntries(totals));
  t.diagnostic(`acked records: ${acked}; rare events: ${events}`);
  if (single !== undefined || seeds.length < 100) return;
  const missing = rareEvents.filter((e) => (totals.get(e) ?? 0) === 0);
  assert.deepEqual(missing, [], 'a rare event never happened: the simulator is too gentle');
});
