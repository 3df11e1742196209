/**
 * Proves `pado cluster decommission <id>` without a broker: argv parsing (a node id, bootstrap
 * from flag or env; anything else is a usage error saying what to write), the plan drawn from a
 * cluster snapshot (refuses the active controller, a running node and a cluster without a
 * controller, each saying what to do; removes the voter only when the node is one; sends
 * UnregisterBroker to the controller's address), and the report of the answers (what was done on
 * stdout, refusals on stderr, exit code 1 when something failed or nothing was there to remove).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv } from '../../../src/cli/index.js';
import {
  planDecommission, reportDecommission,
} from '../../../src/cli/cluster/decommission.js';
import type { ClusterSnapshot } from '../../../src/cli/cluster/common.js';
import { isPadoError } from '../../../src/common/index.js';
import { KafkaError } from '../../../src/protocol/index.js';

test('decommission parses a node id and the bootstrap address', () => {
  const line = (s: string, env: Record<string, string> = {}) => parseArgv(s.split(' '), env);
  const parsed = line('cluster decommission 3 --bootstrap 10.0.0.1:9093');
  assert.equal(parsed.name, 'cluster decommission');
  assert.deepEqual(parsed.args, { bootstrap: [{ host: '10.0.0.1', port: 9093 }], id: 3 });
  assert.deepEqual(line('cluster decommission 2', { PADO_BOOTSTRAP: '10.0.0.2:9092' }).args,
    { bootstrap: [{ host: '10.0.0.2', port: 9092 }], id: 2 });
  for (const bad of ['cluster decommission x', 'cluster decommission 0']) {
    assert.throws(() => line(bad), (e: unknown) => isPadoError(e, 'PADO_INVALID_ARGUMENT')
      && /is not a node id; write e\.g\. 2/.test(e.message));
  }
});

const broker = (brokerId: number) => ({ brokerId, host: '127.0.0.1', port: 9091 + brokerId,
  rack: null });
const voter = (replicaId: number) => ({ replicaId, logEndOffset: 10, lastFetchTimestamp: -1,
  lastCaughtUpTimestamp: -1 });

/** Nodes 1–3 are voters, 4 an observer; 3 and 4 are stopped; 1 is the controller. */
function snapshot(over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return { clusterId: 'c', controllerId: 1, brokers: [broker(1), broker(2)], topics: [],
    quorum: { errorCode: 0, errorMessage: null, leaderId: 1, leaderEpoch: 2, highWatermark: 10,
      voters: [voter(1), voter(2), voter(3)], observers: [voter(4)] }, ...over };
}

test('the plan refuses the controller, a running node and a leaderless cluster', () => {
  const refusal = (s: ClusterSnapshot, id: number): string => {
    const plan = planDecommission(s, id);
    assert.equal(plan.kind, 'refuse');
    return plan.kind === 'refuse' ? plan.message : '';
  };
  assert.match(refusal(snapshot(), 1), /node 1 is the active controller: stop it .*another node/);
  assert.match(refusal(snapshot(), 2), /node 2 is still running .*stop it first/);
  assert.match(refusal(snapshot({ controllerId: -1 }), 3),
    /no active controller: a majority .* `pado cluster health`/);
});

test('the plan removes the voter only when the node is one, and asks the controller', () => {
  assert.deepEqual(planDecommission(snapshot(), 3),
    { kind: 'run', removeVoter: true, controller: broker(1) });
  assert.deepEqual(planDecommission(snapshot(), 4),
    { kind: 'run', removeVoter: false, controller: broker(1) });
  assert.deepEqual(planDecommission(snapshot({ quorum: null }), 3),
    { kind: 'run', removeVoter: false, controller: broker(1) });
});

test('the report says what was done and fails when nothing could be removed', () => {
  const ok = { errorCode: 0, errorMessage: null };
  const notRegistered = { errorCode: KafkaError.brokerIdNotRegistered.code, errorMessage: 'no' };
  const both = reportDecommission(3, { voter: ok, unregister: ok });
  assert.equal(both.exitCode, 0);
  assert.deepEqual(both.errors, []);
  assert.match(both.lines[0] ?? '', /node 3 is no longer a voter/);
  assert.match(both.lines[1] ?? '', /broker 3 unregistered: its leaderships moved/);
  const voterOnly = reportDecommission(3, { voter: ok, unregister: notRegistered });
  assert.equal(voterOnly.exitCode, 0);
  assert.match(voterOnly.lines[1] ?? '', /was not registered: nothing to unregister/);
  const nothing = reportDecommission(7, { voter: null, unregister: notRegistered });
  assert.equal(nothing.exitCode, 1);
  assert.match(nothing.errors[0] ?? '', /node 7 is neither a voter nor a registered broker/);
  const refused = reportDecommission(3,
    { voter: { errorCode: 112, errorMessage: 'quorum would be lost' }, unregister: null });
  assert.deepEqual(refused, { lines: [], exitCode: 1,
    errors: ['removing the voter refused (error 112): quorum would be lost'] });
});
