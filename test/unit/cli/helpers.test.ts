// Proves the CLI's pure helpers: stdin line splitting across chunk boundaries (with a bounded
// partial line), record formatting for consume, table/JSON output, and broker error messages
// that carry a next step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../../src/cli/lines.js';
import { formatRecord } from '../../../src/cli/consume.js';
import { formatTable, printRows } from '../../../src/cli/output.js';
import { describeBrokerError } from '../../../src/cli/broker-errors.js';

test('LineSplitter joins lines across chunks, strips CR, returns the unterminated tail', () => {
  const s = new LineSplitter(100);
  assert.deepEqual(s.push(Buffer.from('a\r\nb')), ['a']);
  assert.deepEqual(s.push(Buffer.from('c\n\nd')), ['bc', '']);
  assert.equal(s.end(), 'd');
  assert.equal(s.end(), null);
});

test('LineSplitter keeps a multi-byte character split across chunks whole', () => {
  const s = new LineSplitter(100);
  const bytes = Buffer.from('é\n');
  assert.deepEqual(s.push(bytes.subarray(0, 1)), []);
  assert.deepEqual(s.push(bytes.subarray(1)), ['é']);
});

test('LineSplitter refuses a line longer than its bound', () => {
  const s = new LineSplitter(4);
  assert.throws(() => s.push('abcdef'), /a line is longer than 4 characters/);
});

test('formatRecord: value, kv and json', () => {
  const record = {
    offset: 7, timestamp: 1000, key: Buffer.from('k'), value: Buffer.from('v'),
    headers: [{ key: 'h', value: Buffer.from('x') }],
  };
  assert.equal(formatRecord(record, 2, 'value'), 'v\n');
  assert.equal(formatRecord(record, 2, 'kv'), 'k\tv\n');
  assert.deepEqual(JSON.parse(formatRecord(record, 2, 'json')), {
    partition: 2, offset: 7, timestamp: 1000, key: 'k', value: 'v', headers: { h: 'x' },
  });
  assert.equal(formatRecord({ ...record, key: null }, 0, 'kv'), '\tv\n');
});

test('tables align columns; json prints the rows', () => {
  const columns = [{ key: 'name', title: 'NAME' }, { key: 'isr', title: 'ISR' }];
  const rows = [{ name: 'orders', isr: [1, 2] }, { name: 'x', isr: null }];
  assert.equal(formatTable(columns, rows), 'NAME    ISR\norders  1,2\nx       -\n');
  let out = '';
  printRows({ write: (t: string) => (out += t) }, 'json', columns, rows);
  assert.deepEqual(JSON.parse(out), rows);
});

test('broker errors name the topic and the next step', () => {
  assert.equal(describeBrokerError(3, { topic: 'x' }),
    "topic 'x' does not exist: create it with `pado topic create x`");
  assert.equal(describeBrokerError(36, { topic: 'x' }, 'exists'),
    "topic 'x' already exists; see it with `pado topic describe x` (broker says: exists)");
  assert.equal(describeBrokerError(999, { topic: 'x', partition: 1 }),
    "topic 'x' partition 1: broker error code 999");
});
