/**
 * Disk-space guard (DESIGN.md "Storage"): below a reserve of free bytes, appends are refused with
 * PADO_DISK_FULL while reads, admin and retention go on; once space returns, appends are accepted
 * again without anyone intervening. statfs is asynchronous, so the guard answers synchronously from
 * the last measurement minus the bytes accepted since, and re-measures at most every interval.
 */

export interface DiskSpaceGuardOptions {
  readonly reserveBytes: number;
  /** Re-measure after this long (ms of the caller's clock); default 1000. */
  readonly checkIntervalMs?: number;
  /** Free bytes on the file system holding the directory (the disk's `freeBytes`). */
  readonly measure: (dir: string) => Promise<number>;
}

export class DiskSpaceGuard {
  private readonly dir: string;
  readonly reserveBytes: number;
  private readonly checkIntervalMs: number;
  private readonly measure: (dir: string) => Promise<number>;
  /** Last measurement; undefined until the first one completes (appends are allowed until then). */
  private measuredFreeBytes: number | undefined;
  private acceptedSinceMeasureBytes = 0;
  private measuredAtMs = Number.NEGATIVE_INFINITY;
  private measuring: Promise<void> | undefined;
  /** The last measurement error, kept for diagnostics; a failing statfs does not block appends. */
  lastError: unknown;

  constructor(dir: string, options: DiskSpaceGuardOptions) {
    this.dir = dir;
    this.reserveBytes = options.reserveBytes;
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.measure = options.measure;
  }

  /** Whether `bytes` more may be appended now; counts them if so. Starts a re-measure when due. */
  tryReserve(bytes: number, nowMs: number): boolean {
    if (nowMs - this.measuredAtMs >= this.checkIntervalMs) {
      this.measuredAtMs = nowMs;
      void this.refresh();
    }
    if (this.measuredFreeBytes === undefined) return true;
    const left = this.measuredFreeBytes - this.acceptedSinceMeasureBytes - bytes;
    if (left < this.reserveBytes) return false;
    this.acceptedSinceMeasureBytes += bytes;
    return true;
  }

  /** Free bytes as last measured, minus what was accepted since (undefined before any measure). */
  get estimatedFreeBytes(): number | undefined {
    return this.measuredFreeBytes === undefined
      ? undefined
      : this.measuredFreeBytes - this.acceptedSinceMeasureBytes;
  }

  /** Measures now (one measurement at a time); resolves when it is done. Never rejects. */
  refresh(): Promise<void> {
    this.measuring ??= this.measure(this.dir)
      .then((free) => {
        this.measuredFreeBytes = free;
        this.acceptedSinceMeasureBytes = 0;
      })
      .catch((error: unknown) => {
        this.lastError = error;
      })
      .finally(() => {
        this.measuring = undefined;
      });
    return this.measuring;
  }
}
