/**
 * Issue 15, encryption at rest, with real clients against a real `pado start` process whose
 * inter-broker listener is SSL (BROKER) and whose clients use PLAINTEXT (CLIENT), with a master
 * key file made by `pado security rotate-key`. Proves: kcat (librdkafka, idempotent, keyed records
 * over three partitions) and kafkajs (idempotent, one partition per send, a consumer group that
 * commits) produce and read back every record exactly once, in order, also after a SIGKILL and a
 * restart; afterwards no file under the data directory — segments, indexes, snapshots, the Raft
 * log's and the group snapshots' LevelDB files, `__consumer_offsets` — holds any record's value
 * or key, the consumer's client id (group member records) or a topic's name (Raft records). A rotation adds master key 2; the restarted node re-wraps its keys under it and reads
 * everything. A node given no key, another key, or a PLAINTEXT inter-broker listener refuses to
 * start, naming what to fix.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  listenerPort, mainJs, startBroker, tempDir, type BrokerProcess,
} from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { run } from '../support/run.js';
import { filesContaining } from '../support/scan.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');

const marker = 'pado-at-rest-secret';
let certs: TestCerts;
let dataDir: string;
let keyFile: string;
let node: BrokerProcess | undefined;
const client = () => `127.0.0.1:${listenerPort(node!, 'CLIENT')}`;

function configFile(overrides: Record<string, unknown> = {}): string {
  const file = join(tempDir('pado-enc-cfg-'), 'pado.json');
  writeFileSync(file, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:PLAINTEXT',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': certs.serverKeystore,
    'ssl.truststore.location': certs.caPem,
    'encryption.master.key.file': keyFile,
    'offsets.topic.num.partitions': 3,
    ...overrides,
  }));
  return file;
}

async function start(config = configFile()): Promise<BrokerProcess> {
  return startBroker({ omitListen: true, dataDir, args: ['--config', config, '--node-id', '1'] });
}

/** A `pado start` that must fail: its exit code and what it printed. */
async function startFails(config: string, env: Record<string, string> = {}) {
  return run(process.execPath, [mainJs, 'start', '--data-dir', dataDir, '--node-id', '1',
    '--config', config], { env, timeoutMs: 60_000 });
}

const kcat = (args: string[], input?: string) =>
  run('kcat', ['-b', client(), '-m', '15', ...args], input === undefined ? {} : { input });


const kcatCount = 3000;
const kjsCount = 600;

before(async () => {
  certs = makeTestCerts();
  dataDir = tempDir('pado-enc-data-');
  keyFile = join(tempDir('pado-enc-key-'), 'master.key');
  const made = await run(process.execPath, [mainJs, 'security', 'rotate-key', '--key-file', keyFile]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /master key 1/);
  node = await start();
});
after(async () => {
  await node?.stop({ keepData: true });
  certs?.remove();
});

