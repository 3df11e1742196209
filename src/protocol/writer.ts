/**
 * Encoder primitives. Generated `size*` functions compute a message's exact wire size first; the
 * Writer then allocates once and its final position must equal that size (pair assertion: size and
 * encode agree, or we have a generator bug).
 *
 * Record batches of `zeroCopyBytesMin` bytes or more are not copied: the Writer cuts its buffer there
 * and keeps the batch as its own chunk, so a fetch response goes out as a gather list
 * (`socket.cork()` + writes, or writev) instead of one big copy. Size functions count those bytes in
 * `SizeTally.external` so the Writer's own buffer leaves them out.
 */
import { assert } from '../common/index.js';

/** Below this, copying a records field is cheaper than an extra chunk in the gather list. */
export const zeroCopyBytesMin = 1024;

const two32 = 0x1_0000_0000;

/** Filled by size functions: bytes that will be sent as separate chunks, not copied. */
export interface SizeTally {
  external: number;
}

export class Writer {
  readonly buf: Buffer;
  offset = 0;
  private chunkStart = 0;
  private readonly chunks: Buffer[] = [];
  /** Whether large records become chunks; only when the size pass tallied them. */
  private readonly zeroCopy: boolean;

  /**
   * `size` is the wire size from a size function; `tally` the one that size function filled, if
   * any (without it every records field is copied).
   */
  constructor(size: number, tally: SizeTally | null = null) {
    this.buf = Buffer.allocUnsafe(size - (tally === null ? 0 : tally.external));
    this.zeroCopy = tally !== null;
  }

