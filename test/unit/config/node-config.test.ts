// Proves the node config merges defaults < file < env < flags, maps Kafka-style file keys, and
// that every kind of bad input yields one friendly PADO_CONFIG_INVALID message naming the field,
// the value and what to write. Table tests over resolveNodeConfig/loadNodeConfig, no files read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  envLayer, flagLayer, loadNodeConfig, nodeConfigDefaults, parseConfigFile, parseHostPort,
  resolveNodeConfig,
} from '../../../src/config/index.js';
import { isPadoError } from '../../../src/common/index.js';

test('defaults alone validate', () => {
  assert.deepEqual(resolveNodeConfig([]), nodeConfigDefaults());
});

test('later sources win: defaults < file < env < flags', () => {
  const file = parseConfigFile(JSON.stringify({
    listen: '0.0.0.0:9000', dataDir: '/file', nodeId: 2, logLevel: 'debug', defaultPartitions: 3,
  }), 'pado.json');
  const env = envLayer({ PADO_DATA_DIR: '/env', PADO_NODE_ID: '3', PADO_LOG_LEVEL: 'warn' });
  const flags = flagLayer({ nodeId: 4 });
  const config = resolveNodeConfig([file, env, flags]);
  assert.deepEqual(config.listen, { host: '0.0.0.0', port: 9000 });
  assert.equal(config.dataDir, '/env');
  assert.equal(config.nodeId, 4);
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.defaultPartitions, 3);
  assert.equal(config.topicDefaults['retention.ms'], 7 * 24 * 3600 * 1000);
  assert.equal(config.topicDefaults['min.insync.replicas'], undefined,
    'unset: it follows each topic\'s replication factor');
});

test('nested objects merge key by key', () => {
  const config = resolveNodeConfig([{ httpListen: { port: 9700 } }]);
  assert.deepEqual(config.httpListen, { host: '127.0.0.1', port: 9700 });
});

test('Kafka-style keys in the file land on their Pado fields', () => {
  const file = parseConfigFile(JSON.stringify({
    'node.id': 7, 'log.dirs': '/d', 'auto.create.topics.enable': false, 'num.partitions': 6,
    'log.retention.ms': 1000, 'min.insync.replicas': 2, 'replica.lag.time.max.ms': 10_000,
    'broker.session.timeout.ms': 9000, 'log.scrub.bytes.per.second': 0,
  }), 'pado.json');
  const config = resolveNodeConfig([file]);
  assert.equal(config.replicaLagTimeMaxMs, 10_000);
  assert.equal(config.logScrubBytesPerSecond, 0);
  assert.equal(config.brokerSessionTimeoutMs, 9000);
  assert.equal(config.nodeId, 7);
  assert.equal(config.dataDir, '/d');
  assert.equal(config.autoCreateTopics, false);
  assert.equal(config.defaultPartitions, 6);
  assert.equal(config.topicDefaults['retention.ms'], 1000);
  assert.equal(config.topicDefaults['min.insync.replicas'], 2);
});

test('--listen forms: host:port, :port, port, [v6]:port', () => {
  assert.deepEqual(parseHostPort('example.com:9093', 'listen'),
    { host: 'example.com', port: 9093 });
  assert.deepEqual(parseHostPort(':9092', 'listen'), { host: '127.0.0.1', port: 9092 });
  assert.deepEqual(parseHostPort('9092', 'listen'), { host: '127.0.0.1', port: 9092 });
  assert.deepEqual(parseHostPort('[::1]:9092', 'listen'), { host: '::1', port: 9092 });
});

test('--config reads the named file through the given reader', () => {
  const config = loadNodeConfig({ flags: { config: 'p.json', listen: ':9100' }, env: {} },
    (path) => (path === 'p.json' ? '{ "dataDir": "/from-file", "listen": ":9000" }' : ''));
  assert.equal(config.dataDir, '/from-file');
  assert.equal(config.listen.port, 9100);
});

