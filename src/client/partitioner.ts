/**
 * Kafka's default partitioner for keyed records: partition = toPositive(murmur2(key)) % count,
 * with murmur2 as in Kafka's Utils.murmur2 (32-bit MurmurHash2, seed 0x9747b28c), so a key lands
 * on the partition Java and kafkajs clients choose. Unkeyed records go round-robin.
 */

const seed = 0x9747b28c;
const m = 0x5bd1e995;
const r = 24;

/** Kafka's murmur2: a signed 32-bit result, as Java's int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (seed ^ length) | 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    // Little-endian 4-byte blocks, as Kafka reads them.
    let k = (data[at] ?? 0) | ((data[at + 1] ?? 0) << 8) | ((data[at + 2] ?? 0) << 16) |
      ((data[at + 3] ?? 0) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = blocks * 4;
  const left = length & 3;
  // Kafka's switch falls through from 3 to 1.
  if (left === 3) h ^= (data[tail + 2] ?? 0) << 16;
  if (left >= 2) h ^= (data[tail + 1] ?? 0) << 8;
  if (left >= 1) {
    h ^= data[tail] ?? 0;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which breaks on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

/** Keyed records by murmur2, unkeyed ones round-robin across partitions. */
export class Partitioner {
  private next = 0;

  partition(key: Uint8Array | null, partitionCount: number): number {
    if (key !== null) return partitionForKey(key, partitionCount);
    const p = this.next % partitionCount;
    this.next = (this.next + 1) % partitionCount;
    return p;
  }
}
