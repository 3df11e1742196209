/**
 * Issue 15, authorization: a real `pado start` with `authorizer.class.name` set, an SSL
 * inter-broker listener and a SASL_SSL client listener; `super.users` is User:admin. alice may
 * WRITE and READ topic `orders` and READ groups starting with `alice-`; nothing else. For each
 * client — kafkajs, kcat (librdkafka), python3-confluent-kafka and kafka-python — an allowed
 * produce and a consume in an allowed group (committing) work, and a produce to `secret`, a
 * consume of `secret`, a consume in a group alice may not use, an offset commit for `secret` and
 * a topic creation are refused with Kafka's authorization errors; each refusal is logged with
 * principal, operation and resource. A Metadata listing shows alice only `orders`, and bob (no
 * ACLs) nothing; admin does everything.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import { mainJs, type BrokerProcess } from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { startAclBroker } from '../support/secure-broker.js';
import { run, waitFor } from '../support/run.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const probe = resolve('test/fixtures/python/acl_probe.py');
const passwords: Record<string, string> = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw' };

let certs: TestCerts;
let broker: BrokerProcess;
let client: string;

const as = (user: string) => ({ args: ['--user', user, '--tls-ca', certs.caPem],
  env: { PADO_SASL_PASSWORD: passwords[user] as string } });
const pado = (user: string, args: string[], input?: string) => run(process.execPath,
  [mainJs, ...args, '--bootstrap', client, ...as(user).args],
  { env: as(user).env, ...(input === undefined ? {} : { input }) });

before(async () => {
  certs = makeTestCerts();
  ({ broker, client } = await startAclBroker(certs, passwords,
    'org.apache.kafka.metadata.authorizer.StandardAuthorizer'));
  for (const topic of ['orders', 'secret']) {
    const r = await pado('admin', ['topic', 'create', topic, '-p', '1']);
    assert.equal(r.code, 0, r.stderr);
  }
  for (const args of [
    ['--allow-principal', 'User:alice', '--operation', 'write', '--operation', 'read', '--topic',
      'orders'],
    ['--allow-principal', 'User:alice', '--operation', 'read', '--group', 'alice-',
      '--resource-pattern-type', 'prefixed'],
  ]) {
    const r = await pado('admin', ['acl', 'add', ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  const seed = await pado('admin', ['produce', 'secret'], 'top secret\n');
  assert.equal(seed.code, 0, seed.stderr);
});
after(async () => {
  await broker?.stop();
  certs?.remove();
});

async function refusalLogged(pattern: RegExp): Promise<void> {
  await waitFor(`a refusal matching ${pattern}`, () => broker.lines.some((l) =>
    l.includes('"msg":"authorization refused"') && pattern.test(l)) ? true : undefined, 10_000);
}

function kafkajs(user: string) {
  return new Kafka({ clientId: `acl-${user}`, brokers: [client], logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 100 },
    ssl: { ca: [readFileSync(certs.caPem, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: user, password: passwords[user] as string } });
}

test('kafkajs: allowed produce and group consume work; denied produce, group, commit, create are refused', async () => {
  const kafka = kafkajs('alice');
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [{ partition: 0, value: 'o1' }] });
  await assert.rejects(producer.send({ topic: 'secret', messages: [{ partition: 0, value: 'x' }] }),
    /not authorized|Authorization/i);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'alice-app' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const got = await new Promise<string>((done) => {
    void consumer.run({ eachMessage: async ({ message }) => done(String(message.value)) });
  });
  await assert.rejects(consumer.commitOffsets([{ topic: 'secret', partition: 0, offset: '1' }]),
    /authoriz/i, 'an offset commit for a topic alice may not read');
  await consumer.disconnect();
  assert.equal(got, 'o1');
  const denied = kafka.consumer({ groupId: 'other-group', retry: { retries: 0 } });
  await denied.connect();
  await denied.subscribe({ topic: 'orders' });
  // kafkajs reports the refused FindCoordinator as "Failed to find group coordinator" and
  // crashes the consumer; the broker's log says why (below).
  const crashed = new Promise<string>((res) => denied.on(denied.events.CRASH,
    (e) => res(String(e.payload.error))));
  await denied.run({ eachMessage: async () => undefined }).catch(() => undefined);
  const timer = new Promise<string>((res) => setTimeout(() => res('no crash in 60 s'), 60_000));
  assert.match(await Promise.race([crashed, timer]), /coordinator|authoriz/i);
  await denied.disconnect().catch(() => undefined);
  const admin = kafka.admin();
  await admin.connect();
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'alice-new' }] }),
    (e: { errors?: { type?: string }[] }) => e.errors?.[0]?.type === 'TOPIC_AUTHORIZATION_FAILED');
  await assert.rejects(admin.setOffsets({ groupId: 'alice-app', topic: 'secret',
    partitions: [{ partition: 0, offset: '0' }] }), /authoriz/i);
  await admin.disconnect();
  await refusalLogged(/"principal":"User:alice","operation":"(WRITE|DESCRIBE)","resourceType":"TOPIC","resource":"secret"/);
  await refusalLogged(/"principal":"User:alice","operation":"DESCRIBE","resourceType":"GROUP","resource":"other-group"/);
  await refusalLogged(/"principal":"User:alice","operation":"CREATE","resourceType":"TOPIC","resource":"alice-new"/);
});

test('kcat: denied produce, fetch and group are refused; Metadata shows only what a user may see', async () => {
  const sasl = (user: string) => ['-X', 'security.protocol=SASL_SSL', '-X',
    `ssl.ca.location=${certs.caPem}`, '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X',
    `sasl.username=${user}`, '-X', `sasl.password=${passwords[user]}`];
  const kcat = (user: string, args: string[], input?: string) => run('kcat',
    ['-b', client, '-m', '15', ...sasl(user), ...args], input === undefined ? {} : { input });
  const ok = await kcat('alice', ['-P', '-t', 'orders'], 'from-kcat\n');
  assert.equal(ok.code, 0, ok.stderr);
  const produce = await kcat('alice', ['-P', '-t', 'secret'], 'nope\n');
  assert.match(produce.stderr, /Topic authorization failed|not authorized/i);
  const fetch = await kcat('alice', ['-C', '-t', 'secret', '-o', 'beginning', '-e', '-q']);
  assert.doesNotMatch(fetch.stdout, /top secret/);
  assert.match(fetch.stderr, /authoriz/i);
  const group = await kcat('alice', ['-G', 'other-group', 'orders', '-e', '-q']);
  assert.match(group.stderr, /authoriz/i);
  const listed = (user: string) => kcat(user, ['-L', '-J']).then((r) =>
    (JSON.parse(r.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic).sort());
  assert.deepEqual(await listed('alice'), ['orders']);
  assert.deepEqual(await listed('bob'), []);
  assert.ok((await listed('admin')).includes('secret'));
});

for (const name of ['confluent', 'kafka-python']) {
  test(`${name} (Python): allowed work; denied produce, fetch, group, commit and create are refused`, async () => {
    const cfg = { bootstrap: client, user: 'alice', password: passwords['alice'], ca: certs.caPem,
      allowedTopic: 'orders', deniedTopic: 'secret', allowedGroup: `alice-${name}`,
      deniedGroup: `${name}-group`, newTopic: `alice-${name}-new` };
    const r = await run(python, [probe, name, JSON.stringify(cfg)], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>;
    assert.equal(out['produceAllowed'], 'ok', JSON.stringify(out));
    assert.equal(out['consumeAllowed'], 'ok', JSON.stringify(out));
    // kafka-python 2.0.2 treats a Metadata answer whose only topic has an error as a failed
    // refresh (kafka/cluster.py update_metadata), so it never learns TOPIC_AUTHORIZATION_FAILED
    // and times out instead; the broker answered 29 (logged below). librdkafka reports it.
    assert.match(out['produceDenied'] ?? '', name === 'confluent' ? /authoriz/i
      : /authoriz|KafkaTimeoutError/i, JSON.stringify(out));
    assert.notEqual(out['consumeDeniedGroup'], 'ok', JSON.stringify(out));
    assert.notEqual(out['consumeDeniedTopic'], 'ok', JSON.stringify(out));
    assert.match(out['createTopic'] ?? '', /authoriz/i, JSON.stringify(out));
    assert.match(out['commitDeniedTopic'] ?? '', /authoriz/i, JSON.stringify(out));
    await refusalLogged(new RegExp(`"operation":"CREATE","resourceType":"TOPIC","resource":"alice-${name}-new"`));
    await refusalLogged(/"principal":"User:alice","operation":"(WRITE|DESCRIBE)","resourceType":"TOPIC","resource":"secret"/);
  });
}
