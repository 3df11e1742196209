/**
 * Issue 15 item 6: the files `pado security init` writes (ECDSA P-256, made with node:crypto, no
 * openssl) are all a secure node needs. `node dist/src/main.js security init` writes them into a
 * temp dir; a real `pado start` serves an SSL inter-broker listener (BROKER, mutual TLS) and a
 * SASL_SSL client listener (CLIENT) with node1.pem and ca.pem, configured as init prints it.
 * Proves:
 * - Node's TLS serves and checks the ECDSA certificates: `pado user create` reaches the BROKER
 *   listener with node1.pem as its client certificate, verifying the server against 127.0.0.1
 *   (named by --loopback);
 * - librdkafka (kcat 2.0.2) trusts ca.pem on SASL_SSL with SCRAM-SHA-512 (hostname checked, its
 *   default): it lists the broker and round-trips a message;
 * - librdkafka loads a key + chain PEM (client-admin.pem) for mutual TLS, and the BROKER listener
 *   accepts it as a node, as init's warning says;
 * - kafkajs (Node's TLS) trusts ca.pem with SCRAM-SHA-512.
 * Every process and temp dir is removed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { listenerPort, mainJs, startBroker, tempDir, type BrokerProcess }
  from '../support/broker.js';
import { run } from '../support/run.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
const password = 'pw-for-security-init';

let dir: string;
let certs: string;
let broker: BrokerProcess | undefined;
const brokerAddress = () => `127.0.0.1:${listenerPort(broker!, 'BROKER')}`;
const clientAddress = () => `127.0.0.1:${listenerPort(broker!, 'CLIENT')}`;
const cli = (args: string[], input?: string) => run(process.execPath, [mainJs, ...args],
  { env: { PADO_SASL_PASSWORD: password }, timeoutMs: 60_000,
    ...(input === undefined ? {} : { input }) });
const kcat = (args: string[], input?: string, timeoutS = 30) => run('kcat',
  ['-m', String(timeoutS), ...args], input === undefined ? {} : { input });
const kcatSasl = () => ['-b', clientAddress(), '-X', 'security.protocol=SASL_SSL',
  '-X', `ssl.ca.location=${join(certs, 'ca.pem')}`, '-X', 'sasl.mechanisms=SCRAM-SHA-512',
  '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`];

before(async () => {
  dir = tempDir('pado-security-init-');
  certs = join(dir, 'certs');
  const init = await cli(['security', 'init', '--dir', certs, '--node',
    '1=node1.home.arpa,192.0.2.10', '--loopback', '--client', 'admin']);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /"ssl\.keystore\.location": ".*node1\.pem"/);
  assert.match(init.stderr, /client-admin\.pem is signed by the cluster's CA: the inter-broker /);
  const config = join(dir, 'pado.json');
  writeFileSync(config, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': join(certs, 'node1.pem'),
    'ssl.truststore.location': join(certs, 'ca.pem'),
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
  }));
  broker = await startBroker({ omitListen: true,
    args: ['--config', config, '--node-id', '1'] });
  const node = join(certs, 'node1.pem');
  const created = await cli(['user', 'create', 'alice', '--password-stdin', '--bootstrap',
    brokerAddress(), '--tls-ca', join(certs, 'ca.pem'), '--tls-cert', node, '--tls-key', node],
  `${password}\n`);
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await broker?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('kcat over SASL_SSL trusts ca.pem: it lists the broker and round-trips a message',
  async () => {
    const listed = await kcat([...kcatSasl(), '-L']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`broker 1 at ${clientAddress()}`));
    const created = await cli(['topic', 'create', 'init-secure', '-p', '1', '-r', '1',
      '--bootstrap', clientAddress(), '--user', 'alice', '--tls-ca', join(certs, 'ca.pem')]);
    assert.equal(created.code, 0, created.stderr);
    const produced = await kcat([...kcatSasl(), '-P', '-t', 'init-secure'], 'hello from init\n');
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await kcat([...kcatSasl(), '-C', '-t', 'init-secure', '-o', 'beginning',
      '-e', '-q']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.equal(consumed.stdout, 'hello from init\n');
  });

test('kcat loads client-admin.pem for mutual TLS, and the inter-broker listener accepts it',
  async () => {
    const admin = join(certs, 'client-admin.pem');
    const listed = await kcat(['-b', brokerAddress(), '-X', 'security.protocol=SSL',
      '-X', `ssl.ca.location=${join(certs, 'ca.pem')}`, '-X', `ssl.key.location=${admin}`,
      '-X', `ssl.certificate.location=${admin}`, '-L']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /broker 1 at /);
    const bare = await kcat(['-b', brokerAddress(), '-X', 'security.protocol=SSL',
      '-X', `ssl.ca.location=${join(certs, 'ca.pem')}`, '-L'], undefined, 5);
    assert.notEqual(bare.code, 0, 'no certificate, no entry');
  });

test('kafkajs over SASL_SSL with scram-sha-512 trusts ca.pem', async () => {
  const kafka = new Kafka({ clientId: 'init-kafkajs', brokers: [clientAddress()],
    logLevel: logLevel.NOTHING, retry: { retries: 2 },
    ssl: { ca: [readFileSync(join(certs, 'ca.pem'), 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: 'alice', password } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'init-kafkajs', numPartitions: 1 }] });
    assert.ok((await admin.listTopics()).includes('init-kafkajs'));
  } finally {
    await admin.disconnect();
  }
});
