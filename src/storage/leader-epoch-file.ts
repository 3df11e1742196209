/**
 * The leader-epoch checkpoint of a partition (`leader-epoch.checkpoint`, Kafka's
 * leader-epoch-checkpoint, KIP-101): the epoch → start-offset entries of its LeaderEpochCache,
 * CRC-sealed like the other small files. It may run ahead of the log (it is written before the
 * batches of a new epoch), never behind: on open, entries at or past the recovered log end are
 * dropped. A log without a readable checkpoint rebuilds it from its batches' leader epochs.
 */
import { join } from 'node:path';
import { type EpochEntry, LeaderEpochCache } from '../partitions/index.js';
import { readInt64, writeInt64 } from '../protocol/records/index.js';
import type { FsOps } from './fs-ops.js';
import { seal, unseal } from './log-files.js';
import { scanBatches } from './scan.js';
import type { Segment } from './segment.js';

export const leaderEpochFileName = 'leader-epoch.checkpoint';
/** Payload: [count u32] then count × [epoch i32][startOffset i64]. */
const entryBytes = 12;

export function encodeLeaderEpochs(entries: readonly EpochEntry[]): Buffer {
  const payload = Buffer.allocUnsafe(4 + entries.length * entryBytes);
  payload.writeUInt32BE(entries.length, 0);
  let at = 4;
  for (const entry of entries) {
    payload.writeInt32BE(entry.epoch, at);
    writeInt64(payload, at + 4, entry.startOffset);
    at += entryBytes;
  }
  return seal(payload);
}

/** The entries of a checkpoint file, or undefined when it is torn, rotten or malformed. */
export function decodeLeaderEpochs(file: Buffer): EpochEntry[] | undefined {
  const payload = unseal(file);
  if (payload === undefined || payload.length < 4) return undefined;
  const count = payload.readUInt32BE(0);
  if (payload.length !== 4 + count * entryBytes) return undefined;
  const entries: EpochEntry[] = [];
  for (let at = 4; at < payload.length; at += entryBytes) {
    const epoch = payload.readInt32BE(at);
    const startOffset = readInt64(payload, at + 4);
    const last = entries.at(-1);
    const ordered = last === undefined ||
      (epoch > last.epoch && (startOffset ?? -1) >= last.startOffset);
    if (epoch < 0 || startOffset === undefined || startOffset < 0 || !ordered) return undefined;
    entries.push({ epoch, startOffset });
  }
  return entries;
}

export async function writeLeaderEpochs(
  fs: FsOps, dir: string, entries: readonly EpochEntry[],
): Promise<void> {
  await fs.writeFileDurable(join(dir, leaderEpochFileName), encodeLeaderEpochs(entries));
}

/**
 * The epoch cache of a log just recovered: from the checkpoint, cut to [logStart, logEnd); or,
 * without a readable checkpoint, from the leader epochs of the batches (then written back).
 */
export async function loadLeaderEpochs(
  fs: FsOps,
  dir: string,
  segments: readonly Segment[],
  logStartOffset: number,
  logEndOffset: number,
): Promise<LeaderEpochCache> {
  const file = await fs.readFile(join(dir, leaderEpochFileName));
  const entries = file === undefined ? undefined : decodeLeaderEpochs(file);
  const cache = entries === undefined
    ? await rebuildLeaderEpochs(segments, logEndOffset)
    : new LeaderEpochCache(entries);
  cache.truncateFromEnd(logEndOffset);
  cache.truncateFromStart(logStartOffset);
  if (entries === undefined) await writeLeaderEpochs(fs, dir, cache.entries());
  return cache;
}

/** Scans batch headers (bounded chunks) for the first offset of each newer epoch. */
async function rebuildLeaderEpochs(
  segments: readonly Segment[], logEndOffset: number,
): Promise<LeaderEpochCache> {
  const cache = new LeaderEpochCache();
  for (const segment of segments) {
    if (segment.file === undefined) continue;
    await scanBatches(segment.file, {
      from: 0,
      end: segment.writtenBytes,
      verify: false,
      visit: (header) => {
        if (header.baseOffset >= logEndOffset) return false;
        if (header.partitionLeaderEpoch > cache.latestEpoch) {
          cache.assign(header.partitionLeaderEpoch, header.baseOffset);
        }
        return true;
      },
    });
  }
  return cache;
}
