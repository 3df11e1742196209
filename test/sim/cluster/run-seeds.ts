/**
 * Runs seeds of the whole-cluster simulation in this process, outside node:test (whose async
 * hooks would cost a fifth of the time), one JSON line per seed on stdout:
 *   node dist/test/sim/cluster/run-seeds.js --first 1 --count 100 [--window 8000] [--trace]
 *   node dist/test/sim/cluster/run-seeds.js --first 21 --schedule 'disk-full(2)@1432+5877' --trace
 *   node dist/test/sim/cluster/run-seeds.js --first 21 --shrink
 * `--trace` echoes every line of the trace (with the nodes' info logs) to stderr, for a replay;
 * `--schedule` replays the seed with that fault schedule instead of its own (what `--shrink` prints);
 * `--shrink` reduces a failing seed's schedule to the smallest that still fails the same way.
 * cluster.test.ts and scripts/run-sim.mjs start it.
 */
import { runScenario } from './scenario.js';
import { describeEpisode } from './faults.js';
import { parseSchedule, shrink } from './shrink.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a whole number`);
  return v;
}

function text(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

/** The nodes' log level in a traced replay: PADO_SIM_LOG_LEVEL=debug shows Raft's votes and more. */
const traceLevel = process.env.PADO_SIM_LOG_LEVEL === 'debug' ? 'debug' : 'info';

async function main(): Promise<void> {
  const first = option('--first', 1);
  const count = option('--count', 1);
  const windowMs = option('--window', 15_000);
  const trace = process.argv.includes('--trace');
  const schedule = text('--schedule');
  const episodes = schedule === undefined ? undefined : parseSchedule(schedule);
  const echo = trace ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  if (process.argv.includes('--shrink')) {
    const log = (line: string): void => void process.stderr.write(`shrink: ${line}\n`);
    const { original, smallest, runs } = await shrink({ seed: first, faultWindowMs: windowMs,
      ...(episodes === undefined ? {} : { episodes }) }, 60, log);
    if (original.findings.length === 0) {
      process.stdout.write(`seed ${first} passes: nothing to shrink\n`);
      return;
    }
    const small = smallest.episodes.map(describeEpisode).join(' ');
    process.stdout.write([
      `seed ${first}: ${original.episodes.length} episodes → ${smallest.episodes.length} (${runs} runs)`,
      `  finding: ${smallest.findings.map((f) => `${f.kind}: ${f.detail}`).join('; ')}`,
      `  replay:  node dist/test/sim/cluster/run-seeds.js --first ${first} --window ${windowMs}` +
        ` --schedule '${small}' --trace`, ''].join('\n'));
    return;
  }
  for (let seed = first; seed < first + count; seed++) {
    const started = performance.now();
    const r = await runScenario({ seed, faultWindowMs: windowMs, logLevel: trace ? traceLevel : 'warn', echo,
      ...(episodes === undefined ? {} : { episodes }) });
    process.stdout.write(`${JSON.stringify({
      seed, ok: r.findings.length === 0, findings: r.findings, virtualMs: r.virtualMs,
      wallMs: Math.round(performance.now() - started), steps: r.steps, acked: r.acked, ackedBy: r.ackedBy, group: r.group,
      traceHash: r.traceHash, windows: r.windows, episodes: r.episodes.map(describeEpisode),
      trace: r.findings.length === 0 ? [] : r.trace.slice(-120),
    })}\n`);
  }
}

await main();
