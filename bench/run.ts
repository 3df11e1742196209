/**
 * `npm run bench` runs every measure; `npm run bench -- <name> [--runs N] [--mib N]
 * [--records100 N] [--probe N] [--kills N]` runs one (`--mib` and `--kills` left out, replication
 * uses its own defaults: 100 MiB, 10 kills). Each measure prints one JSON line to stdout (progress
 * and errors go to stderr), so results can be appended to a file and compared across commits.
 */
import { parseArgs } from 'node:util';
import { defaultOptions, produceConsume, type ProduceConsumeOptions } from './produce-consume.js';
import { produceProfile } from './produce-profile.js';
import { groups, groupsDefaults } from './groups.js';
import { controllerFailover } from './controller-failover.js';
import { raft, raftDefaults } from './raft.js';
import { replication, replicationDefaults } from './replication.js';
import { readCheck, readCheckDefaults } from './read-check.js';
import { encrypt, encryptDefaults } from './encrypt.js';
import { atRest, atRestDefaults } from './at-rest.js';
import { metricsCost } from './metrics.js';

/** Options only some measures take, as given on the command line (undefined when left out). */
interface Given {
  readonly mib?: number;
  readonly kills?: number;
}

type Measure = (opts: ProduceConsumeOptions, given: Given) => Promise<object>;

const measures: ReadonlyMap<string, Measure> = new Map<string, Measure>([
  ['produce-consume', produceConsume],
  ['produce-profile', produceProfile],
  ['groups', (opts) => groups({ ...groupsDefaults, runs: opts.runs })],
  ['controller-failover', () => controllerFailover()],
  ['raft', (opts) => raft({ ...raftDefaults, runs: opts.runs })],
  ['replication', (opts, given) => replication({
    runs: opts.runs, probeCount: opts.probeCount, mib: given.mib ?? replicationDefaults.mib,
    kills: given.kills ?? replicationDefaults.kills,
  })],
  ['read-check', (opts, given) => readCheck({ runs: opts.runs,
    mib: given.mib ?? readCheckDefaults.mib })],
  ['encrypt', (opts, given) => encrypt({ runs: opts.runs,
    mib: given.mib ?? encryptDefaults.mib })],
  ['at-rest', (opts, given) => atRest({ runs: opts.runs, mib: given.mib ?? atRestDefaults.mib })],
  ['metrics', (opts) => metricsCost({ runs: opts.runs })],
]);

function parseOptions(
  args: readonly string[],
): { names: string[]; opts: ProduceConsumeOptions; given: Given } {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      runs: { type: 'string' }, mib: { type: 'string' },
      records100: { type: 'string' }, probe: { type: 'string' }, kills: { type: 'string' },
    },
  });
  const int = (raw: string | undefined, fallback: number, name: string): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${raw}: expected an integer ≥ 1`);
    return n;
  };
  const opts: ProduceConsumeOptions = {
    runs: int(values.runs, defaultOptions.runs, 'runs'),
    mib1k: int(values.mib, defaultOptions.mib1k, 'mib'),
    records100: int(values.records100, defaultOptions.records100, 'records100'),
    probeCount: int(values.probe, defaultOptions.probeCount, 'probe'),
  };
  for (const name of positionals) {
    if (!measures.has(name)) {
      throw new Error(`unknown measure ${name}; known: ${[...measures.keys()].join(', ')}`);
    }
  }
  const given: Given = {
    ...(values.mib === undefined ? {} : { mib: opts.mib1k }),
    ...(values.kills === undefined ? {} : { kills: int(values.kills, 1, 'kills') }),
  };
  return { names: positionals.length > 0 ? positionals : [...measures.keys()], opts, given };
}

async function main(): Promise<void> {
  const { names, opts, given } = parseOptions(process.argv.slice(2));
  for (const name of names) {
    process.stderr.write(`bench: ${name} ${JSON.stringify(opts)}\n`);
    const result = await measures.get(name)!(opts, given);
    process.stdout.write(`${JSON.stringify({ ...result, date: new Date().toISOString() })}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
