/**
 * The broker side of KIP-631: register with the active controller once per process start (retry
 * with backoff until it succeeds), then heartbeat every heartbeatIntervalMs with how far this node
 * has applied the metadata log; the controller unfences the broker once it has caught up. On stop,
 * controlled shutdown: heartbeat with wantShutDown until the controller answers shouldShutDown —
 * its leaderships moved and its fence record committed — bounded by a deadline inside the node's
 * shutdown budget; then heartbeats stop.
 *
 * When this node is itself the controller the requests go to ControllerDuties directly (`local`),
 * else over the network (`remote`, a RemoteController). Both answer with Kafka codes and never
 * reject, so the loop below only looks at codes.
 *
 * The lease: a broker acts as partition leader only while the controller would not yet have fenced
 * it. The controller fences a broker `sessionTimeoutMs` after the last heartbeat it *received*; a
 * heartbeat is received after it was *sent*, so "unfenced answer to a heartbeat sent at t" gives a
 * lease until t + sessionTimeoutMs that ends before the session does. (The controller also fences
 * a broker whose heartbeat connection closed after a short grace, controller-duties.ts: nearly
 * always a dead process; a live one reconnects within the grace.) A broker cut off from the controller quorum (or fenced) thus stops taking produces and
 * stops naming itself leader, and its clients move to the new leader (issue 13, break 6). Every
 * node should use the same broker.session.timeout.ms; a larger one here than on the controller
 * would let the lease outlive the session.
 */
