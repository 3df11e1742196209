/**
 * A Clock whose time moves only when a test (or the whole-cluster simulator) advances it: timers
 * fire in deadline order, ties in the order they were set, each seeing `now()` at its deadline.
 */
import type { Clock, Timer } from '../../src/common/index.js';
import { systemClock } from '../../src/node/io/system-clock.js';

interface Pending {
  readonly id: number;
  dueMs: number;
  readonly periodMs: number | null;
  readonly fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private nextId = 0;
  private readonly pending: Pending[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  after(ms: number, fn: () => void): Timer {
    return this.add(ms, null, fn);
  }

  every(ms: number, fn: () => void): Timer {
    return this.add(ms, Math.max(1, ms), fn);
  }

  soon(fn: () => void): void {
    this.add(0, null, fn);
  }

  /** Timers set and not yet run or cancelled. */
  get timerCount(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /** The deadline of the next timer, or null. */
  nextDueMs(): number | null {
    const next = this.next();
    return next === undefined ? null : next.dueMs;
  }

  /** Moves time forward by `ms`, running every timer due on the way, in order. */
  advance(ms: number): void {
    const untilMs = this.nowMs + Math.max(0, ms);
    for (;;) {
      const next = this.next();
      if (next === undefined || next.dueMs > untilMs) break;
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      if (next.periodMs === null) {
        next.cancelled = true;
      } else {
        next.dueMs += next.periodMs;
      }
      next.fn();
    }
    this.nowMs = untilMs;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (this.pending[i]!.cancelled) this.pending.splice(i, 1);
    }
  }

  private add(ms: number, periodMs: number | null, fn: () => void): Timer {
    const entry: Pending = { id: this.nextId++, dueMs: this.nowMs + Math.max(0, ms), periodMs, fn,
      cancelled: false };
    this.pending.push(entry);
    return { cancel: () => { entry.cancelled = true; } };
  }

  private next(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending) {
      if (p.cancelled) continue;
      if (best === undefined || p.dueMs < best.dueMs || (p.dueMs === best.dueMs && p.id < best.id)) {
        best = p;
      }
    }
    return best;
  }
}

/** A clock a test sets by hand (`ms`) whose timers never fire: the test calls ticks itself. */
export class SteppedClock implements Clock {
  ms: number;

  constructor(ms: number) {
    this.ms = ms;
  }

  now(): number {
    return this.ms;
  }

  after(): Timer {
    return { cancel: () => undefined };
  }

  every(): Timer {
    return { cancel: () => undefined };
  }

  soon(fn: () => void): void {
    setImmediate(fn);
  }
}

/** The system's timers with time read from `now` (a test moves it by hand; timers still fire). */
export function clockReading(now: () => number): Clock {
  return { now, after: (ms, fn) => systemClock.after(ms, fn), every: (ms, fn) => systemClock.every(ms, fn),
    soon: (fn) => systemClock.soon(fn) };
}
