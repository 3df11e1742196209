/** The real disk and clock, as storage is handed them in production (node/io/). */
import type { StorageIo } from '../../src/storage/index.js';
import { systemClock, systemDisk } from '../../src/node/io/index.js';

export const storageIo: StorageIo = { fs: systemDisk, clock: systemClock };
export { systemDisk };
