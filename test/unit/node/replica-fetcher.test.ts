/**
 * The follower fetch size rule: a partition gets an even share of the response, at least the
 * per-partition minimum, never more than the response — so a lone busy partition can take the
 * whole 8 MiB (and catch up with a leader that grows by more than 1 MiB per fetch).
 * A refused follower append (disk below the reserve, checked synchronously; ENOSPC in the write,
 * reported through the durable promise) is not the end of fetching (issue 13, break 5): one
 * ReplicaFetcher round at a time, on a real PartitionLog with a controllable disk guard and a
 * fake leader, the partition is warned about, not fetched while its log refuses, and fetched
 * again from the log's real end once space returns, until it holds the leader's records.
 * And the repair of a damaged follower log through the fetch loop (below).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  appendRefusedPauseMs, ReplicaFetcher, shareOf,
} from '../../../src/node/replica-fetcher.js';
import type { FollowerSlot } from '../../../src/node/replica-manager.js';
import { clockReading } from '../../support/manual-clock.js';
import { FollowerReplica } from '../../../src/partitions/index.js';
import { ApiKey, type FetchRequest, type FetchResponse } from '../../../src/protocol/index.js';
import {
  buildBatch, rewriteBatchHeader, validateBatches,
} from '../../../src/protocol/records/index.js';
import {
  DiskSpaceGuard, type FsOps, logConfigDefaults, PartitionLog, type StorageFile,
} from '../../../src/storage/index.js';
import { storageIo, systemDisk } from '../../support/storage-io.js';

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

const t0 = 1_700_000_000_000;
const reserveBytes = 1_000_000;

/** The leader's log: `count` one-record batches of epoch 0, back to back. */
function leaderBatches(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const bytes = buildBatch({ records: [{ key: null, value: Buffer.alloc(200, 0x61 + i),
      timestamp: t0 + i }], compression: 'none' });
    // Offsets as the leader assigned them (base offset i, epoch 0).
    bytes.writeBigInt64BE(BigInt(i), 0);
    bytes.writeInt32BE(0, 12);
    return bytes;
  });
}

/** A seam whose next writev fails with ENOSPC (nothing written). */
function failingFs(): { fs: FsOps; failNextWrite: boolean } {
  const state = { failNextWrite: false, fs: undefined as unknown as FsOps };
  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    async writev(buffers, position) {
      if (!state.failNextWrite) return file.writev(buffers, position);
      state.failNextWrite = false;
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    },
    read: (into, length, position) => file.read(into, length, position),
    sync: () => file.sync(),
    truncate: (length) => file.truncate(length),
    size: () => file.size(),
    close: () => file.close(),
  });
  state.fs = { ...systemDisk,
    open: async (path, create) => wrap(await systemDisk.open(path, create)) };
  return state;
}

