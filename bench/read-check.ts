/**
 * What checking every batch a read returns costs (issue 13, break 4: a bad batch is never
 * served). A partition log of `mib` MiB in batches of about 200 B, 1 KiB and 16 KiB is read from
 * start to end in 1 MiB fetches through `PartitionLog.read`, which checks the length, magic,
 * CRC32C and offset continuity of each batch it returns. The file is hot in the page cache, so
 * the read is CPU-bound: the worst case for the check's share. Beside it, the same bytes walked by
 * `checkStoredBatch` alone (the read's check) and by `crc32c` alone. One JSON line:
 * per batch size, the read rate, the check's time per MiB and its share of the read's time
 * (median and range of `runs` runs).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import {
  batchCrcStart, batchLogOverheadBytes, buildBatch, validateBatches,
} from '../src/protocol/records/index.js';
import { checkStoredBatch, logConfigDefaults, PartitionLog } from '../src/storage/index.js';
import { MiB, round, type RunsMibOptions, spread, tempDir } from './support.js';
import { systemClock, systemDisk } from '../src/node/io/index.js';

export type ReadCheckOptions = RunsMibOptions;

export const readCheckDefaults: ReadCheckOptions = { runs: 5, mib: 64 };

const fetchBytes = 1024 * 1024;

export async function readCheck(opts: ReadCheckOptions): Promise<object> {
  const sizes: Record<string, object> = {};
  for (const valueBytes of [128, 1000, 16_000]) {
    sizes[`batch${valueBytes}`] = await oneSize(opts, valueBytes);
  }
  return { measure: 'read-check', mib: opts.mib, runs: opts.runs, fetchBytes, ...sizes };
}

async function oneSize(opts: ReadCheckOptions, valueBytes: number): Promise<object> {
  const dir = tempDir('pado-bench-read-');
  const log = await PartitionLog.open(join(dir, 't-0'),
    { ...logConfigDefaults, diskReserveBytes: 0, durable: false },
    { fs: systemDisk, clock: systemClock });
  try {
    const batch = buildBatch({ records: [{ key: null, value: Buffer.alloc(valueBytes, 0x61),
      timestamp: 1 }], compression: 'none' });
    const count = Math.ceil(opts.mib * MiB / batch.length);
    for (let i = 0; i < count; i++) {
      const copy = Buffer.from(batch);
      const checked = validateBatches(copy);
      if (!checked.ok) throw new Error(checked.message);
      log.append(copy, checked.batches, 1, 1);
      if (i % 1000 === 999) await log.flush();
    }
    await log.flush();
    const readMs: number[] = [];
    const checkMs: number[] = [];
    const crcMs: number[] = [];
    for (let run = 0; run <= opts.runs; run++) {
      const r = await readAll(log);
      // The first pass warms the page cache and the JIT; it is not counted.
      if (run === 0) continue;
      readMs.push(r.readMs);
      checkMs.push(r.checkMs);
      crcMs.push(r.crcMs);
    }
    const bytes = count * batch.length;
    const mibs = bytes / MiB;
    return {
      batchBytes: batch.length,
      readMiBps: spread(readMs.map((ms) => mibs / (ms / 1000))),
      checkMsPerMiB: spread(checkMs.map((ms) => ms / mibs)),
      crcGiBps: spread(crcMs.map((ms) => mibs / 1024 / (ms / 1000))),
      checkShareOfRead: round(median(checkMs) / median(readMs)),
    };
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the whole log in 1 MiB fetches; then times the check and the CRC alone on those bytes. */
async function readAll(log: PartitionLog):
  Promise<{ readMs: number; checkMs: number; crcMs: number }> {
  const fetched: Buffer[] = [];
  let offset = 0;
  const t0 = performance.now();
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, fetchBytes, log.logEndOffset);
    if (r.kind !== 'records' || r.records.length === 0) {
      throw new Error(`read at ${offset}: ${r.kind}`);
    }
    fetched.push(r.records);
    offset = r.nextOffset;
  }
  const readMs = performance.now() - t0;
  const t1 = performance.now();
  for (const records of fetched) {
    for (let at = 0; at < records.length;) {
      const size = records.readInt32BE(at + 8) + batchLogOverheadBytes;
      const bad = checkStoredBatch(records, at, size);
      if (bad !== undefined) throw new Error(bad);
      at += size;
    }
  }
  const checkMs = performance.now() - t1;
  const t2 = performance.now();
  for (const records of fetched) {
    for (let at = 0; at < records.length;) {
      const size = records.readInt32BE(at + 8) + batchLogOverheadBytes;
      crc32c(records.subarray(at + batchCrcStart, at + size));
      at += size;
    }
  }
  return { readMs, checkMs, crcMs: performance.now() - t2 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
