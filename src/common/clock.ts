/**
 * Time as a node sees it (DESIGN.md "The I/O boundary"): below the process wiring nothing reads
 * the system clock or sets a timer of its own; it is handed a Clock. Production wires system time
 * (node/io/system-clock.ts); the whole-cluster simulator wires virtual time that its scheduler
 * advances, so several real nodes run in one process, seeded and replayable.
 */

/** A timer that has been set; cancelling it twice, or after it ran, does nothing. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now (pending, it is work the process waits for, like setTimeout). */
  after(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms` until cancelled; background work, it never keeps the process alive. */
  every(ms: number, fn: () => void): Timer;
  /** Calls `fn` in a fresh turn, once pending I/O has had its turn (Node's setImmediate). */
  soon(fn: () => void): void;
}

/** Waits for `work`, but at most `ms`: then resolves anyway (the caller goes on with what it has). */
export function withinMs(clock: Clock, work: Promise<void>, ms: number): Promise<void> {
  let timer: Timer | undefined;
  const late = new Promise<void>((resolve) => {
    timer = clock.after(ms, resolve);
  });
  return Promise.race([work, late]).finally(() => timer?.cancel());
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.after(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `ms` since the Unix epoch as ISO 8601 UTC (`2026-12-08T03:04:05.678Z`), as Date's toISOString
 * writes it for years 0–9999, without a Date (below the I/O boundary time is only a number).
 * Days to a civil date by H. Hinnant's algorithm.
 */
export function isoUtc(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const inDay = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const two = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(s)}.` +
    `${String(inDay % 1000).padStart(3, '0')}Z`;
}
