/**
 * Client requests wait until the broker is ready to answer them: registered with the controller,
 * unfenced, and caught up with the metadata log (issue 13, break 10). Kafka's broker binds its
 * listener early (it registers the port) but starts accepting only once unfenced
 * (BrokerServer.startup: `initialUnfenceFuture`, then `enableRequestProcessing`), so a client's
 * request simply waits in the meantime. Ours cannot wait at accept: the same listener carries peer
 * traffic a starting node needs at once — Raft messages to catch up, the controller APIs that
 * register and unfence it, replica fetches from its followers. So the wait is per request: peer
 * requests are served from the start, every other one is held (its connection stays open, its
 * response slot keeps the connection's order) until the gate opens, or until its connection
 * closes. Answering earlier is what broke clients: a restarted broker replaying its metadata
 * showed its pre-crash view (itself leader of everything, at leader epochs since moved on), then,
 * once re-registered but still fenced, no brokers and no leaders — kafkajs then failed with
 * "Broker 1 not found in the cached metadata". A retriable error would not do either: Metadata has
 * no error to give but an empty or stale view. Held requests are bounded like any other: by the
 * connection's in-flight limit and the listener's connection limit.
 */
import { ApiKey, type FetchRequest, type OffsetForLeaderEpochRequest }
  from '../protocol/index.js';
import {
  closeConnection, type Handler, type HandlerTable, type RequestContext,
} from './handler.js';

/**
 * APIs only other Pado nodes use to run the cluster (and ApiVersions, every connection's first
 * request): a starting node must serve them, since its readiness depends on them. DescribeQuorum
 * is read-only Raft state, kept open so `pado cluster health` can diagnose a node that never
 * gets ready.
 */
export const peerApiKeys: ReadonlySet<number> = new Set<number>([
  ApiKey.apiVersions, ApiKey.raftMessage, ApiKey.raftKv, ApiKey.brokerRegistration,
  ApiKey.brokerHeartbeat, ApiKey.alterPartition, ApiKey.allocateProducerIds,
  ApiKey.describeQuorum, ApiKey.addRaftVoter, ApiKey.removeRaftVoter, ApiKey.connectCheck,
  ApiKey.reportClusterEvent,
]);

/**
 * Whether a request is peer traffic: a peer API, or a follower's Fetch or OffsetForLeaderEpoch
 * (a replica id ≥ 0; v15+ Fetch carries it in replicaState, OffsetForLeaderEpoch from v3).
 */
export function isPeerRequest(apiKey: number, version: number, request: unknown): boolean {
  if (peerApiKeys.has(apiKey)) return true;
  if (apiKey === ApiKey.fetch) {
    const r = request as FetchRequest;
    return (version >= 15 ? r.replicaState.replicaId : r.replicaId) >= 0;
  }
  if (apiKey === ApiKey.offsetForLeaderEpoch) {
    return version >= 3 && (request as OffsetForLeaderEpochRequest).replicaId >= 0;
  }
  return false;
}

/** Opens once, never closes (Kafka's broker does not stop serving clients when fenced later). */
export class ReadyGate {
  private opened = false;
  private readonly waiters = new Set<() => void>();

  get isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    for (const wake of [...this.waiters]) wake();
    this.waiters.clear();
  }

  /** Resolves true once open, false if `signal` aborts first (the connection closed). */
  wait(signal: AbortSignal): Promise<boolean> {
    if (this.opened) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve(this.opened);
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * After start-up: the broker's lease from the controller (node/broker-lifecycle.ts). Without it
 * this broker may be cut off, its image old and its leaderships moved (issue 13, break 6).
 */
export interface LeaseView {
  holds(): boolean;
  /** How long it has been lapsed (0 while held, Infinity while fenced). */
  lapsedForMs(): number;
  /** Resolves true once held again, false after `timeoutMs` or on abort. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
}

/**
 * How long after its lapse a lease is waited for before client connections are closed: a lease
 * that lapsed during a controller election is usually back sooner; an isolated broker's is not.
 * Counted from the lapse, not per request: once a lease has been out this long, every client
 * request closes its connection at once, so a client that keeps trying this broker (for Metadata,
 * say) loses no further time here on its way to the new leader.
 */
export const leaseWaitMs = 500;

/**
 * The same handlers (keys and versions unchanged, so ApiVersions is too), each client request held
 * until `gate` opens. A request whose connection closed meanwhile gets no answer (there is no one
 * to send it to). Once open, a client request finding the lease lapsed waits for it until
 * `leaseWaitMs` after the lapse; if it does not come back, the connection is closed, so the client asks another broker:
 * an answer from here could name this broker leader of partitions the controller has moved, and
 * a client that keeps asking one connected broker (kafkajs does) would never learn where they went.
 */
export function gateClientRequests(handlers: HandlerTable, gate: ReadyGate, lease?: LeaseView):
  HandlerTable {
  const gated = new Map<number, Handler>();
  /**
   * Per connection, settled once its last request held for the lease has been handed to its
   * handler: a later request of that connection queues behind it even if the lease is back by
   * then, so requests reach their handlers in the order they came. A produce overtaking the one
   * pipelined ahead of it would be refused as out of order (librdkafka then bumps its epoch).
   */
  const heldTails = new Map<number, Promise<void>>();
  for (const [apiKey, h] of handlers) {
    const serve = (ctx: RequestContext, request: unknown): unknown => {
      const tail = heldTails.get(ctx.connectionId);
      if (lease === undefined || (tail === undefined && lease.holds())) {
        return h.handle(ctx, request);
      }
      let handedOver = (): void => undefined;
      const mine = new Promise<void>((resolve) => { handedOver = resolve; });
      heldTails.set(ctx.connectionId, mine);
      const inTurn = async (): Promise<unknown> => {
        try {
          if (tail !== undefined) await tail;
          if (ctx.signal.aborted) return null;
          if (!lease.holds()) {
            const waitMs = leaseWaitMs - lease.lapsedForMs();
            if (!(waitMs > 0) || !(await lease.wait(waitMs, ctx.signal))) return closeConnection;
          }
          return h.handle(ctx, request);
        } finally {
          if (heldTails.get(ctx.connectionId) === mine) heldTails.delete(ctx.connectionId);
          handedOver();
        }
      };
      return inTurn();
    };
    gated.set(apiKey, {
      apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion,
      handle(ctx, request) {
        if (isPeerRequest(apiKey, ctx.apiVersion, request)) return h.handle(ctx, request);
        if (gate.isOpen) return serve(ctx, request);
        return gate.wait(ctx.signal).then((open) => (open ? serve(ctx, request) : null));
      },
    });
  }
  return gated;
}
