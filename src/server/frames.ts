/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload). A frame that lies inside one
 * socket chunk is returned as a view of it (no copy); only a frame spread over several chunks is
 * gathered into one new buffer. A size below 0 or above the limit is a protocol violation: the
 * caller closes the connection (socket.request.max.bytes).
 */
export type FrameResult = { kind: 'frame'; frame: Buffer } | { kind: 'need' } | { kind: 'oversize'; size: number };

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly frameBytesMax: number;

  constructor(frameBytesMax: number) {
    this.frameBytesMax = frameBytesMax;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next whole frame, 'need' when more bytes must arrive, or 'oversize' (beyond `bytesMax`,
   * by default the one given at construction).
   */
  next(bytesMax = this.frameBytesMax): FrameResult {
    if (this.buffered < 4) return { kind: 'need' };
    const size = this.peekSize();
    if (size < 0 || size > bytesMax) return { kind: 'oversize', size };
    if (this.buffered < 4 + size) return { kind: 'need' };
    return { kind: 'frame', frame: this.take(4 + size).subarray(4) };
  }

  private peekSize(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.allocUnsafe(4);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(head, filled, 0, Math.min(c.length, 4 - filled));
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[0] = c.subarray(want);
        filled = n;
      }
    }
    this.buffered -= n;
    return out;
  }
}
