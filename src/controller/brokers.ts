/**
 * Broker registration, heartbeats and sessions (Kafka's BrokerRegistration / BrokerHeartbeat,
 * KIP-631). A broker registers once per process start (its incarnation) and gets a new broker
 * epoch; it starts fenced and is unfenced by the first heartbeat that says it has caught up with
 * the metadata log. A broker whose heartbeats stop for a session is fenced and its leaderships
 * move (elections.ts). Leases are the active controller's own memory, not replicated: a new
 * controller starts every lease afresh, so a controller change never fences anyone by itself.
 */
import { limits } from '../common/index.js';
import { KafkaError } from '../protocol/index.js';
import {
  applyRecords, endpointsProblem, type BrokerEndpoint, type BrokerRecord, type MetadataImage, type MetadataRecord,
} from '../metadata/index.js';
import { electOfflineLeaders, fenceAndMoveAway } from './elections.js';

/** Last heartbeat time per registered broker, on the active controller only. */
export class BrokerLeases {
  /** Invariant: only registered brokers (expireSessions drops the others): bounded. */
  private readonly lastHeartbeatMs = new Map<number, number>();

  touch(brokerId: number, nowMs: number): void {
    this.lastHeartbeatMs.set(brokerId, nowMs);
  }

  lastHeartbeat(brokerId: number): number | undefined {
    return this.lastHeartbeatMs.get(brokerId);
  }

  /**
   * Shortens a broker's session so it ends at `endMs` unless it heartbeats before (its heartbeat
   * connection closed: the process is most likely gone). Never lengthens one.
   */
  endBy(brokerId: number, endMs: number, sessionTimeoutMs: number): void {
    const last = this.lastHeartbeatMs.get(brokerId);
    if (last === undefined) return;
    this.lastHeartbeatMs.set(brokerId, Math.min(last, endMs - sessionTimeoutMs - 1));
  }

  /** Whether the broker heartbeated within the session; a broker never seen gets a lease now. */
  alive(brokerId: number, nowMs: number, sessionTimeoutMs: number): boolean {
    const last = this.lastHeartbeatMs.get(brokerId);
    if (last === undefined) {
      this.lastHeartbeatMs.set(brokerId, nowMs);
      return true;
    }
    return nowMs - last <= sessionTimeoutMs;
  }

  /** Drops leases of brokers the image no longer has. */
  prune(image: MetadataImage): void {
    for (const id of this.lastHeartbeatMs.keys()) {
      if (!image.brokers.has(id)) this.lastHeartbeatMs.delete(id);
    }
  }
}

export interface BrokerRegistration {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly incarnationId: string;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Every listener, the inter-broker one (host, port) first; absent: that one alone. */
  readonly endpoints?: readonly BrokerEndpoint[];
}

export interface RegistrationContext {
  readonly leases: BrokerLeases;
  readonly nowMs: number;
  readonly sessionTimeoutMs: number;
}

export interface RegistrationResult {
  readonly errorCode: number;
  /** The broker's epoch once the records are committed; -1 on error. */
  readonly brokerEpoch: number;
}

/**
 * Registers a broker. The same incarnation again (a retried request) gets its epoch back with no
 * records. A new incarnation replaces the old registration, which must be fenced or out of its
 * session (else DUPLICATE_BROKER_REGISTRATION: two live processes claim the id); an unfenced but
 * expired one is fenced first, in the same batch, so its leaderships move.
 */
export function registerBroker(image: MetadataImage, req: BrokerRegistration,
  ctx: RegistrationContext): { records: MetadataRecord[]; result: RegistrationResult } {
  const refuse = (error: { code: number }) =>
    ({ records: [], result: { errorCode: error.code, brokerEpoch: -1 } });
  if (req.clusterId !== image.clusterId) return refuse(KafkaError.inconsistentClusterId);
  if (registrationProblem(req) !== undefined) return refuse(KafkaError.invalidRequest);
  const old = image.brokers.get(req.brokerId);
  if (old !== undefined && old.incarnationId === req.incarnationId && old.host === req.host
    && old.port === req.port && old.rack === req.rack
    && sameEndpoints(old.endpoints, req.endpoints ?? [])) {
    ctx.leases.touch(req.brokerId, ctx.nowMs);
    return { records: [], result: { errorCode: 0, brokerEpoch: old.brokerEpoch } };
  }
  const records: MetadataRecord[] = [];
  if (old !== undefined && !old.fenced) {
    const sameProcess = old.incarnationId === req.incarnationId;
    if (!sameProcess && ctx.leases.alive(req.brokerId, ctx.nowMs, ctx.sessionTimeoutMs)) {
      return refuse(KafkaError.duplicateBrokerRegistration);
    }
    records.push(...fenceAndMoveAway(image, req.brokerId));
  }
  const brokerEpoch = image.brokerEpochMax + 1;
  const { brokerId, incarnationId, host, port, rack } = req;
  const endpoints = req.endpoints ?? [];
  const record: BrokerRecord = { type: 'registerBroker', brokerId, incarnationId, host, port, rack,
    brokerEpoch, ...(endpoints.length === 0 ? {} : { endpoints }) };
  records.push(record);
  ctx.leases.touch(brokerId, ctx.nowMs);
  return { records, result: { errorCode: 0, brokerEpoch } };
}

