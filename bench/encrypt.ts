/**
 * What encryption at rest costs (issue 15 item 5), so the storage wiring can predict its share of
 * `npm run bench -- produce-consume` (target: under 15 %). RecordBatch v2 batches of about 1 KiB,
 * 16 KiB (Kafka's default batch.size) and 1 MiB, built from 1,000-byte records (the produce
 * bench's size), go through `encryptBatch` then `decryptBatch` (src/security/at-rest.ts), nonces
 * from the production Random (node/io; since ab595ff it cuts small draws from 4 KiB blocks, what
 * this bench's own "block Random" column priced before and no longer needs to). `mib` MiB per size per run; the first run warms the JIT
 * and is not counted. Beside them, from the same runs: AES-256-GCM alone (one cipher per batch,
 * no envelope) and CRC32C alone (encryptBatch's pass over the stored bytes); `sealValue` +
 * `openValue` of 100-byte values (Raft entries); the cost of drawing one nonce. Rates are MiB of
 * plaintext batches per second of wall time; `encryptCpuMsPerMiB` and `decryptCpuMsPerMiB` are
 * the process's CPU time (user + system) per MiB, which contention on a shared machine disturbs
 * less than wall time; `encryptPartsCpuMsPerMiB` the same with `encryptBatchParts` (no single
 * output buffer).
 * One JSON line: per size, median and range over `runs`.
 */
import { createCipheriv } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import { buildBatch, rewriteBatchHeader } from '../src/protocol/records/index.js';
import {
  DataKeys, decryptBatch, encryptBatch, encryptBatchParts, encryptedBatchOverheadBytes, masterKey,
  MasterKeyRing, openValue, sealValue,
} from '../src/security/index.js';
import { systemRandom } from '../src/node/io/index.js';
import { MiB, round, type RunsMibOptions, spread } from './support.js';

export type EncryptOptions = RunsMibOptions;

export const encryptDefaults: EncryptOptions = { runs: 5, mib: 64 };

const recordBytes = 1000;
const valueOps = 100_000;

export async function encrypt(opts: EncryptOptions): Promise<object> {
  const ring = MasterKeyRing.of([masterKey(1, systemRandom.bytes(32))]);
  const keys = DataKeys.empty();
  keys.addNewKey(ring, systemRandom);
  const sizes: Record<string, object> = {};
  for (const records of [1, 16, 1024]) {
    sizes[`batch${records}x1000`] = oneSize(opts, keys, records);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    measure: 'encrypt', runs: opts.runs, mib: opts.mib, overheadBytesPerBatch:
      encryptedBatchOverheadBytes, ...sizes, values100: values(opts, keys),
    nonceDrawUs: nonceDraws(opts),
  };
}

/** One `systemRandom.bytes(12)`, the nonce each encryption draws (a slice of a 4 KiB draw). */
function nonceDraws(opts: EncryptOptions): object {
  const perDrawUs: number[] = [];
  for (let run = 0; run <= opts.runs; run++) {
    const t0 = performance.now();
    for (let i = 0; i < valueOps; i++) systemRandom.bytes(12);
    if (run > 0) perDrawUs.push((performance.now() - t0) * 1000 / valueOps);
  }
  return spread(perDrawUs);
}

function sampleBatch(records: number): Buffer {
  const value = Buffer.alloc(recordBytes, 0x61);
  const batch = buildBatch({ compression: 'none', records: Array.from({ length: records },
    (_, i) => ({ key: null, value, timestamp: 1_700_000_000_000 + i })) });
  rewriteBatchHeader(batch, 0, 1_000_000, 5);
  return batch;
}

interface RunTimes {
  encryptMs: number;
  decryptMs: number;
  encryptCpuMs: number;
  decryptCpuMs: number;
  /** `encryptBatchParts` (no single output buffer). */
  encryptPartsCpuMs: number;
  gcmMs: number;
  crcMs: number;
}

function oneSize(opts: EncryptOptions, keys: DataKeys, records: number): object {
  const batch = sampleBatch(records);
  const count = Math.max(1, Math.round(opts.mib * MiB / batch.length));
  const mibs = count * batch.length / MiB;
  const runs: RunTimes[] = [];
  for (let run = 0; run <= opts.runs; run++) {
    const times = oneRun(keys, batch, count);
    if (run > 0) runs.push(times);
  }
  const rate = (ms: number): number => mibs / (ms / 1000);
  return {
    batchBytes: batch.length,
    batches: count,
    overheadPct: round(100 * encryptedBatchOverheadBytes / batch.length),
    encryptMiBps: spread(runs.map((r) => rate(r.encryptMs))),
    decryptMiBps: spread(runs.map((r) => rate(r.decryptMs))),
    roundTripMiBps: spread(runs.map((r) => rate(r.encryptMs + r.decryptMs))),
    encryptCpuMsPerMiB: spread(runs.map((r) => r.encryptCpuMs / mibs)),
    decryptCpuMsPerMiB: spread(runs.map((r) => r.decryptCpuMs / mibs)),
    encryptPartsCpuMsPerMiB: spread(runs.map((r) => r.encryptPartsCpuMs / mibs)),
    gcmAloneMiBps: spread(runs.map((r) => rate(r.gcmMs))),
    crc32cMiBps: spread(runs.map((r) => rate(r.crcMs))),
  };
}

function oneRun(keys: DataKeys, batch: Buffer, count: number): RunTimes {
  const key = keys.current;
  if (key === undefined) throw new Error('no data key');
  const stored: Buffer[] = new Array<Buffer>(count);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) stored[i] = encryptBatch(key, batch, systemRandom);
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const r = decryptBatch(keys, stored[i]!);
    if (!r.ok || r.batch.length !== batch.length) throw new Error('round trip failed');
  }
  const t2 = performance.now();
  const cpu2 = process.cpuUsage();
  const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number =>
    (b.user - a.user + b.system - a.system) / 1000;
  for (let i = 0; i < count; i++) encryptBatchParts(key, batch, systemRandom);
  const cpu3 = process.cpuUsage();
  const aesKey = key.key;
  const t3 = performance.now();
  for (let i = 0; i < count; i++) {
    const cipher = createCipheriv('aes-256-gcm', aesKey, systemRandom.bytes(12));
    cipher.update(batch);
    cipher.final();
    cipher.getAuthTag();
  }
  const t4 = performance.now();
  for (let i = 0; i < count; i++) crc32c(stored[i]!);
  const t5 = performance.now();
  return { encryptMs: t1 - t0, decryptMs: t2 - t1, encryptCpuMs: cpuMs(cpu0, cpu1),
    decryptCpuMs: cpuMs(cpu1, cpu2), encryptPartsCpuMs: cpuMs(cpu2, cpu3),
    gcmMs: t4 - t3, crcMs: t5 - t4 };
}

/** sealValue + openValue of 100-byte values under their store key: per pair, microseconds. */
function values(opts: EncryptOptions, keys: DataKeys): object {
  const key = keys.current;
  if (key === undefined) throw new Error('no data key');
  const value = Buffer.alloc(100, 0x62);
  const perPairUs: number[] = [];
  for (let run = 0; run <= opts.runs; run++) {
    const t0 = performance.now();
    for (let i = 0; i < valueOps; i++) {
      const sealed = sealValue(key, value, systemRandom, 'e/0000000000000001');
      if (!openValue(keys, sealed, 'e/0000000000000001').ok) throw new Error('open failed');
    }
    if (run > 0) perPairUs.push((performance.now() - t0) * 1000 / valueOps);
  }
  return { valueBytes: value.length, ops: valueOps, sealOpenUs: spread(perPairUs) };
}
