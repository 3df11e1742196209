/**
 * Module boundaries (STYLE.md §1), checked from the import lines of every file in src/:
 * - a folder imports only folders above it in the layer list, and only through their index.ts
 *   (a sub-folder's own index.ts, like protocol/records/index.ts, counts as a surface too);
 * - only main.ts and cli/ import node/;
 * - pure folders use no fs/net/timers, process, Date, Math.random, setTimeout or performance.now;
 * - below the process wiring nothing does I/O (security/ may hash with node:crypto), and only
 *   node/io, main.ts and cli/ draw crypto randomness.
 * Like tigerbeetle's tidy.zig: the rules live as a test so a violation fails `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const layers = [
  'common', 'config', 'protocol', 'security', 'raft', 'metadata', 'controller', 'partitions',
  'groups', 'storage', 'observability', 'client', 'console', 'server', 'node', 'cli',
];
const pure = new Set(['protocol', 'raft', 'metadata', 'controller', 'partitions', 'groups']);
const srcRoot = resolve('src');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function folderOf(path: string): string {
  const rel = relative(srcRoot, path).split(sep);
  return rel.length === 1 ? '' : (rel[0] as string);
}

const importRe = /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

test('every cross-folder import goes up the layer list through an index.ts', () => {
  const problems: string[] = [];
  for (const file of files(srcRoot)) {
    const from = folderOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? '';
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = folderOf(target);
      if (to === from) continue;
      const where = relative(process.cwd(), file);
      if (from === '' || to === '') {
        if (to === '') problems.push(`${where}: imports ${spec} from the src/ root`);
        continue; // main.ts may import anything
      }
      if (!target.endsWith(`${sep}index.js`)) problems.push(`${where}: ${spec} is not an index.ts surface`);
      if (to === 'node' && from !== 'cli') problems.push(`${where}: only main.ts and cli/ import node/`);
      else if (layers.indexOf(to) >= layers.indexOf(from)) {
        problems.push(`${where}: ${from}/ may not import ${to}/ (it is not above it)`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

const impure = [
  /from\s+'node:(fs|fs\/promises|net|timers|child_process|http|os|crypto)'/,
  /\bprocess\./,
  /\bDate\.now\(|\bnew Date\(/,
  /\bMath\.random\(/,
  /\bsetTimeout\(|\bsetInterval\(|\bsetImmediate\(/,
  /\bperformance\.now\(/,
];

test('pure folders do no I/O and read no clock or global randomness', () => {
  const problems: string[] = [];
  for (const file of files(srcRoot)) {
    if (!pure.has(folderOf(file))) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\*|\/\/)/.test(line)) return;
      for (const re of impure) {
        if (re.test(line)) problems.push(`${relative(process.cwd(), file)}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(problems, []);
});

/**
 * DESIGN.md "The I/O boundary" (issue 14): below the process's own wiring (main.ts, cli/, the
 * config file loader) and the production adapters (node/io/), nothing reaches a clock, timer,
 * file, socket, `level`, `node:crypto` or `process` of its own: it is handed the node's Clock,
 * Random, Net, disk and key-value stores, so a simulator can run several real nodes in one
 * process. (Until 2026-12-07 a list of files not yet converted was allowed here; it is empty.)
 * One exception: security/ imports `node:crypto` for its deterministic functions (hashes, HMAC,
 * PBKDF2, ciphers, timingSafeEqual). Its randomness is I/O like any other — a seeded run would
 * stop replaying — so no file in src/ but node/io/, main.ts and cli/ may call it; nonces, salts
 * and keys come from the node's Random.
 */
const processWiring = (rel: string) => rel === 'main.ts' || rel.startsWith(`cli${sep}`) ||
  rel === join('config', 'load.ts') || rel.startsWith(join('node', 'io') + sep);
const cryptoImport = /from\s+'node:crypto'/;

test('no I/O below the process wiring and the node/io adapters (issue 14)', () => {
  const direct: string[] = [];
  for (const file of files(srcRoot)) {
    const rel = relative(srcRoot, file);
    if (pure.has(folderOf(file)) || processWiring(rel)) continue;
    const mayHash = folderOf(file) === 'security';
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\*|\/\/)/.test(line)) return;
      if (mayHash && cryptoImport.test(line)) return;
      if ([...impure, /from\s+'level'/].some((re) => re.test(line))) {
        direct.push(`${rel.split(sep).join('/')}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(direct, [], 'direct I/O: go through the node\'s Clock, Random, Net or disk');
});

/** node:crypto's and Web Crypto's random sources, called or imported (so an alias is caught). */
const cryptoRandomness = new RegExp('\\b(randomBytes|randomUUID|randomInt|randomFill(Sync)?|' +
  'getRandomValues|generateKey\\w*|generatePrime\\w*)\\b');
const mayDrawRandomness = (rel: string) => rel === 'main.ts' || rel.startsWith(`cli${sep}`) ||
  rel.startsWith(join('node', 'io') + sep);

test('crypto randomness only in node/io, main.ts and cli/ (issue 14)', () => {
  const direct: string[] = [];
  for (const file of files(srcRoot)) {
    const rel = relative(srcRoot, file);
    if (mayDrawRandomness(rel)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\*|\/\/)/.test(line)) return;
      if (cryptoRandomness.test(line)) {
        direct.push(`${rel.split(sep).join('/')}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(direct, [], 'randomness: draw it from the node\'s Random (common/random.ts)');
});

test('every top-level folder has a README', () => {
  const present = layers.filter((l) => files(srcRoot).some((f) => folderOf(f) === l));
  const missing = present.filter((l) => {
    try {
      return !statSync(join(srcRoot, l, 'README.md')).isFile();
    } catch {
      return true;
    }
  });
  assert.deepEqual(missing, []);
});
