/**
 * The acks purgatory of one partition: produce requests waiting until an offset is replicated
 * (acks=all) or synced (acks=1). Appends are in offset order, so each queue is sorted by
 * lastOffset and completes from the front; deadlines differ per request and are scanned only
 * when the earliest one is due. Bounded by the caller (LeaderReplica checks `size`).
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

  push(wait: AckWait): void {
    const last = this.items.at(-1);
    assert(this.size === 0 || last === undefined || last.lastOffset <= wait.lastOffset,
      `wait for ${wait.lastOffset} queued after ${last?.lastOffset}: appends are ordered`);
    this.items.push(wait);
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
