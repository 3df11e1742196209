/**
 * `pado security rotate-key` on real files: it makes a key file (0600) with master key 1, each
 * run adds the next id and keeps the older keys, a file holding one bare key gains ids, and a
 * damaged file is refused untouched. The node's loader reads the result, and refuses to encrypt
 * at rest without an SSL inter-broker listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPadoError, PadoErrorCode, Prng, seededRandom } from '../../../src/common/index.js';
import { parseConfigFile, resolveNodeConfig } from '../../../src/config/index.js';
import { rotateKeyFile } from '../../../src/cli/security/rotate-key.js';
import { loadAtRest } from '../../../src/node/at-rest-keys.js';
import { systemDisk } from '../../../src/node/io/index.js';
import { parseMasterKeys } from '../../../src/security/index.js';

const key = (b: number) => Buffer.alloc(32, b).fill(0x11, 0, 1);

test('rotate-key makes the key file, then adds keys and keeps the old ones', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pado-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'master.key');
  assert.deepEqual(rotateKeyFile(file, key(1)), { file, id: 1, created: true });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal(rotateKeyFile(file, key(2)).id, 2);
  const ring = parseMasterKeys(await readFile(file), file);
  assert.deepEqual(ring.ids, [1, 2]);
  assert.equal(ring.current.id, 2);
  assert.deepEqual(ring.get(1)?.key, key(1));
  assert.deepEqual(ring.current.key, key(2));
  assert.throws(() => rotateKeyFile(file, key(2)), /same key/, 'a repeated key is refused');
  assert.deepEqual(parseMasterKeys(await readFile(file), file).ids, [1, 2], 'file unchanged');
});

test('a bare key gains id 1 when a second key is added; a damaged file is refused untouched', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pado-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'master.key');
  await writeFile(file, `${key(3).toString('hex')}\n`, { mode: 0o600 });
  assert.equal(rotateKeyFile(file, key(4)).id, 2);
  assert.deepEqual(parseMasterKeys(await readFile(file), file).get(1)?.key, key(3));
  await writeFile(file, '1:abc\n');
  assert.throws(() => rotateKeyFile(file, key(5)),
    (e: unknown) => isPadoError(e, PadoErrorCode.configInvalid) && /hex digits/.test(e.message));
  assert.equal(await readFile(file, 'utf8'), '1:abc\n');
});

test('the node loads the key file, and refuses encryption at rest without an SSL inter-broker listener', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pado-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'master.key');
  rotateKeyFile(file, key(6));
  const random = seededRandom(new Prng(1));
  const plain = resolveNodeConfig([parseConfigFile(JSON.stringify(
    { 'encryption.master.key.file': file }), 'pado.json')]);
  await assert.rejects(loadAtRest(plain, systemDisk, {}, random),
    (e: unknown) => isPadoError(e, PadoErrorCode.configInvalid) && /SSL inter-broker/.test(e.message));
  const none = resolveNodeConfig([]);
  assert.equal(await loadAtRest(none, systemDisk, {}, random), undefined, 'off by default');
  await assert.rejects(loadAtRest(none, systemDisk, { PADO_MASTER_KEY_FILE: join(dir, 'missing') }, random),
    (e: unknown) => isPadoError(e, PadoErrorCode.configInvalid) && /no such file/.test(e.message));
  const ssl = resolveNodeConfig([parseConfigFile(JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0', 'listener.security.protocol.map': 'BROKER:SSL',
    'ssl.keystore.location': join(dir, 'node.pem'), 'ssl.truststore.location': join(dir, 'ca.pem'),
  }), 'pado.json')]);
  const fromEnv = await loadAtRest(ssl, systemDisk, { PADO_MASTER_KEY: key(7).toString('hex') }, random);
  assert.deepEqual(fromEnv?.ring.current.key, key(7));
  const fromFile = await loadAtRest(ssl, systemDisk, { PADO_MASTER_KEY_FILE: file }, random);
  assert.deepEqual(fromFile?.ring.current.key, key(6));
});
