/**
 * The active controller's broker duties (DESIGN.md, Controller duties; KIP-631): registration,
 * heartbeats, session expiry and unregistration, decided by the pure functions of controller/
 * and committed through RaftMetadata.propose. Active only while this node leads the metadata
 * quorum: `onLeaderChange(true)` starts the session check timer with fresh leases for every
 * broker (leases are controller memory, not replicated, so a failover never fences anyone by
 * itself); `onLeaderChange(false)` stops it. Requests while inactive get NOT_CONTROLLER.
 *
 * "Caught up" (the condition for unfencing): a broker's heartbeat carries the Raft index it has
 * applied the metadata log to (`currentMetadataOffset`); it has caught up once that reaches the
 * index of its registration record. We do not know that exact index, so we use this node's
 * applied index right after the registration committed (≥ the record's index: conservative). For
 * a registration made under an earlier controller we use our applied index when we first decided
 * after taking over (every earlier registration is at or below it, as decisions run after a read
 * barrier).
 */
import type { Logger } from 'pino';
import { blankControlCharacters, PadoError, type Clock } from '../common/index.js';
import {
  BrokerLeases, electPreferredLeaders, expireSessions, fenceAndMoveAway, growInternalTopics,
  completeReassignments,
  heartbeat, removeFromIsrs, registerBroker, registrationProblem, sessionCheckIntervalMsDefault,
  sessionTimeoutMsDefault, closedConnectionGraceMsDefault,
} from '../controller/index.js';
import {
  applyRecords, EventSeverity, type ClusterEventKind, type MetadataImage, type MetadataRecord,
} from '../metadata/index.js';
import {
  KafkaError, type ReportClusterEventRequest, type ReportClusterEventResponse,
} from '../protocol/index.js';
import { noneId, type Status } from '../raft/index.js';
import type {
  AlterPartitionInput, BrokerHeartbeatInput, BrokerHeartbeatOutcome, BrokerRegistrationInput,
  BrokerRegistrationOutcome, ControllerService, Decision, PartitionControllerService,
  ProducerIdBlockOutcome, QuorumReplicaStatus, QuorumStatus, UnregisterOutcome,
} from '../server/index.js';
import { peerWarnBurst, peerWarnIntervalMs, WarnLimiter } from '../server/index.js';
import {
  decideAllocateProducerIds, decideAlterPartition, type AlterPartitionDecided,
} from './controller-decisions.js';

/** What the duties need of the metadata quorum (RaftMetadata implements it). */
export interface MetadataDecider {
  image(): MetadataImage;
  isController(): boolean;
  /** `settle: false`: answered once committed, before this node's listeners have run. */
  propose<T>(decide: (image: MetadataImage) => Decision<T>, opts?: { settle?: boolean }): Promise<T>;
}

export interface ControllerDutiesOptions {
  readonly metadata: MetadataDecider;
  /** The Raft index this node has applied the metadata log to. */
  readonly metadataOffset: () => number;
  readonly log: Logger;
  readonly clock: Clock;
  readonly sessionTimeoutMs?: number;
  readonly sessionCheckIntervalMs?: number;
  /** How often the active controller moves leaderships back to preferred replicas. */
  readonly preferredLeaderCheckIntervalMs?: number;
  /**
   * Called after a broker that was fenced (its node gone: `pado cluster decommission`) has been
   * unregistered: the node takes it out of the quorum's observers too (join.ts forget).
   */
  readonly onUnregistered?: (brokerId: number) => Promise<void>;
  /** Called after a commit that unfenced a broker (the node may retry bootstrap work then). */
  readonly onBrokerUnfenced?: (brokerId: number) => void;
  /**
   * Whether `brokerId` is a voter or observer of the metadata quorum. Every Pado broker is one
   * before it registers (a joining node is admitted first, node/join.ts), so a registration from
   * any other id is refused (issue 13): it would put a broker no node runs into the image, where
   * placement would give it replicas.
   */
  readonly isQuorumMember: (brokerId: number) => boolean;
  /**
   * Replicas internal topics grow to as brokers join (offsets.topic.replication.factor, capped at
   * the live brokers); default 3, Kafka's.
   */
  readonly offsetsTopicReplicationFactor?: number;
  /** A broker whose heartbeat connection closed is fenced this long after (default 500 ms). */
  readonly closedConnectionGraceMs?: number;
  /** This node's id: a takeover records a controller-changed event naming it (absent: none). */
  readonly nodeId?: number;
}

