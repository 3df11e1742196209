/**
 * Proves a restarted replica keeps its high watermark (the log's HW checkpoint) instead of
 * exposing its whole log, on real logs in temp directories. PartitionReplica: reopened as leader
 * of an RF=3 partition whose ISR has 3 members it starts at the checkpoint (not its log end) and a
 * read above it returns no records, until the followers fetch; alone in the ISR it serves its
 * whole synced log at once; named leader in an epoch its log already holds, it serves only up to
 * the checkpoint (its whole log when alone in the ISR), and the next epoch starts from it too;
 * without a checkpoint it starts at 0.
 * ReplicaManager: its checkpoint round writes each leader's HW; close writes it; after a restart
 * the leader starts from it, and so does a follower (cut to its synced end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { nodeConfigDefaults } from '../../../src/config/index.js';
import {
  emptyImage, LeaderRecoveryState, type MetadataImage, type PartitionImage, type TopicImage,
} from '../../../src/metadata/index.js';
import { PartitionReplica } from '../../../src/node/partition-replica.js';
import { ReplicaManager } from '../../../src/node/replica-manager.js';
import { buildBatch, validateBatches } from '../../../src/protocol/records/index.js';
import { logConfigDefaults, PartitionLog } from '../../../src/storage/index.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { storageIo } from '../../support/storage-io.js';

type After = { after: (fn: () => Promise<void>) => void };
const silent = pino({ level: 'silent' });
const logConfig = { ...logConfigDefaults, diskReserveBytes: 0 };

function batch(value: string): Buffer {
  return buildBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: 1 }],
    compression: 'none' });
}

/** A temp directory, removed after `close` (hooks run in order: files are closed first). */
async function tempRoot(t: After, close?: () => Promise<void>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pado-hw-restart-'));
  t.after(async () => {
    await close?.();
    await rm(root, { recursive: true, force: true });
  });
  return root;
}

/**
 * A log left by a leader of epoch 0 that appended 3 records (one per batch) of which only the
 * first `checkpoint` were known replicated (undefined: no checkpoint written), then reopened.
 */
async function restartedLog(t: After, checkpoint: number | undefined): Promise<PartitionLog> {
  let log: PartitionLog | undefined;
  const dir = join(await tempRoot(t, () => log?.close() ?? Promise.resolve()), 't-0');
  const before = await PartitionLog.open(dir, logConfig, storageIo);
  for (const value of ['a', 'b', 'c']) {
    const records = batch(value);
    const checked = validateBatches(records);
    assert.ok(checked.ok);
    await before.append(records, checked.batches, 0, 1).durable;
  }
  if (checkpoint !== undefined) await before.checkpointHighWatermark(checkpoint);
  await before.close();
  log = await PartitionLog.open(dir, logConfig, storageIo);
  return log;
}

function replicaOn(log: PartitionLog, leaderEpoch: number, isr: number[]): PartitionReplica {
  const state = { leaderEpoch, partitionEpoch: leaderEpoch, replicas: [1, 2, 3], isr };
  return new PartitionReplica({ topic: 't', partition: 0, brokerId: 1, state, log, nowMs: 0,
    clock: systemClock, logger: silent, maxMessageBytes: 1 << 20, onAdvance: () => undefined });
}

test('restarted as leader with an ISR of 3 it starts at the checkpoint, not its log end',
  async (t) => {
    const log = await restartedLog(t, 1);
    const replica = replicaOn(log, 1, [1, 2, 3]);
    assert.ok(replica.leaderReplica !== undefined, 'a new epoch is led');
    assert.equal(log.logEndOffset, 3);
    assert.equal(replica.highWatermark(), 1);
    const above = await replica.read(1, 1 << 20);
    assert.equal(above.errorCode, 0, 'above the HW is not out of range, only not readable');
    assert.equal(above.records, null);
    assert.notEqual((await replica.read(0, 1 << 20)).records, null, 'below it reads');
    // Once both followers hold everything, the HW reaches the log end.
    for (const id of [2, 3]) await replica.readAsReplica(3, 0, 1 << 20, id, 1);
    assert.equal(replica.highWatermark(), 3);
  });

