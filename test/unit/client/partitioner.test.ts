// Proves murmur2 matches Kafka's Utils.murmur2 on the values Kafka's own UtilsTest checks (so keys
// land on the partitions Java and kafkajs clients choose), toPositive on the sign bit, and the
// round-robin for unkeyed records. Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey, Partitioner, toPositive } from '../../../src/client/index.js';

const kafkaCases: [string | number[], number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  [[0x61, 0x62, 0x63], 479470107],
];

test('murmur2 equals Kafka Utils.murmur2', () => {
  for (const [input, expected] of kafkaCases) {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Uint8Array.from(input);
    assert.equal(murmur2(bytes), expected, String(input));
  }
});

test('toPositive clears only the sign bit', () => {
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(5), 5);
});

test('keyed partition = toPositive(murmur2) % count', () => {
  assert.equal(partitionForKey(Buffer.from('21'), 3), (-973932308 & 0x7fffffff) % 3);
  const p = new Partitioner();
  assert.equal(p.partition(Buffer.from('foobar'), 7), partitionForKey(Buffer.from('foobar'), 7));
});

test('unkeyed records go round-robin', () => {
  const p = new Partitioner();
  assert.deepEqual([0, 1, 2, 3, 4].map(() => p.partition(null, 3)), [0, 1, 2, 0, 1]);
});
