/**
 * Carries Raft messages to peers over their Kafka listeners, as RaftMessage requests (key 1000).
 *
 * One outbound connection per peer, each with its own bounded queue and pipeline, so a slow or
 * dead peer never holds up the others: messages for a peer that is down are dropped at once and
 * reported (`unreachable`) — Raft retransmits by itself, and a stale heartbeat or append queued
 * for seconds is worth nothing. A full queue drops its oldest message (newer ones supersede it).
 * Messages handed over in one turn go out as one request per peer (split past the batch limits).
 *
 * Connections are opened lazily and re-opened after a failure with exponential backoff, bounded
 * by limits.raftReconnectBackoffMsMax so a restarted peer is found within about a second.
 *
 * Peers come from an address book (raft-peers.ts) that changes at run time: a node added to the
 * quorum gets a link on the first message for it; a changed or removed address closes its link
 * (the next message opens one to the new address).
 */
import type { Logger } from 'pino';
import { limits, type Clock, type Net, type Timer } from '../common/index.js';
import { Connection } from '../client/index.js';
import { ApiKey } from '../protocol/index.js';
import { type Message, type NodeId } from '../raft/index.js';
import { raftMessagesToWire } from '../server/index.js';
import { type RaftPeer, RaftPeers } from './raft-peers.js';

export type { RaftPeer } from './raft-peers.js';

/** What the transport tells Raft about deliveries (RawNode.reportUnreachable / reportSnapshot). */
export interface RaftTransportEvents {
  unreachable(to: NodeId): void;
  snapshotStatus(to: NodeId, delivered: boolean): void;
}

/** What the driver needs of a transport; tests may pass a fake. */
export interface RaftSender {
  /** Queues the messages and starts sending; never blocks, never throws. */
  send(messages: readonly Message[]): void;
  close(): void;
}

export interface RaftTransportOptions {
  readonly self: NodeId;
  /** A fixed list, or an address book that may change while the transport runs. */
  readonly peers: readonly RaftPeer[] | RaftPeers;
  readonly events: RaftTransportEvents;
  readonly log: Logger;
  readonly clock: Clock;
  readonly net: Net;
  /** An ack slower than this marks the connection dead (then reconnect). */
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

const raftMessageVersion = 0;

export class RaftTransport implements RaftSender {
  /** Invariant: every link's peer is the book's current entry for its id. */
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly book: RaftPeers;
  private readonly options: RaftTransportOptions;
  private readonly log: Logger;
  private closed = false;

  constructor(options: RaftTransportOptions) {
    this.options = options;
    this.log = options.log;
    this.book = options.peers instanceof RaftPeers ? options.peers : new RaftPeers(options.peers);
    this.book.onChange((id) => this.forget(id));
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    const touched = new Set<PeerLink>();
    for (const m of messages) {
      const link = this.linkTo(m.to);
      if (link === undefined) {
        this.log.debug({ to: m.to, type: m.type }, 'raft message to an unknown peer dropped');
        continue;
      }
      link.enqueue(m);
      touched.add(link);
    }
    for (const link of touched) link.flush();
  }

  close(): void {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }

  /** The link to `id`, opened lazily from the address book; undefined for an unknown peer. */
  private linkTo(id: NodeId): PeerLink | undefined {
    const existing = this.links.get(id);
    if (existing !== undefined || id === this.options.self) return existing;
    const peer = this.book.get(id);
    if (peer === undefined) return undefined;
    const link = new PeerLink(peer, this.options);
    this.links.set(id, link);
    return link;
  }

  /** The peer's address changed or it left: its link (and what it queued) goes. */
  private forget(id: NodeId): void {
    const link = this.links.get(id);
    if (link === undefined) return;
    this.links.delete(id);
    link.close();
    this.log.info({ peer: id, address: this.book.get(id) }, 'raft peer address changed');
  }
}

type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

/** One peer: its connection, queue and reconnect schedule. */
class PeerLink {
  private readonly peer: RaftPeer;
  private readonly options: RaftTransportOptions;
  private readonly log: Logger;
  private state: LinkState = 'idle';
  private connection: Connection | null = null;
  /** Invariant: queue.length ≤ limits.raftPeerQueueMessagesMax. */
  private queue: Message[] = [];
  private inFlight = 0;
  private backoffMs: number = limits.raftReconnectBackoffMsMin;
  private retryTimer: Timer | null = null;
  /** Logged once per outage, not per attempt. */
  private downSince: number | null = null;

