// Runs compiled test files again and again on a busy machine, one run at a time, and counts passes:
// how issue 13's acceptance ("each reproduction passes 10 of 10 runs with four busy background
// processes") is measured. Build first (`npx tsc -p .`).
// Usage: node scripts/repeat-tests.mjs [--times 10] [--busy 4] [--log DIR] dist/test/…/a.test.js …
// `npm run test:repeat -- <files>` is the same. The busy processes spin on the cores for the whole
// session and are killed at the end (each also ends by itself after an hour). Chaos scenarios run
// their short version unless PADO_CHAOS=full is set; PADO_CHAOS_BUSY is set to 0 for them, since
// this script already provides the contention. Each run's output goes to DIR/<file>.<n>.log and
// the broker logs of its test clusters to DIR/<file>.<n>.brokers/ (PADO_TEST_LOGS);
// failing runs are named at the end, with the seed line the chaos scenarios print.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  if (value === undefined || !/^\d+$/.test(value) && name !== '--log') {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return value;
}
const times = Number(option('--times', '10'));
const busy = Math.min(Number(option('--busy', '4')), 16);
const logDir = option('--log', join(tmpdir(), `pado-repeat-${Date.now()}`));
const files = args;
if (files.length === 0 || times < 1) {
  console.error('usage: node scripts/repeat-tests.mjs [--times 10] [--busy 4] [--log DIR] <test.js>…');
  process.exit(2);
}
mkdirSync(logDir, { recursive: true });

const hourMs = 60 * 60_000;
const spin = `const end = Date.now() + ${hourMs}; let x = 0; ` +
  'while (Date.now() < end) { x = (x * 31 + 7) % 1000003; }';
const spinners = Array.from({ length: busy }, () =>
  spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
const stopSpinners = () => { for (const p of spinners) if (p.exitCode === null) p.kill('SIGKILL'); };
process.on('exit', stopSpinners);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stopSpinners(); process.exit(130); });

/** One `node --test <file>` run, bounded by an hour; resolves with its exit code and output. */
function runOnce(file, brokerLogs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--test', file], {
      env: { ...process.env, PADO_CHAOS_BUSY: '0', PADO_TEST_LOGS: brokerLogs },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), hourMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, ms: Date.now() - started, text: Buffer.concat(out).toString() });
    });
  });
}

const results = [];
for (const file of files) {
  const row = { file, passed: 0, failed: [], ms: [] };
  for (let n = 1; n <= times; n++) {
    const log = join(logDir, `${basename(file)}.${n}.log`);
    const r = await runOnce(file, `${log.slice(0, -4)}.brokers`);
    writeFileSync(log, r.text);
    row.ms.push(r.ms);
    if (r.code === 0) row.passed++;
    else {
      const seed = /seed=(\d+)/.exec(r.text)?.[1];
      row.failed.push(`run ${n} (exit ${r.code}${seed ? `, seed ${seed}` : ''}): ${log}`);
    }
    console.log(`${basename(file)} run ${n}/${times}: ${r.code === 0 ? 'pass' : 'FAIL'} ` +
      `${(r.ms / 1000).toFixed(1)} s`);
  }
  results.push(row);
}
stopSpinners();

console.log(`\n${busy} busy processes, ${times} runs each, logs in ${logDir}`);
for (const r of results) {
  const sorted = [...r.ms].sort((a, b) => a - b);
  console.log(`${r.passed}/${times} ${r.file} (median ${(sorted[sorted.length >> 1] / 1000).toFixed(1)} s)`);
  for (const f of r.failed) console.log(`  failed ${f}`);
}
process.exit(results.every((r) => r.passed === times) ? 0 : 1);
