/** Shared by the broker-lifecycle tests: a metadata quorum of one, a manual timer, a clock. */
import { pino } from 'pino';
import { applyRecords, type MetadataImage } from '../../../src/metadata/index.js';
import { clusterEvents } from '../../../src/controller/index.js';
import type { MetadataDecider } from '../../../src/node/controller-duties.js';
import { PadoError, PadoErrorCode, type Clock, type Timer } from '../../../src/common/index.js';
import type { Decision } from '../../../src/server/index.js';

export const silent = pino({ level: 'silent' });

/**
 * RaftMetadata's contract without Raft: decisions run one at a time on the newest image, each
 * batch of records is one "entry" (offset + 1), and `isController` can be switched off.
 */
export class FakeMetadata implements MetadataDecider {
  current: MetadataImage;
  controller = true;
  offset = 0;
  proposals = 0;
  /** The time events are recorded at. */
  nowMs = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(image: MetadataImage) {
    this.current = image;
  }

  image(): MetadataImage {
    return this.current;
  }

  isController(): boolean {
    return this.controller;
  }

  propose<T>(decide: (image: MetadataImage) => Decision<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (!this.controller) throw new PadoError(PadoErrorCode.notController, 'not the controller');
      const { records, result, cause, notes } = decide(this.current);
      if (records.length > 0 || (notes?.length ?? 0) > 0) {
        // As RaftMetadata does: the decision's events go in the same batch.
        const after = applyRecords(this.current, records);
        this.current = applyRecords(after, clusterEvents(this.current, after, records, { nowMs: this.nowMs,
          minIsrOf: () => 2, ...(cause === undefined ? {} : { cause }), ...(notes === undefined ? {} : { notes }) }));
        this.offset++;
        this.proposals++;
      }
      return result;
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class FakeClock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

/** Records the callback; the test fires it. */
export function manualTimer():
  { every: IntervalTimer; fire: () => void; cancelled: () => boolean } {
  let run: (() => void) | null = null;
  let cancelled = false;
  return {
    every: (f) => {
      run = f;
      cancelled = false;
      return { cancel: () => { cancelled = true; } };
    },
    fire: () => run?.(),
    cancelled: () => cancelled,
  };
}

/** A repeating timer the test fires by hand. */
export type IntervalTimer = (run: () => void, intervalMs: number) => Timer;

/**
 * A Clock for these tests: time from `clock` (a fixed time without one), repeating timers from
 * `every` (fired by the test), one-shot timers from `after` (none fire without it).
 */
export function testClock(o: {
  clock?: FakeClock; every?: IntervalTimer; after?: (ms: number, fn: () => void) => Timer;
}): Clock {
  const never: Timer = { cancel: () => undefined };
  return {
    now: () => o.clock?.ms ?? 1_000_000,
    every: (ms, fn) => o.every?.(fn, ms) ?? never,
    after: (ms, fn) => o.after?.(ms, fn) ?? never,
    soon: (fn) => setImmediate(fn),
  };
}