  constructor(peer: RaftPeer, options: RaftTransportOptions) {
    this.peer = peer;
    this.options = options;
    this.log = options.log.child({ peer: peer.id });
  }

  enqueue(m: Message): void {
    if (this.state === 'backoff' || this.state === 'closed') {
      this.dropped(m);
      return;
    }
    if (this.queue.length >= limits.raftPeerQueueMessagesMax) {
      const oldest = this.queue.shift();
      if (oldest !== undefined) this.dropped(oldest);
    }
    this.queue.push(m);
  }

  /** Sends queued messages in batches while the pipeline has room. */
  flush(): void {
    if (this.state === 'idle') {
      this.connect();
      return;
    }
    if (this.state !== 'connected' || this.connection === null) return;
    while (this.queue.length > 0 && this.inFlight < limits.raftPeerInFlightMax) {
      this.sendBatch(this.connection, this.takeBatch());
    }
  }

  close(): void {
    this.state = 'closed';
    this.retryTimer?.cancel();
    this.connection?.close();
    this.connection = null;
    this.queue = [];
  }

  /** The next batch: up to raftBatchMessagesMax messages and raftBatchBytesMax payload bytes. */
  private takeBatch(): Message[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < limits.raftBatchMessagesMax) {
      const size = payloadBytes(this.queue[n] as Message);
      if (n > 0 && bytes + size > limits.raftBatchBytesMax) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private sendBatch(connection: Connection, batch: Message[]): void {
    const request = raftMessagesToWire(this.options.self, this.peer.id, batch);
    this.inFlight++;
    const timeoutMs = this.options.requestTimeoutMs ?? 5_000;
    connection.send(ApiKey.raftMessage, raftMessageVersion, request, true, timeoutMs).then(
      (ack) => {
        this.inFlight--;
        const errorCode = (ack as { errorCode: number }).errorCode;
        if (errorCode !== 0) this.log.warn({ errorCode }, 'peer refused a raft batch');
        for (const m of batch) {
          if (m.type === 'snapshot') this.options.events.snapshotStatus(m.to, errorCode === 0);
        }
        this.flush();
      },
      (err: unknown) => {
        this.inFlight--;
        for (const m of batch) this.dropped(m);
        if (connection === this.connection) this.fail(err);
      },
    );
  }

  private connect(): void {
    this.state = 'connecting';
    const { host, port } = this.peer;
    Connection.open({
      host, port, clientId: `pado-raft-${this.options.self}`,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 1_000, io: this.options,
    }).then(
      (connection) => {
        if (this.state === 'closed') {
          connection.close();
          return;
        }
        if (this.downSince !== null) this.log.info({ host, port }, 'raft peer reachable again');
        this.downSince = null;
        this.connection = connection;
        this.state = 'connected';
        this.backoffMs = limits.raftReconnectBackoffMsMin;
        this.flush();
      },
      (err: unknown) => this.fail(err),
    );
  }

  /** The connection failed: drop what waits, retry after the backoff (doubled, bounded). */
  private fail(err: unknown): void {
    if (this.state === 'closed') return;
    this.connection?.close();
    this.connection = null;
    if (this.downSince === null) {
      this.downSince = this.options.clock.now();
      this.log.warn({ err, host: this.peer.host, port: this.peer.port },
        'raft peer unreachable; retrying with backoff');
    }
    const waiting = this.queue;
    this.queue = [];
    for (const m of waiting) this.dropped(m);
    this.state = 'backoff';
    this.retryTimer = this.options.clock.after(this.backoffMs, () => {
      this.retryTimer = null;
      if (this.state === 'backoff') this.state = 'idle';
    });
    this.backoffMs = Math.min(this.backoffMs * 2, limits.raftReconnectBackoffMsMax);
  }

  private dropped(m: Message): void {
    if (m.type === 'snapshot') this.options.events.snapshotStatus(m.to, false);
    else this.options.events.unreachable(m.to);
  }
}

/** Bytes a message carries beyond its fixed fields: what batching limits count. */
function payloadBytes(m: Message): number {
  if (m.type === 'snapshot') return m.snapshot.data.length;
  if (m.type !== 'append') return 0;
  let bytes = 0;
  for (const e of m.entries) bytes += e.data.length;
  return bytes;
}
