/**
 * Issue 15, listeners and SASL over TLS, with real clients against a real `pado start` process
 * that has three listeners: BROKER (PLAINTEXT, inter-broker, where `pado user create` runs),
 * CLIENT (SASL_SSL) and MTLS (SSL, ssl.client.auth=requested, certificates from a test CA).
 * - kcat (SCRAM-SHA-512), kafkajs (ssl + scram-sha-256, idempotent, one partition per send, a
 *   group), python3-confluent-kafka (SCRAM-SHA-512) and kafka-python (PLAIN, SaslHandshake v0 raw
 *   tokens) each create a topic, produce, join a group, consume everything back in order and
 *   commit offsets, over TLS + SASL.
 * - A wrong password, an unknown user, a client without credentials, an untrusted and an expired
 *   client certificate are each refused, and each refusal is in the broker's log with its reason.
 * - A client of the MTLS listener with a trusted certificate is its certificate's subject; it is
 *   not offered, and cannot send, the broker-only APIs (Raft, registration, replication).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createRequire } from 'node:module';
import { startBroker, listenerPort, mainJs, tempDir, type BrokerProcess } from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { run } from '../support/run.js';
import {
  ApiKey, decodeResponseFrame, encodeRequestFrame, type ApiVersionsResponse,
} from '../../src/protocol/index.js';
import { heartbeat } from '../support/forged-frames.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const pyClients = resolve('test/fixtures/python/secure_clients.py');
const password = 'correct horse battery staple';

let certs: TestCerts;
let broker: BrokerProcess;
let client: string;
let mtls: string;

before(async () => {
  certs = makeTestCerts();
  const dir = tempDir();
  const config = join(dir, 'pado.json');
  writeFileSync(config, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0,MTLS://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:PLAINTEXT,CLIENT:SASL_SSL,MTLS:SSL',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': certs.serverKeystore,
    'ssl.truststore.location': certs.caPem,
    'ssl.client.auth': 'requested',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
  }));
  broker = await startBroker({ omitListen: true, args: ['--config', config] });
  client = `127.0.0.1:${listenerPort(broker, 'CLIENT')}`;
  mtls = `127.0.0.1:${listenerPort(broker, 'MTLS')}`;
  const created = await run(process.execPath, [mainJs, 'user', 'create', 'alice',
    '--password-stdin', '--bootstrap', broker.bootstrap], { input: `${password}\n` });
  assert.equal(created.code, 0, created.stderr);
});
after(async () => {
  await broker?.stop();
  certs?.remove();
});

const sasl = (mechanism: string, user = 'alice', pw = password) => [
  '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.caPem}`,
  '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${pw}`,
];

function kcat(bootstrap: string, args: string[], input?: string) {
  return run('kcat', ['-b', bootstrap, '-m', '15', ...args], input === undefined ? {} : { input });
}

/** The broker's log lines about refused logins or TLS handshakes, waited for (pino buffers). */
async function refusals(pattern: RegExp): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = broker.lines.filter((l) => l.includes('authentication refused') &&
      pattern.test(l));
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('kcat (librdkafka) over SASL_SSL with SCRAM-SHA-512: produce, consume in a group', async () => {
  const lines = Array.from({ length: 1000 }, (_, i) => `secure-${i}`);
  const p = await kcat(client, ['-P', '-t', 'kcat-secure', ...sasl('SCRAM-SHA-512')],
    `${lines.join('\n')}\n`);
  assert.equal(p.code, 0, p.stderr);
  const c = await kcat(client, ['-C', '-t', 'kcat-secure', '-o', 'beginning', '-e', '-q',
    ...sasl('SCRAM-SHA-512')]);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(c.stdout.split('\n').filter((l) => l !== ''), lines);
  const g = await kcat(client, ['-G', 'kcat-group', 'kcat-secure', '-o', 'beginning', '-e', '-q',
    ...sasl('SCRAM-SHA-256')]);
  assert.equal(g.code, 0, g.stderr);
  assert.deepEqual(g.stdout.split('\n').filter((l) => l !== '').sort(), [...lines].sort());
});

