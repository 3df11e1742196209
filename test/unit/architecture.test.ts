/**
 * Module boundaries (STYLE.md §1), checked from the import lines of every file in src/:
 * - a folder imports only folders above it in the layer list, and only through their index.ts
 *   (a sub-folder's own index.ts, like protocol/records/index.ts, counts as a surface too);
 * - only main.ts and cli/ import node/;
 * - pure folders use no fs/net/timers, process, Date, Math.random, setTimeout or performance.now.
 * Like tigerbeetle's tidy.zig: the rules live as a test so a violation fails `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const layers = [
  'common', 'config', 'protocol', 'raft', 'metadata', 'controller', 'partitions', 'groups',
  'storage', 'client', 'server', 'node', 'cli',
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
 * Issue 14 (whole-cluster simulation): below the process's own wiring (main.ts, cli/, the config
 * file loader, and node/io/: the production adapters), a node is to reach clock, timers, files,
 * sockets, level and `process` only through the interfaces node/ hands down (DESIGN.md "The I/O boundary"), so a simulator can run several
 * real nodes in one process. These files still do it directly. The list may only shrink: a file
 * converted must leave it, and no other file may start doing I/O of its own.
 */
const ioNotYetBehindAdapters = [
  'client/connection.ts',
  'client/group-member.ts',
  'client/producer.ts',
  'client/topic-reader.ts',
  'node/address-check.ts',
];
const processWiring = (rel: string) => rel === 'main.ts' || rel.startsWith(`cli${sep}`) ||
  rel === join('config', 'load.ts') || rel.startsWith(join('node', 'io') + sep);

test('I/O below the process wiring: only the files not yet behind adapters (issue 14)', () => {
  const direct: string[] = [];
  for (const file of files(srcRoot)) {
    const rel = relative(srcRoot, file);
    if (pure.has(folderOf(file)) || processWiring(rel)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    const io = lines.some((line) => !/^\s*(\*|\/\/)/.test(line) &&
      [...impure, /from\s+'level'/].some((re) => re.test(line)));
    if (io) direct.push(rel.split(sep).join('/'));
  }
  assert.deepEqual(direct.filter((f) => !ioNotYetBehindAdapters.includes(f)), [],
    'new direct I/O: go through the node\'s adapters');
  assert.deepEqual(ioNotYetBehindAdapters.filter((f) => !direct.includes(f)), [],
    'converted: remove from ioNotYetBehindAdapters');
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
