/**
 * Issue 15, broker-to-broker traffic authenticated: three real `pado start` processes whose
 * inter-broker listener is SSL with mutual TLS (BROKER) and whose clients use SASL_SSL (CLIENT).
 * Node 1 starts alone; nodes 2 and 3 `--join` over the secure listener. Proves: the quorum and
 * replication run over mutual TLS (a topic with three replicas has all three in sync); kcat's
 * acks=all records survive a SIGKILL of the partition leader with none lost or duplicated; `pado
 * doctor` checks every pair over the secure listener with a node certificate; a plain-TCP forged
 * RaftMessage and a client certificate from another CA never reach a node (the handshake fails,
 * the node logs why); a SASL client cannot reach Raft on its listener.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenerPort, mainJs, startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { run, waitFor } from '../support/run.js';
import { exchange, heartbeat, raftFrame } from '../support/forged-frames.js';

const password = 'pw-for-secure-cluster';
let certs: TestCerts;
const nodes = new Map<number, BrokerProcess>();
const port = (id: number, listener: string) => listenerPort(nodes.get(id)!, listener);
const broker = (id: number) => `127.0.0.1:${port(id, 'BROKER')}`;
const client = (id: number) => `127.0.0.1:${port(id, 'CLIENT')}`;

async function startNode(id: number, joinTo?: number): Promise<void> {
  const config = join(tempDir(), 'pado.json');
  writeFileSync(config, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': certs.serverKeystore,
    'ssl.truststore.location': certs.caPem,
    'replica.lag.time.max.ms': 5000,
  }));
  const args = ['--config', config, '--node-id', String(id),
    ...(joinTo === undefined ? [] : ['--join', broker(joinTo)])];
  nodes.set(id, await startBroker({ omitListen: true, args }));
}

/** The CLI as an administrator holding a node certificate, on the inter-broker listener. */
const asNode = () => ['--tls-ca', certs.caPem, '--tls-cert', certs.serverKeystore, '--tls-key',
  certs.serverKeystore];
const asAlice = () => ['--user', 'alice', '--tls-ca', certs.caPem];
const cli = (args: string[], input?: string) => run(process.execPath, [mainJs, ...args],
  { env: { PADO_SASL_PASSWORD: password }, timeoutMs: 90_000,
    ...(input === undefined ? {} : { input }) });
const kcatSasl = () => ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.caPem}`,
  '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=alice',
  '-X', `sasl.password=${password}`];

before(async () => {
  certs = makeTestCerts();
  await startNode(1);
  await startNode(2, 1);
  await startNode(3, 2);
  const created = await cli(['user', 'create', 'alice', '--password-stdin', '--bootstrap',
    broker(1), ...asNode()], `${password}\n`);
  assert.equal(created.code, 0, created.stderr);
});
after(async () => {
  for (const n of nodes.values()) await n.stop();
  certs?.remove();
});

test('three nodes joined over mutual TLS replicate, and acks=all survives a leader kill', async () => {
  await waitFor('three live brokers', async () => {
    const info = await cli(['cluster', 'info', '--bootstrap', client(3), ...asAlice()]);
    return info.code === 0 && (info.stdout.match(/\blive\b/g) ?? []).length === 3 ? true
      : undefined;
  }, 60_000, 500);
  const created = await cli(['topic', 'create', 'secure-r3', '-p', '1', '-r', '3',
    '--bootstrap', client(2), ...asAlice()]);
  assert.equal(created.code, 0, created.stderr);
  const inSync = async () => {
    const d = await cli(['topic', 'describe', 'secure-r3', '--bootstrap', client(2),
      ...asAlice()]);
    return /^0\s+(\d)\s+\d+\s+[\d,]+\s+(\d,\d,\d)\s*$/m.exec(d.stdout);
  };
  await waitFor('three replicas in sync', async () => (await inSync()) ?? undefined, 60_000, 500);
  const leader = Number((await inSync())?.[1]);
  const first = Array.from({ length: 2000 }, (_, i) => `r-${i}`);
  const live = [1, 2, 3].filter((id) => id !== leader);
  const kcat = (id: number, args: string[], input?: string) => run('kcat',
    ['-b', client(id), '-m', '30', ...kcatSasl(), ...args], input === undefined ? {} : { input });
  const p1 = await kcat(live[0]!, ['-P', '-t', 'secure-r3', '-X', 'acks=all'], `${first.join('\n')}\n`);
  assert.equal(p1.code, 0, p1.stderr);
  await nodes.get(leader)!.stop({ keepData: true });
  const second = Array.from({ length: 1000 }, (_, i) => `s-${i}`);
  const p2 = await kcat(live[0]!, ['-P', '-t', 'secure-r3', '-X', 'acks=all'],
    `${second.join('\n')}\n`);
  assert.equal(p2.code, 0, p2.stderr);
  const c = await kcat(live[1]!, ['-C', '-t', 'secure-r3', '-o', 'beginning', '-e', '-q']);
  assert.equal(c.code, 0, c.stderr);
  const read = c.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(read, [...first, ...second], 'every acked record once, in order');
});

test('pado doctor checks every pair over the secure listener with a node certificate', async () => {
  const id = [...nodes.keys()].find((n) => nodes.get(n)!.proc.exitCode === null)!;
  const r = await cli(['doctor', '--bootstrap', broker(id), ...asNode()]);
  assert.match(r.stdout, /directed pairs checked/, r.stderr);
  const refused = await cli(['doctor', '--bootstrap', client(id), ...asAlice()]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /point --bootstrap at the inter-broker listener/);
});

test('a forged frame over plain TCP and a certificate from another CA never reach a node', async () => {
  const id = [...nodes.keys()].find((n) => nodes.get(n)!.proc.exitCode === null)!;
  const target = { host: '127.0.0.1', port: port(id, 'BROKER') };
  assert.equal(await exchange(target, raftFrame(heartbeat(1, id, 1_000_000))), 'closed');
  const rogue = await cli(['cluster', 'info', '--bootstrap', broker(id), '--tls-ca', certs.caPem,
    '--tls-cert', certs.untrusted.cert, '--tls-key', certs.untrusted.key]);
  assert.equal(rogue.code, 1, rogue.stdout);
  await waitFor('both refusals logged', () => nodes.get(id)!.lines.filter((l) =>
    l.includes('"listener":"BROKER"') && l.includes('"reason":"TLS:')).length >= 2 ? true
    : undefined, 10_000);
  assert.ok(nodes.get(id)!.lines.every((l) => !l.includes('"term":1000000')));
});
