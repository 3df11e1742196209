/**
 * Small files beside the segments: the log-start-offset checkpoint and producer-state snapshots
 * (`<offset>.snapshot`: the state of every producer as of just before `offset`). Both carry a
 * CRC32C so a torn or rotten file is recognised and ignored instead of trusted.
 */
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { readInt64, writeInt64 } from '../protocol/records/index.js';
import type { FsOps } from './fs-ops.js';
import { parseOffsetFileName, segmentFileName } from './segment.js';

export const checkpointFileName = 'log-start-offset.checkpoint';
export const snapshotSuffix = '.snapshot';
const crcBytes = 4;

/** Wraps a payload as [crc32c u32][payload]. */
export function seal(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(crcBytes + payload.length);
  out.writeUInt32BE(crc32c(payload), 0);
  payload.copy(out, crcBytes);
  return out;
}

/** The payload of a sealed file, or undefined when it is too short or its CRC does not match. */
export function unseal(file: Buffer): Buffer | undefined {
  if (file.length < crcBytes) return undefined;
  const payload = file.subarray(crcBytes);
  return crc32c(payload) === file.readUInt32BE(0) ? payload : undefined;
}

export async function writeLogStartOffset(fs: FsOps, dir: string, offset: number): Promise<void> {
  const payload = Buffer.alloc(8);
  writeInt64(payload, 0, offset);
  await fs.writeFileDurable(join(dir, checkpointFileName), seal(payload));
}

/** The checkpointed log start offset, or undefined when absent or unreadable. */
export async function readLogStartOffset(fs: FsOps, dir: string): Promise<number | undefined> {
  const file = await fs.readFile(join(dir, checkpointFileName));
  const payload = file === undefined ? undefined : unseal(file);
  if (payload === undefined || payload.length !== 8) return undefined;
  const offset = readInt64(payload, 0);
  return offset !== undefined && offset >= 0 ? offset : undefined;
}

export function snapshotPath(dir: string, offset: number): string {
  return join(dir, segmentFileName(offset, snapshotSuffix));
}

export async function writeSnapshot(
  fs: FsOps,
  dir: string,
  offset: number,
  state: Buffer,
): Promise<void> {
  await fs.writeFileDurable(snapshotPath(dir, offset), seal(state));
}

export async function readSnapshot(
  fs: FsOps,
  dir: string,
  offset: number,
): Promise<Buffer | undefined> {
  const file = await fs.readFile(snapshotPath(dir, offset));
  return file === undefined ? undefined : unseal(file);
}

/** Snapshot offsets present in a directory listing, ascending. */
export function snapshotOffsets(names: readonly string[]): number[] {
  const offsets: number[] = [];
  for (const name of names) {
    const offset = parseOffsetFileName(name, snapshotSuffix);
    if (offset !== undefined) offsets.push(offset);
  }
  return offsets.sort((a, b) => a - b);
}
