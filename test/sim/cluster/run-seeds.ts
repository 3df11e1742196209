/**
 * Runs seeds of the whole-cluster simulation in this process, outside node:test (whose async
 * hooks would cost a fifth of the time), one JSON line per seed on stdout:
 *   node dist/test/sim/cluster/run-seeds.js --first 1 --count 100 [--window 8000] [--trace]
 * `--trace` echoes every line of the trace (with the nodes' info logs) to stderr, for a replay.
 * cluster.test.ts and scripts/run-sim.mjs start it, a few processes at a time.
 */
import { runScenario } from './scenario.js';
import { describeEpisode } from './faults.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a whole number`);
  return v;
}

async function main(): Promise<void> {
  const first = option('--first', 1);
  const count = option('--count', 1);
  const windowMs = option('--window', 15_000);
  const trace = process.argv.includes('--trace');
  for (let seed = first; seed < first + count; seed++) {
    const started = performance.now();
    const r = await runScenario({ seed, faultWindowMs: windowMs, logLevel: trace ? 'info' : 'warn',
      echo: trace ? (line) => process.stderr.write(`${line}\n`) : undefined });
    process.stdout.write(`${JSON.stringify({
      seed, ok: r.findings.length === 0, findings: r.findings, virtualMs: r.virtualMs,
      wallMs: Math.round(performance.now() - started), steps: r.steps, acked: r.acked,
      traceHash: r.traceHash, windows: r.windows, episodes: r.episodes.map(describeEpisode),
      trace: r.findings.length === 0 ? [] : r.trace.slice(-120),
    })}\n`);
  }
}

await main();
