/**
 * Proves src/protocol/generated/ is exactly what the schemas generate: runs the compiled generator
 * into a temporary folder and compares every file byte for byte (so `npm test` fails when a schema
 * changed without `npm run gen`, or someone edited generated code). Run from the repo root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('generated code matches a fresh generation', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'pado-gen-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const run = spawnSync(process.execPath, [join('dist', 'scripts', 'gen-protocol.js'), out], {
    encoding: 'utf8', timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const committed = join('src', 'protocol', 'generated');
  const fresh = readdirSync(out).sort();
  assert.deepEqual(readdirSync(committed).sort(), fresh, 'file list differs: run `npm run gen`');
  for (const name of fresh) {
    const same = readFileSync(join(out, name)).equals(readFileSync(join(committed, name)));
    assert.ok(same, `${name} differs from a fresh generation: run \`npm run gen\``);
  }
});