const errorCases: { name: string; run: () => unknown; message: string }[] = [
  {
    name: 'port out of range from a flag',
    run: () => resolveNodeConfig([flagLayer({ listen: '127.0.0.1:70000' })]),
    message: 'config listen.port: 70000 is not a port (0–65535; 0 picks a free port); ' +
      'write e.g. --listen 127.0.0.1:9092',
  },
  {
    name: 'listen that is not host:port',
    run: () => resolveNodeConfig([flagLayer({ listen: 'localhost' })]),
    message: "config listen: 'localhost' is not a host:port; write e.g. --listen 127.0.0.1:9092",
  },
  {
    name: 'unknown top-level key with a suggestion',
    run: () => resolveNodeConfig([{ listne: '1' }]),
    message: 'config listne: unknown key; did you mean "listen"?',
  },
  {
    name: 'unknown nested key with a suggestion',
    run: () => resolveNodeConfig([{ topicDefaults: { 'retention.msx': 1 } }]),
    message: 'config topicDefaults.retention.msx: unknown key; did you mean "retention.ms"?',
  },
  {
    name: 'node id that is not a number, from the environment',
    run: () => resolveNodeConfig([envLayer({ PADO_NODE_ID: 'one' })]),
    message: 'config nodeId: "one" is not a node id (integer 1–2147483647; Pado keeps 0 for "no node", ' +
      'so a Kafka broker.id=0 becomes e.g. 1); write e.g. --node-id 1',
  },
  {
    name: 'node id 0 (a Kafka quickstart\'s broker.id=0), from a config file: refused, not a crash',
    run: () => resolveNodeConfig([parseConfigFile('{ "broker.id": 0 }', 'server.json')]),
    message: 'config nodeId: 0 is not a node id (integer 1–2147483647; Pado keeps 0 for "no node", ' +
      'so a Kafka broker.id=0 becomes e.g. 1); write e.g. --node-id 1',
  },
  {
    name: 'log level not in the list',
    run: () => resolveNodeConfig([flagLayer({ logLevel: 'loud' })]),
    message: 'config logLevel: "loud" is not a log level ' +
      '(fatal, error, warn, info, debug, trace, silent); write e.g. --log-level info',
  },
  {
    name: 'wrong type in topic defaults',
    run: () => resolveNodeConfig([{ topicDefaults: { 'flush.durable': 'yes' } }]),
    message: 'config topicDefaults.flush.durable: "yes" is not true or false; ' +
      'write e.g. "topicDefaults": { "flush.durable": true }',
  },
  {
    name: 'unclean election cannot be a default for every topic',
    run: () => resolveNodeConfig([{ topicDefaults: { 'unclean.leader.election.enable': true } }]),
    message: 'config topicDefaults.unclean.leader.election.enable: true is not allowed here: ' +
      'it is set per topic, never for every topic; write e.g. pado topic alter-config orders ' +
      '--set unclean.leader.election.enable=true',
  },
  {
    name: 'a lag time shorter than a follower\'s long poll',
    run: () => resolveNodeConfig([parseConfigFile('{"replica.lag.time.max.ms": 500}', 'p.json')]),
    message: 'config replicaLagTimeMaxMs: 500 is not a duration in ms (1000–600000); ' +
      'write e.g. "replica.lag.time.max.ms": 5000',
  },
  {
    name: 'a broker session shorter than three heartbeats',
    run: () => resolveNodeConfig([{ brokerSessionTimeoutMs: 200 }]),
    message: 'config brokerSessionTimeoutMs: 200 is not a duration in ms (600–600000); ' +
      'write e.g. "broker.session.timeout.ms": 1200',
  },
  {
    name: 'a negative scrub rate',
    run: () => resolveNodeConfig([parseConfigFile('{"log.scrub.bytes.per.second": -1}',
      'p.json')]),
    message: 'config logScrubBytesPerSecond: -1 is not a byte rate (0 stops the scrubber; at ' +
      'most 1073741824); write e.g. "log.scrub.bytes.per.second": 4194304',
  },
  {
    name: 'missing port of the advertised address',
    run: () => resolveNodeConfig([{ advertised: { host: 'a.example' } }]),
    message: 'config advertised: "port" is missing; ' +
      'write e.g. "advertised": "broker1.example.com:9092"',
  },
  {
    name: 'file that is not JSON says where',
    run: () => parseConfigFile('{\n  "dataDir": "x",\n}', 'pado.json'),
    message: 'config file pado.json: not valid JSON at line 3 column 1',
  },
  {
    name: 'file whose top level is not an object',
    run: () => parseConfigFile('[1]', 'pado.json'),
    message: 'config file pado.json: top level is [1], not an object',
  },
  {
    name: 'the same setting under two names',
    run: () => parseConfigFile('{ "node.id": 1, "nodeId": 2 }', 'pado.json'),
    message: 'config nodeId: sets the same thing as "node.id"; keep only one',
  },
  {
    name: 'unreadable file',
    run: () => loadNodeConfig({ flags: { config: 'missing.json' }, env: {} }, () => {
      throw new Error('ENOENT: no such file');
    }),
    message: 'config file missing.json: cannot be read (ENOENT: no such file)',
  },
];

for (const c of errorCases) {
  test(`friendly error: ${c.name}`, () => {
    assert.throws(c.run, (e: unknown) => {
      assert.ok(isPadoError(e, 'PADO_CONFIG_INVALID'), `not a config error: ${String(e)}`);
      assert.ok(e.message.startsWith(c.message), `got: ${e.message}`);
      return true;
    });
  });
}
