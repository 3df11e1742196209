// Runs the compiled simulation tests (dist/test/sim/) with a seed count.
// Usage: node scripts/run-sim.mjs [--cluster] [--seeds N] [--first S]   (npm run test:sim -- --seeds 10000)
// --cluster runs only the whole-cluster simulation (test/sim/cluster), its seeds two at a time;
// with PADO_SEED=<n> and --shrink it reduces that seed's fault schedule to the smallest that fails.
// PADO_SEED=<n> replays one seed (add PADO_SIM_TRACE=1 to print every step; the cluster
// simulation prints its whole trace when replaying).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
function option(name) {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || !/^\d+$/.test(value)) {
    console.error(`${name} needs a positive integer, got ${value ?? 'nothing'}`);
    process.exit(2);
  }
  return value;
}

const env = { ...process.env };
const seeds = option('--seeds');
const first = option('--first');
const cluster = args.includes('--cluster');
if (cluster && args.includes('--shrink')) {
  // Shrinks one failing seed of the whole-cluster simulation: PADO_SEED=<n> npm run test:sim -- --cluster --shrink
  if (process.env.PADO_SEED === undefined) {
    console.error('--shrink needs the seed: PADO_SEED=<n> npm run test:sim -- --cluster --shrink');
    process.exit(2);
  }
  const r = spawnSync(process.execPath, ['dist/test/sim/cluster/run-seeds.js', '--first', process.env.PADO_SEED,
    '--window', process.env.PADO_SIM_WINDOW_MS ?? '8000', '--shrink'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (seeds !== undefined) env[cluster ? 'PADO_SIM_CLUSTER_SEEDS' : 'PADO_SIM_SEEDS'] = seeds;
if (cluster) env.PADO_TEST_FILTER = 'sim/cluster/';
if (first !== undefined) env.PADO_SIM_FIRST_SEED = first;
if (!existsSync('dist/test/sim')) {
  console.error('dist/test/sim is missing: run `npx tsc -p .` first');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'sim'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
