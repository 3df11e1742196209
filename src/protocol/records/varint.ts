/**
 * Zig-zag varints as records use them (protocol guide, "Record"). Arithmetic rather than 32-bit
 * shifts so the same code serves varint and varlong up to ±2^53.
 */

/** Bytes a zig-zag varint of `value` takes. */
export function varintSize(value: number): number {
  let unsigned = zigzag(value);
  let size = 1;
  while (unsigned >= 128) {
    unsigned = Math.floor(unsigned / 128);
    size++;
  }
  return size;
}

/** Writes `value` at `at`; returns the position after it. */
export function writeVarint(buf: Buffer, at: number, value: number): number {
  let unsigned = zigzag(value);
  let position = at;
  while (unsigned >= 128) {
    buf[position++] = (unsigned % 128) | 0x80;
    unsigned = Math.floor(unsigned / 128);
  }
  buf[position++] = unsigned;
  return position;
}

/** A varint read: the value and the position after it, or undefined when truncated or too long. */
export interface VarintRead {
  value: number;
  next: number;
}

/** Longest varlong encoding (64 bits / 7). */
const varintBytesMax = 10;

export function readVarint(buf: Buffer, at: number, end: number): VarintRead | undefined {
  let unsigned = 0;
  let scale = 1;
  for (let i = 0; i < varintBytesMax; i++) {
    if (at + i >= end) return undefined;
    const byte = buf[at + i] ?? 0;
    unsigned += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(unsigned)) return undefined;
      return { value: unzigzag(unsigned), next: at + i + 1 };
    }
    scale *= 128;
  }
  return undefined;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function unzigzag(unsigned: number): number {
  return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
}
