/**
 * Rate limit for warnings about bad input from the network: whoever can reach the port decides
 * how often the thing happens, so logging every occurrence would let one client flood the log
 * (and the disk under it). At most `burst` lines per `intervalMs`; the line after a quiet spell
 * carries how many were left out, so nothing is hidden, only summarized.
 */
export class WarnLimiter {
  private readonly burst: number;
  private readonly intervalMs: number;
  private readonly nowMs: () => number;
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private loggedInWindow = 0;
  /** Occurrences not logged since the last line that was. */
  private suppressed = 0;

  constructor(options: { burst: number; intervalMs: number; nowMs: () => number }) {
    this.burst = options.burst;
    this.intervalMs = options.intervalMs;
    this.nowMs = options.nowMs;
  }

  /** Call once per occurrence: undefined to stay quiet, else the count to log as `suppressed`. */
  take(): number | undefined {
    const now = this.nowMs();
    if (now - this.windowStartMs >= this.intervalMs) {
      this.windowStartMs = now;
      this.loggedInWindow = 0;
    }
    if (this.loggedInWindow >= this.burst) {
      this.suppressed++;
      return undefined;
    }
    this.loggedInWindow++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed;
  }
}

/** Defaults for peer-input warnings: a few lines at once, then one summary per 10 s at most. */
export const peerWarnBurst = 5;
export const peerWarnIntervalMs = 10_000;
