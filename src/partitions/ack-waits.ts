/**
 * The acks purgatory of one partition: produce requests waiting until an offset is replicated
 * (acks=all) or synced (acks=1). Each queue is kept sorted by lastOffset (appends come in offset
 * order; an answered duplicate may wait for an earlier one) and completes from the front;
 * deadlines differ per request and are scanned only when the earliest one is due. Bounded by the
 * caller (LeaderReplica checks `size`).
 */
import { assert } from '../common/index.js';

export interface AckWait {
  readonly requestId: number;
  readonly lastOffset: number;
  readonly minIsr: number;
  readonly deadlineMs: number;
}

export class AckQueue {
  /** Invariant: items[head..] are sorted by lastOffset; items[..head) are done. */
  private items: AckWait[] = [];
  private head = 0;
  private nextDeadlineMs = Infinity;

  get size(): number {
    return this.items.length - this.head;
  }

  /**
   * Queues `wait` in lastOffset order. Almost always at the end (appends are in offset order), but
   * a retried idempotent batch answered as a duplicate waits for its original's offset, which may
   * be behind later appends still waiting (a client with several requests in flight resends one
   * after a failover): it goes before them, so the queue stays sorted.
   */
  push(wait: AckWait): void {
    let at = this.items.length;
    while (at > this.head && (this.items[at - 1] as AckWait).lastOffset > wait.lastOffset) at--;
    if (at === this.items.length) this.items.push(wait);
    else this.items.splice(at, 0, wait);
    assert(at === this.head || (this.items[at - 1] as AckWait).lastOffset <= wait.lastOffset,
      `wait for ${wait.lastOffset} queued out of order`);
    if (wait.deadlineMs < this.nextDeadlineMs) this.nextDeadlineMs = wait.deadlineMs;
  }

  /** Removes and hands to `done` every wait whose lastOffset is below `endOffset`. */
  completeBelow(endOffset: number, done: (wait: AckWait) => void): void {
    while (this.head < this.items.length) {
      const wait = this.items[this.head] as AckWait;
      if (wait.lastOffset >= endOffset) break;
      this.head++;
      done(wait);
    }
    this.compact();
  }

  /** Removes and hands to `done` every wait matching `drop` (a full scan: rare events only). */
  removeWhere(drop: (wait: AckWait) => boolean, done: (wait: AckWait) => void): void {
    const kept: AckWait[] = [];
    let nextDeadlineMs = Infinity;
    for (let i = this.head; i < this.items.length; i++) {
      const wait = this.items[i] as AckWait;
      if (drop(wait)) {
        done(wait);
        continue;
      }
      kept.push(wait);
      if (wait.deadlineMs < nextDeadlineMs) nextDeadlineMs = wait.deadlineMs;
    }
    this.items = kept;
    this.head = 0;
    this.nextDeadlineMs = nextDeadlineMs;
  }

  /** Hands to `done` every wait whose deadline has passed; scans only when one is due. */
  expire(nowMs: number, done: (wait: AckWait) => void): void {
    if (nowMs < this.nextDeadlineMs) return;
    this.removeWhere((wait) => wait.deadlineMs <= nowMs, done);
  }

  /** Drops the completed prefix once it is at least half the array, so memory stays bounded. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      this.nextDeadlineMs = Infinity;
    } else if (this.head > 64 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
