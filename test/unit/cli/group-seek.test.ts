import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeekTarget } from '../../../src/cli/group/seek.js';

test('group seek --to: start, end, unix seconds, unix milliseconds, ISO 8601; anything else is refused', () => {
  assert.deepEqual(parseSeekTarget('start'), { kind: 'earliest' });
  assert.deepEqual(parseSeekTarget('end'), { kind: 'latest' });
  assert.deepEqual(parseSeekTarget('1714564800'), { kind: 'datetime', timestampMs: 1_714_564_800_000 });
  assert.deepEqual(parseSeekTarget('1714564800123'), { kind: 'datetime', timestampMs: 1_714_564_800_123 });
  assert.deepEqual(parseSeekTarget('2024-05-01T12:00:00Z'), { kind: 'datetime', timestampMs: 1_714_564_800_000 });
  for (const bad of ['yesterday', '12345', '', '2024-13-45T99:00:00Z']) {
    assert.throws(() => parseSeekTarget(bad), /write start, end/, bad);
  }
});
