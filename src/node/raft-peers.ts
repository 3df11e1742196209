/**
 * The Raft transport's address book: node id → host:port, changed at run time. A node that joined
 * without an IP list learns its peers from three places, in this order of trust:
 *   1. what it is told directly (the initial voters of the config; the controller records the
 *      endpoint of a node it is adding before it proposes the membership change, so its first
 *      append reaches it; a joining node learns the brokers of the node it joins through),
 *   2. the replicated endpoints in the metadata image (`raft.endpoint.<id>` broker configs, see
 *      join.ts) — every node, also one started later, sees the same ones,
 *   3. registered brokers (their Kafka listener is also where Raft messages go).
 * Later sources fill gaps; none overrides an address set by an earlier source, except that the
 * replicated endpoint of a node replaces what was set before (it is the verified, newest one).
 *
 * Listeners (the transport) hear of every change, so a changed address re-opens the connection.
 */
import { assert } from '../common/index.js';
import type { NodeId } from '../raft/index.js';

export interface RaftPeer {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}

export type RaftPeerListener = (id: NodeId, peer: RaftPeer | undefined) => void;

/** Far above any real cluster (3–5 voters and some observers); bounds the book. */
export const raftPeersMax = 1_024;

export class RaftPeers {
  private readonly peers = new Map<NodeId, RaftPeer>();
  private readonly listeners: RaftPeerListener[] = [];

  constructor(initial: readonly RaftPeer[] = []) {
    for (const p of initial) this.set(p);
  }

  get(id: NodeId): RaftPeer | undefined {
    return this.peers.get(id);
  }

  all(): IterableIterator<RaftPeer> {
    return this.peers.values();
  }

  get size(): number {
    return this.peers.size;
  }

  /** Adds or replaces the address of `peer.id`; listeners hear only of real changes. */
  set(peer: RaftPeer): void {
    assert(peer.id > 0, `raft peer id ${peer.id}`);
    const known = this.peers.get(peer.id);
    if (known !== undefined && known.host === peer.host && known.port === peer.port) return;
    if (known === undefined && this.peers.size >= raftPeersMax) return;
    this.peers.set(peer.id, { id: peer.id, host: peer.host, port: peer.port });
    for (const l of this.listeners) l(peer.id, peer);
  }

  /** Adds `peer` only when its id has no address yet (a lower-trust source). */
  fill(peer: RaftPeer): void {
    if (!this.peers.has(peer.id)) this.set(peer);
  }

  remove(id: NodeId): void {
    if (!this.peers.delete(id)) return;
    for (const l of this.listeners) l(id, undefined);
  }

  onChange(listener: RaftPeerListener): void {
    this.listeners.push(listener);
  }
}
