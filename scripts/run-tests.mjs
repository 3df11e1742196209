// Runs the compiled node:test files of the given kinds (unit, sim, integration, chaos).
// Usage: node scripts/run-tests.mjs unit integration [-- extra node --test flags]
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const kinds = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// --full: the long chaos runs (100 leader kills…); without it chaos scenarios run a short version.
const full = process.argv.includes('--full');
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
}
for (const kind of kinds) {
  const dir = join('dist', 'test', kind);
  if (existsSync(dir)) walk(dir);
}
if (files.length === 0) {
  console.error(`no test files for: ${kinds.join(', ')}`);
  process.exit(1);
}
const filter = process.env.PADO_TEST_FILTER;
const chosen = filter ? files.filter((f) => f.includes(filter)) : files;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...chosen], {
  stdio: 'inherit',
  env: full ? { ...process.env, PADO_CHAOS: 'full' } : process.env,
});
process.exit(r.status ?? 1);