const notControllerCode = KafkaError.notController.code;

/**
 * Preferred-leader rebalancing period. Kafka checks every 300 s
 * (leader.imbalance.check.interval.seconds) and only past a 10 % imbalance; we check every 30 s
 * and move every leader that can go back: our failover moves leaderships within ~2 s, so a
 * restarted broker would otherwise sit idle for minutes after a rolling restart, and one check
 * costs a scan of the image (no record unless something moves).
 */
export const preferredLeaderCheckIntervalMsDefault = 30_000;

export class ControllerDuties implements ControllerService, PartitionControllerService {
  private readonly metadata: MetadataDecider;
  private readonly metadataOffset: () => number;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly sessionTimeoutMs: number;
  private readonly sessionCheckIntervalMs: number;
  private readonly preferredLeaderCheckIntervalMs: number;
  private readonly onBrokerUnfenced: (brokerId: number) => void;
  private readonly onUnregistered: (brokerId: number) => Promise<void>;
  private readonly isQuorumMember: (brokerId: number) => boolean;
  /** Refused registrations are logged, at a bounded rate (the sender chooses how often). */
  private readonly refusals: WarnLimiter;
  private readonly offsetsTopicReplicationFactor: number;
  private readonly closedConnectionGraceMs: number;
  private readonly nodeId: number | undefined;
  /** Non-null exactly while active (this node is the controller). */
  private term: ActiveTerm | null = null;

  constructor(options: ControllerDutiesOptions) {
    this.metadata = options.metadata;
    this.metadataOffset = options.metadataOffset;
    this.log = options.log;
    this.clock = options.clock;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? sessionTimeoutMsDefault;
    this.sessionCheckIntervalMs = options.sessionCheckIntervalMs ?? sessionCheckIntervalMsDefault;
    this.preferredLeaderCheckIntervalMs = options.preferredLeaderCheckIntervalMs
      ?? preferredLeaderCheckIntervalMsDefault;
    this.onBrokerUnfenced = options.onBrokerUnfenced ?? (() => undefined);
    this.onUnregistered = options.onUnregistered ?? (() => Promise.resolve());
    this.isQuorumMember = options.isQuorumMember;
    this.refusals = new WarnLimiter({ burst: peerWarnBurst, intervalMs: peerWarnIntervalMs,
      nowMs: () => this.clock.now() });
    this.offsetsTopicReplicationFactor = options.offsetsTopicReplicationFactor ?? 3;
    this.closedConnectionGraceMs = options.closedConnectionGraceMs ?? closedConnectionGraceMsDefault;
    this.nodeId = options.nodeId;
  }

  /**
   * Call on every leader change this node sees: `isLeader` = this node leads now. Leases start
   * fresh, except the previous controller's: it starts from when its Raft messages last reached
   * us. We were elected because it went silent for an election timeout; when it died, a fresh
   * lease would add a whole session to its partitions' failover (a broker that is also the
   * controller is the common case with 3 nodes). Fencing is never unsafe, only an availability
   * cost, and a live previous leader heartbeats its lease back within 200 ms.
   */
  onLeaderChange(isLeader: boolean,
    previous?: { readonly id: number; readonly heardMs: number }): void {
    if (isLeader && this.term === null) {
      const term = new ActiveTerm();
      if (previous !== undefined) term.leases.touch(previous.id, previous.heardMs);
      term.rebalanceTimer = this.clock.every(this.preferredLeaderCheckIntervalMs, () => {
        void this.rebalanceLeaders();
        void this.growInternalTopics();
      });
      // Started last: test fakes that keep one callback keep the session check.
      term.timer = this.clock.every(this.sessionCheckIntervalMs, () => void this.checkSessions());
      this.term = term;
      this.log.info({ sessionTimeoutMs: this.sessionTimeoutMs }, 'controller duties started');
      void this.recordTakeover();
      // An earlier controller may have stopped between a broker's unfencing and the growth.
      void this.growInternalTopics();
    } else if (!isLeader && this.term !== null) {
      this.term.timer?.cancel();
      this.term.rebalanceTimer?.cancel();
      this.term = null;
      this.log.info('controller duties stopped');
    }
  }

