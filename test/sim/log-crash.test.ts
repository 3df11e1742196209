/**
 * Seeded crash simulation of the partition log (the "no acknowledged write is lost" rule, under
 * torn and lost unsynced writes). Per seed: a log on MemFs (test/support/mem-fs.ts) with small
 * segments takes random appends while its writes and fsyncs interleave as the seed says; at a
 * random moment the machine "loses power" (unsynced writes dropped, partly kept, or torn). The log
 * is reopened on what survived and must hold every acknowledged batch, byte for byte, at its
 * offsets, with contiguous offsets from the start and a clean tail; appends then continue at the
 * recovered end. Rare events are counted (a torn tail actually truncated, a crash with acks still
 * pending, a segment roll before the crash) and the run fails if one never happens.
 * Replay: PADO_SEED=<n> node --test dist/test/sim/log-crash.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/common/index.js';
import { buildBatch, decodeRecords, validateBatches } from '../../src/protocol/records/index.js';
import { DiskSpaceGuard, PartitionLog, type LogConfig } from '../../src/storage/index.js';
import { logBatches } from '../support/log-batches.js';
import { MemFs } from '../support/mem-fs.js';
import { storageIo } from '../support/storage-io.js';

const seeds = process.env.PADO_SEED !== undefined ? [Number(process.env.PADO_SEED)]
  : Array.from({ length: Number(process.env.PADO_SIM_SEEDS ?? 200) }, (_, i) => i + 1);
const dir = '/data/sim-0';
const config: LogConfig = {
  segmentBytes: 4096, segmentMs: 7 * 24 * 3600 * 1000, retentionBytes: -1, retentionMs: -1,
  durable: true, maxMessageBytes: 1 << 20, diskReserveBytes: 0,
};

interface Appended {
  readonly base: number;
  readonly values: string[];
  acked: boolean;
}

function guard(): DiskSpaceGuard {
  return new DiskSpaceGuard(dir, { reserveBytes: 0, measure: async () => Number.MAX_SAFE_INTEGER });
}

async function open(fs: MemFs): Promise<PartitionLog> {
  return PartitionLog.open(dir, config, { ...storageIo, fs }, { diskGuard: guard() });
}

function append(log: PartitionLog, prng: Prng, serial: { n: number }): Appended {
  const values = Array.from({ length: prng.between(1, 4) }, () => `v${serial.n++}-${'x'.repeat(prng.below(300))}`);
  const batch = buildBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1_000 + serial.n })),
    compression: 'none',
  });
  const checked = validateBatches(batch);
  assert.ok(checked.ok);
  const result = log.append(batch, checked.batches, 0, 1_000);
  const entry: Appended = { base: result.baseOffset, values, acked: false };
  result.durable.then(() => void (entry.acked = true), () => undefined);
  return entry;
}

/** Every record from offset 0 to the end, as (offset, value). */
async function readAll(log: PartitionLog): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const { bytes } of await logBatches(log)) {
    const decoded = decodeRecords(bytes);
    assert.ok(decoded.ok);
    for (const r of decoded.records) out.set(r.offset, r.value!.toString());
  }
  return out;
}

async function runSeed(seed: number, marks: Map<string, number>): Promise<void> {
  const prng = new Prng(seed);
  const mark = (name: string) => marks.set(name, (marks.get(name) ?? 0) + 1);
  let fs = new MemFs(prng);
  const log = await open(fs);
  const serial = { n: 0 };
  const appended: Appended[] = [];
  const steps = prng.between(5, 120);
  for (let i = 0; i < steps; i++) {
    if (prng.chance(0.6)) appended.push(append(log, prng, serial));
    else for (let t = prng.below(6); t > 0; t--) await new Promise((r) => setImmediate(r));
  }
  for (let t = prng.below(20); t > 0; t--) await new Promise((r) => setImmediate(r));
  if (log.segmentCount > 1) mark('segment rolled');
  if (appended.some((a) => !a.acked)) mark('crash with acks pending');
  const acked = appended.filter((a) => a.acked);
  fs = fs.crash();

  const recovered = await open(fs);
  if (recovered.truncatedAtOpenBytes > 0) mark('torn tail truncated');
  const records = await readAll(recovered);
  const offsets = [...records.keys()];
  assert.deepEqual(offsets, offsets.map((_, i) => i), 'offsets contiguous from 0');
  for (const a of acked) {
    a.values.forEach((v, i) => assert.equal(records.get(a.base + i), v, `acked offset ${a.base + i}`));
  }
  for (const [offset, value] of records) {
    const owner = appended.find((a) => offset >= a.base && offset < a.base + a.values.length);
    assert.equal(value, owner?.values[offset - owner.base], `offset ${offset} holds what was appended there`);
  }
  const end = recovered.logEndOffset;
  const after = append(recovered, prng, serial);
  assert.equal(after.base, end, 'appends continue at the recovered end');
  await recovered.flush();
  assert.equal(after.acked, true);
  await recovered.close();
}

test(`partition log crash simulation over ${seeds.length} seed(s)`, async () => {
  const marks = new Map<string, number>();
  for (const seed of seeds) {
    try {
      await runSeed(seed, marks);
    } catch (err) {
      throw new Error(`seed=${seed}: ${(err as Error).message}\n  replay: PADO_SEED=${seed} node --test dist/test/sim/log-crash.test.js`, { cause: err });
    }
  }
  if (seeds.length > 50) {
    for (const name of ['segment rolled', 'crash with acks pending', 'torn tail truncated']) {
      assert.ok((marks.get(name) ?? 0) > 0, `rare event never happened: ${name} (${JSON.stringify([...marks])})`);
    }
  }
});
