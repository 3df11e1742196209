/**
 * Proves the acks=all append gate: it holds only when the backlog above the HW is full or others
 * wait (so nothing overtakes), admits one at a time in arrival order as the HW advances, admits
 * any batch into an empty backlog, expires held produces at their deadline, and hands every
 * held one back in order when leadership changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendGate } from '../../../src/partitions/index.js';

test('holds once the backlog is full, admits in order as the HW advances', () => {
  const g = new AppendGate<string>(100);
  assert.equal(g.mustHold(), false);
  g.appended(9, 60);
  assert.equal(g.mustHold(), false, '60 of 100 bytes');
  g.appended(19, 60);
  assert.equal(g.mustHold(), true, '120 of 100 bytes');
  g.hold('a', 1000, 1);
  g.hold('b', 1000, 1);
  assert.equal(g.admitNext(), undefined, 'still full');
  g.highWatermark(10);
  assert.equal(g.backlogBytes, 60);
  assert.equal(g.mustHold(), true, 'a and b wait: a newcomer must not overtake them');
  assert.equal(g.admitNext(), 'a');
  g.appended(29, 60);
  assert.equal(g.admitNext(), undefined, 'a filled it again');
  g.highWatermark(30);
  assert.equal(g.backlogBytes, 0);
  assert.equal(g.admitNext(), 'b');
  assert.equal(g.admitNext(), undefined);
  assert.equal(g.mustHold(), false);
});

test('sources take turns; each source keeps its order', () => {
  const g = new AppendGate<string>(10);
  g.appended(0, 10);
  for (const t of ['k1', 'k2', 'k3', 'k4']) g.hold(t, 1000, 1); // a bulk loader's pipeline
  g.hold('p1', 1000, 2); // a light producer, arriving behind it
  g.hold('k5', 1000, 1);
  g.hold('p2', 1000, 2);
  const order: string[] = [];
  for (let offset = 1; g.heldCount > 0; offset++) {
    g.highWatermark(offset);
    const next = g.admitNext();
    assert.ok(next !== undefined);
    order.push(next);
    g.appended(offset, 10);
  }
  assert.deepEqual(order, ['k1', 'p1', 'k2', 'p2', 'k3', 'k4', 'k5']);
});

test('an empty backlog admits a batch larger than the bound', () => {
  const g = new AppendGate<string>(100);
  assert.equal(g.mustHold(), false);
  g.appended(0, 1000);
  assert.equal(g.mustHold(), true);
  g.highWatermark(1);
  assert.equal(g.mustHold(), false);
});

test('held produces expire at their deadline; clear hands the rest back in order', () => {
  const g = new AppendGate<string>(10);
  g.appended(0, 10);
  g.hold('a', 50, 1);
  g.hold('b', 20, 2);
  g.hold('c', 60, 1);
  g.hold('d', 70, 2);
  assert.deepEqual(g.expire(19), []);
  assert.deepEqual(g.expire(50), ['a', 'b']);
  assert.equal(g.heldCount, 2);
  assert.deepEqual(g.clear(), ['c', 'd']);
  assert.equal(g.heldCount, 0);
  assert.equal(g.backlogBytes, 0, 'a new leader epoch starts its own backlog');
  assert.equal(g.mustHold(), false);
});

test('a long run stays compact and exact', () => {
  const g = new AppendGate<number>(1_000);
  for (let i = 0; i < 10_000; i++) {
    g.appended(i, 10);
    if (i % 7 === 0) g.highWatermark(i - 50);
    assert.ok(g.backlogBytes <= 10 * 58, `backlog ${g.backlogBytes} at ${i}`);
  }
  g.highWatermark(10_000);
  assert.equal(g.backlogBytes, 0);
});