test('restarted alone in the ISR it serves its whole synced log at once', async (t) => {
  const log = await restartedLog(t, 1);
  const replica = replicaOn(log, 1, [1]);
  assert.equal(replica.highWatermark(), 3);
  assert.notEqual((await replica.read(2, 1 << 20)).records, null);
});

test('without a checkpoint a leader with an ISR of 3 starts at 0', async (t) => {
  const log = await restartedLog(t, undefined);
  assert.equal(log.checkpointedHighWatermark, undefined);
  const replica = replicaOn(log, 1, [1, 2, 3]);
  assert.equal(replica.highWatermark(), 0);
  assert.equal((await replica.read(0, 1 << 20)).records, null);
});

test('named leader in an epoch its log holds it serves up to the checkpoint; the next epoch too',
  async (t) => {
    const log = await restartedLog(t, 1);
    const replica = replicaOn(log, 0, [1, 2, 3]);
    assert.equal(replica.leaderReplica, undefined, 'epoch 0 is not led again');
    assert.equal(replica.highWatermark(), 1);
    assert.equal((await replica.read(1, 1 << 20)).records, null);
    replica.lead({ leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }, 1);
    assert.ok(replica.leaderReplica !== undefined);
    assert.equal(replica.highWatermark(), 1, 'the controller bumping the epoch adds nothing');
  });

test('named leader in an epoch its log holds, alone in the ISR, it serves its whole log',
  async (t) => {
    const log = await restartedLog(t, 1);
    const replica = replicaOn(log, 0, [1]);
    assert.equal(replica.leaderReplica, undefined);
    assert.equal(replica.highWatermark(), 3);
  });

type Placement = Pick<PartitionImage, 'leader' | 'leaderEpoch'> & { isr?: number[] };

function imageOf(p: Placement): MetadataImage {
  const partition: PartitionImage = { partition: 0, replicas: [1, 2, 3], isr: p.isr ?? [1, 2, 3],
    leader: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.leaderEpoch,
    leaderRecoveryState: LeaderRecoveryState.recovered };
  const topic: TopicImage = { name: 't', topicId: 'id-t', partitions: [partition],
    configs: new Map() };
  return { ...emptyImage('c'), topicsById: new Map([['id-t', topic]]),
    topicsByName: new Map([['t', topic]]) };
}

async function managerOn(dataDir: string, image: MetadataImage): Promise<ReplicaManager> {
  const config = { ...nodeConfigDefaults(), nodeId: 1, dataDir, diskReserveBytes: 0 };
  const manager = await ReplicaManager.open(config, silent, storageIo);
  await manager.applyImage(emptyImage('c'), image);
  return manager;
}

test('ReplicaManager checkpoints HWs and a restarted leader or follower starts from them',
  async (t) => {
    let manager: ReplicaManager | undefined;
    const dataDir = await tempRoot(t, () => manager?.close() ?? Promise.resolve());
    manager = await managerOn(dataDir, imageOf({ leader: 1, leaderEpoch: 0 }));
    const leader = manager.get('t', 0);
    assert.ok(leader !== undefined);
    for (const value of ['a', 'b']) {
      assert.equal((await leader.produce(batch(value), Date.now())).errorCode, 0);
    }
    for (const id of [2, 3]) await leader.readAsReplica(2, 0, 1 << 20, id, Date.now());
    assert.equal(leader.highWatermark(), 2);
    await manager.checkpointHighWatermarks();
    assert.equal(leader.log.checkpointedHighWatermark, 2, 'the timer round writes it');
    // Acknowledged by the leader's own fsync only (acks=1): the followers never fetched it.
    assert.equal((await leader.produce(batch('c'), Date.now())).errorCode, 0);
    assert.equal(leader.highWatermark(), 2);
    await manager.close();

    manager = await managerOn(dataDir, imageOf({ leader: 1, leaderEpoch: 1 }));
    const restarted = manager.get('t', 0);
    assert.ok(restarted?.leaderReplica !== undefined);
    assert.equal(restarted.logEndOffset(), 3);
    assert.equal(restarted.highWatermark(), 2, 'close wrote the checkpoint; the restart keeps it');
    assert.equal((await restarted.read(2, 1 << 20)).records, null);
    await manager.close();

    manager = await managerOn(dataDir, imageOf({ leader: 2, leaderEpoch: 2 }));
    assert.equal(manager.follower('t', 0)?.replica.highWatermark, 2);
  });
