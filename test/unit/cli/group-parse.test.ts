// Proves the `pado group` verbs' and `consume --group`'s argv parsing at unit level (no broker):
// typed arguments for list/describe/reset-offsets/delete, every reset strategy (negative
// --shift-by included), topic:partition selections, and usage errors that say what to write; and
// the pure reset plan (targetOffset): Kafka's rules, clamped into [earliest, latest].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv } from '../../../src/cli/index.js';
import { targetOffset, type PartitionState } from '../../../src/cli/group/reset-offsets.js';
import { isPadoError } from '../../../src/common/index.js';

const local = [{ host: '127.0.0.1', port: 9092 }];

function parse(line: string): { name: string; args: unknown } {
  const { name, args } = parseArgv(line.split(' ').filter((w) => w !== ''), {});
  return { name, args };
}

function usageError(line: string, message: RegExp): void {
  assert.throws(() => parse(line), (e: unknown) => {
    assert.ok(isPadoError(e, 'PADO_INVALID_ARGUMENT'), `not a usage error: ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

test('group list, describe and delete', () => {
  assert.deepEqual(parse('group list'), { name: 'group list', args: { bootstrap: local, format: 'table' } });
  assert.deepEqual(parse('group describe billing --format json'), {
    name: 'group describe', args: { bootstrap: local, group: 'billing', format: 'json' },
  });
  assert.deepEqual(parse('group delete billing --bootstrap :9999'), {
    name: 'group delete',
    args: { bootstrap: [{ host: '127.0.0.1', port: 9999 }], group: 'billing' },
  });
  usageError('group describe', /missing required args/);
  usageError('group describe g --format yaml', /^--format: 'yaml' is not one of table, json/);
});

test('group reset-offsets: each strategy, topic selections, --execute', () => {
  assert.deepEqual(parse('group reset-offsets g --topic orders --to-earliest').args, {
    bootstrap: local, group: 'g', topics: [{ topic: 'orders', partitions: null }],
    spec: { kind: 'earliest' }, execute: false, format: 'table',
  });
  const strategies: [string, unknown][] = [
    ['--to-latest', { kind: 'latest' }],
    ['--to-offset 42', { kind: 'offset', offset: 42 }],
    ['--shift-by -10', { kind: 'shift', by: -10 }],
    ['--shift-by 3', { kind: 'shift', by: 3 }],
    ['--to-datetime 2024-05-01T12:00:00Z', { kind: 'datetime', timestampMs: 1714564800000 }],
  ];
  for (const [flags, spec] of strategies) {
    const args = parse(`group reset-offsets g --topic o ${flags} --execute`).args as
      { spec: unknown; execute: boolean };
    assert.deepEqual(args.spec, spec, flags);
    assert.equal(args.execute, true);
  }
  const selected = parse('group reset-offsets g --topic a:2,0,2 --topic b --to-latest').args as
    { topics: unknown };
  assert.deepEqual(selected.topics,
    [{ topic: 'a', partitions: [0, 2] }, { topic: 'b', partitions: null }]);
});

test('group reset-offsets: usage errors name the fix', () => {
  usageError('group reset-offsets g --to-earliest', /^--topic is required; write e\.g\./);
  usageError('group reset-offsets g --topic o', /choose one of .*\(none is given\)/);
  usageError('group reset-offsets g --topic o --to-earliest --to-latest',
    /--to-earliest and --to-latest contradict each other/);
  usageError('group reset-offsets g --topic o --to-offset=-1', /--to-offset: .* write e\.g\./);
  usageError('group reset-offsets g --topic o --to-datetime yesterday',
    /--to-datetime: 'yesterday' is not an ISO 8601 time/);
  usageError('group reset-offsets g --topic o:x --to-latest', /bad partition 'x'/);
});

test('consume --group: joins a group; -p and --offset conflict with it', () => {
  const args = parse('consume orders --group billing --from-beginning -n 5').args as
    { group: string; start: unknown; count: number };
  assert.equal(args.group, 'billing');
  assert.deepEqual(args.start, { kind: 'beginning' });
  assert.equal(args.count, 5);
  assert.equal((parse('consume orders').args as { group?: string }).group, undefined);
  usageError('consume orders --group billing -p 1', /-p and --group contradict each other/);
  usageError('consume orders --group billing --offset 3', /--offset and --group contradict/);
});

test('reset plan: Kafka rules, clamped into the log', () => {
  const p: PartitionState = { partition: 0, committed: 50, earliest: 10, latest: 100, atTime: 40 };
  assert.equal(targetOffset({ kind: 'earliest' }, p, 't'), 10);
  assert.equal(targetOffset({ kind: 'latest' }, p, 't'), 100);
  assert.equal(targetOffset({ kind: 'offset', offset: 5 }, p, 't'), 10);
  assert.equal(targetOffset({ kind: 'offset', offset: 500 }, p, 't'), 100);
  assert.equal(targetOffset({ kind: 'shift', by: -15 }, p, 't'), 35);
  assert.equal(targetOffset({ kind: 'shift', by: 80 }, p, 't'), 100);
  assert.equal(targetOffset({ kind: 'datetime', timestampMs: 0 }, p, 't'), 40);
  // No record at or after the time: the end of the log.
  assert.equal(targetOffset({ kind: 'datetime', timestampMs: 0 }, { ...p, atTime: -1 }, 't'), 100);
  assert.throws(() => targetOffset({ kind: 'shift', by: 1 }, { ...p, committed: null }, 't'),
    /t partition 0 has no committed offset to shift from/);
});
