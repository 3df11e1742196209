/**
 * Decoder primitives for the Kafka wire format (protocol guide "Protocol Primitive Types").
 *
 * Failure is sticky, as in franz-go kbin's Reader: the first malformed or truncated read records an
 * error, moves the cursor to the end and every later read returns a zero value. Callers check
 * `failed` once per message instead of after every field. Every length is checked against the bytes
 * left before anything is allocated, so a hostile frame can neither throw, nor allocate more than
 * its own size, nor make a decoder loop more often than it has bytes.
 */

/** The all-zero uuid in Kafka's string form (Uuid.ZERO_UUID). */
export const zeroUuid = 'AAAAAAAAAAAAAAAAAAAAAA';

const two32 = 0x1_0000_0000;
const emptyBuffer = Buffer.alloc(0);

export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;
  failed = false;
  /** First failure, for the decode error message. */
  error: string | null = null;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  /** Records the first failure and exhausts the reader; always returns 0 for `return r.fail()`. */
  fail(message: string): 0 {
    if (!this.failed) {
      this.failed = true;
      this.error = `${message} at byte ${this.offset}`;
    }
    this.offset = this.end;
    return 0;
  }

  /** Fails unless every byte was consumed: trailing garbage means we misread the message. */
  expectEnd(): void {
    if (!this.failed && this.offset !== this.end) this.fail(`${this.end - this.offset} bytes left over`);
  }

  /** Advances over n bytes; false (and failed) if they are not there. */
  private take(n: number): boolean {
    if (n <= this.end - this.offset) return true;
    if (!this.failed) this.fail(`needed ${n} bytes, ${this.end - this.offset} left`);
    return false;
  }

  skip(n: number): void {
    if (this.take(n)) this.offset += n;
  }

  int8(): number {
    if (!this.take(1)) return 0;
    return this.buf.readInt8(this.offset++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    if (!this.take(2)) return 0;
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    if (!this.take(2)) return 0;
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    if (!this.take(4)) return 0;
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    if (!this.take(4)) return 0;
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** int64 as a number; a value outside ±(2^53 − 1) fails the message (STYLE.md §4). */
  int64(): number {
    if (!this.take(8)) return 0;
    const hi = this.buf.readInt32BE(this.offset);
    const lo = this.buf.readUInt32BE(this.offset + 4);
    const v = hi * two32 + lo;
    if (!Number.isSafeInteger(v)) return this.fail('int64 beyond ±2^53');
    this.offset += 8;
    return v;
  }

  /** int64 with its full range, where it matters (producer ids in record batches, hashes). */
  int64Big(): bigint {
    if (!this.take(8)) return 0n;
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    if (!this.take(8)) return 0;
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128 varint of at most 32 bits (5 bytes). */
  uvarint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (!this.take(1)) return 0;
      const b = this.buf[this.offset++] as number;
      if (shift === 28 && b > 0x0f) return this.fail('varint beyond 32 bits');
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return this.fail('varint too long');
  }

  /** Zigzag-encoded signed 32-bit varint (record fields). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag-encoded signed 64-bit varint as a number; beyond ±2^53 fails. */
  varlong(): number {
    let u = 0;
    // Seven bytes hold 49 bits: exact in a double. Longer values take the bigint path.
    for (let shift = 0; shift < 49; shift += 7) {
      if (!this.take(1)) return 0;
      const b = this.buf[this.offset++] as number;
      u += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    return this.varlongTail(BigInt(u));
  }

  private varlongTail(low: bigint): number {
    let u = low;
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (!this.take(1)) return 0;
      const b = this.buf[this.offset++] as number;
      u |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        const v = Number((u >> 1n) ^ -(u & 1n));
        return Number.isSafeInteger(v) ? v : this.fail('varlong beyond ±2^53');
      }
    }
    return this.fail('varlong too long');
  }

  /**
   * Length of a string/bytes/array: int16/int32 or compact uvarint (N+1). Returns -1 for null and
   * fails when the claimed length exceeds the bytes left. For arrays this caps the element count at
   * the frame size, which bounds every decode loop even for elements that take no bytes.
   */
  private length(compact: boolean, wide: boolean): number {
    const n = compact ? this.uvarint() - 1 : wide ? this.int32() : this.int16();
    if (this.failed) return 0;
    if (n < -1) return this.fail(`negative length ${n}`);
    if (n > this.end - this.offset) return this.fail(`length ${n} beyond the ${this.remaining()} bytes left`);
    return n;
  }

  nullableString(compact: boolean): string | null {
    const n = this.length(compact, false);
    if (n < 0) return null;
    const start = this.offset;
    this.offset += n;
    return this.buf.toString('utf8', start, start + n);
  }

  string(compact: boolean): string {
    const s = this.nullableString(compact);
    if (s !== null) return s;
    this.fail('null in a non-nullable string');
    return '';
  }

  /** Bytes as a view into the frame (no copy): valid only while the frame buffer is. */
  nullableBytes(compact: boolean): Buffer | null {
    const n = this.length(compact, true);
    if (n < 0) return null;
    const start = this.offset;
    this.offset += n;
    return this.buf.subarray(start, start + n);
  }

  bytes(compact: boolean): Buffer {
    const b = this.nullableBytes(compact);
    if (b === null) {
      this.fail('null in non-nullable bytes');
      return emptyBuffer;
    }
    return b;
  }

  uuid(): string {
    if (!this.take(16)) return zeroUuid;
    const s = this.buf.toString('base64url', this.offset, this.offset + 16);
    this.offset += 16;
    return s;
  }

  /** Array element count; -1 only when `nullable` (else null fails the message). */
  arrayLength(compact: boolean, nullable: boolean): number {
    const n = this.length(compact, true);
    if (n < 0 && !nullable) return this.fail('null in a non-nullable array');
    return n;
  }

  /** Number of tagged fields in a flexible section (each takes at least two bytes). */
  tagCount(): number {
    const n = this.uvarint();
    if (n * 2 > this.end - this.offset) return this.fail(`${n} tagged fields in ${this.remaining()} bytes`);
    return n;
  }

  /** Skips a whole tagged-field section: we know no tags at this point. */
  skipTags(): void {
    const n = this.tagCount();
    for (let i = 0; i < n && !this.failed; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }

  /** After a known tagged field: its declared size must match what the decoder consumed. */
  endTag(end: number): void {
    if (!this.failed && this.offset !== end) this.fail('tagged field size mismatch');
  }

  int32Array(compact: boolean, nullable: false): number[];
  int32Array(compact: boolean, nullable: boolean): number[] | null;
  int32Array(compact: boolean, nullable: boolean): number[] | null {
    const n = this.arrayLength(compact, nullable);
    if (n < 0) return null;
    const out: number[] = [];
    for (let i = 0; i < n && !this.failed; i++) out.push(this.int32());
    return out;
  }

  int64Array(compact: boolean, nullable: false): number[];
  int64Array(compact: boolean, nullable: boolean): number[] | null;
  int64Array(compact: boolean, nullable: boolean): number[] | null {
    const n = this.arrayLength(compact, nullable);
    if (n < 0) return null;
    const out: number[] = [];
    for (let i = 0; i < n && !this.failed; i++) out.push(this.int64());
    return out;
  }

  uuidArray(compact: boolean, nullable: false): string[];
  uuidArray(compact: boolean, nullable: boolean): string[] | null;
  uuidArray(compact: boolean, nullable: boolean): string[] | null {
    const n = this.arrayLength(compact, nullable);
    if (n < 0) return null;
    const out: string[] = [];
    for (let i = 0; i < n && !this.failed; i++) out.push(this.uuid());
    return out;
  }

  stringArray(compact: boolean, nullable: false): string[];
  stringArray(compact: boolean, nullable: boolean): string[] | null;
  stringArray(compact: boolean, nullable: boolean): string[] | null {
    const n = this.arrayLength(compact, nullable);
    if (n < 0) return null;
    const out: string[] = [];
    for (let i = 0; i < n && !this.failed; i++) out.push(this.string(compact));
    return out;
  }
}