import type { Logger } from 'pino';
import { KafkaClient, type ClientIo } from '../client/index.js';
import { heartbeatIntervalMsDefault, sessionTimeoutMsDefault } from '../controller/index.js';
import {
  ApiKey, KafkaError, type AllocateProducerIdsResponse, type AlterPartitionResponse,
  type ReportClusterEventRequest, type ReportClusterEventResponse,
  type BrokerHeartbeatResponse,
  type BrokerRegistrationResponse, type UnregisterBrokerResponse,
} from '../protocol/index.js';
import type {
  AlterPartitionInput, AlterPartitionItemOutcome, BrokerHeartbeatInput, BrokerHeartbeatOutcome,
  BrokerRegistrationInput,
  BrokerRegistrationOutcome, ControllerService, ProducerIdBlockOutcome, UnregisterOutcome,
} from '../server/index.js';
import { delay, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import type { BrokerEndpoint } from '../metadata/index.js';

export interface BrokerLifecycleOptions {
  readonly nodeId: number;
  /** Random per process start (Kafka's Uuid string form). */
  readonly incarnationId: string;
  readonly advertised: { readonly host: string; readonly port: number };
  /** Every listener, the inter-broker one (advertised) first; absent: that one alone. */
  readonly endpoints?: readonly BrokerEndpoint[];
  readonly rack: string | null;
  /** The cluster id from the local image; '' until this node has applied it. */
  readonly clusterId: () => string;
  /** The Raft index this node has applied the metadata log to. */
  readonly metadataOffset: () => number;
  /** The active controller's id, or -1. */
  readonly controllerId: () => number;
  readonly isController: () => boolean;
  readonly local: ControllerService;
  readonly remote: ControllerService;
  readonly log: Logger;
  readonly heartbeatIntervalMs?: number;
  /** broker.session.timeout.ms: the length of the lease an unfenced heartbeat answer gives. */
  readonly sessionTimeoutMs?: number;
  readonly clock: Clock;
}

/** Registration retries: 100 ms doubling to 500 ms (a restarted broker waits out its old
 * session, DUPLICATE_BROKER_REGISTRATION until then). */
const retryBackoffMsMin = 100;
const retryBackoffMsMax = 500;
/** Default bound on controlled shutdown: leaves the rest of the 5 s budget to closing logs. */
export const controlledShutdownMsDefault = 3_000;

export class BrokerLifecycle {
  private readonly o: BrokerLifecycleOptions;
  private readonly heartbeatIntervalMs: number;
  private readonly clock: Clock;
  /** -1 until registered (again, after STALE_BROKER_EPOCH). */
  private brokerEpoch = -1;
  private fenced = true;
  /** Invariant: 0 while fenced or unregistered; else send time of the last unfenced answer + session. */
  private leaseUntilMs = 0;
  /** Whether the last look found the lease valid (to log its loss once). */
  private leaseSeen = false;
  private readonly sessionTimeoutMs: number;
  private shutdownDeadlineMs: number | null = null;
  private shutdownGranted = false;
  /** Aborted to wake the loop early (stop requested) and, at the end, to end it. */
  private wake = new AbortController();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly unfencedOnce: Promise<void>;
  private settleRegistered: (err?: Error) => void = () => undefined;

  constructor(options: BrokerLifecycleOptions) {
    this.o = options;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? heartbeatIntervalMsDefault;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? sessionTimeoutMsDefault;
    this.clock = options.clock;
    this.unfencedOnce = new Promise<void>((resolve, reject) => {
      this.settleRegistered = (err) => (err === undefined ? resolve() : reject(err));
    });
    // Nobody may be waiting when stop() rejects it.
    this.unfencedOnce.catch(() => undefined);
  }

  /** Starts registering and heartbeating in the background. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once the controller has unfenced this broker; rejects if stopped before. */
  registered(): Promise<void> {
    return this.unfencedOnce;
  }

  /** This broker's epoch, or -1 while unregistered. */
  epoch(): number {
    return this.brokerEpoch;
  }

  isFenced(): boolean {
    return this.fenced;
  }

  /**
   * Whether this broker may act as a partition leader now: registered, unfenced, and its last
   * unfenced heartbeat answer came from a heartbeat sent less than a session ago.
   */
  holdsLease(nowMs = this.clock.now()): boolean {
    return nowMs < this.leaseUntilMs;
  }

  /** How long the lease has been lapsed: 0 while held, Infinity while fenced or unregistered. */
  leaseLapsedForMs(nowMs = this.clock.now()): number {
    if (nowMs < this.leaseUntilMs) return 0;
    return this.leaseUntilMs === 0 ? Number.POSITIVE_INFINITY : nowMs - this.leaseUntilMs;
  }

  /**
   * Controlled shutdown within `deadlineMs`, then no more heartbeats. Resolves true when the
   * controller confirmed (its fence record is committed), false when the deadline passed first or
   * the broker was never registered.
   */
  async stop(deadlineMs = controlledShutdownMsDefault): Promise<boolean> {
    if (this.loop === null) this.stopped = true;
    this.shutdownDeadlineMs ??= this.clock.now() + deadlineMs;
    this.settleRegistered(new PadoError(PadoErrorCode.notController,
      'stopped before the controller registered this broker'));
    this.wake.abort();
    // A request in flight may wait long on a quorum that lost its leader: bound it by the deadline.
    const timeUp = new AbortController();
    await Promise.race([this.loop, delay(this.clock, deadlineMs, timeUp.signal)]);
    timeUp.abort();
    this.stopped = true;
    return this.shutdownGranted;
  }

  private async run(): Promise<void> {
    let backoffMs = retryBackoffMsMin;
    while (!this.done()) {
      const startedMs = this.clock.now();
      let waitMs: number;
      if (this.brokerEpoch < 0) {
        if (this.shutdownDeadlineMs !== null) break; // never registered: nothing to hand over
        const ok = await this.register();
        waitMs = ok ? 0 : backoffMs;
        backoffMs = ok ? retryBackoffMsMin : Math.min(backoffMs * 2, retryBackoffMsMax);
      } else {
        await this.heartbeat();
        this.noteLease();
        waitMs = this.heartbeatIntervalMs - (this.clock.now() - startedMs);
      }
      if (this.done()) break;
      if (waitMs > 0) await this.pause(waitMs);
    }
    this.stopped = true;
  }

  private done(): boolean {
    if (this.stopped || this.shutdownGranted) return true;
    return this.shutdownDeadlineMs !== null && this.clock.now() >= this.shutdownDeadlineMs;
  }

  /** Sleeps; a stop request wakes it once (shutdown heartbeats then run at the normal pace). */
  private async pause(ms: number): Promise<void> {
    if (this.wake.signal.aborted && this.shutdownDeadlineMs !== null) {
      this.wake = new AbortController();
    }
    await delay(this.clock, ms, this.wake.signal);
  }

  /** The controller to ask, or null while none is known. */
  private controller(): ControllerService | null {
    if (this.o.isController()) return this.o.local;
    return this.o.controllerId() > 0 ? this.o.remote : null;
  }

  private async register(): Promise<boolean> {
    const controller = this.controller();
    const clusterId = this.o.clusterId();
    // The cluster id is replicated: a node that has not applied it yet cannot name it.
    if (controller === null || clusterId === '') return false;
    const { host, port } = this.o.advertised;
    const endpoints = this.o.endpoints;
    const r = await controller.registerBroker({ brokerId: this.o.nodeId, clusterId,
      incarnationId: this.o.incarnationId, host, port, rack: this.o.rack,
      ...(endpoints === undefined ? {} : { endpoints }) });
    if (r.errorCode !== 0) {
      this.o.log.debug({ errorCode: r.errorCode, controllerId: this.o.controllerId() },
        'broker registration refused; retrying');
      return false;
    }
    this.brokerEpoch = r.brokerEpoch;
    this.fenced = true;
    this.o.log.info({ brokerEpoch: r.brokerEpoch }, 'registered with the controller');
    return true;
  }

  private async heartbeat(): Promise<void> {
    const controller = this.controller();
    if (controller === null) return;
    const wantShutdown = this.shutdownDeadlineMs !== null;
    const sentMs = this.clock.now();
    const r = await controller.brokerHeartbeat({
      brokerId: this.o.nodeId, brokerEpoch: this.brokerEpoch,
      currentMetadataOffset: this.o.metadataOffset(), wantFence: false, wantShutdown,
    });
    if (r.errorCode === KafkaError.staleBrokerEpoch.code
      || r.errorCode === KafkaError.brokerIdNotRegistered.code) {
      // Our registration was replaced or removed: register again (or, stopping, just stop).
      this.o.log.warn({ errorCode: r.errorCode, brokerEpoch: this.brokerEpoch },
        'controller no longer knows this registration');
      this.brokerEpoch = -1;
      this.fenced = true;
      this.leaseUntilMs = 0;
      if (wantShutdown) this.stopped = true;
      return;
    }
    if (r.errorCode !== 0) return; // NOT_CONTROLLER, unreachable: next interval, maybe elsewhere
    this.noteFenced(r.isFenced);
    this.leaseUntilMs = r.isFenced ? 0 : sentMs + this.sessionTimeoutMs;
    if (wantShutdown && r.shouldShutdown) {
      this.shutdownGranted = true;
      this.o.log.info('controlled shutdown: the controller moved this broker\'s leaderships');
    }
  }

  /** Logs the lease's loss (and its return) once per change. */
  private noteLease(): void {
    const holds = this.holdsLease();
    if (holds === this.leaseSeen) return;
    this.leaseSeen = holds;
    if (holds) {
      this.o.log.info({ brokerEpoch: this.brokerEpoch }, 'leadership lease held: acting as leader');
    } else {
      this.o.log.warn({ brokerEpoch: this.brokerEpoch, sessionTimeoutMs: this.sessionTimeoutMs,
        controllerId: this.o.controllerId() },
      'no unfenced heartbeat answer within the session: not acting as leader until one comes');
    }
  }

  private noteFenced(isFenced: boolean): void {
    if (isFenced === this.fenced) return;
    this.fenced = isFenced;
    const message = isFenced ? 'broker fenced' : 'broker unfenced';
    this.o.log.info({ brokerEpoch: this.brokerEpoch }, message);
    if (!isFenced) this.settleRegistered();
  }
}

export interface RemoteControllerOptions {
  /** The active controller's id, or -1. */
  readonly controllerId: () => number;
  /** Where node `id` listens (from the image, or the voter list before it is registered). */
  readonly addressOf: (id: number) => { host: string; port: number } | undefined;
  /** Connect and request timeout: a heartbeat answered later than this is no use. */
  readonly timeoutMs?: number;
  readonly log: Logger;
  readonly io: ClientIo;
}

const notController = KafkaError.notController.code;
const unreachableHeartbeat: BrokerHeartbeatOutcome = {
  errorCode: notController, isCaughtUp: false, isFenced: true, shouldShutdown: false,
};

/**
 * The controller over the network: one Kafka connection to the active controller, re-opened when
 * leadership moves or the connection fails. Every failure becomes NOT_CONTROLLER (retriable).
 */
export class RemoteController implements ControllerService {
  private readonly o: RemoteControllerOptions;
  private client: { readonly id: number; readonly connected: Promise<KafkaClient> } | null = null;

  constructor(options: RemoteControllerOptions) {
    this.o = options;
  }

  async registerBroker(req: BrokerRegistrationInput): Promise<BrokerRegistrationOutcome> {
    const request = {
      brokerId: req.brokerId, clusterId: req.clusterId, incarnationId: req.incarnationId,
      listeners: req.endpoints === undefined
        ? [{ name: 'PLAINTEXT', host: req.host, port: req.port, securityProtocol: 0 }]
        : [...req.endpoints],
      features: [], rack: req.rack, isMigratingZkBroker: false, logDirs: [],
      previousBrokerEpoch: -1,
    };
    const r = await this.send<BrokerRegistrationResponse>(ApiKey.brokerRegistration, 0, request);
    return r ?? { errorCode: notController, brokerEpoch: -1 };
  }

  async brokerHeartbeat(req: BrokerHeartbeatInput): Promise<BrokerHeartbeatOutcome> {
    const request = {
      brokerId: req.brokerId, brokerEpoch: req.brokerEpoch,
      currentMetadataOffset: req.currentMetadataOffset, wantFence: req.wantFence,
      wantShutDown: req.wantShutdown, offlineLogDirs: [],
    };
    const r = await this.send<BrokerHeartbeatResponse>(ApiKey.brokerHeartbeat, 0, request);
    if (r === null) return unreachableHeartbeat;
    return { errorCode: r.errorCode, isCaughtUp: r.isCaughtUp, isFenced: r.isFenced,
      shouldShutdown: r.shouldShutDown };
  }

  async unregisterBroker(brokerId: number): Promise<UnregisterOutcome> {
    const r = await this.send<UnregisterBrokerResponse>(ApiKey.unregisterBroker, 0, { brokerId });
    return r ?? { errorCode: notController, errorMessage: 'the controller could not be reached' };
  }

  async allocateProducerIds(brokerId: number, brokerEpoch: number):
    Promise<ProducerIdBlockOutcome> {
    const r = await this.send<AllocateProducerIdsResponse>(ApiKey.allocateProducerIds, 0,
      { brokerId, brokerEpoch });
    if (r === null) return { errorCode: notController, firstProducerId: -1, count: 0 };
    return { errorCode: r.errorCode, firstProducerId: r.producerIdStart, count: r.producerIdLen };
  }

  /**
   * AlterPartition v2 (topics by id, no member broker epochs): one outcome per item, in order.
   * Items of one topic are sent together, as the request groups them.
   */
  async alterPartition(req: AlterPartitionInput):
    Promise<{ errorCode: number; partitions: AlterPartitionItemOutcome[] }> {
    const topics = req.partitions.map((p) => ({ topicName: '', topicId: p.topicId, partitions: [{
      partitionIndex: p.partition, leaderEpoch: p.leaderEpoch, newIsr: [...p.newIsr],
      newIsrWithEpochs: [], leaderRecoveryState: p.leaderRecoveryState ?? 0,
      partitionEpoch: p.partitionEpoch }] }));
    const r = await this.send<AlterPartitionResponse>(ApiKey.alterPartition, 2,
      { brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, topics });
    if (r === null) return { errorCode: notController, partitions: [] };
    if (r.errorCode !== 0) return { errorCode: r.errorCode, partitions: [] };
    return { errorCode: 0, partitions: r.topics.flatMap((t) => t.partitions) };
  }

  async reportEvent(req: ReportClusterEventRequest): Promise<ReportClusterEventResponse> {
    const r = await this.send<ReportClusterEventResponse>(ApiKey.reportClusterEvent, 0, req);
    return r ?? { errorCode: notController, errorMessage: 'no controller reachable' };
  }

  close(): void {
    const old = this.client;
    this.client = null;
    void old?.connected.then((c) => c.close(), () => undefined);
  }

  /** The response, or null when there is no controller or it could not be reached. */
  private async send<R>(apiKey: number, version: number, request: unknown): Promise<R | null> {
    const id = this.o.controllerId();
    if (id <= 0) return null;
    try {
      const client = await this.connect(id);
      return await client.request<R>(apiKey, request, version);
    } catch (err) {
      this.o.log.debug({ err, controllerId: id, apiKey }, 'controller request failed');
      this.close();
      return null;
    }
  }

  private connect(id: number): Promise<KafkaClient> {
    if (this.client !== null && this.client.id === id) return this.client.connected;
    this.close();
    const address = this.o.addressOf(id);
    if (address === undefined) return Promise.reject(new Error(`no address for node ${id}`));
    const timeoutMs = this.o.timeoutMs ?? 1_000;
    const connected = KafkaClient.connect({ host: address.host, port: address.port,
      clientId: 'pado-broker-lifecycle', connectTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs, io: this.o.io });
    this.client = { id, connected };
    return connected;
  }
}
