// Proves argv parsing for every verb at unit level (no broker): `pado <verb> …` becomes the
// verb's typed arguments via parseArgv, defaults and env apply (--bootstrap is a list of
// addresses), and bad usage is a PADO_INVALID_ARGUMENT whose message says what to write instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeArgv, parseArgv } from '../../../src/cli/index.js';
import { isPadoError } from '../../../src/common/index.js';

const local = [{ host: '127.0.0.1', port: 9092 }];

function parse(line: string, env: Record<string, string> = {}): { name: string; args: unknown } {
  const { name, args } = parseArgv(line.split(' ').filter((w) => w !== ''), env);
  return { name, args };
}

function usageError(line: string, message: string | RegExp): void {
  assert.throws(() => parse(line), (e: unknown) => {
    assert.ok(isPadoError(e, 'PADO_INVALID_ARGUMENT'), `not a usage error: ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('normalizeArgv joins noun and verb and keeps negative values with their flag', () => {
  assert.deepEqual(normalizeArgv(['topic', 'create', 'x', '-p', '3']),
    ['topic create', 'x', '-p', '3']);
  assert.deepEqual(normalizeArgv(['topic', '--help']), ['topic', '--help']);
  assert.deepEqual(normalizeArgv(['produce', 'x', '--acks', '-1']), ['produce', 'x', '--acks=-1']);
});

test('start: flags are passed raw to the config loader', () => {
  assert.deepEqual(parse('start --listen :9093 --data-dir /tmp/d --node-id 2 --log-level debug ' +
    '--config p.json'), {
    name: 'start',
    args: {
      flags: {
        listen: ':9093', dataDir: '/tmp/d', nodeId: '2', logLevel: 'debug', config: 'p.json',
      },
    },
  });
  assert.deepEqual(parse('start'), { name: 'start', args: { flags: {} } });
});

test('topic create: partitions, replicas, repeated -c, bootstrap from env', () => {
  const line = 'topic create orders -p 6 -r 3 -c retention.ms=1000 -c flush.durable=false';
  assert.deepEqual(parse(line, { PADO_BOOTSTRAP: 'b1:9000' }), {
    name: 'topic create',
    args: {
      bootstrap: [{ host: 'b1', port: 9000 }], name: 'orders', partitions: 6, replicationFactor: 3,
      configs: { 'retention.ms': '1000', 'flush.durable': 'false' },
    },
  });
  assert.deepEqual(parse('topic create orders --bootstrap :9999').args, {
    bootstrap: [{ host: '127.0.0.1', port: 9999 }], name: 'orders', partitions: -1,
    replicationFactor: -1, configs: {},
  });
  usageError('topic create orders -p 0',
    "-p: '0' is not an integer in 1–1000000; write e.g. -p 3");
  usageError('topic create orders -c retention.ms', "-c: 'retention.ms' is not key=value; " +
    'write e.g. -c retention.ms=86400000');
  usageError('topic create orders -c cleanup.policy=compact',
    /^-c cleanup.policy: compaction is not supported/);
  usageError('topic create a/b', /^topic name 'a\/b' has characters other than/);
  usageError('topic create', /missing required args/);
  usageError('topic create x --bootstrap nowhere', "--bootstrap: 'nowhere' is not a host:port; " +
    'write e.g. --bootstrap 127.0.0.1:9092');
});

test('--bootstrap: one address or a comma-separated list, tried in turn', () => {
  const bootstrap = (line: string, env: Record<string, string> = {}): unknown =>
    (parse(line, env).args as { bootstrap: unknown }).bootstrap;
  assert.deepEqual(bootstrap('topic list --bootstrap 10.0.0.1:9092,10.0.0.2:9093,:9094'), [
    { host: '10.0.0.1', port: 9092 }, { host: '10.0.0.2', port: 9093 },
    { host: '127.0.0.1', port: 9094 },
  ]);
  // What `pado dev` prints, with spaces after the commas, a repeated address, from the env.
  assert.deepEqual(bootstrap('produce t', { PADO_BOOTSTRAP: 'a:1, b:2, a:1' }),
    [{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
  assert.deepEqual(bootstrap('consume t --bootstrap a:1 --bootstrap b:2'),
    [{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
  assert.deepEqual(bootstrap('group list --bootstrap [::1]:9092,c:3'),
    [{ host: '::1', port: 9092 }, { host: 'c', port: 3 }]);
  usageError('topic list --bootstrap a:1,nowhere', "--bootstrap: 'nowhere' (address 2 of 2) " +
    'is not a host:port; write e.g. --bootstrap 127.0.0.1:9092,127.0.0.1:9093');
  usageError('topic list --bootstrap a:1,', "--bootstrap: '' (address 2 of 2) is not a " +
    'host:port; write e.g. --bootstrap 127.0.0.1:9092,127.0.0.1:9093');
  usageError('topic list --bootstrap a:0', "--bootstrap: 'a:0' is not a host:port; " +
    'write e.g. --bootstrap 127.0.0.1:9092');
  usageError(`topic list --bootstrap ${Array.from({ length: 65 }, (_, i) => `h:${i + 1}`)}`,
    /^--bootstrap: 65 addresses; give at most 64/);
});

test('topic list / describe / delete', () => {
  assert.deepEqual(parse('topic list'),
    { name: 'topic list', args: { bootstrap: local, format: 'table' } });
  assert.deepEqual(parse('topic describe orders --format json'), {
    name: 'topic describe', args: { bootstrap: local, name: 'orders', format: 'json' },
  });
  assert.deepEqual(parse('topic delete orders'), {
    name: 'topic delete', args: { bootstrap: local, name: 'orders' },
  });
  usageError('topic list --format yaml',
    "--format: 'yaml' is not one of table, json; write e.g. --format table");
});

test('topic alter-config: --set and --delete become ordered operations', () => {
  assert.deepEqual(parse('topic alter-config orders --set retention.ms=5 --set segment.ms=9 ' +
    '--delete retention.bytes').args, {
    bootstrap: local,
    name: 'orders',
    ops: [
      { name: 'retention.ms', op: 'set', value: '5' },
      { name: 'segment.ms', op: 'set', value: '9' },
      { name: 'retention.bytes', op: 'delete' },
    ],
  });
  usageError('topic alter-config orders', /^nothing to change; write e.g. --set/);
  usageError('topic alter-config orders --delete retention.mss',
    "unknown topic config 'retention.mss'; did you mean 'retention.ms'?");
});

test('produce: separator, acks forms, compression, partition, format, delivery timeout', () => {
  assert.deepEqual(parse('produce orders -k : --acks -1 --compression gzip -p 2 --format json ' +
    '--delivery-timeout-ms 5000').args, {
    bootstrap: local, topic: 'orders', keySeparator: ':', acks: -1, compression: 'gzip',
    partition: 2, format: 'json', deliveryTimeoutMs: 5000,
  });
  assert.deepEqual(parse('produce orders --acks all').args, {
    bootstrap: local, topic: 'orders', keySeparator: null, acks: -1, compression: 'none',
    partition: null, format: null, deliveryTimeoutMs: 120_000,
  });
  usageError('produce orders --delivery-timeout-ms 0', /^--delivery-timeout-ms: '0' is not/);
  assert.equal((parse('produce orders --acks 0').args as { acks: number }).acks, 0);
  usageError('produce orders --acks 2',
    "--acks: '2' is not 0, 1, -1 or all; write e.g. --acks all");
  usageError('produce orders --compression lz4', /^--compression: 'lz4' is not one of none, gzip/);
});

test('consume: start positions, count, partition, format, exit at end', () => {
  assert.deepEqual(parse('consume orders').args, {
    bootstrap: local, topic: 'orders', start: { kind: 'latest' }, count: null, partition: null,
    format: 'value', exitAtEnd: false,
  });
  assert.deepEqual(parse('consume orders --from-beginning -n 10 -p 1 --format json -e').args, {
    bootstrap: local, topic: 'orders', start: { kind: 'beginning' }, count: 10, partition: 1,
    format: 'json', exitAtEnd: true,
  });
  const fromOffset = parse('consume orders --offset 42 --exit-at-end').args as { start: unknown };
  assert.deepEqual(fromOffset.start,
    { kind: 'offset', offset: 42 });
  usageError('consume orders --from-beginning --latest',
    '--from-beginning and --latest contradict each other; choose one');
  usageError('consume orders --format yaml', /^--format: 'yaml' is not one of value, kv, json/);
});

test('unknown commands and options are usage errors with a suggestion', () => {
  usageError('topci list',
    "unknown command 'topci'; did you mean `pado topic`?; see `pado --help`");
  usageError('topic create x --partitons 3',
    /^Unknown option `--partitons`; see `pado topic create --help`/);
  assert.equal(parse('--help').name, 'help');
});
