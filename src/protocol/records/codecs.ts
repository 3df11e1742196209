/**
 * Compression codecs for record payloads. Only the broker's own client paths (CLI produce/consume)
 * decompress; the broker stores batches as sent. gzip comes with Node; snappy, lz4 and zstd can be
 * plugged in with `registerCodec` once a dependency is chosen.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { assert } from '../../common/index.js';
import { CompressionCodec } from './batch-header.js';

export interface Codec {
  compress(data: Buffer): Buffer;
  /** Must refuse (throw) output beyond `outputBytesMax`: a small batch may inflate enormously. */
  decompress(data: Buffer, outputBytesMax: number): Buffer;
}

const gzipCodec: Codec = {
  compress: (data) => gzipSync(data),
  decompress: (data, outputBytesMax) => gunzipSync(data, { maxOutputLength: outputBytesMax }),
};

const codecs = new Map<number, Codec>([[CompressionCodec.gzip, gzipCodec]]);

export const codecNames: Readonly<Record<number, string>> = {
  [CompressionCodec.none]: 'none',
  [CompressionCodec.gzip]: 'gzip',
  [CompressionCodec.snappy]: 'snappy',
  [CompressionCodec.lz4]: 'lz4',
  [CompressionCodec.zstd]: 'zstd',
};

/** Installs (or replaces) the codec for a compression id (1 gzip … 4 zstd). */
export function registerCodec(codecId: number, codec: Codec): void {
  assert(
    codecId > CompressionCodec.none && codecId <= CompressionCodec.zstd,
    `codec id ${codecId}`,
  );
  codecs.set(codecId, codec);
}

export function codecFor(codecId: number): Codec | undefined {
  return codecs.get(codecId);
}