test('kcat and kafkajs write and read back every record; a SIGKILL and restart lose nothing', async () => {
  const created = await run(process.execPath, [mainJs, 'topic', 'create', 'enc', '-p', '3',
    '--bootstrap', client()]);
  assert.equal(created.code, 0, created.stderr);
  // Its name is in the Raft log's values (and, by design, in a directory name, not in a file).
  const named = await run(process.execPath, [mainJs, 'topic', 'create', `${marker}-topic`,
    '--bootstrap', client()]);
  assert.equal(named.code, 0, named.stderr);
  const lines = Array.from({ length: kcatCount }, (_, i) => `k${i}:${marker}-rd-${i}`);
  const produced = await kcat(['-P', '-t', 'enc', '-K:', '-X', 'enable.idempotence=true',
    '-X', 'acks=all', '-X', 'linger.ms=5'], `${lines.join('\n')}\n`);
  assert.equal(produced.code, 0, produced.stderr);

  // The client id travels into the group's member records (group snapshots, __consumer_offsets).
  const kafka = new Kafka({ clientId: `${marker}-client`, brokers: [client()],
    logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < kjsCount; i++) {
    await producer.send({ topic: 'enc', acks: -1,
      messages: [{ partition: i % 3, key: `j${i}`, value: `${marker}-js-${i}` }] });
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'enc-readers' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'enc', fromBeginning: true });
  let seen = 0;
  await new Promise<void>((done) => {
    void consumer.run({ eachMessage: async () => {
      if (++seen === kcatCount + kjsCount) done();
    } });
  });
  await consumer.disconnect();

  await node!.signal('SIGKILL');
  node = await start();
  const read = await kcat(['-C', '-t', 'enc', '-o', 'beginning', '-e', '-q', '-f', '%p %k %s\n']);
  assert.equal(read.code, 0, read.stderr);
  const records = read.stdout.split('\n').filter((l) => l !== '');
  const values = records.map((l) => l.split(' ')[2] ?? '');
  const expected = [...lines.map((l) => l.slice(l.indexOf(':') + 1)),
    ...Array.from({ length: kjsCount }, (_, i) => `${marker}-js-${i}`)];
  assert.equal(new Set(values).size, values.length, 'no duplicates');
  assert.deepEqual([...values].sort(), [...expected].sort(), 'nothing lost');
  for (const p of ['0', '1', '2']) {
    const js = records.filter((l) => l.startsWith(`${p} j`))
      .map((l) => Number(l.split('-js-')[1]));
    assert.deepEqual(js, [...js].sort((a, b) => a - b), `kafkajs's records in order in ${p}`);
  }
  const kafka2 = new Kafka({ clientId: 'enc2', brokers: [client()], logLevel: logLevel.NOTHING });
  const admin = kafka2.admin();
  await admin.connect();
  const offsets = await admin.fetchOffsets({ groupId: 'enc-readers', topics: ['enc'] });
  await admin.disconnect();
  const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  assert.equal(committed, kcatCount + kjsCount, 'committed offsets survived the restart');

  await node!.stop({ keepData: true });
  node = undefined;
  assert.deepEqual(filesContaining(dataDir, marker), [], 'no record value, client id or topic ' +
    'name in any file');
  assert.deepEqual(filesContaining(dataDir, 'k1234'), [], 'no record key on disk');
  assert.ok(readdirSync(join(dataDir, 'enc-0')).includes('encryption.keys'));
  node = await start();
});

test('a node refuses to start without its key, with another key, or without TLS between nodes', async () => {
  await node!.stop({ keepData: true });
  node = undefined;
  const noKey = await startFails(configFile({ 'encryption.master.key.file': undefined }));
  assert.notEqual(noKey.code, 0);
  assert.match(noKey.stdout + noKey.stderr, /encrypted at rest: give its master key/);
  const otherKeyFile = join(tempDir('pado-enc-key-'), 'other.key');
  await run(process.execPath, [mainJs, 'security', 'rotate-key', '--key-file', otherKeyFile]);
  const otherKey = await startFails(configFile({ 'encryption.master.key.file': otherKeyFile }));
  assert.notEqual(otherKey.code, 0);
  assert.match(otherKey.stdout + otherKey.stderr, /master key 1/);
  const plain = await startFails(configFile({
    'listener.security.protocol.map': 'BROKER:PLAINTEXT,CLIENT:PLAINTEXT' }));
  assert.notEqual(plain.code, 0);
  assert.match(plain.stdout + plain.stderr, /needs an SSL inter-broker listener/);
  node = await start();
});

test('rotate-key adds master key 2: the restarted node re-wraps its data keys and reads everything', async () => {
  const rotated = await run(process.execPath, [mainJs, 'security', 'rotate-key', '--key-file', keyFile]);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /added master key 2/);
  await node!.signal('SIGTERM');
  node = await start();
  // The key file header: CRC (4), magic (4), version (1), master key id (4).
  for (const p of [0, 1, 2]) {
    const file = readFileSync(join(dataDir, `enc-${p}`, 'encryption.keys'));
    assert.equal(file.readUInt32BE(9), 2, `enc-${p}'s data keys are wrapped under key 2`);
  }
  const read = await kcat(['-C', '-t', 'enc', '-o', 'beginning', '-e', '-q']);
  assert.equal(read.stdout.split('\n').filter((l) => l !== '').length, kcatCount + kjsCount);
  const more = await kcat(['-P', '-t', 'enc', '-p', '0'], `${marker}-after-rotation\n`);
  assert.equal(more.code, 0, more.stderr);
  await node!.stop({ keepData: true });
  node = undefined;
  assert.deepEqual(filesContaining(dataDir, marker), []);
  node = await start();
});