/**
 * Why a registration cannot become a broker record, or undefined. Its fields are replicated to
 * every node and served to every client (Metadata), so they are held to what a real broker
 * sends: a non-negative id, the host and rack a node config allows (config/node-config.ts), a
 * port a client can connect to. Whether the id belongs to the quorum is the caller's check
 * (node/controller-duties.ts): the image does not hold the Raft configuration.
 */
export function registrationProblem(req: BrokerRegistration): string | undefined {
  if (!Number.isInteger(req.brokerId) || req.brokerId < 0) return `broker id ${req.brokerId}`;
  if (req.host.length === 0 || req.host.length > limits.brokerHostLengthMax) {
    return `host of ${req.host.length} characters`;
  }
  if (!Number.isInteger(req.port) || req.port < 1 || req.port > 65_535) return `port ${req.port}`;
  const rack = req.rack;
  if (rack !== null && (rack.length === 0 || rack.length > limits.brokerRackLengthMax)) {
    return `rack of ${rack.length} characters`;
  }
  const endpoints = req.endpoints ?? [];
  const first = endpoints[0];
  if (first !== undefined && (first.host !== req.host || first.port !== req.port)) {
    return 'the first endpoint is not the inter-broker address';
  }
  return endpointsProblem(endpoints);
}

function sameEndpoints(a: readonly BrokerEndpoint[], b: readonly BrokerEndpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => {
    const o = b[i];
    return o !== undefined && e.name === o.name && e.host === o.host && e.port === o.port &&
      e.securityProtocol === o.securityProtocol;
  });
}

export interface BrokerHeartbeat {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  /** The broker has applied the metadata log up to what the controller asked (KIP-631). */
  readonly caughtUp: boolean;
  /** Controlled shutdown: move my leaderships away, then tell me to stop. */
  readonly wantShutdown: boolean;
}

export interface HeartbeatResult {
  readonly errorCode: number;
  readonly isFenced: boolean;
  readonly shouldShutdown: boolean;
}

/**
 * A heartbeat renews the lease; a fenced broker that has caught up is unfenced (and offline
 * partitions it can lead get it as leader); a shutdown request fences the broker and moves its
 * leaderships in one batch, and the answer — sent once that batch is committed — says stop.
 */
export function heartbeat(image: MetadataImage, leases: BrokerLeases, req: BrokerHeartbeat,
  nowMs: number): { records: MetadataRecord[]; result: HeartbeatResult } {
  const broker = image.brokers.get(req.brokerId);
  const answer = (records: MetadataRecord[], errorCode: number, isFenced: boolean,
    shouldShutdown = false) => ({ records, result: { errorCode, isFenced, shouldShutdown } });
  if (broker === undefined) return answer([], KafkaError.brokerIdNotRegistered.code, true);
  if (broker.brokerEpoch !== req.brokerEpoch) {
    return answer([], KafkaError.staleBrokerEpoch.code, true);
  }
  leases.touch(req.brokerId, nowMs);
  if (req.wantShutdown) return answer(fenceAndMoveAway(image, req.brokerId), 0, true, true);
  if (!broker.fenced) return answer([], 0, false);
  if (!req.caughtUp) return answer([], 0, true);
  const unfence: MetadataRecord = {
    type: 'unfenceBroker', brokerId: req.brokerId, brokerEpoch: req.brokerEpoch,
  };
  return answer([unfence, ...electOfflineLeaders(applyRecords(image, [unfence]))], 0, false);
}

/**
 * Fences every unfenced broker whose lease expired and moves its leaderships, all in one batch
 * (each broker's moves computed on the image left by the ones before, so none is elected).
 */
export function expireSessions(image: MetadataImage, leases: BrokerLeases, nowMs: number,
  sessionTimeoutMs: number): MetadataRecord[] {
  leases.prune(image);
  const records: MetadataRecord[] = [];
  let scratch = image;
  for (const broker of [...image.brokers.values()].sort((a, b) => a.brokerId - b.brokerId)) {
    if (broker.fenced || leases.alive(broker.brokerId, nowMs, sessionTimeoutMs)) continue;
    const moves = fenceAndMoveAway(scratch, broker.brokerId);
    scratch = applyRecords(scratch, moves);
    records.push(...moves);
  }
  return records;
}