test('kafkajs over TLS with scram-sha-256: admin, idempotent sends, a group, committed offsets', async () => {
  const kafka = new Kafka({ clientId: 'secure-kafkajs', brokers: [client], logLevel: logLevel.NOTHING,
    ssl: { ca: [require('node:fs').readFileSync(certs.caPem, 'utf8') as string] },
    sasl: { mechanism: 'scram-sha-256', username: 'alice', password } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kjs-secure', numPartitions: 3 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < 300; i++) {
    await producer.send({ topic: 'kjs-secure', acks: -1,
      messages: [{ partition: i % 3, key: `k${i % 3}`, value: String(i) }] });
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'kjs-group' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kjs-secure', fromBeginning: true });
  const seen: number[] = [];
  await new Promise<void>((done) => {
    void consumer.run({ eachMessage: async ({ message }) => {
      seen.push(Number(message.value?.toString()));
      if (seen.length === 300) done();
    } });
  });
  await consumer.disconnect();
  const offsets = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-secure'] });
  await admin.disconnect();
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i));
  for (const p of [0, 1, 2]) {
    const mine = seen.filter((v) => v % 3 === p);
    assert.deepEqual(mine, [...mine].sort((a, b) => a - b), `partition ${p} in order`);
  }
  const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  assert.equal(committed, 300);
});