  /** Stops the timer for good (node shutdown). */
  close(): void {
    this.onLeaderChange(false);
  }

  /** The controller-changed event (issue 16), naming the controller before this one. */
  private async recordTakeover(): Promise<void> {
    if (this.nodeId === undefined) return;
    const self = this.nodeId;
    try {
      await this.metadata.propose((image) => {
        const last = image.events.findLast((e) => e.kind === 'controller-changed');
        const was = last === undefined ? '' : last.brokerId === self ? ' again' : ` after node ${last.brokerId}`;
        return { records: [], result: undefined, notes: [{ kind: 'controller-changed',
          severity: EventSeverity.info, brokerId: self, message: `node ${self} is the controller${was}` }] };
      }, { settle: false });
    } catch (err) {
      this.log.debug({ err }, 'controller-changed event not committed (leadership moved?)');
    }
  }

  async registerBroker(req: BrokerRegistrationInput): Promise<BrokerRegistrationOutcome> {
    const term = this.activeTerm();
    if (term === null) return { errorCode: notControllerCode, brokerEpoch: -1 };
    const problem = registrationProblem(req) ??
      (this.isQuorumMember(req.brokerId) ? undefined : 'not a member of the metadata quorum');
    if (problem !== undefined) {
      const suppressed = this.refusals.take();
      if (suppressed !== undefined) {
        this.log.warn({ brokerId: req.brokerId, problem, suppressed }, 'registration refused');
      }
      return { errorCode: KafkaError.invalidRequest.code, brokerEpoch: -1 };
    }
    try {
      const result = await this.metadata.propose((image) => registerBroker(image, req, {
        leases: term.leases, nowMs: this.clock.now(), sessionTimeoutMs: this.sessionTimeoutMs,
      }));
      if (result.errorCode === 0) {
        // The record is applied here now: our applied index is at or past it.
        term.registeredAt.set(req.brokerId, this.metadataOffset());
        this.log.info({ brokerId: req.brokerId, brokerEpoch: result.brokerEpoch,
          host: req.host, port: req.port }, 'broker registered');
      }
      return result;
    } catch (err) {
      return { errorCode: this.refusalCode(err, 'registration'), brokerEpoch: -1 };
    }
  }

  async brokerHeartbeat(req: BrokerHeartbeatInput): Promise<BrokerHeartbeatOutcome> {
    const term = this.activeTerm();
    if (term === null) {
      return refusedHeartbeat(notControllerCode);
    }
    // The session runs from the heartbeat's arrival, not from its decision's turn: decisions wait
    // in one queue (raft-metadata.ts), and a broker must not be fenced for the controller's delay.
    // (Still safe: the broker's own lease ends a session after it *sent* the heartbeat.)
    if (this.metadata.image().brokers.get(req.brokerId)?.brokerEpoch === req.brokerEpoch) {
      term.leases.touch(req.brokerId, this.clock.now());
      term.connectionClosed.delete(req.brokerId);
    }
    try {
      const outcome = await this.metadata.propose((image) =>
        this.decideHeartbeat(term, image, req), { settle: false });
      if (outcome.unfenced) {
        this.onBrokerUnfenced(req.brokerId);
        void this.growInternalTopics();
      }
      return outcome.result;
    } catch (err) {
      return refusedHeartbeat(this.refusalCode(err, 'heartbeat'));
    }
  }

