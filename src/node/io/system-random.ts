/**
 * The production Random: the system's cryptographic source (common/random.ts). Small draws (GCM
 * nonces of encryption at rest, one per stored batch) come from a 4 KiB block fetched at once: one
 * `randomBytes(12)` costs 5–14 µs on a slow core, a slice of a block almost nothing. Every byte of
 * a block is handed out once, and a used block is never refilled (callers may keep their slice).
 */
import { randomBytes } from 'node:crypto';
import type { Random } from '../../common/index.js';

const blockBytes = 4096;
const pooledDrawMax = 64;

let block = Buffer.alloc(0);
let used = 0;

export const systemRandom: Random = {
  bytes(n) {
    if (n > pooledDrawMax) return randomBytes(n);
    if (block.length - used < n) {
      block = randomBytes(blockBytes);
      used = 0;
    }
    const out = block.subarray(used, used + n);
    used += n;
    return out;
  },
};
