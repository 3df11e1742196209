/**
 * Idempotent-producer state of one partition (KIP-98): per producer id its epoch and the sequence
 * ranges and offsets of its last five batches, so a retried batch is answered with its original
 * offsets instead of being stored twice. Pure: fed by values, persisted by storage as a snapshot.
 */
import { assert, limits } from '../common/index.js';

/**
 * Sequences are int32 and wrap to 0 after 2^31 - 1 (Kafka DefaultRecordBatch.incrementSequence).
 */
const sequenceMax = 0x7fff_ffff;

export interface ProducerBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly timestampMs: number;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first; Invariant: length ≤ limits.producerBatchesRememberedMax. */
  batches: ProducerBatch[];
}

export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly baseOffset: number; readonly lastOffset: number }
  | {
      readonly kind: 'error';
      readonly error: 'outOfOrderSequence' | 'invalidProducerEpoch' | 'unknownProducerId';
    };

/** The sequence of a batch's last record, wrapping as producers do. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta;
  return last > sequenceMax ? last - sequenceMax - 1 : last;
}

function nextSequence(sequence: number): number {
  return sequence === sequenceMax ? 0 : sequence + 1;
}

const append: ProducerCheck = { kind: 'append' };
const outOfOrder: ProducerCheck = { kind: 'error', error: 'outOfOrderSequence' };

const snapshotVersion = 1;
const snapshotHeaderBytes = 2 + 4;
const producerHeaderBytes = 8 + 2 + 1;
const batchBytes = 4 + 4 + 8 + 8 + 8;

export class ProducerState {
  private readonly producers = new Map<number, ProducerEntry>();

  get producerCount(): number {
    return this.producers.size;
  }

  /** The remembered batches of a producer, oldest first (for tests and diagnostics). */
  batchesOf(producerId: number): readonly ProducerBatch[] {
    return this.producers.get(producerId)?.batches ?? [];
  }

  epochOf(producerId: number): number | undefined {
    return this.producers.get(producerId)?.epoch;
  }

  /** Decides what to do with an incoming batch; changes nothing. producerId -1: not idempotent. */
  check(
    producerId: number,
    producerEpoch: number,
    baseSequence: number,
    lastSequence: number,
  ): ProducerCheck {
    if (producerId < 0) return { kind: 'append' };
    const entry = this.producers.get(producerId);
    if (entry === undefined) {
      // Without state we cannot tell a retry from a gap; the client resets on UNKNOWN_PRODUCER_ID.
      return baseSequence === 0 ? append : { kind: 'error', error: 'unknownProducerId' };
    }
    if (producerEpoch < entry.epoch) return { kind: 'error', error: 'invalidProducerEpoch' };
    if (producerEpoch > entry.epoch) {
      // KIP-98: a bumped epoch starts its sequences again at 0.
      return baseSequence === 0 ? append : outOfOrder;
    }
    for (const batch of entry.batches) {
      if (batch.firstSeq === baseSequence && batch.lastSeq === lastSequence) {
        return { kind: 'duplicate', baseOffset: batch.firstOffset, lastOffset: batch.lastOffset };
      }
    }
    const last = entry.batches[entry.batches.length - 1];
    const expected = last === undefined ? 0 : nextSequence(last.lastSeq);
    return baseSequence === expected ? append : outOfOrder;
  }

  /**
   * The sequence the next batch of `producerId` in `producerEpoch` must start with: after its
   * last remembered batch, or 0 (a producer unknown here, or a newer epoch, starts at 0).
   */
  expectedSequence(producerId: number, producerEpoch: number): number {
    const entry = this.producers.get(producerId);
    if (entry === undefined || producerEpoch !== entry.epoch) return 0;
    const last = entry.batches[entry.batches.length - 1];
    return last === undefined ? 0 : nextSequence(last.lastSeq);
  }

  /** Records an appended batch (or one found in the log on recovery). */
  record(
    producerId: number,
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    firstOffset: number,
    lastOffset: number,
    timestampMs: number,
  ): void {
    if (producerId < 0) return;
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = { epoch, batches: [] };
      this.producers.set(producerId, entry);
    } else if (epoch !== entry.epoch) {
      // A new epoch forgets the old sequences; only the epoch still fences older producers.
      entry.epoch = epoch;
      entry.batches = [];
    }
    entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset, timestampMs });
    if (entry.batches.length > limits.producerBatchesRememberedMax) entry.batches.shift();
  }

  /** Forgets producers idle since before `olderThanMs` (producer.id.expiration.ms). */
  expire(olderThanMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (last === undefined || last.timestampMs < olderThanMs) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.producers.clear();
  }

  /** Binary snapshot: version u16, count u32, then per producer id, epoch, batches. */
  snapshot(): Buffer {
    let size = snapshotHeaderBytes;
    for (const entry of this.producers.values()) {
      size += producerHeaderBytes + entry.batches.length * batchBytes;
    }
    const out = Buffer.alloc(size);
    out.writeUInt16BE(snapshotVersion, 0);
    out.writeUInt32BE(this.producers.size, 2);
    let at = snapshotHeaderBytes;
    for (const [producerId, entry] of this.producers) {
      at = writeProducer(out, at, producerId, entry);
    }
    assert(at === size, 'snapshot size agrees with what was written');
    return out;
  }

  /**
   * Replaces the state with a snapshot; returns false (state cleared) if the bytes are malformed.
   */
  restore(buf: Buffer): boolean {
    this.producers.clear();
    if (buf.length < snapshotHeaderBytes || buf.readUInt16BE(0) !== snapshotVersion) return false;
    const count = buf.readUInt32BE(2);
    let at = snapshotHeaderBytes;
    // Every producer takes at least producerHeaderBytes, which bounds the loop by buf.length.
    if (count * producerHeaderBytes > buf.length - at) return false;
    for (let i = 0; i < count; i++) {
      const next = readProducer(buf, at, this.producers);
      if (next === undefined) {
        this.producers.clear();
        return false;
      }
      at = next;
    }
    if (at !== buf.length) this.producers.clear();
    return at === buf.length;
  }
}