  /**
   * A broker's heartbeat connection closed: its session now ends `closedConnectionGraceMs` from
   * now unless it heartbeats before (a killed broker is fenced in about half a second instead of a
   * whole session). Fencing early never costs an acknowledged acks=all record: a new leader stops
   * fetching from the old one before it leads, so the old one's high watermark cannot pass what
   * the new leader holds. The rare live broker fenced this way (its connection broke and it could
   * not heartbeat again within the grace) may keep its lease (broker-lifecycle.ts) up to the rest
   * of a session; its acks=all produces then wait and end NOT_LEADER_OR_FOLLOWER, as for any old
   * leader. Dropping the lease on every failed controller request instead would suspend every
   * broker at once whenever the controller dies.
   */
  brokerConnectionClosed(brokerId: number): void {
    const term = this.activeTerm();
    if (term === null) return;
    term.leases.endBy(brokerId, this.clock.now() + this.closedConnectionGraceMs, this.sessionTimeoutMs);
    term.connectionClosed.add(brokerId);
    this.log.info({ brokerId, graceMs: this.closedConnectionGraceMs },
      'broker heartbeat connection closed: fenced soon unless it heartbeats again');
  }

  async unregisterBroker(brokerId: number): Promise<UnregisterOutcome> {
    if (this.activeTerm() === null) {
      return { errorCode: notControllerCode, errorMessage: 'not the active controller' };
    }
    let gone = false;
    let outcome: UnregisterOutcome;
    try {
      outcome = await this.metadata.propose((image) => {
        gone = image.brokers.get(brokerId)?.fenced === true;
        return decideUnregister(image, brokerId);
      });
    } catch (err) {
      return { errorCode: this.refusalCode(err, 'unregistration'), errorMessage: null };
    }
    // A live broker registers again at its next heartbeat (as Kafka's does): it stays a member.
    if (outcome.errorCode === 0 && gone) await this.onUnregistered(brokerId);
    return outcome;
  }

  /**
   * Fences every broker whose lease expired (one batch, committed). Runs on the timer; one run at
   * a time, so a slow commit never piles up checks. Exposed for tests.
   */
  async checkSessions(): Promise<void> {
    const term = this.activeTerm();
    if (term === null || term.checking) return;
    term.checking = true;
    try {
      const fenced = await this.metadata.propose((image) => {
        const records = expireSessions(image, term.leases, this.clock.now(), this.sessionTimeoutMs);
        term.prune(image);
        const ids = fencedIds(records);
        const cause = ids.map((id) => (term.connectionClosed.has(id)
          ? `broker ${id}'s connection to the controller closed and it did not heartbeat again within ` +
            `${this.closedConnectionGraceMs} ms (the process stopped or crashed?)`
          : `broker ${id}'s session expired: no heartbeat within ${this.sessionTimeoutMs} ms (the process ` +
            'stopped, hung, or is cut off from the controller)')).join('; ');
        return { records, result: ids, cause };
      }, { settle: false });
      if (fenced.length > 0) {
        // The fence records are applied here now (a proposal resolves once applied).
        const at = this.metadataOffset();
        for (const id of fenced) term.fencedAt.set(id, at);
        this.log.warn({ brokerIds: fenced }, 'broker sessions expired: fenced');
      }
    } catch (err) {
      this.log.debug({ err }, 'session check not committed (leadership moved?)');
    } finally {
      term.checking = false;
    }
  }

