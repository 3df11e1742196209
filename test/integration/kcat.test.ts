/**
 * kcat (librdkafka 2.x) against a real `pado start` process, unchanged: `-L` lists the broker and
 * its topics; `-P` writes 10,000 lines and `-C -e` reads exactly those lines back; lz4 and zstd
 * compressed batches round-trip (stored as sent, decompressed by librdkafka on the way out).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type BrokerProcess } from '../support/broker.js';
import { run } from '../support/run.js';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.stop();
});

function kcat(args: string[], input?: string) {
  return run('kcat', ['-b', broker.bootstrap, '-m', '10', ...args], input === undefined ? {} : { input });
}

test('kcat -L lists the broker and its topics', async () => {
  const produced = await kcat(['-P', '-t', 'listed'], 'hello\n');
  assert.equal(produced.code, 0, produced.stderr);
  const r = await kcat(['-L', '-J']);
  assert.equal(r.code, 0, r.stderr);
  const md = JSON.parse(r.stdout) as { brokers: { id: number; name: string }[]; topics: { topic: string }[] };
  assert.equal(md.brokers.length, 1);
  assert.equal(md.brokers[0]?.name, broker.bootstrap);
  assert.ok(md.topics.some((t) => t.topic === 'listed'), r.stdout);
});

test('kcat -P writes 10,000 lines and -C -e reads exactly those back', async () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => `line-${i}-${'x'.repeat(i % 50)}`);
  const p = await kcat(['-P', '-t', 'lines', '-p', '0'], lines.join('\n') + '\n');
  assert.equal(p.code, 0, p.stderr);
  const c = await kcat(['-C', '-t', 'lines', '-o', 'beginning', '-e', '-q']);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(c.stdout.split('\n').filter((l) => l !== ''), lines);
});

for (const codec of ['lz4', 'zstd', 'snappy', 'gzip']) {
  test(`kcat round-trips ${codec}-compressed batches`, async () => {
    const topic = `compressed-${codec}`;
    const lines = Array.from({ length: 2_000 }, (_, i) => `${codec} message ${i} ${'y'.repeat(i % 100)}`);
    const p = await kcat(['-P', '-t', topic, '-p', '0', '-z', codec], lines.join('\n') + '\n');
    assert.equal(p.code, 0, p.stderr);
    const c = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.stdout.split('\n').filter((l) => l !== ''), lines);
  });
}
