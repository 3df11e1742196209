/**
 * kafka-python 2.x (Debian's python3-kafka) against a real `pado start` process, unchanged: the
 * admin client creates, lists, describes and deletes a topic; a producer with acks=all sends keyed
 * messages; a group-less consumer reads every one back in per-key order. The Python side is
 * test/fixtures/python/kafka_python_client.py and reports what it saw as JSON.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startBroker, type BrokerProcess } from '../support/broker.js';
import { run } from '../support/run.js';

// Debian's python3-kafka installs for the system interpreter, not for a pyenv one on the PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const script = resolve('test/fixtures/python/kafka_python_client.py');

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.stop();
});

test('kafka-python produces, consumes and administers topics', async () => {
  const r = await run(python, [script, broker.bootstrap, 'python-topic', '2000'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const seen = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  assert.deepEqual(seen, {
    listed: true, configs: true, acked: 2000, consumed: 2000, inOrder: true, endOffsets: 2000,
  });
});
