/**
 * Walks the batches of a segment file in bounded chunks (never the whole segment in memory),
 * for recovery, index rebuilds, producer-state rebuilds and offset/timestamp lookups.
 */
import { limits } from '../common/index.js';
import {
  type BatchHeader,
  batchHeaderBytes,
  batchLogOverheadBytes,
  parseBatchHeader,
  validateOneBatch,
} from '../protocol/records/index.js';
import type { StorageFile } from './fs-ops.js';

/** Bytes read per scan step; a larger batch gets a read of its own size. */
export const scanChunkBytes = 1024 * 1024;

export type ScanStop = 'end' | 'torn' | 'corrupt' | 'visitor';

export interface ScanResult {
  /** Position after the last batch accepted (by checks and visitor). */
  readonly validEnd: number;
  readonly stop: ScanStop;
  /** For 'corrupt': which check the batch at validEnd failed. */
  readonly detail: string | undefined;
}

export interface ScanOptions {
  readonly from: number;
  /** Bytes of the file to consider (its size, or what has been written). */
  readonly end: number;
  /**
   * Recovery verifies CRC32C and record counts; lookups trust sealed data and read headers only.
   */
  readonly verify: boolean;
  /** Read size; lookups that stop early use less than recovery. */
  readonly chunkBytes?: number;
  /** Called per batch with its file position; return false to stop before accepting it. */
  readonly visit: (header: BatchHeader, position: number, bytes: Buffer) => boolean;
}

/**
 * Scans from `from` to `end`. Stops at the first batch that is cut off ('torn'), fails its checks
 * ('corrupt') or is refused by the visitor. `bytes` passed to the visitor is valid only during
 * the call (it is a view into a reused buffer).
 */
export async function scanBatches(file: StorageFile, options: ScanOptions): Promise<ScanResult> {
  const chunkBytes = options.chunkBytes ?? scanChunkBytes;
  let buffer = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(options.end - options.from, 1)));
  let position = options.from;
  // Each pass either accepts at least one batch (≥ 61 bytes) or returns: bounded by the file size.
  while (position < options.end) {
    const want = Math.min(buffer.length, options.end - position);
    const got = await file.read(buffer, want, position);
    const view = buffer.subarray(0, got);
    const step = scanView(view, position, options);
    position = step.position;
    if (step.stop !== undefined) {
      return { validEnd: position, stop: step.stop, detail: step.detail };
    }
    if (step.needBytes > buffer.length) buffer = Buffer.allocUnsafe(step.needBytes);
    if (step.needBytes > 0 && got < want) {
      return { validEnd: position, stop: 'torn', detail: undefined };
    }
  }
  return { validEnd: position, stop: 'end', detail: undefined };
}

interface ViewStep {
  position: number;
  stop: ScanStop | undefined;
  /** Bytes the next read must hold to see the next batch whole (0 when none is pending). */
  needBytes: number;
  detail?: string;
}

function scanView(view: Buffer, start: number, options: ScanOptions): ViewStep {
  let at = 0;
  while (at < view.length) {
    const filePosition = start + at;
    const left = options.end - filePosition;
    if (view.length - at < batchHeaderBytes) {
      const torn = left < batchHeaderBytes;
      const stop = torn ? 'torn' : undefined;
      return { position: filePosition, stop, needBytes: batchHeaderBytes };
    }
    const size = view.readInt32BE(at + 8) + batchLogOverheadBytes;
    if (size < batchHeaderBytes || size > limits.requestBytesMax) {
      const detail = `batchLength ${size - batchLogOverheadBytes} out of range`;
      return { position: filePosition, stop: 'corrupt', needBytes: 0, detail };
    }
    if (size > left) return { position: filePosition, stop: 'torn', needBytes: 0 };
    if (size > view.length - at) {
      return { position: filePosition, stop: undefined, needBytes: size };
    }
    const result = options.verify ? validateOneBatch(view, at) : parseBatchHeader(view, at);
    if (!result.ok) {
      // The message names the position in this chunk; the caller knows the file position.
      const detail = result.message.slice(result.message.indexOf(': ') + 2);
      return { position: filePosition, stop: 'corrupt', needBytes: 0, detail };
    }
    if (!options.visit(result.header, filePosition, view.subarray(at, at + size))) {
      return { position: filePosition, stop: 'visitor', needBytes: 0 };
    }
    at += size;
  }
  return { position: start + at, stop: undefined, needBytes: 0 };
}
