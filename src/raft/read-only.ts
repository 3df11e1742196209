/**
 * Read-index requests waiting for a quorum to confirm the leader is still the leader (thesis §6.4):
 * the read index is the commit index when the request arrived; a heartbeat round carrying the
 * request's context, answered by a majority, proves no newer leader could have committed more.
 * Confirming one request confirms every earlier one (same leader, same or earlier round).
 */
import type { Index, NodeId } from './types.js';

export interface ReadRequest {
  readonly context: string;
  /** Who asked: the leader itself or a follower that forwarded the request. */
  readonly from: NodeId;
  readonly index: Index;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  /** Invariant: at most `pendingMax` requests, in arrival order, contexts unique. */
  private queue: ReadRequest[] = [];
  private readonly pendingMax: number;

  constructor(pendingMax: number) {
    this.pendingMax = pendingMax;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Queues a request; false when full or its context is already waiting. */
  add(request: ReadRequest): boolean {
    if (this.queue.length >= this.pendingMax) return false;
    if (this.queue.some((r) => r.context === request.context)) return false;
    this.queue.push(request);
    return true;
  }

  /** Records `from`'s heartbeat answer for `context`; returns the request's ack count, or 0. */
  ack(context: string, from: NodeId): number {
    const request = this.queue.find((r) => r.context === context);
    if (request === undefined) return 0;
    request.acks.add(from);
    return request.acks.size;
  }

  /** Removes and returns every request up to and including `context`'s. */
  release(context: string): ReadRequest[] {
    const at = this.queue.findIndex((r) => r.context === context);
    if (at < 0) return [];
    return this.queue.splice(0, at + 1);
  }

  /** The newest waiting request's context, or '' when none waits. */
  lastPendingContext(): string {
    return this.queue.at(-1)?.context ?? '';
  }

  clear(): void {
    this.queue = [];
  }
}
