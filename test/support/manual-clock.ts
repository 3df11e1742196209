/**
 * A Clock whose time moves only when a test (or the whole-cluster simulator) advances it: timers
 * fire in deadline order, ties in the order they were set, each seeing `now()` at its deadline.
 */
import type { Clock, Timer } from '../../src/common/index.js';
import { systemClock } from '../../src/node/io/system-clock.js';

interface Pending {
  /** Order among timers due at the same time: the one set (or re-armed) first runs first. */
  seq: number;
  dueMs: number;
  readonly periodMs: number | null;
  readonly fn: () => void;
  cancelled: boolean;
}

function earlier(a: Pending, b: Pending): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

export class ManualClock implements Clock {
  private nowMs: number;
  private nextSeq = 0;
  /** A binary min-heap by (dueMs, seq); cancelled timers are dropped when they reach the top. */
  private readonly heap: Pending[] = [];
  private live = 0;

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
    return this.live;
  }

  /** The deadline of the next timer, or null. */
  nextDueMs(): number | null {
    const next = this.peek();
    return next === undefined ? null : next.dueMs;
  }

  /**
   * Runs the earliest timer (time moves to its deadline), if its deadline is at most `untilMs`;
   * false when none is. The simulator's step: it lets the microtasks settle between steps.
   */
  runNext(untilMs = Number.POSITIVE_INFINITY): boolean {
    const next = this.peek();
    if (next === undefined || next.dueMs > untilMs) return false;
    this.pop();
    this.nowMs = Math.max(this.nowMs, next.dueMs);
    if (next.periodMs === null) {
      next.cancelled = true;
      this.live--;
    } else {
      next.dueMs += next.periodMs;
      next.seq = this.nextSeq++;
      this.push(next);
    }
    next.fn();
    return true;
  }

  /** Sets the time (never backwards) without running timers: after `runNext` found none due. */
  jumpTo(ms: number): void {
    this.nowMs = Math.max(this.nowMs, ms);
  }

  /** Moves time forward by `ms`, running every timer due on the way, in order. */
  advance(ms: number): void {
    const untilMs = this.nowMs + Math.max(0, ms);
    while (this.runNext(untilMs)) { /* each runs at its deadline */ }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private add(ms: number, periodMs: number | null, fn: () => void): Timer {
    const entry: Pending = { seq: this.nextSeq++, dueMs: this.nowMs + Math.max(0, ms), periodMs, fn,
      cancelled: false };
    this.push(entry);
    this.live++;
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.live--;
      },
    };
  }

  /** The earliest live timer, dropping cancelled ones from the top. */
  private peek(): Pending | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  private push(entry: Pending): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
      if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
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