  /**
   * Moves leaderships back to each partition's preferred replica (the first, if live and in the
   * ISR, not in maintenance mode; and off brokers in maintenance), one committed batch. Runs on
   * its timer, one run at a time. Exposed for tests.
   */
  async rebalanceLeaders(): Promise<void> {
    const term = this.activeTerm();
    if (term === null || term.rebalancing) return;
    term.rebalancing = true;
    try {
      const moved = await this.metadata.propose((image) => {
        // Reassignments complete in the batch of the ISR change that allows it; completing any
        // left here first is a safety net (controller/reassignment.ts).
        const completed = completeReassignments(image);
        const records = [...completed, ...electPreferredLeaders(applyRecords(image, completed))];
        return { records, result: records.length,
          cause: 'preferred-leader election (leaders go back to each partition\'s first replica)' };
      });
      if (moved > 0) this.log.info({ partitions: moved }, 'leaders moved to preferred replicas');
    } catch (err) {
      this.log.debug({ err }, 'preferred-leader election not committed (leadership moved?)');
    } finally {
      term.rebalancing = false;
    }
  }

  /**
   * Extends internal topics' partitions to min(offsets.topic.replication.factor, live brokers)
   * replicas (controller/internal-topics.ts), one committed batch. Runs when a broker is
   * unfenced, on taking over, and on the rebalance timer; one run at a time. Exposed for tests.
   */
  async growInternalTopics(): Promise<void> {
    const term = this.activeTerm();
    if (term === null || term.growing) return;
    term.growing = true;
    try {
      const grown = await this.metadata.propose((image) => {
        const records = growInternalTopics(image, this.offsetsTopicReplicationFactor);
        return { records, result: records };
      });
      if (grown.length > 0) {
        this.log.info({ partitions: grown.length,
          replicas: grown[0]?.replicas?.length }, 'internal topic replicas added');
      }
    } catch (err) {
      this.log.debug({ err }, 'internal topic growth not committed (leadership moved?)');
    } finally {
      term.growing = false;
    }
  }

  async allocateProducerIds(brokerId: number, brokerEpoch: number):
    Promise<ProducerIdBlockOutcome> {
    const refused = (errorCode: number) => ({ errorCode, firstProducerId: -1, count: 0 });
    if (this.activeTerm() === null) return refused(notControllerCode);
    try {
      const block = await this.metadata.propose((image) =>
        decideAllocateProducerIds(image, brokerId, brokerEpoch));
      if (block.errorCode === 0) {
        this.log.debug({ brokerId, firstProducerId: block.firstProducerId },
          'producer ids granted');
      }
      return block;
    } catch (err) {
      return refused(this.refusalCode(err, 'producer ids'));
    }
  }

  async alterPartition(req: AlterPartitionInput): Promise<AlterPartitionDecided> {
    if (this.activeTerm() === null) return { errorCode: notControllerCode, partitions: [] };
    try {
      return await this.metadata.propose((image) => ({ ...decideAlterPartition(image, req),
        cause: `ISR change from the partitions' leader, broker ${req.brokerId}` }));
    } catch (err) {
      return { errorCode: this.refusalCode(err, 'AlterPartition'), partitions: [] };
    }
  }

  /**
   * A broker's report of its own machine (disk low or full, corrupt data): recorded as a cluster
   * event. Only those kinds, from a broker registered at that epoch, at most
   * `reportsPerBrokerMax` per `reportWindowMs` per broker (a broker that loops cannot fill the
   * metadata log), and with its broker id and severity as the kind has them.
   */
  async reportEvent(req: ReportClusterEventRequest): Promise<ReportClusterEventResponse> {
    const refused = (errorCode: number, errorMessage: string): ReportClusterEventResponse =>
      ({ errorCode, errorMessage });
    const term = this.activeTerm();
    if (term === null) return refused(notControllerCode, 'not the active controller');
    const severity = brokerReportKinds.get(req.kind);
    if (severity === undefined) {
      return refused(KafkaError.invalidRequest.code, `brokers do not report '${req.kind.slice(0, 40)}' events`);
    }
    if (!term.reports.take(req.brokerId, this.clock.now())) {
      return refused(KafkaError.throttlingQuotaExceeded.code,
        `at most ${reportsPerBrokerMax} reports per ${reportWindowMs / 1000} s per broker`);
    }
    try {
      return await this.metadata.propose((image): Decision<ReportClusterEventResponse> => {
        if (image.brokers.get(req.brokerId)?.brokerEpoch !== req.brokerEpoch) {
          return { records: [], result: refused(KafkaError.staleBrokerEpoch.code, 'not registered at that epoch') };
        }
        const topic = req.topic !== null && image.topicsByName.has(req.topic) ? req.topic : null;
        return { records: [], result: { errorCode: 0, errorMessage: null }, notes: [{
          kind: req.kind as ClusterEventKind, severity, brokerId: req.brokerId, topic,
          // A report is a peer's input: no control characters (terminal escapes) reach `pado cluster events`.
          message: `broker ${req.brokerId}: ${blankControlCharacters(req.message)}` }] };
      }, { settle: false });
    } catch (err) {
      return refused(this.refusalCode(err, 'event report'), 'not committed');
    }
  }

