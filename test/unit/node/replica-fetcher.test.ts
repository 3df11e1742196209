/**
 * The follower fetch size rule: a partition gets an even share of the response, at least the
 * per-partition minimum, never more than the response — so a lone busy partition can take the
 * whole 8 MiB (and catch up with a leader that grows by more than 1 MiB per fetch). And the repair
 * of a damaged follower log through the fetch loop (below).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ReplicaFetcher, shareOf } from '../../../src/node/replica-fetcher.js';
import { FollowerReplica } from '../../../src/partitions/index.js';
import type { FetchRequest } from '../../../src/protocol/index.js';
import {
  buildBatch, rewriteBatchHeader, validateBatches,
} from '../../../src/protocol/records/index.js';
import { logConfigDefaults, PartitionLog } from '../../../src/storage/index.js';

const MiB = 1024 * 1024;

test('each partition gets an even share of the response, within [min, response]', () => {
  assert.equal(shareOf(1, 8 * MiB, MiB), 8 * MiB, 'alone: the whole response');
  assert.equal(shareOf(2, 8 * MiB, MiB), 4 * MiB);
  assert.equal(shareOf(3, 8 * MiB, MiB), Math.floor(8 * MiB / 3));
  assert.equal(shareOf(8, 8 * MiB, MiB), MiB);
  assert.equal(shareOf(100, 8 * MiB, MiB), MiB, 'never below the minimum');
  assert.equal(shareOf(0, 8 * MiB, MiB), 8 * MiB);
  assert.equal(shareOf(1, MiB / 2, MiB), MiB / 2, 'never above the response');
});

/**
 * The repair loop against a scripted leader, on a real log: a follower whose log is damaged from
 * offset 5 fetches there (one byte's worth), gets no records while the leader still counts it in
 * the ISR and waits, is not asked again before `repairRetryMs`, truncates to 5 once the leader
 * serves it (the log's damage is gone), then refetches 5.. like any follower.
 */
test('a damaged follower waits to leave the ISR, then truncates and refetches', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pado-fetcher-'));
  const log = await PartitionLog.open(join(dir, 't-0'), { ...logConfigDefaults,
    diskReserveBytes: 0 });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const batchAt = (offset: number) => {
    const b = buildBatch({ records: [{ key: null, value: Buffer.from(`v${offset}`),
      timestamp: 1 }], compression: 'none' });
    rewriteBatchHeader(b, 0, offset, 1);
    return b;
  };
  for (let i = 0; i < 10; i++) {
    const b = batchAt(i);
    const checked = validateBatches(b);
    assert.ok(checked.ok);
    await log.appendAsFollower(b, checked.batches, 1).durable;
  }
  log.reportDamage({ offset: 5, kind: 'corrupt', file: 'x', position: 0, detail: 'test',
    foundBy: 'scrub' });
  const replica = new FollowerReplica({ leaderId: 9, leaderEpoch: 2, logEndOffset: 10,
    syncedOffset: 10, highWatermark: 10, epochs: log.leaderEpochs, truncateFirst: false,
    damagedFrom: 5 });
  const slot = { topic: 't', partition: 0, log, replica };
  const asked: { fetchOffset: number; lastFetchedEpoch: number; partitionMaxBytes: number }[] = [];
  let now = 1_000;
  let inIsr = true;
  const send = async <R>(_key: number, _version: number, request: unknown): Promise<R> => {
    const p = (request as FetchRequest).topics[0]!.partitions[0]!;
    asked.push({ fetchOffset: p.fetchOffset, lastFetchedEpoch: p.lastFetchedEpoch,
      partitionMaxBytes: p.partitionMaxBytes });
    // The leader withholds records from an ISR member below its HW (leader-replica.ts).
    const records = inIsr ? Buffer.alloc(0) : Buffer.concat(Array.from(
      { length: 10 - p.fetchOffset }, (_, i) => batchAt(p.fetchOffset + i)));
    return { responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0,
      highWatermark: 10, divergingEpoch: { epoch: -1, endOffset: -1 }, records }] }] } as R;
  };
  const fetcher = new ReplicaFetcher({ nodeId: 2, sourceId: 9, partitions: () => [slot],
    isCurrent: () => true, send, log: pino({ level: 'silent' }), nowMs: () => now,
    repairRetryMs: 100 });

  assert.equal(await fetcher.round(), false, 'waiting is no progress');
  assert.deepEqual(asked, [{ fetchOffset: 5, lastFetchedEpoch: 1, partitionMaxBytes: 1 }]);
  assert.equal(log.logEndOffset, 10, 'kept while the leader counts it in the ISR');
  assert.equal(log.damage?.offset, 5);
  assert.equal(await fetcher.round(), false);
  assert.equal(asked.length, 1, 'not asked again before repairRetryMs');

  inIsr = false;
  now += 100;
  assert.equal(await fetcher.round(), true);
  assert.equal(log.logEndOffset, 5);
  assert.equal(log.damage, undefined);
  assert.equal(await fetcher.round(), true);
  assert.equal(asked.at(-1)?.fetchOffset, 5);
  assert.ok((asked.at(-1)?.partitionMaxBytes ?? 0) > 1);
  assert.equal(log.logEndOffset, 10);
  const read = await log.read(0, 1 << 20, 10);
  assert.ok(read.kind === 'records' && read.nextOffset === 10);
});