async function setUp(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'pado-fetcher-'));
  let free = reserveBytes + 100;
  const guard = new DiskSpaceGuard(dir, { reserveBytes, checkIntervalMs: 100,
    measure: async () => free });
  const seam = failingFs();
  const log = await PartitionLog.open(dir, { ...logConfigDefaults, diskReserveBytes: reserveBytes }, { ...storageIo, fs: seam.fs },
    { diskGuard: guard, });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  await guard.refresh();
  const replica = new FollowerReplica({ leaderId: 1, leaderEpoch: 0, logEndOffset: 0,
    syncedOffset: 0, highWatermark: 0, epochs: log.leaderEpochs });
  const slot: FollowerSlot = { topic: 't', partition: 0, log, replica };
  const batches = leaderBatches(3);
  const fetchOffsets: number[] = [];
  const lines: { level: number; msg: string; topic?: string; partition?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  let nowMs = t0;
  const fetcher = new ReplicaFetcher({
    nodeId: 2, sourceId: 1, partitions: () => [slot], isCurrent: () => true, log: logger,
    clock: clockReading(() => nowMs),
    send: async <R>(apiKey: number, _version: number, request: unknown): Promise<R> => {
      assert.equal(apiKey, ApiKey.fetch);
      const offset = (request as FetchRequest).topics[0]?.partitions[0]?.fetchOffset ?? -1;
      fetchOffsets.push(offset);
      const response = { responses: [{ topic: 't', partitions: [{ partitionIndex: 0,
        errorCode: 0, highWatermark: batches.length, divergingEpoch: { epoch: -1, endOffset: -1 },
        records: Buffer.concat(batches.slice(offset)) }] }] };
      return response as unknown as FetchResponse as R;
    },
  });
  return {
    log, replica, seam, fetcher, fetchOffsets, lines,
    setFree: async (bytes: number) => {
      free = bytes;
      await guard.refresh(); // one a round started may still be running: then a fresh one
      await guard.refresh();
    },
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

test('disk below the reserve at append: warned, paused, fetched again from the log end',
  async (t) => {
    const s = await setUp(t);
    // Above the reserve by less than the fetched batches: the probe passes, the append is refused.
    assert.equal(await s.fetcher.round(), true);
    assert.deepEqual(s.fetchOffsets, [0]);
    assert.equal(s.log.logEndOffset, 0, 'nothing appended');
    assert.equal(s.replica.logEndOffset, 0, 'the state machine is back at the log end');
    assert.equal(s.replica.lastFetchedEpoch, -1, 'no epoch for records it does not hold');
    assert.equal(s.replica.highWatermark, 0);
    const warns = s.lines.filter((l) => l.level === 40);
    assert.equal(warns.length, 1);
    assert.equal(warns[0]?.topic, 't');
    assert.equal(warns[0]?.partition, 0);

    // Paused: no fetch of records it would refuse again; then below the reserve: still none.
    assert.equal(await s.fetcher.round(), false);
    await s.setFree(10);
    s.advance(appendRefusedPauseMs);
    assert.equal(await s.fetcher.round(), false);
    assert.deepEqual(s.fetchOffsets, [0]);
    assert.equal(s.lines.filter((l) => l.level === 40).length, 1, 'one warn per episode');

    // Space returns: the next round after the pause fetches from 0 and appends everything.
    await s.setFree(1e12);
    s.advance(appendRefusedPauseMs);
    assert.equal(await s.fetcher.round(), true);
    assert.deepEqual(s.fetchOffsets, [0, 0]);
    assert.equal(s.log.logEndOffset, 3);
    assert.equal(s.replica.syncedOffset, 3);
    assert.equal(s.replica.nextRequest()?.kind, 'fetch');
    assert.ok(s.lines.some((l) => l.level === 30 && l.msg === 'follower appends resumed'));
    const read = await s.log.read(0, 1 << 20, Infinity);
    assert.ok(read.kind === 'records' && read.records.equals(Buffer.concat(leaderBatches(3))));
  });

test('ENOSPC while writing: the log rolls back and the partition is fetched again', async (t) => {
  const s = await setUp(t);
  await s.setFree(1e12);
  s.seam.failNextWrite = true;
  assert.equal(await s.fetcher.round(), true);
  assert.equal(s.log.logEndOffset, 0, 'rolled back to what is on disk');
  assert.equal(s.replica.logEndOffset, 0);
  assert.equal(s.replica.nextRequest()?.kind, 'fetch', 'not waiting for a sync that never comes');
  assert.equal(s.lines.filter((l) => l.level === 40).length, 1);
  s.advance(appendRefusedPauseMs);
  assert.equal(await s.fetcher.round(), true);
  assert.deepEqual(s.fetchOffsets, [0, 0]);
  assert.equal(s.log.logEndOffset, 3);
  assert.equal(s.replica.syncedOffset, 3);
  const checked = validateBatches((await s.log.read(0, 1 << 20, Infinity) as
    { records: Buffer }).records);
  assert.ok(checked.ok && checked.batches.length === 3);
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
    diskReserveBytes: 0 }, storageIo);
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
    isCurrent: () => true, send, log: pino({ level: 'silent' }), clock: clockReading(() => now),
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
