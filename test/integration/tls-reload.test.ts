/**
 * Issue 15: a renewed certificate is served without a restart, and SASL sessions are renewed on
 * their connection (KIP-368). A real `pado start` with a SASL_SSL listener re-reads its TLS files
 * every 300 ms here (PADO_TEST_TLS_RELOAD_MS; 60 s in production) and ends SASL sessions after
 * 3 s (connections.max.reauth.ms). Proves: after the keystore file is replaced by a certificate
 * from another CA, new connections get the new one (kcat trusting only the old CA fails, trusting
 * the new one succeeds) while an open kafkajs connection keeps working; an unusable file is
 * logged and the previous certificate kept; kafkajs (reauthenticationThreshold) and Pado's own
 * client keep producing across several session lifetimes with no session expiring.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { listenerPort, mainJs, startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { run, waitFor } from '../support/run.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
const password = 'reload-pw';
let certs: TestCerts;
let broker: BrokerProcess;
let client: string;
let keystore: string;

before(async () => {
  certs = makeTestCerts();
  const dir = tempDir();
  keystore = join(dir, 'keystore.pem');
  copyFileSync(certs.serverKeystore, keystore);
  const config = join(dir, 'pado.json');
  writeFileSync(config, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:PLAINTEXT,CLIENT:SASL_SSL',
    'inter.broker.listener.name': 'BROKER', 'ssl.keystore.location': keystore,
    'connections.max.reauth.ms': 3000,
  }));
  broker = await startBroker({ omitListen: true, args: ['--config', config],
    env: { PADO_TEST_TLS_RELOAD_MS: '300' } });
  client = `127.0.0.1:${listenerPort(broker, 'CLIENT')}`;
  const created = await run(process.execPath, [mainJs, 'user', 'create', 'alice',
    '--password-stdin', '--bootstrap', broker.bootstrap], { input: `${password}\n` });
  assert.equal(created.code, 0, created.stderr);
});
after(async () => {
  await broker?.stop();
  certs?.remove();
});

const kcatList = (ca: string) => run('kcat', ['-b', client, '-m', '10', '-L', '-X',
  'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${ca}`, '-X', 'sasl.mechanisms=SCRAM-SHA-512',
  '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`]);

function logged(what: string, after = 0): Promise<true> {
  return waitFor(what, () => broker.lines.slice(after).some((l) => l.includes(what)) ? true
    : undefined, 15_000);
}

test('a renewed certificate is served to new connections without a restart', async () => {
  const kafka = new Kafka({ brokers: [client], logLevel: logLevel.NOTHING,
    ssl: { ca: [readFileSync(certs.caPem, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: 'alice', password } });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'reload', messages: [{ value: 'before' }] });
  assert.equal((await kcatList(certs.caPem)).code, 0);
  const mark = broker.lines.length;
  copyFileSync(certs.otherServerKeystore, keystore);
  await logged('TLS certificate reloaded', mark);
  const oldCa = await kcatList(certs.caPem);
  assert.notEqual(oldCa.code, 0, 'the old CA no longer verifies the new certificate');
  assert.equal((await kcatList(certs.rogueCaPem)).code, 0, 'the new certificate is served');
  await producer.send({ topic: 'reload', messages: [{ value: 'after' }] });
  await producer.disconnect();
  const marked = broker.lines.length;
  writeFileSync(keystore, 'not a PEM file\n');
  await logged('TLS files changed but cannot be used', marked);
  assert.equal((await kcatList(certs.rogueCaPem)).code, 0, 'the previous certificate is kept');
  copyFileSync(certs.serverKeystore, keystore);
  await logged('TLS certificate reloaded', marked);
});

test('SASL sessions are renewed on their connection: kafkajs and Pado\'s client never expire', async () => {
  const ca = readFileSync(certs.caPem, 'utf8');
  await waitFor('the first certificate again', async () =>
    (await kcatList(certs.caPem)).code === 0 ? true : undefined, 15_000);
  const kafka = new Kafka({ brokers: [client], logLevel: logLevel.NOTHING, ssl: { ca: [ca] },
    sasl: { mechanism: 'scram-sha-256', username: 'alice', password },
    reauthenticationThreshold: 1000 });
  const producer = kafka.producer();
  await producer.connect();
  const mark = broker.lines.length;
  await producer.send({ topic: 'renew', messages: [{ value: 'first' }] });
  const consume = run(process.execPath, [mainJs, 'consume', 'renew', '--bootstrap', client,
    '--user', 'alice', '--tls-ca', certs.caPem, '--from-beginning', '--count', '17'],
    { env: { PADO_SASL_PASSWORD: password }, timeoutMs: 60_000 });
  for (let i = 0; i < 16; i++) {
    await producer.send({ topic: 'renew', messages: [{ value: `m${i}` }] });
    await new Promise((r) => setTimeout(r, 500));
  }
  await producer.disconnect();
  const consumed = await consume;
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout.trim().split('\n').length, 17, 'Pado\'s client read across sessions');
  const expired = broker.lines.slice(mark).filter((l) => l.includes('session expired'));
  assert.deepEqual(expired, [], 'a session ended without re-authentication');
});
