/** The production Clock: the system's time and Node's timers (common/clock.ts). */
import type { Clock, Timer } from '../../common/index.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
  every(ms: number, fn: () => void): Timer {
    const handle = setInterval(fn, ms);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
  soon(fn: () => void): void {
    setImmediate(fn);
  },
};
