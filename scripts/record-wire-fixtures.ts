/**
 * Records golden request frames from real clients (STYLE.md §4): starts a broker that advertises a
 * recording proxy, drives kafkajs, kcat and kafka-python through the proxy, and writes the first
 * request of each (API, version) a client sent to test/fixtures/wire/<client>/<api>-v<N>.bin
 * (the frame without its size prefix). test/unit/protocol/golden.test.ts decodes each one and
 * checks that re-encoding gives the same bytes. Run: `npx tsc -p . && node dist/scripts/record-wire-fixtures.js`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { apiTable } from '../src/protocol/index.js';

const outRoot = resolve('test/fixtures/wire');

function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** A proxy on `listenPort` forwarding to `upstreamPort`, saving first-seen request frames. */
function recordingProxy(listenPort: number, upstreamPort: number, client: () => string): Server {
  const seen = new Set<string>();
  return createServer((c) => {
    const u = connect(upstreamPort, '127.0.0.1');
    let pending = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      u.write(d);
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const api = apiTable.get(frame.readInt16BE(0));
        if (api === undefined) continue;
        const file = `${kebab(api.name)}-v${frame.readInt16BE(2)}.bin`;
        const key = `${client()}/${file}`;
        if (seen.has(key)) continue;
        seen.add(key);
        mkdirSync(join(outRoot, client()), { recursive: true });
        writeFileSync(join(outRoot, client(), file), frame);
      }
    });
    u.on('data', (d) => c.write(d));
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
    c.on('error', () => undefined);
    u.on('error', () => undefined);
  }).listen(listenPort, '127.0.0.1');
}

/** Runs a client to completion without blocking the proxy (which lives on this event loop). */
function runClient(cmd: string, args: string[], input = ''): Promise<void> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      res();
    });
    child.stdin.end(input);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pado-wire-'));
  const proxyPort = 29093;
  const configPath = join(dir, 'pado.json');
  writeFileSync(configPath, JSON.stringify({ advertised: `127.0.0.1:${proxyPort}` }));
  const broker = spawn(process.execPath, [
    resolve('dist/src/main.js'), 'start', '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0',
    '--data-dir', join(dir, 'data'),
    '--config', configPath,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res) => {
    let listening: number | null = null;
    createInterface({ input: broker.stdout! }).on('line', (l) => {
      const m = /"msg":"kafka listener ready"/.test(l) ? /"port":(\d+)/.exec(l) : null;
      if (m) listening = Number(m[1]);
      if (listening !== null && /"msg":"node started"/.test(l)) res(listening);
    });
  });
  let current = 'kafkajs';
  const proxy = recordingProxy(proxyPort, port, () => current);
  const bootstrap = `127.0.0.1:${proxyPort}`;
  try {
    const kafka = new Kafka({ clientId: 'wire', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'wire', numPartitions: 2 }] });
    await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'wire' }] });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'wire', compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'wire-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'wire', fromBeginning: true });
    let got = 0;
    await consumer.run({ eachMessage: async () => void got++ });
    while (got < 1) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    await admin.fetchOffsets({ groupId: 'wire-group', topics: ['wire'] });
    await admin.deleteTopics({ topics: ['wire'] });
    await admin.disconnect();

    current = 'librdkafka';
    await runClient('kcat', ['-b', bootstrap, '-P', '-t', 'wire-kcat'], 'a\nb\n');
    await runClient('kcat', ['-b', bootstrap, '-C', '-t', 'wire-kcat', '-o', 'beginning', '-e', '-q']);
    await runClient('kcat', ['-b', bootstrap, '-C', '-G', 'wire-kcat-group', 'wire-kcat', '-e', '-q']);
    await runClient('kcat', ['-b', bootstrap, '-L']);

    current = 'kafka-python';
    await runClient('/usr/bin/python3', [resolve('test/fixtures/python/kafka_python_client.py'), bootstrap, 'wire-py', '10']);
  } finally {
    proxy.close();
    broker.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