  private decideHeartbeat(term: ActiveTerm, image: MetadataImage, req: BrokerHeartbeatInput):
    Decision<{ result: BrokerHeartbeatOutcome; unfenced: boolean }> {
    // Runs after propose's read barrier: our applied index covers every earlier controller's work.
    term.takeoverOffset ??= this.metadataOffset();
    // A broker fenced while cut off must first apply its fence (and the leader moves that came
    // with it): unfenced on an older image it would take its lease back, name itself leader of
    // partitions that moved and take writes for them (found by the whole-cluster simulation).
    const required = Math.max(term.registeredAt.get(req.brokerId) ?? term.takeoverOffset,
      term.fencedAt.get(req.brokerId) ?? -1);
    const caughtUp = req.currentMetadataOffset >= required;
    const wasFenced = image.brokers.get(req.brokerId)?.fenced ?? true;
    const decided = heartbeat(image, term.leases, {
      brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, caughtUp,
      wantShutdown: req.wantShutdown,
    }, this.clock.now());
    let { records } = decided;
    let isFenced = decided.result.isFenced;
    let cause = req.wantShutdown ? `broker ${req.brokerId} is shutting down (controlled shutdown)` : undefined;
    // wantFence (KIP-631: a broker that cannot serve) fences without asking to shut down.
    if (req.wantFence && !req.wantShutdown && decided.result.errorCode === 0) {
      records = fenceAndMoveAway(image, req.brokerId);
      isFenced = true;
      cause = `broker ${req.brokerId} asked to be fenced (it cannot serve: see its log)`;
    }
    const result = { errorCode: decided.result.errorCode, isCaughtUp: caughtUp, isFenced,
      shouldShutdown: decided.result.shouldShutdown };
    return { records, result: { result, unfenced: wasFenced && !isFenced },
      ...(cause === undefined ? {} : { cause }) };
  }

  private activeTerm(): ActiveTerm | null {
    return this.term !== null && this.metadata.isController() ? this.term : null;
  }

  /** A decision that did not commit: leadership moved or the quorum is unavailable. */
  private refusalCode(err: unknown, what: string): number {
    this.log.debug({ err, what }, 'controller request not committed');
    if (err instanceof PadoError) return notControllerCode;
    throw err;
  }
}

/** What brokers report (ReportClusterEvent), with the severity each is recorded at. */
const brokerReportKinds: ReadonlyMap<string, EventSeverity> = new Map<string, EventSeverity>([
  ['disk-low', EventSeverity.warn], ['disk-full', EventSeverity.error], ['disk-ok', EventSeverity.info],
  ['corrupt-data', EventSeverity.error],
]);
const reportsPerBrokerMax = 20;
const reportWindowMs = 60_000;

/** Reports per broker per window (fixed windows; bounded by the registered brokers). */
class ReportBudget {
  private readonly windows = new Map<number, { startMs: number; count: number }>();

