/**
 * Flow control for acks=all on a leader, pure (STYLE.md §2): bounds how far the log runs ahead of
 * the high watermark. A producer that pipelines (librdkafka keeps up to a million messages in
 * flight, 64 requests per connection reach us) would otherwise have the leader append tens of
 * MiB its followers have not fetched: every acks=all answer then waits behind that backlog (a
 * second under load on the bench), and a follower on a slower disk falls back by seconds and
 * leaves the ISR. Holding an acks=all produce *before* it is appended costs that producer
 * nothing it would not wait anyway (its answer waits for the HW), keeps the backlog — and so the
 * followers' lag — to about `bytesMax`, and pushes back through the connection's in-flight bound
 * to the client's socket. acks=0/1 produces are never held (they do not wait for followers),
 * but their bytes count: the backlog is whatever the ISR has yet to copy.
 *
 * Held produces go in arrival order per source (the connection: a producer's batches keep their
 * order) and round-robin across sources, so a light producer sharing the partition with a bulk
 * loader waits for one of its batches per turn, not for the loader's whole pipeline.
 *
 * Events in: `appended`, `highWatermark`, `clear`; decisions out: `mustHold` for a new produce and
 * `admitNext` for the held ones.
 */
import { assert } from '../common/index.js';

/** What the gate holds for its host: an opaque ticket, its deadline. */
interface Held<T> {
  readonly ticket: T;
  readonly deadlineMs: number;
}

export class AppendGate<T> {
  readonly bytesMax: number;
  /** Appends above the HW, oldest first: items[head..]. */
  private items: { lastOffset: number; bytes: number }[] = [];
  private head = 0;
  private bytesValue = 0;
  /** Held produces per source, oldest first; a source is here only while it has some. */
  private readonly held = new Map<number, Held<T>[]>();
  /** Sources with held produces, in the order they get their next turn. */
  private turns: number[] = [];
  private heldValue = 0;

  constructor(bytesMax: number) {
    assert(bytesMax > 0, 'an append gate needs room for a batch');
    this.bytesMax = bytesMax;
  }

  /** Bytes appended and not yet below the HW. */
  get backlogBytes(): number {
    return this.bytesValue;
  }

  get heldCount(): number {
    return this.heldValue;
  }

  /**
   * Whether an acks=all produce arriving now must wait: the backlog is full, or others wait
   * already (its source's earlier batches must not be overtaken, other sources get their turn).
   * An empty backlog admits any batch, however large.
   */
  mustHold(): boolean {
    return this.heldValue > 0 || this.bytesValue >= this.bytesMax;
  }

  hold(ticket: T, deadlineMs: number, source: number): void {
    let queue = this.held.get(source);
    if (queue === undefined) {
      queue = [];
      this.held.set(source, queue);
      this.turns.push(source);
    }
    queue.push({ ticket, deadlineMs });
    this.heldValue++;
  }

  /**
   * The next held produce that may go now, if any: the oldest of the source whose turn it is.
   * The host admits one, lets it append (or fail its checks), then asks again: the backlog it
   * adds counts before the next one goes.
   */
  admitNext(): T | undefined {
    if (this.heldValue === 0 || this.bytesValue >= this.bytesMax) return undefined;
    const source = this.turns.shift() as number;
    const queue = this.held.get(source) as Held<T>[];
    const next = queue.shift() as Held<T>;
    if (queue.length > 0) this.turns.push(source);
    else this.held.delete(source);
    this.heldValue--;
    return next.ticket;
  }

  /** Held produces past their deadline, removed (the host answers them REQUEST_TIMED_OUT). */
  expire(nowMs: number): T[] {
    const out: T[] = [];
    if (this.heldValue === 0) return out;
    for (const [source, queue] of this.held) {
      const keep = queue.filter((h) => h.deadlineMs > nowMs);
      if (keep.length === queue.length) continue;
      for (const h of queue) if (h.deadlineMs <= nowMs) out.push(h.ticket);
      if (keep.length > 0) this.held.set(source, keep);
      else this.held.delete(source);
    }
    if (out.length > 0) {
      this.heldValue -= out.length;
      this.turns = this.turns.filter((source) => this.held.has(source));
    }
    return out;
  }

  /** Records ending at `lastOffset` (inclusive), `bytes` long, were appended. */
  appended(lastOffset: number, bytes: number): void {
    const last = this.items.at(-1);
    assert(this.head === this.items.length || last === undefined || last.lastOffset < lastOffset,
      `append ending at ${lastOffset} after one ending at ${last?.lastOffset}`);
    this.items.push({ lastOffset, bytes });
    this.bytesValue += bytes;
  }

  /**
   * A failed write was rolled back: the log ends at `endOffset` again, and the appends from there
   * on are gone (their offsets will be given to other records).
   */
  rolledBack(endOffset: number): void {
    while (this.items.length > this.head) {
      const last = this.items.at(-1) as { lastOffset: number; bytes: number };
      if (last.lastOffset < endOffset) break;
      this.items.pop();
      this.bytesValue -= last.bytes;
    }
  }

  /** The HW is now `hw`: appends below it leave the backlog. */
  highWatermark(hw: number): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head] as { lastOffset: number; bytes: number };
      if (item.lastOffset >= hw) break;
      this.head++;
      this.bytesValue -= item.bytes;
    }
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Leadership ends or changes: the backlog is forgotten (a new leader epoch starts its own) and
   * every held produce is handed back, each source's in order, to be retried against whatever
   * leads now.
   */
  clear(): T[] {
    const out: T[] = [];
    for (const queue of this.held.values()) for (const h of queue) out.push(h.ticket);
    this.held.clear();
    this.turns = [];
    this.heldValue = 0;
    this.items = [];
    this.head = 0;
    this.bytesValue = 0;
    return out;
  }
}
