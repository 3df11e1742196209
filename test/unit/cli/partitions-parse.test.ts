/**
 * The pure parts of `pado cluster partitions move|transfer-leadership` and `pado cluster
 * maintenance`: argument parsing (specs, Kafka's reassignment JSON, mistakes named with the fix),
 * the transfer plan from a partition's Metadata, the progress bar and the drain report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseMoveSpec, parseReassignmentJson, progressLine, progressUnits,
} from '../../../src/cli/cluster/move.js';
import { parsePartitions } from '../../../src/cli/cluster/partitions.js';
import { planTransfer } from '../../../src/cli/cluster/transfer-leadership.js';
import { drainReport, parseMaintenance } from '../../../src/cli/cluster/maintenance.js';
import type { MetadataResponsePartition } from '../../../src/protocol/index.js';

const bootstrap = [{ host: '127.0.0.1', port: 9092 }];

test('move specs: <topic>:<p>=<brokers>; the last colon splits; mistakes say how to write it', () => {
  assert.deepEqual(parseMoveSpec('orders:0=1,2,4'), { topic: 'orders', partition: 0, replicas: [1, 2, 4] });
  assert.deepEqual(parseMoveSpec('a:b:3=4'), { topic: 'a:b', partition: 3, replicas: [4] });
  assert.throws(() => parseMoveSpec('orders:0'), /write e.g. orders:0=1,2,4/);
  assert.throws(() => parseMoveSpec('orders=1'), /is not <topic>:<partition>/);
  assert.throws(() => parseMoveSpec('orders:0=1,x'), /not a list of broker ids/);
  assert.throws(() => parseMoveSpec('orders:0=1,1'), /named twice/);
});

test('--file takes kafka-reassign-partitions.sh JSON (log_dirs ignored)', () => {
  const json = JSON.stringify({ version: 1, partitions: [
    { topic: 'orders', partition: 1, replicas: [4, 2, 3], log_dirs: ['any', 'any', 'any'] }] });
  assert.deepEqual(parseReassignmentJson(json, 'f.json'),
    [{ topic: 'orders', partition: 1, replicas: [4, 2, 3] }]);
  assert.throws(() => parseReassignmentJson('{', 'f.json'), /--file f.json: not JSON/);
  assert.throws(() => parseReassignmentJson('{"version":1}', 'f.json'), /no "partitions" list/);
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"x"}]}', 'f.json'),
    /partitions\[0\] needs topic, partition and replicas/);
});

test('cluster partitions: actions and their options', () => {
  assert.deepEqual(parsePartitions(['move', 't:0=1,2'], { throttle: '1000' }, bootstrap),
    { action: 'move', bootstrap, specs: [{ topic: 't', partition: 0, replicas: [1, 2] }],
      throttle: 1000, wait: true, timeoutMs: 0 });
  assert.equal((parsePartitions(['move', 't:0=1'], { wait: false }, bootstrap) as { wait: boolean })
    .wait, false);
  assert.deepEqual(parsePartitions(['move'], { status: true }, bootstrap),
    { action: 'status', bootstrap, format: 'table' });
  assert.deepEqual(parsePartitions(['move', 't:1'], { cancel: true }, bootstrap),
    { action: 'cancel', bootstrap, partitions: [{ topic: 't', partition: 1 }] });
  assert.deepEqual(parsePartitions(['transfer-leadership', 't:0'], { to: '2' }, bootstrap),
    { action: 'transfer', bootstrap, partition: { topic: 't', partition: 0 }, to: 2, timeoutMs: 30_000 });
  assert.throws(() => parsePartitions(['move'], {}, bootstrap), /name partitions and their replicas/);
  assert.throws(() => parsePartitions(['move', 't:0=1', 't:0=2'], {}, bootstrap), /named twice/);
  assert.throws(() => parsePartitions(['transfer-leadership', 't:0'], {}, bootstrap), /--to <broker> is required/);
  assert.throws(() => parsePartitions(['shuffle'], {}, bootstrap), /not move or transfer-leadership/);
  assert.throws(() => parsePartitions(['move', 't:0=1'], { throttle: '0' }, bootstrap), /--throttle/);
});

function partition(leaderId: number, replicaNodes: number[], isrNodes: number[]): MetadataResponsePartition {
  return { errorCode: 0, partitionIndex: 0, leaderId, leaderEpoch: 3, replicaNodes, isrNodes,
    offlineReplicas: [] };
}

test('transfer plan: refused off the ISR or the replicas; reorders when the target is not first', () => {
  const tp = { topic: 't', partition: 0 };
  assert.deepEqual(planTransfer(tp, partition(1, [1, 2, 3], [1, 2, 3]), 2),
    { kind: 'run', reorder: [2, 1, 3] });
  assert.deepEqual(planTransfer(tp, partition(2, [1, 2, 3], [1, 2, 3]), 1), { kind: 'run', reorder: null });
  assert.equal(planTransfer(tp, partition(2, [1, 2, 3], [1, 2, 3]), 2).kind, 'done');
  const outOfSync = planTransfer(tp, partition(1, [1, 2, 3], [1, 2]), 3);
  assert.equal(outOfSync.kind, 'refuse');
  assert.match((outOfSync as { message: string }).message, /broker 3 is not in the ISR of t:0 \(1,2\)/);
  const notReplica = planTransfer(tp, partition(1, [1, 2, 3], [1, 2, 3]), 4);
  assert.match((notReplica as { message: string }).message, /pado cluster partitions move t:0=4,2,3/);
  assert.equal(planTransfer(tp, undefined, 1).kind, 'refuse');
});

test('progress: each new replica in sync and each partition moved is a step', () => {
  const progress = [
    { topic: 't', partition: 0, adding: [4], inSync: 1, done: false },
    { topic: 't', partition: 1, adding: [4, 5], inSync: 0, done: false },
  ];
  assert.deepEqual(progressUnits(progress), { done: 1, total: 5 });
  assert.equal(progressLine(progress), `[${'#'.repeat(5)}${'-'.repeat(19)}] 1/3 new replicas in sync, 0/2 partitions moved`);
  assert.equal(progressLine(progress.map((p) => ({ ...p, done: true }))),
    `[${'#'.repeat(24)}] 3/3 new replicas in sync, 2/2 partitions moved`);
});

test('cluster maintenance: actions, and what enable reports', () => {
  assert.deepEqual(parseMaintenance(['enable', '2'], {}, bootstrap),
    { action: 'enable', bootstrap, id: 2, timeoutMs: 30_000 });
  assert.deepEqual(parseMaintenance(['status'], { format: 'json' }, bootstrap),
    { action: 'status', bootstrap, format: 'json' });
  assert.throws(() => parseMaintenance(['on', '2'], {}, bootstrap), /enable, disable, status/);
  assert.throws(() => parseMaintenance(['enable'], {}, bootstrap), /not a node id/);
  assert.match(drainReport(2, { brokerId: 2, leaderCount: 0, stuckLeaders: 0 }), /leads no partition/);
  assert.match(drainReport(2, { brokerId: 2, leaderCount: 3, stuckLeaders: 3 }),
    /still leads 3 partition\(s\): it is their only live in-sync replica/);
});