  take(brokerId: number, nowMs: number): boolean {
    const w = this.windows.get(brokerId);
    if (w === undefined || nowMs - w.startMs >= reportWindowMs) {
      if (this.windows.size >= 10_000) this.windows.clear();
      this.windows.set(brokerId, { startMs: nowMs, count: 1 });
      return true;
    }
    if (w.count >= reportsPerBrokerMax) return false;
    w.count++;
    return true;
  }
}

/** State of one tenure as controller; dropped when leadership is lost. */
class ActiveTerm {
  readonly reports = new ReportBudget();
  readonly leases = new BrokerLeases();
  /** Applied index right after each registration this tenure committed; bounded by prune. */
  readonly registeredAt = new Map<number, number>();
  /** Applied index right after each session expiry this tenure committed; bounded by prune. */
  readonly fencedAt = new Map<number, number>();
  /** Brokers whose heartbeat connection closed since their last heartbeat (an event's cause). */
  readonly connectionClosed = new Set<number>();
  /** Applied index at this tenure's first decision; null until then. */
  takeoverOffset: number | null = null;
  timer: { cancel(): void } | null = null;
  rebalanceTimer: { cancel(): void } | null = null;
  checking = false;
  rebalancing = false;
  growing = false;

  prune(image: MetadataImage): void {
    for (const id of this.registeredAt.keys()) {
      if (!image.brokers.has(id)) this.registeredAt.delete(id);
    }
    for (const id of this.fencedAt.keys()) {
      if (!image.brokers.has(id)) this.fencedAt.delete(id);
    }
    for (const id of this.connectionClosed) {
      if (!image.brokers.has(id)) this.connectionClosed.delete(id);
    }
  }
}

/** Fences the broker, moves its leaderships, and removes its registration, in one batch. */
export function decideUnregister(image: MetadataImage,
  brokerId: number): Decision<UnregisterOutcome> {
  const broker = image.brokers.get(brokerId);
  if (broker === undefined) {
    return { records: [], result: { errorCode: KafkaError.brokerIdNotRegistered.code,
      errorMessage: `broker ${brokerId} is not registered` } };
  }
  // Fenced (its leaderships moved), then out of every ISR for good — a node decommissioned after
  // its disk died may come back empty under its id, and must not be elected from an old ISR place.
  const fenced = fenceAndMoveAway(image, brokerId);
  const records: MetadataRecord[] = [
    ...fenced,
    ...removeFromIsrs(applyRecords(image, fenced), brokerId),
    { type: 'unregisterBroker', brokerId, brokerEpoch: broker.brokerEpoch },
  ];
  return { records, result: { errorCode: 0, errorMessage: null },
    cause: `broker ${brokerId} was decommissioned` };
}

function refusedHeartbeat(errorCode: number): BrokerHeartbeatOutcome {
  return { errorCode, isCaughtUp: false, isFenced: true, shouldShutdown: false };
}

function fencedIds(records: readonly MetadataRecord[]): number[] {
  const ids: number[] = [];
  for (const r of records) if (r.type === 'fenceBroker') ids.push(r.brokerId);
  return ids;
}

/**
 * DescribeQuorum's view of the local Raft status. Raft index i is KRaft offset i-1, so a match
 * index is a log end offset and the commit index is the high watermark. Only the leader tracks
 * followers (its progress); elsewhere other members' log end offsets are unknown (-1).
 */
export function quorumStatusOf(s: Status): QuorumStatus {
  const leading = s.role === 'leader';
  const member = (id: number): QuorumReplicaStatus => {
    if (id === s.id) return { replicaId: id, logEndOffset: s.lastIndex };
    return { replicaId: id, logEndOffset: leading ? s.progress.get(id)?.match ?? -1 : -1 };
  };
  return {
    leaderId: s.leaderId === noneId ? -1 : s.leaderId,
    leaderEpoch: s.term,
    highWatermark: s.commit,
    voters: s.conf.voters.map(member),
    observers: s.conf.learners.map(member),
  };
}
