/** The real sockets and clock, as a client in a process is handed them (node/io/). */
import type { ClientIo } from '../../src/client/index.js';
import { systemClock, systemNet } from '../../src/node/io/index.js';

export const clientIo: ClientIo = { net: systemNet, clock: systemClock };