  /** The encoded message as chunks in wire order; one chunk unless records were kept aside. */
  finish(): Buffer[] {
    assert(this.offset === this.buf.length,
      `encoded ${this.offset} bytes, sized ${this.buf.length}: size and encode disagree`);
    if (this.offset > this.chunkStart || this.chunks.length === 0) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.offset));
    }
    return this.chunks;
  }

  int8(v: number): void {
    this.offset = this.buf.writeInt8(v, this.offset);
  }

  bool(v: boolean): void {
    this.buf[this.offset++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.offset = this.buf.writeInt16BE(v, this.offset);
  }

  uint16(v: number): void {
    this.offset = this.buf.writeUInt16BE(v, this.offset);
  }

  int32(v: number): void {
    this.offset = this.buf.writeInt32BE(v, this.offset);
  }

  uint32(v: number): void {
    this.offset = this.buf.writeUInt32BE(v, this.offset);
  }

  int64(v: number): void {
    assert(Number.isSafeInteger(v), `int64 field holds ${v}, not a safe integer`);
    const hi = Math.floor(v / two32);
    this.buf.writeInt32BE(hi, this.offset);
    this.buf.writeUInt32BE(v - hi * two32, this.offset + 4);
    this.offset += 8;
  }

  int64Big(v: bigint): void {
    this.offset = this.buf.writeBigInt64BE(v, this.offset);
  }

  float64(v: number): void {
    this.offset = this.buf.writeDoubleBE(v, this.offset);
  }

  uvarint(v: number): void {
    assert(v >= 0 && v <= 0xffff_ffff && Number.isInteger(v), `uvarint ${v} out of range`);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
  }

  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: number): void {
    assert(Number.isSafeInteger(v), `varlong ${v} not a safe integer`);
    if (Math.abs(v) < 2 ** 52) {
      this.uvarlongSmall(v >= 0 ? v * 2 : -v * 2 - 1);
      return;
    }
    let u = zigzag64(v);
    while (u >= 0x80n) {
      this.buf[this.offset++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.offset++] = Number(u);
  }

  /** Unsigned varint of a number below 2^53 (exact as a double). */
  private uvarlongSmall(u: number): void {
    while (u >= 0x80) {
      this.buf[this.offset++] = (u % 128) | 0x80;
      u = Math.floor(u / 128);
    }
    this.buf[this.offset++] = u;
  }

  private length(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  nullableString(s: string | null, compact: boolean): void {
    if (s === null) {
      this.length(-1, compact, false);
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    assert(compact || n <= 0x7fff, `string of ${n} bytes exceeds int16 length`);
    this.length(n, compact, false);
    this.offset += this.buf.write(s, this.offset, n, 'utf8');
  }

  string(s: string, compact: boolean): void {
    this.nullableString(s, compact);
  }

  nullableBytes(b: Buffer | null, compact: boolean): void {
    if (b === null) {
      this.length(-1, compact, true);
      return;
    }
    this.length(b.length, compact, true);
    this.offset += b.copy(this.buf, this.offset);
  }

  bytes(b: Buffer, compact: boolean): void {
    this.nullableBytes(b, compact);
  }

  /** Like nullableBytes, but large batches become their own chunk instead of a copy. */
  records(b: Buffer | null, compact: boolean): void {
    if (b === null || b.length < zeroCopyBytesMin || !this.zeroCopy) {
      this.nullableBytes(b, compact);
      return;
    }
    this.length(b.length, compact, true);
    this.chunks.push(this.buf.subarray(this.chunkStart, this.offset), b);
    this.chunkStart = this.offset;
  }

  uuid(s: string): void {
    const n = s.length === 22 ? this.buf.write(s, this.offset, 16, 'base64url') : 0;
    assert(n === 16, `uuid '${s}' is not 22 base64url characters`);
    this.offset += 16;
  }

  /** Array count; null writes the null marker (-1, or 0 when compact). */
  arrayLength(n: number | null, compact: boolean): void {
    this.length(n ?? -1, compact, true);
  }

  int32Array(a: readonly number[] | null, compact: boolean): void {
    this.arrayLength(a === null ? null : a.length, compact);
    if (a !== null) for (const v of a) this.int32(v);
  }

  int64Array(a: readonly number[] | null, compact: boolean): void {
    this.arrayLength(a === null ? null : a.length, compact);
    if (a !== null) for (const v of a) this.int64(v);
  }

  uuidArray(a: readonly string[] | null, compact: boolean): void {
    this.arrayLength(a === null ? null : a.length, compact);
    if (a !== null) for (const v of a) this.uuid(v);
  }

  stringArray(a: readonly string[] | null, compact: boolean): void {
    this.arrayLength(a === null ? null : a.length, compact);
    if (a !== null) for (const v of a) this.string(v, compact);
  }
}

export function sizeUvarint(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
}

export function sizeVarint(v: number): number {
  return sizeUvarint(((v << 1) ^ (v >> 31)) >>> 0);
}

export function sizeVarlong(v: number): number {
  if (Math.abs(v) < 2 ** 52) {
    const u = v >= 0 ? v * 2 : -v * 2 - 1;
    return u < 0x80 ? 1 : Math.ceil(Math.log2(u + 1) / 7);
  }
  let u = zigzag64(v);
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

/** Zigzag in bigint: 2|v| − 1 does not fit a double's 53 bits near ±2^53. */
function zigzag64(v: number): bigint {
  const b = BigInt(v);
  return (b << 1n) ^ (b >> 63n);
}

function sizeLength(n: number, compact: boolean, wide: boolean): number {
  return compact ? sizeUvarint(n + 1) : wide ? 4 : 2;
}

export function sizeNullableString(s: string | null, compact: boolean): number {
  if (s === null) return sizeLength(-1, compact, false);
  const n = Buffer.byteLength(s, 'utf8');
  return sizeLength(n, compact, false) + n;
}

export const sizeString: (s: string, compact: boolean) => number = sizeNullableString;

export function sizeNullableBytes(b: Buffer | null, compact: boolean): number {
  if (b === null) return sizeLength(-1, compact, true);
  return sizeLength(b.length, compact, true) + b.length;
}

export const sizeBytes: (b: Buffer, compact: boolean) => number = sizeNullableBytes;

export function sizeRecords(b: Buffer | null, compact: boolean, tally: SizeTally | undefined): number {
  if (b !== null && b.length >= zeroCopyBytesMin && tally !== undefined) tally.external += b.length;
  return sizeNullableBytes(b, compact);
}

export function sizeArrayLength(n: number | null, compact: boolean): number {
  return sizeLength(n ?? -1, compact, true);
}

export function sizeInt32Array(a: readonly number[] | null, compact: boolean): number {
  return sizeArrayLength(a === null ? null : a.length, compact) + (a === null ? 0 : a.length * 4);
}

export function sizeInt64Array(a: readonly number[] | null, compact: boolean): number {
  return sizeArrayLength(a === null ? null : a.length, compact) + (a === null ? 0 : a.length * 8);
}

export function sizeStringArray(a: readonly string[] | null, compact: boolean): number {
  let n = sizeArrayLength(a === null ? null : a.length, compact);
  if (a !== null) for (const s of a) n += sizeString(s, compact);
  return n;
}

export function sizeUuidArray(a: readonly string[] | null, compact: boolean): number {
  return sizeArrayLength(a === null ? null : a.length, compact) + (a === null ? 0 : a.length * 16);
}