function writeProducer(
  out: Buffer,
  start: number,
  producerId: number,
  entry: ProducerEntry,
): number {
  let at = start;
  out.writeBigInt64BE(BigInt(producerId), at);
  out.writeInt16BE(entry.epoch, at + 8);
  out.writeUInt8(entry.batches.length, at + 10);
  at += producerHeaderBytes;
  for (const batch of entry.batches) {
    out.writeInt32BE(batch.firstSeq, at);
    out.writeInt32BE(batch.lastSeq, at + 4);
    out.writeBigInt64BE(BigInt(batch.firstOffset), at + 8);
    out.writeBigInt64BE(BigInt(batch.lastOffset), at + 16);
    out.writeBigInt64BE(BigInt(batch.timestampMs), at + 24);
    at += batchBytes;
  }
  return at;
}

function readProducer(
  buf: Buffer,
  start: number,
  into: Map<number, ProducerEntry>,
): number | undefined {
  if (buf.length - start < producerHeaderBytes) return undefined;
  const producerId = Number(buf.readBigInt64BE(start));
  const epoch = buf.readInt16BE(start + 8);
  const count = buf.readUInt8(start + 10);
  let at = start + producerHeaderBytes;
  if (count > limits.producerBatchesRememberedMax) return undefined;
  if (buf.length - at < count * batchBytes) return undefined;
  const batches: ProducerBatch[] = [];
  for (let i = 0; i < count; i++) {
    batches.push({
      firstSeq: buf.readInt32BE(at),
      lastSeq: buf.readInt32BE(at + 4),
      firstOffset: Number(buf.readBigInt64BE(at + 8)),
      lastOffset: Number(buf.readBigInt64BE(at + 16)),
      timestampMs: Number(buf.readBigInt64BE(at + 24)),
    });
    at += batchBytes;
  }
  into.set(producerId, { epoch, batches });
  return at;
}
