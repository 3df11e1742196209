/**
 * Seeded simulation of idempotent-producer state across crashes (issue 13, break 3: "a duplicate
 * from an idempotent producer means a broker accepted a retried batch as new"). Per seed: a
 * partition log on MemFs with small segments (so producer snapshots are taken at rolls) takes
 * batches from three idempotent producers, each with its own sequences; the seed interleaves
 * writes and fsyncs, clean restarts (a snapshot at close), follower truncations at random offsets
 * (as after a leader change; the producer then re-sends what was cut, as a real one would), and
 * finally a power loss (unsynced writes dropped, kept or torn). After reopening on what survived,
 * the rule that prevents duplicates must hold for every producer, against the recovered log:
 * - each of its last five batches in the log, sent again, is recognised as a duplicate at the
 *   offsets the log holds it at (never appended a second time);
 * - its next batch (sequence after its last one in the log) is appended;
 * - a batch it never wrote past a gap is refused (out of order), never appended.
 * Rare events are counted and the run fails if one never happens.
 * Replay: PADO_SEED=<n> node --test dist/test/sim/producer-state-crash.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/common/index.js';
import { lastSequenceOf } from '../../src/partitions/index.js';
import { buildBatch, validateBatches } from '../../src/protocol/records/index.js';
import { DiskSpaceGuard, PartitionLog, type LogConfig } from '../../src/storage/index.js';
import { logBatches } from '../support/log-batches.js';
import { MemFs } from '../support/mem-fs.js';
import { storageIo } from '../support/storage-io.js';

const seeds = process.env.PADO_SEED !== undefined ? [Number(process.env.PADO_SEED)]
  : Array.from({ length: Number(process.env.PADO_SIM_SEEDS ?? 200) }, (_, i) => i + 1);
const dir = '/data/producers-0';
const config: LogConfig = {
  segmentBytes: 2048, segmentMs: 7 * 24 * 3600 * 1000, retentionBytes: -1, retentionMs: -1,
  durable: true, maxMessageBytes: 1 << 20, diskReserveBytes: 0,
};
const producerIds = [1000, 1001, 1002];
const remembered = 5;

function guard(): DiskSpaceGuard {
  return new DiskSpaceGuard(dir, { reserveBytes: 0, measure: async () => Number.MAX_SAFE_INTEGER });
}

function open(fs: MemFs): Promise<PartitionLog> {
  return PartitionLog.open(dir, config, { ...storageIo, fs }, { diskGuard: guard() });
}

function batchOf(producerId: number, baseSequence: number, count: number, prng: Prng): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: null, value: Buffer.from(`${producerId}:${baseSequence + i}:${'x'.repeat(prng.below(200))}`),
    timestamp: 1_000 + baseSequence + i,
  }));
  return buildBatch({ records, compression: 'none', producerId, producerEpoch: 0, baseSequence });
}

/** Appends as a leader would: the producer-state check first, then the append. */
function produce(log: PartitionLog, batch: Buffer): 'append' | 'duplicate' | 'error' {
  const checked = validateBatches(batch);
  assert.ok(checked.ok);
  const h = checked.batches[0]!;
  const last = lastSequenceOf(h.baseSequence, h.lastOffsetDelta);
  const decision = log.producerState.check(h.producerId, h.producerEpoch, h.baseSequence, last);
  if (decision.kind !== 'append') return decision.kind;
  const result = log.append(batch, checked.batches, 0, 1_000);
  result.durable.catch(() => undefined);
  return 'append';
}

interface LoggedBatch {
  readonly producerId: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: number;
}

/** Every batch of the log, in order. */
async function batchesIn(log: PartitionLog): Promise<LoggedBatch[]> {
  return (await logBatches(log)).map(({ header: h }) => ({ producerId: h.producerId,
    firstSeq: h.baseSequence, lastSeq: lastSequenceOf(h.baseSequence, h.lastOffsetDelta),
    baseOffset: h.baseOffset }));
}

async function settle(prng: Prng, max: number): Promise<void> {
  for (let t = prng.below(max); t > 0; t--) await new Promise((r) => setImmediate(r));
}

async function runSeed(seed: number, marks: Map<string, number>): Promise<void> {
  const prng = new Prng(seed);
  const mark = (name: string) => marks.set(name, (marks.get(name) ?? 0) + 1);
  let fs = new MemFs(prng);
  let log = await open(fs);
  // What each producer believes it has sent next (it re-sends from the log's end after a cut).
  const next = new Map(producerIds.map((id) => [id, 0]));
  const steps = prng.between(10, 150);
  for (let i = 0; i < steps; i++) {
    const roll = prng.float();
    if (roll < 0.6) {
      const producerId = prng.pick(producerIds);
      const seq = next.get(producerId)!;
      const count = prng.between(1, 3);
      if (produce(log, batchOf(producerId, seq, count, prng)) === 'append') {
        next.set(producerId, seq + count);
      }
    } else if (roll < 0.66 && log.logEndOffset > 0) {
      // A follower cut at a divergence; the producers re-send from what the log still holds.
      await log.flush();
      await log.truncateTo(prng.below(log.logEndOffset + 1));
      mark('truncated');
      for (const id of producerIds) next.set(id, 0);
      for (const b of await batchesIn(log)) next.set(b.producerId, b.lastSeq + 1);
    } else if (roll < 0.7) {
      await log.close();
      log = await open(fs);
      mark('clean restart');
    } else {
      await settle(prng, 6);
    }
  }
  await settle(prng, 20);
  if (log.segmentCount > 2) mark('several segments');
  fs = fs.crash();
  const recovered = await open(fs);
  if (recovered.truncatedAtOpenBytes > 0) mark('torn tail truncated');
  const logged = await batchesIn(recovered);
  for (const producerId of producerIds) {
    const mine = logged.filter((b) => b.producerId === producerId);
    for (const b of mine.slice(-remembered)) {
      const check = recovered.producerState.check(producerId, 0, b.firstSeq, b.lastSeq);
      assert.deepEqual(check.kind === 'duplicate' ? [check.kind, check.baseOffset] : [check.kind],
        ['duplicate', b.baseOffset],
        `producer ${producerId}: a retry of seq ${b.firstSeq}–${b.lastSeq} (at offset ${b.baseOffset})`);
      mark('retry recognised');
    }
    const after = (mine.at(-1)?.lastSeq ?? -1) + 1;
    const nextCheck = recovered.producerState.check(producerId, 0, after, after);
    assert.equal(nextCheck.kind, 'append', `producer ${producerId}: next seq ${after}`);
    if (mine.length > 0) {
      const gap = recovered.producerState.check(producerId, 0, after + 1, after + 1);
      assert.equal(gap.kind, 'error', `producer ${producerId}: seq ${after + 1} past a gap`);
    }
  }
  await recovered.close();
}

test(`idempotent producer state across crashes: ${seeds.length} seed(s)`, async () => {
  const marks = new Map<string, number>();
  for (const seed of seeds) {
    try {
      await runSeed(seed, marks);
    } catch (err) {
      throw new Error(`seed=${seed}: ${(err as Error).message}\n  replay: PADO_SEED=${seed} ` +
        'node --test dist/test/sim/producer-state-crash.test.js', { cause: err });
    }
  }
  if (seeds.length > 50) {
    for (const name of ['truncated', 'clean restart', 'several segments', 'torn tail truncated',
      'retry recognised']) {
      assert.ok((marks.get(name) ?? 0) > 0,
        `rare event never happened: ${name} (${JSON.stringify([...marks])})`);
    }
  }
});
