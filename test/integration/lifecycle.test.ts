/**
 * Process lifecycle of `pado start`, on real processes:
 * - SIGTERM / SIGINT while a kafkajs producer is connected and sending: the process exits 0 within
 *   the 5 s shutdown deadline, and the records acknowledged before the signal are all there after a
 *   restart on the same data directory.
 * - A second signal exits at once with 143 / 130. To make "at once" observable, a long-poll Fetch
 *   holds the first shutdown open (the listener waits for in-flight requests); the second signal is
 *   sent once the listener has stopped accepting (new connections refused), i.e. mid-shutdown.
 * - A broker whose stdout reader went away (EPIPE on its log) still stops on SIGTERM.
 * - Startup errors: the Kafka port already in use, and bad config files, each give one line on
 *   stderr naming the address or field, no stack trace, and exit code 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { KafkaClient } from '../../src/client/index.js';
import { httpPort, mainJs, startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { run, waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const shutdownDeadlineMs = 5_000;

/** Resolves true when a TCP connect to the port is refused (the listener is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

function within<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Sends small batches until stopped or the broker goes away; counts acknowledged records. */
function produceLoop(producer: Producer, topic: string) {
  const state = { acked: 0, stop: false, done: Promise.resolve() };
  state.done = (async () => {
    for (let i = 0; !state.stop && i < 100_000; i++) {
      try {
        const messages = [{ value: `m-${i}` }, { value: `n-${i}` }];
        await producer.send({ topic, acks: -1, messages });
        state.acked += 2;
      } catch {
        return; // the broker is stopping: the loop ends, as a real client would give up
      }
    }
  })();
  return state;
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`${sig} while a producer is sending: exit 0 within 5 s, acked records kept`, async (t) => {
    const dataDir = tempDir();
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    let broker: BrokerProcess = await startBroker({ dataDir });
    t.after(() => broker.stop());
    const kafka = new Kafka({ clientId: 'lifecycle', brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    // Idempotence needs retries; keep them few and short so the loop ends soon after the stop.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
    await producer.connect();
    t.after(() => producer.disconnect().catch(() => undefined));
    const loop = produceLoop(producer, 'lifecycle');
    await waitFor('some records acknowledged', () => (loop.acked >= 200 ? true : undefined));

    const exit = await within(`exit after ${sig}`, broker.signal(sig), shutdownDeadlineMs);
    assert.deepEqual(exit, { code: 0, signal: null }, broker.lines.slice(-5).join('\n'));
    loop.stop = true;
    await loop.done;
    assert.ok(broker.lines.some((l) => /"msg":"node stopped"/.test(l)), 'orderly stop logged');

    // Every acknowledged record survived the orderly stop.
    broker = await startBroker({ dataDir });
    const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
    t.after(() => client.close());
    const offsets = await client.listOffsets('lifecycle', [{ partition: 0, timestamp: -1 }]);
    const end = Number(offsets.topics[0]?.partitions[0]?.offset);
    assert.ok(end >= loop.acked, `log end ${end} < acknowledged ${loop.acked}`);
  });

  test(`a second ${sig} during shutdown exits at once with ${sig === 'SIGINT' ? 130 : 143}`,
    async (t) => {
      const broker = await startBroker();
      t.after(() => broker.stop());
      const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port,
        requestTimeoutMs: 60_000 });
      t.after(() => client.close());
      await client.createTopics([{ name: 'idle', numPartitions: 1, replicationFactor: -1 }]);
      // An empty topic and a long maxWaitMs: this Fetch stays in flight, so the first shutdown
      // waits (up to its deadline) for it.
      const longPoll = client.fetch([{ topic: 'idle', partition: 0, offset: 0 }],
        { maxWaitMs: 25_000, minBytes: 1 }).catch(() => undefined);
      const exited = broker.signal(sig);
      await waitFor('listener closed by the first signal', async () =>
        ((await refused(broker.port)) ? true : undefined), shutdownDeadlineMs, 10);
      assert.equal(broker.proc.exitCode, null, 'still shutting down when the second signal comes');
      broker.proc.kill(sig);
      const exit = await within('exit after the second signal', exited, 2_000);
      assert.deepEqual(exit, { code: sig === 'SIGINT' ? 130 : 143, signal: null });
      await longPoll;
    });
}

