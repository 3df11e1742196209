/**
 * Waiting for the cluster to get somewhere (a drain, a move, a new leader): `check` every
 * `intervalMs` until it says done, the deadline passes, or Ctrl+C (the operation goes on in the
 * cluster; only the CLI stops watching). A deadline of 0 means "until done or Ctrl+C".
 */
import { delay } from '../../common/index.js';
import type { CliContext } from '../verb.js';

export type WaitOutcome = 'done' | 'timeout' | 'interrupted';

/** Ctrl+C (or SIGTERM) during a verb's waits; made once per run (signals queue to waiters). */
export interface Interrupt {
  readonly signal: AbortSignal;
}

export function watchInterrupt(ctx: CliContext): Interrupt {
  const stop = new AbortController();
  void ctx.signals.next().then(() => stop.abort());
  return { signal: stop.signal };
}

export async function pollUntil(ctx: CliContext, interrupt: Interrupt,
  options: { timeoutMs: number; intervalMs: number },
  check: () => Promise<boolean>): Promise<WaitOutcome> {
  const clock = ctx.clientIo.clock;
  const deadline = options.timeoutMs > 0 ? clock.now() + options.timeoutMs : Infinity;
  for (;;) {
    if (await check()) return 'done';
    if (interrupt.signal.aborted) return 'interrupted';
    if (clock.now() >= deadline) return 'timeout';
    await delay(clock, Math.min(options.intervalMs, Math.max(0, deadline - clock.now())),
      interrupt.signal);
    if (interrupt.signal.aborted) return 'interrupted';
  }
}