for (const [name, mechanism] of [['confluent', 'SCRAM-SHA-512'], ['kafka-python', 'PLAIN']]) {
  test(`${name} (Python) over SASL_SSL with ${mechanism}: admin, produce, group, commit`, async () => {
    const cfg = { bootstrap: client, topic: `py-${name}`, count: 500, group: `py-${name}-group`,
      user: 'alice', password, mechanism, ca: certs.caPem };
    const r = await run(python, [pyClients, name as string, JSON.stringify(cfg)],
      { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const outcome = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    assert.deepEqual(outcome, { created: true, acked: 500, consumed: 500, inOrder: true,
      committed: 500 });
  });
}

test('a wrong password, an unknown user and a client without credentials are refused and logged', async () => {
  const wrong = await kcat(client, ['-L', ...sasl('SCRAM-SHA-512', 'alice', 'nope')]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Authentication failed: invalid credentials/);
  assert.ok((await refusals(/"reason":"bad-proof","principal":"User:alice"/)).length > 0);
  const kafka = new Kafka({ brokers: [client], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    ssl: { ca: [require('node:fs').readFileSync(certs.caPem, 'utf8') as string] },
    sasl: { mechanism: 'plain', username: 'mallory', password } });
  const admin = kafka.admin();
  await assert.rejects(admin.connect(), /SASL PLAIN authentication failed: Authentication failed/);
  assert.ok((await refusals(/"reason":"unknown-user","principal":"User:mallory"/)).length > 0);
  const bare = await kcat(client, ['-L', '-X', 'security.protocol=SSL', '-X',
    `ssl.ca.location=${certs.caPem}`]);
  assert.notEqual(bare.code, 0);
  assert.ok((await refusals(/before SASL authentication/)).length > 0);
});

const certArgs = (pair: { cert: string; key: string }) => ['-X', 'security.protocol=SSL',
  '-X', `ssl.ca.location=${certs.caPem}`, '-X', `ssl.certificate.location=${pair.cert}`,
  '-X', `ssl.key.location=${pair.key}`];

test('client certificates: a trusted one is served, an untrusted or expired one is refused and logged', async () => {
  const good = await kcat(mtls, ['-L', ...certArgs(certs.client)]);
  assert.equal(good.code, 0, good.stderr);
  const cases: [{ cert: string; key: string }, RegExp][] =
    [[certs.untrusted, /TLS: .*certificate/], [certs.expired, /TLS: .*/]];
  for (const [pair, why] of cases) {
    const before = broker.lines.filter((l) => l.includes('TLS:')).length;
    const refused = await kcat(mtls, ['-L', ...certArgs(pair)]);
    assert.notEqual(refused.code, 0, refused.stdout);
    const lines = await refusals(why);
    assert.ok(lines.length > before, `no refusal logged for ${pair.cert}`);
  }
});

function tls(address: string, pair: { cert: string; key: string }): Promise<TLSSocket> {
  const [host, port] = address.split(':') as [string, string];
  const fs = require('node:fs') as typeof import('node:fs');
  return new Promise((res, rej) => {
    const s = tlsConnect({ host, port: Number(port), ca: fs.readFileSync(certs.caPem),
      cert: fs.readFileSync(pair.cert), key: fs.readFileSync(pair.key) }, () => res(s));
    s.once('error', rej);
  });
}

/** Writes one frame; the first response frame, or 'closed'. */
function exchange(s: TLSSocket, frame: Buffer): Promise<Buffer | 'closed'> {
  return new Promise((res) => {
    let pending = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      if (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        s.off('data', onData);
        res(pending.subarray(4, 4 + pending.readInt32BE(0)));
      }
    };
    s.on('data', onData);
    s.once('close', () => res('closed'));
    s.write(frame);
  });
}

test('a client listener neither offers nor serves the broker-only APIs', async () => {
  const s = await tls(mtls, certs.client);
  try {
    const answer = await exchange(s, Buffer.concat(encodeRequestFrame(ApiKey.apiVersions, 3, 1,
      'probe', { clientSoftwareName: 'probe', clientSoftwareVersion: '1' })));
    assert.notEqual(answer, 'closed');
    const versions = decodeResponseFrame(ApiKey.apiVersions, 3, answer as Buffer)
      .body as ApiVersionsResponse;
    const keys = new Set(versions.apiKeys.map((k) => k.apiKey));
    assert.ok(keys.has(ApiKey.produce) && keys.has(ApiKey.saslHandshake));
    for (const peer of [ApiKey.raftMessage, ApiKey.brokerRegistration, ApiKey.brokerHeartbeat,
      ApiKey.alterPartition, ApiKey.allocateProducerIds]) {
      assert.equal(keys.has(peer), false, `api key ${peer} offered`);
    }
    const raft = Buffer.concat(encodeRequestFrame(ApiKey.raftMessage, 0, 2, 'forger',
      heartbeat(1, 1, 99)));
    assert.equal(await exchange(s, raft), 'closed');
  } finally {
    s.destroy();
  }
  assert.ok(broker.lines.every((l) => !l.includes('"term":99')), 'the forged term reached Raft');
});

test('the pado CLI works over SASL_SSL from flags, environment or a client config file', async () => {
  const env = { PADO_SASL_PASSWORD: password };
  const created = await run(process.execPath, [mainJs, 'user', 'create', 'bob', '--password-stdin',
    '--bootstrap', client, '--user', 'alice', '--tls-ca', certs.caPem], { input: 'bobs-pw\n', env });
  assert.equal(created.code, 0, created.stderr);
  const bob = await kcat(client, ['-L', ...sasl('SCRAM-SHA-256', 'bob', 'bobs-pw')]);
  assert.equal(bob.code, 0, bob.stderr);
  const properties = join(certs.dir, 'client.properties');
  writeFileSync(properties, ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512',
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required ' +
      `username="alice" password="${password}";`, `ssl.truststore.location=${certs.caPem}`,
  ].join('\n'));
  const listed = await run(process.execPath, [mainJs, 'user', 'list', '--bootstrap', client,
    '--client-config', properties]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /alice\s+SCRAM-SHA-256 \(4096\), SCRAM-SHA-512 \(4096\)/);
  assert.match(listed.stdout, /bob/);
  const refused = await run(process.execPath, [mainJs, 'topic', 'list', '--bootstrap', client,
    '--user', 'alice', '--tls-ca', certs.caPem], { env: { PADO_SASL_PASSWORD: 'wrong' } });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /SASL login to .* failed: Authentication failed/);
});
