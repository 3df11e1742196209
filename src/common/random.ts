/**
 * Randomness a node draws from the world (DESIGN.md "The I/O boundary"): ids that must differ
 * across processes and restarts (topic ids, incarnation ids) and the seeds of the pure cores'
 * Prngs. Production wires the system's cryptographic source (node/io/); the whole-cluster
 * simulator a seeded one, so a run replays from its seed.
 */
import type { Prng } from './prng.js';

export interface Random {
  /** `n` random bytes. */
  bytes(n: number): Buffer;
}

/** A 32-bit seed for a Prng. */
export function randomSeed(random: Random): number {
  return random.bytes(4).readUInt32BE(0);
}

/** Kafka's Uuid.toString: 16 random bytes, base64url without padding. */
export function randomUuid(random: Random): string {
  return random.bytes(16).toString('base64url');
}

/** A Random drawn from a seeded Prng: the simulator's and the tests' (same seed, same bytes). */
export function seededRandom(prng: Prng): Random {
  return {
    bytes(n: number): Buffer {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i += 4) {
        const word = prng.u32();
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
      }
      return out;
    },
  };
}