test('SIGTERM still stops the broker when its log reader has gone away (`pado start | head`)', async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  // The reader of the broker's stdout goes away, like `head` after its first line.
  broker.proc.stdout!.destroy();
  // Some log lines are written after that (they fail with EPIPE and must be dropped, not retried).
  const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
  await client.createTopics([{ name: 'after-reader-left', numPartitions: 1, replicationFactor: 1 }]);
  await client.close();
  const exit = await within('exit after SIGTERM', broker.signal('SIGTERM'), shutdownDeadlineMs);
  assert.equal(exit.signal, null);
});

test('port already in use: a clear message naming the address, exit code 1', async (t) => {
  const first = await startBroker();
  t.after(() => first.stop());
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const r = await run(process.execPath,
    [mainJs, 'start', '--listen', first.bootstrap, '--data-dir', dataDir], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr,
    new RegExp(`^pado: cannot listen on ${first.bootstrap.replace(/\./g, '\\.')}: the address is ` +
      'already in use.*--listen host:port\\n$'));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(first.proc.exitCode, null, 'the broker holding the port is unaffected');
});

test('start-up errors are one line with the fix: data directory a file, in use by another pado, ' +
  'HTTP port in use; the running broker is unaffected', async (t) => {
  const first = await startBroker();
  t.after(() => first.stop());
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'not a directory');
  const start = (args: string[]) => run(process.execPath, [mainJs, 'start', '--listen', '127.0.0.1:0',
    ...args], { timeoutMs: 20_000 });
  const cases: [string[], RegExp][] = [
    [['--http-listen', '127.0.0.1:0', '--data-dir', aFile],
      new RegExp(`^pado: data directory ${aFile} is a file, not a directory; choose another with --data-dir.*\n$`)],
    [['--http-listen', '127.0.0.1:0', '--data-dir', first.dataDir],
      new RegExp(`^pado: data directory ${first.dataDir} is in use by another pado .*own --data-dir\n$`)],
    [['--http-listen', `127.0.0.1:${httpPort(first)}`, '--data-dir', join(dir, 'data')],
      new RegExp(`^pado: cannot listen on 127\\.0\\.0\\.1:${httpPort(first)} \\(HTTP admin listener\\): the ` +
        'address is already in use.*--http-listen host:port\\n$')],
  ];
  for (const [args, expected] of cases) {
    const r = await start(args);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace on stderr');
    assert.doesNotMatch(r.stdout, /"stack"/, 'no stack trace in the log either');
  }
  // The one holding the data directory and the port still serves.
  const md = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: first.port })
    .then(async (c) => { try { return await c.metadata([]); } finally { await c.close(); } });
  assert.equal(md.brokers.length, 1);
  const health = await fetch(`http://127.0.0.1:${httpPort(first)}/health`);
  assert.equal(health.status, 200);
});

test('bad config files: a friendly message naming the field, exit code 1', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, RegExp][] = [
    ['{"autoCreateTopics": "yes"}', new RegExp('^pado: config autoCreateTopics: "yes" is not ' +
      'true or false; write e\\.g\\. "autoCreateTopics": false\\n$')],
    ['{"autoCreateTopic": true}',
      /^pado: config autoCreateTopic: unknown key; did you mean "autoCreateTopics"\?\n$/],
    ['{"listen": "127.0.0.1:99999"}', /^pado: config listen\.port: 99999 is not a port/],
    ['{\n  "listen": "127.0.0.1:0",\n  oops\n}', /^pado: config file .*: not valid JSON at line 3/],
  ];
  for (const [i, [text, expected]] of cases.entries()) {
    const configPath = join(dir, `bad-${i}.json`);
    writeFileSync(configPath, text);
    const r = await run(process.execPath,
      [mainJs, 'start', '--config', configPath, '--data-dir', join(dir, 'data')],
      { timeoutMs: 20_000 });
    assert.equal(r.code, 1, `${text}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const missing = await run(process.execPath,
    [mainJs, 'start', '--config', join(dir, 'absent.json')], { timeoutMs: 20_000 });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^pado: config file .*absent\.json: cannot be read .*--config/);
});
