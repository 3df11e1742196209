/**
 * `pado doctor`'s findings (cli/doctor.ts `doctorFindings`), by table: a clean cluster has none;
 * an unreachable pair, a wrong node answering, a node this machine cannot reach, and a mix of
 * loopback and network addresses each yield one finding that names the nodes and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorFindings, type PairCheck } from '../../../src/cli/doctor.js';

const nodes = [
  { id: 1, host: '10.0.0.1', port: 9092 },
  { id: 2, host: '10.0.0.2', port: 9092 },
];
const ok = (from: number, to: number): PairCheck => ({ from, to, reachedId: to, error: null });

test('all pairs reachable: no findings', () => {
  assert.deepEqual(doctorFindings(nodes, [ok(0, 1), ok(0, 2), ok(1, 2), ok(2, 1)]), []);
});

test('each failed check is one finding with the fix', () => {
  const checks: PairCheck[] = [
    ok(0, 1), ok(0, 2),
    { from: 1, to: 2, reachedId: -1, error: 'ECONNREFUSED' },
    { from: 2, to: 1, reachedId: 3, error: null },
  ];
  const findings = doctorFindings(nodes, checks);
  assert.equal(findings.length, 2);
  assert.match(findings[0]!,
    /^node 1 cannot reach node 2 at 10\.0\.0\.2:9092 \(ECONNREFUSED\); on node 2, set/);
  assert.match(findings[1]!, /node 2 reached node 3 at 10\.0\.0\.1:9092, which node 1 advertises/);
});

test('this machine cannot reach a node', () => {
  const f = doctorFindings(nodes, [{ from: 0, to: 2, reachedId: -1, error: 'timeout' }]);
  assert.match(f[0]!, /^this machine cannot reach node 2/);
});

test('loopback next to network addresses is a finding; all loopback is fine', () => {
  const mixed = [...nodes, { id: 3, host: '127.0.0.1', port: 9094 }];
  assert.match(doctorFindings(mixed, [])[0]!, /nodes 3 advertise a loopback address/);
  const local = nodes.map((n) => ({ ...n, host: '127.0.0.1', port: 9092 + n.id }));
  assert.deepEqual(doctorFindings(local, []), []);
});
