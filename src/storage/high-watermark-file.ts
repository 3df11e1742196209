/**
 * The high-watermark checkpoint of a partition (`high-watermark.checkpoint`, Kafka's
 * replication-offset-checkpoint, here one small file per partition): the HW its replica last
 * knew, CRC-sealed like the other small files. A restarted replica starts from it instead of its
 * own log end, which may hold records the other in-sync replicas never got (acks=all not yet
 * answered): exposing those to consumers would break "HW ≤ every ISR member's synced offset".
 * A lower value than the true HW is always safe (it only delays reads until followers fetch),
 * so the file is written on a timer, not per append; a missing or unreadable file is "unknown".
 */
import { join } from 'node:path';
import { readInt64, writeInt64 } from '../protocol/records/index.js';
import type { FsOps } from './fs-ops.js';
import { seal, unseal } from './log-files.js';

export const highWatermarkFileName = 'high-watermark.checkpoint';
/** Payload: [highWatermark i64]. */
const payloadBytes = 8;

export function encodeHighWatermark(offset: number): Buffer {
  const payload = Buffer.alloc(payloadBytes);
  writeInt64(payload, 0, offset);
  return seal(payload);
}

/** The offset a checkpoint file holds, or undefined when it is torn, rotten or malformed. */
export function decodeHighWatermark(file: Buffer): number | undefined {
  const payload = unseal(file);
  if (payload === undefined || payload.length !== payloadBytes) return undefined;
  const offset = readInt64(payload, 0);
  return offset !== undefined && offset >= 0 ? offset : undefined;
}

export async function readHighWatermark(fs: FsOps, dir: string): Promise<number | undefined> {
  const file = await fs.readFile(join(dir, highWatermarkFileName));
  return file === undefined ? undefined : decodeHighWatermark(file);
}

export async function writeHighWatermark(fs: FsOps, dir: string, offset: number): Promise<void> {
  await fs.writeFileDurable(join(dir, highWatermarkFileName), encodeHighWatermark(offset));
}
