// Proves topic config validation accepts Kafka's bounds and refuses everything else with the
// field named (compact gets its own message), that DescribeConfigs entries mark defaults and
// sources correctly, that min.insync.replicas defaults to 2 with 3 or more replicas and 1 below
// (an explicit value, the topic's or the node's, wins), and Kafka's topic name rules. Pure table
// tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigSource, ConfigType, describeBrokerConfig, dynamicClusterConfigs, withDynamicConfigs, describeTopicConfig, effectiveTopicConfigs,
  minInsyncReplicasFor, nodeConfigDefaults, topicConfigDefaults, validateTopicConfigs,
  validateTopicName,
} from '../../../src/config/index.js';

test('valid entries are parsed to typed values; null means unset', () => {
  const result = validateTopicConfigs({
    'retention.ms': '-1', 'retention.bytes': '1048576', 'segment.bytes': '14', 'segment.ms': '1',
    'max.message.bytes': '0', 'min.insync.replicas': '2', 'cleanup.policy': 'delete',
    'flush.durable': 'FALSE', 'unclean.leader.election.enable': 'true', 'segment.ms ': null,
  });
  assert.equal(result.ok, false, 'a key with a trailing space is unknown');
  const ok = validateTopicConfigs({
    'retention.ms': '-1', 'segment.bytes': '14', 'flush.durable': 'FALSE', 'segment.ms': null,
    'unclean.leader.election.enable': ' True',
  });
  assert.deepEqual(ok, {
    ok: true, configs: { 'retention.ms': -1, 'segment.bytes': 14, 'flush.durable': false,
      'unclean.leader.election.enable': true },
  });
});

const invalid: [Record<string, string | null>, string, string][] = [
  [{ 'segment.bytes': '13' }, 'segment.bytes',
    "segment.bytes: '13' is not a segment size in bytes (14–2147483647)"],
  [{ 'segment.bytes': '2147483648' }, 'segment.bytes',
    "segment.bytes: '2147483648' is not a segment size in bytes (14–2147483647)"],
  [{ 'segment.ms': '0' }, 'segment.ms', "segment.ms: '0' is not a duration in ms (≥ 1)"],
  [{ 'retention.ms': '-2' }, 'retention.ms',
    "retention.ms: '-2' is not a duration in ms (≥ 0, or -1 for no time limit)"],
  [{ 'retention.bytes': '1.5' }, 'retention.bytes',
    "retention.bytes: '1.5' is not a size in bytes (≥ 0, or -1 for no size limit)"],
  [{ 'max.message.bytes': 'big' }, 'max.message.bytes',
    "max.message.bytes: 'big' is not a batch size in bytes (0–2147483647)"],
  [{ 'min.insync.replicas': '0' }, 'min.insync.replicas',
    "min.insync.replicas: '0' is not a replica count (≥ 1)"],
  [{ 'cleanup.policy': 'compact' }, 'cleanup.policy',
    'cleanup.policy: compaction is not supported by Pado; remove cleanup.policy or set ' +
    'cleanup.policy=delete'],
  [{ 'cleanup.policy': 'delete,compact' }, 'cleanup.policy',
    'cleanup.policy: compaction is not supported by Pado; remove cleanup.policy or set ' +
    'cleanup.policy=delete'],
  [{ 'flush.durable': 'yes' }, 'flush.durable', "flush.durable: 'yes' is not true or false"],
  [{ 'unclean.leader.election.enable': '1' }, 'unclean.leader.election.enable',
    "unclean.leader.election.enable: '1' is not true or false"],
  [{ 'retention.mss': '1' }, 'retention.mss',
    "unknown topic config 'retention.mss'; did you mean 'retention.ms'?"],
];

for (const [entries, field, message] of invalid) {
  test(`invalid topic config ${JSON.stringify(entries)}`, () => {
    assert.deepEqual(validateTopicConfigs(entries),
      { ok: false, error: 'INVALID_CONFIG', field, message });
  });
}

test('describeTopicConfig: overrides are dynamic, node defaults static, the rest default', () => {
  const defaults = { ...topicConfigDefaults, 'retention.bytes': 1000 };
  const entries = describeTopicConfig({ 'retention.ms': 5 }, 3, defaults);
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.deepEqual(entries.map((e) => e.name), ['segment.bytes', 'segment.ms', 'retention.ms',
    'retention.bytes', 'max.message.bytes', 'min.insync.replicas', 'cleanup.policy',
    'flush.durable', 'unclean.leader.election.enable']);
  assert.deepEqual(
    [byName.get('retention.ms')?.value, byName.get('retention.ms')?.isDefault,
      byName.get('retention.ms')?.source], ['5', false, ConfigSource.dynamicTopicConfig]);
  assert.deepEqual([byName.get('retention.bytes')?.value, byName.get('retention.bytes')?.source],
    ['1000', ConfigSource.staticBrokerConfig]);
  assert.deepEqual([byName.get('cleanup.policy')?.value, byName.get('cleanup.policy')?.source],
    ['delete', ConfigSource.defaultConfig]);
  assert.equal(byName.get('flush.durable')?.value, 'true');
  const unclean = byName.get('unclean.leader.election.enable');
  assert.deepEqual([unclean?.value, unclean?.isDefault, unclean?.configType],
    ['false', true, ConfigType.boolean]);
  assert.match(unclean?.documentation ?? '', /outside the ISR.*losing acknowledged records/);
  const on = describeTopicConfig({ 'unclean.leader.election.enable': true }, 3, defaults);
  assert.equal(on.find((e) => e.name === 'unclean.leader.election.enable')?.value, 'true');
});

