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
