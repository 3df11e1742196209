/**
 * The `pado` CLI verbs against a real `pado start` process, each run as its own process the way an
 * operator types them: topic create / list / describe / alter-config / delete (table and JSON
 * output), `produce` from stdin lines with a key separator, and `consume --from-beginning -n N`
 * printing exactly those records. Errors a user meets first get one friendly line and exit code 1:
 * an unknown topic (with the command that creates it) and an unreachable bootstrap address.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mainJs, startBroker, type BrokerProcess } from '../support/broker.js';
import { run } from '../support/run.js';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.stop();
});

function pado(args: readonly string[], input?: string) {
  const all = [mainJs, ...args, '--bootstrap', broker.bootstrap];
  return run(process.execPath, all,
    { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
}

/** `topic list --format json` without internal topics (__consumer_offsets, made by groups). */
function userTopics(json: string): { name: string }[] {
  return (JSON.parse(json) as { name: string }[]).filter((t) => !t.name.startsWith('__'));
}

interface DescribedTopic {
  name: string;
  partitions: {
    partition: number; leader: number; replicas: number[]; isr: number[]; error: number;
  }[];
  configs: { name: string; value: string; default: boolean }[];
}

async function describe(topic: string): Promise<DescribedTopic> {
  const r = await pado(['topic', 'describe', topic, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DescribedTopic;
}

test('topic create, list, describe, alter-config and delete', async () => {
  const created = await pado(['topic', 'create', 'cli-orders', '-p', '3',
    '-c', 'retention.ms=86400000']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created topic 'cli-orders'/);

  const table = await pado(['topic', 'list']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^NAME\s+PARTITIONS\s+REPLICAS$/m);
  assert.match(table.stdout, /^cli-orders\s+3\s+1$/m);
  const listed = await pado(['topic', 'list', '--format', 'json']);
  assert.deepEqual(userTopics(listed.stdout), [{ name: 'cli-orders', partitions: 3, replicas: 1 }]);

  const d = await describe('cli-orders');
  assert.equal(d.name, 'cli-orders');
  assert.deepEqual(d.partitions.map((p) => [p.partition, p.leader, p.isr, p.error]),
    [[0, 1, [1], 0], [1, 1, [1], 0], [2, 1, [1], 0]]);
  const retention = () => d.configs.find((c) => c.name === 'retention.ms');
  assert.deepEqual(retention(), { name: 'retention.ms', value: '86400000', default: false });
  const text = await pado(['topic', 'describe', 'cli-orders']);
  assert.match(text.stdout, /^retention\.ms\s+86400000\s+false$/m);

  const altered = await pado(['topic', 'alter-config', 'cli-orders',
    '--set', 'retention.ms=3600000', '--set', 'retention.bytes=1048576']);
  assert.equal(altered.code, 0, altered.stderr);
  let configs = (await describe('cli-orders')).configs;
  assert.equal(configs.find((c) => c.name === 'retention.ms')?.value, '3600000');
  assert.equal(configs.find((c) => c.name === 'retention.bytes')?.value, '1048576');
  const reset = await pado(['topic', 'alter-config', 'cli-orders', '--delete', 'retention.bytes']);
  assert.equal(reset.code, 0, reset.stderr);
  configs = (await describe('cli-orders')).configs;
  assert.deepEqual(configs.find((c) => c.name === 'retention.bytes'),
    { name: 'retention.bytes', value: '-1', default: true });

  const deleted = await pado(['topic', 'delete', 'cli-orders']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /deleted topic 'cli-orders'/);
  const after = await pado(['topic', 'list', '--format', 'json']);
  assert.deepEqual(userTopics(after.stdout), []);
});

test('produce stdin lines with a key separator; consume --from-beginning -n N', async () => {
  const created = await pado(['topic', 'create', 'cli-lines', '-p', '1']);
  assert.equal(created.code, 0, created.stderr);
  const lines = Array.from({ length: 200 }, (_, i) => `key-${i % 7}:value ${i}`);
  const produced = await pado(['produce', 'cli-lines', '-k', ':'], lines.join('\n') + '\n');
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stderr + produced.stdout, /produced 200 record\(s\)/);

  const consumed = await pado(['consume', 'cli-lines', '--from-beginning', '-n', '200',
    '--format', 'kv']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const expected = lines.map((l) => l.replace(':', '\t'));
  assert.deepEqual(consumed.stdout.split('\n').filter((l) => l !== ''), expected);

  // -n stops early: only the first N records of the partition, values only by default.
  const head = await pado(['consume', 'cli-lines', '--from-beginning', '-n', '3']);
  assert.equal(head.code, 0, head.stderr);
  assert.deepEqual(head.stdout.split('\n').filter((l) => l !== ''),
    ['value 0', 'value 1', 'value 2']);
});

test('an unknown topic gets a friendly error naming the command that creates it', async () => {
  for (const args of [['topic', 'describe', 'nope'], ['topic', 'delete', 'nope'],
    ['consume', 'nope', '-n', '1']]) {
    const r = await pado(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr,
      /^pado: topic 'nope' does not exist: create it with `pado topic create nope`/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('an unreachable bootstrap gets a friendly error naming the address', async () => {
  // Port 1 on loopback: nothing listens there, so the connect is refused at once.
  const r = await run(process.execPath, [mainJs, 'topic', 'list', '--bootstrap', '127.0.0.1:1'],
    { timeoutMs: 30_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^pado: broker 127\.0\.0\.1:1: .*is `pado start` running there\?/);
  assert.match(r.stderr, /--bootstrap host:port/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
