/** The production Random: the system's cryptographic source (common/random.ts). */
import { randomBytes } from 'node:crypto';
import type { Random } from '../../common/index.js';

export const systemRandom: Random = {
  bytes: (n) => randomBytes(n),
};