test('min.insync.replicas: unset, 2 with 3 or more replicas and 1 below', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(minInsyncReplicasFor), [1, 1, 2, 2, 2]);
  for (const [replicationFactor, expected] of [[1, 1], [2, 1], [3, 2], [5, 2]] as const) {
    const effective = effectiveTopicConfigs({}, replicationFactor);
    assert.equal(effective['min.insync.replicas'], expected, `RF ${replicationFactor}`);
  }
  assert.equal('min.insync.replicas' in topicConfigDefaults, false, 'no fixed built-in value');
});

test('min.insync.replicas: the topic\'s value wins, then the node\'s, then the rule', () => {
  const node = { ...topicConfigDefaults, 'min.insync.replicas': 1 };
  assert.equal(effectiveTopicConfigs({ 'min.insync.replicas': 3 }, 3, node)
    ['min.insync.replicas'], 3);
  assert.equal(effectiveTopicConfigs({ 'min.insync.replicas': 1 }, 3)['min.insync.replicas'], 1);
  assert.equal(effectiveTopicConfigs({}, 3, node)['min.insync.replicas'], 1,
    'a node config of 1 is kept, even for 3 replicas');
  assert.equal(effectiveTopicConfigs({}, 1, { ...node, 'min.insync.replicas': 2 })
    ['min.insync.replicas'], 2, 'and so is a node config of 2 for 1 replica (acks=all refused)');
});

test('DescribeConfigs reports the effective min.insync.replicas and where it comes from', () => {
  const minIsr = (overrides: Parameters<typeof describeTopicConfig>[0], rf: number,
    defaults = topicConfigDefaults) => {
    const e = describeTopicConfig(overrides, rf, defaults)
      .find((c) => c.name === 'min.insync.replicas');
    return [e?.value, e?.isDefault, e?.source];
  };
  assert.deepEqual(minIsr({}, 3), ['2', true, ConfigSource.defaultConfig]);
  assert.deepEqual(minIsr({}, 2), ['1', true, ConfigSource.defaultConfig]);
  assert.deepEqual(minIsr({}, 1), ['1', true, ConfigSource.defaultConfig]);
  assert.deepEqual(minIsr({ 'min.insync.replicas': 1 }, 3),
    ['1', false, ConfigSource.dynamicTopicConfig]);
  assert.deepEqual(minIsr({}, 3, { ...topicConfigDefaults, 'min.insync.replicas': 1 }),
    ['1', true, ConfigSource.staticBrokerConfig]);
});

test('describeBrokerConfig: min.insync.replicas is default until the node config sets it', () => {
  const unset = describeBrokerConfig(nodeConfigDefaults())
    .find((e) => e.name === 'min.insync.replicas');
  assert.deepEqual([unset?.value, unset?.isDefault, unset?.source],
    ['2', true, ConfigSource.defaultConfig]);
  assert.match(unset?.documentation ?? '', /3 or more replicas/);
  const config = nodeConfigDefaults();
  const set = describeBrokerConfig({ ...config,
    topicDefaults: { ...config.topicDefaults, 'min.insync.replicas': 2 } })
    .find((e) => e.name === 'min.insync.replicas');
  assert.deepEqual([set?.value, set?.isDefault, set?.source],
    ['2', false, ConfigSource.staticBrokerConfig]);
});

test('describeBrokerConfig: the listener and Kafka-named defaults; only the dynamic cluster configs writable', () => {
  const entries = describeBrokerConfig({ ...nodeConfigDefaults(), nodeId: 3 });
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('node.id')?.value, '3');
  assert.equal(byName.get('listeners')?.value, 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(byName.get('message.max.bytes')?.isDefault, true);
  assert.equal(byName.get('num.partitions')?.source, 5, 'the built-in default');
  assert.deepEqual(entries.filter((e) => !e.readOnly).map((e) => e.name).sort(), [...dynamicClusterConfigs].sort());
  const set = describeBrokerConfig(withDynamicConfigs({ ...nodeConfigDefaults(), nodeId: 3 },
    new Map([['log.retention.ms', '1000'], ['cluster.id', 'x']])), new Set(['log.retention.ms']));
  const retention = set.find((e) => e.name === 'log.retention.ms');
  assert.deepEqual([retention?.value, retention?.source, retention?.isDefault], ['1000', 3, false]);
});

test('topic names follow Kafka rules', () => {
  for (const good of ['a', 'orders', 'a.b_c-D9', 'x'.repeat(249), '...']) {
    assert.equal(validateTopicName(good), null, good);
  }
  const bad: [string, string][] = [
    ['', 'topic name is empty; write e.g. orders'],
    ['.', "topic name '.' is not allowed; write e.g. orders"],
    ['..', "topic name '..' is not allowed; write e.g. orders"],
    ['x'.repeat(250), 'topic name is 250 characters; at most 249 are allowed'],
    ['my topic', "topic name 'my topic' has characters other than ASCII letters, digits, " +
      "'.', '_' and '-'; write e.g. my-topic"],
    ['ü', "topic name 'ü' has characters other than ASCII letters, digits, '.', '_' and '-'; " +
      'write e.g. orders'],
  ];
  for (const [name, message] of bad) assert.equal(validateTopicName(name), message);
});
