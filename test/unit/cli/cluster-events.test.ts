/** `pado cluster events` lines (issue 16): time, severity, kind, sentence; no control characters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEvent } from '../../../src/cli/cluster/events.js';

test('an event line: UTC time, severity, kind, the sentence with control characters blanked', () => {
  const line = formatEvent({ id: 3, timeMs: Date.UTC(2026, 11, 8, 3, 4, 5, 6), kind: 'broker-fenced', severity: 1,
    brokerId: 2, topic: null, message: 'broker 2 fenced\u001b[31m red\u0007' });
  assert.equal(line, '2026-12-08T03:04:05.006Z  WARN   broker-fenced        broker 2 fenced [31m red ');
  assert.match(formatEvent({ id: 1, timeMs: 0, kind: 'quota-exceeded', severity: 9, brokerId: -1, topic: null,
    message: 'a kind of a newer node' }), /INFO   quota-exceeded {7}a kind of a newer node$/);
});
