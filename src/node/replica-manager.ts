/**
 * Owns the partitions this node replicates: opens their logs at start, creates and deletes them as
 * the metadata image changes (a log for every replica, leader or follower), gives each one its
 * role — a PartitionReplica for the leader (what handlers see), a FollowerReplica per leader epoch
 * for a follower (what the replica fetcher drives) — applies topic config changes, runs retention
 * in the background, and wakes long-polling fetches: consumers' when a high watermark advances,
 * followers' on appends. It checkpoints every replica's high watermark on a timer and at close,
 * so a restart resumes from it rather than from its own log end. Every waiter and timer is
 * bounded and released on close.
 *
 * Damaged logs (issue 13, break 4; storage finds them at open, by scrubbing, or on a read): each
 * is logged at error with the topic, partition, this replica, the offset and the file; a led
 * partition resigns (PartitionReplica.damaged), a followed one refetches from the damaged offset
 * once its leader no longer counts it in the ISR (FollowerReplica.repair). Until the replica is
 * back in the ISR with no damage left, `isDamaged` says so (Metadata lists this broker among the
 * partition's offline replicas, which `pado cluster health` reports).
 */
import type { Logger } from 'pino';
import { limits, type Clock, type Timer } from '../common/index.js';
import {
  effectiveTopicConfigs, validateTopicConfigs,
  type NodeConfig, type TopicConfigs, type TopicDefaults,
} from '../config/index.js';
import {
  liveBrokers, replicationFactorOf, type MetadataImage, type PartitionImage, type TopicImage,
} from '../metadata/index.js';
import { FollowerReplica, type IsrChangeProposal, type PartitionState } from '../partitions/index.js';
import type { LocalPartition } from '../server/index.js';
import {
  LogManager, type LogConfig, type LogDamage, type PartitionLog, type StorageIo,
} from '../storage/index.js';
import { PartitionReplica } from './partition-replica.js';

type Waiter = () => void;

/**
 * A change of this node's leadership of one partition: `replica` is the PartitionReplica it now
 * leads at `replica.leaderEpoch` (a new one, or a new epoch of the same one), or undefined when it
 * stopped leading. Listeners run synchronously inside `applyImage` and must not throw.
 */
export type LeadershipListener = (topic: string, partition: number,
  replica: PartitionReplica | undefined) => void;

/** A partition this node follows: its log and the state machine of the current leader epoch. */
/** One local partition as `ReplicaManager.view` reports it. */
export interface ReplicaView {
  readonly topic: string;
  readonly partition: number;
  readonly role: 'leader' | 'follower';
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  /** What this replica's log holds fsynced (below it). */
  readonly durableEndOffset: number;
  /** A produce arriving now could be appended here. */
  readonly takesWrites: boolean;
  /** Bytes of the log's segments. */
  readonly sizeBytes: number;
  /** A follower's: the leader's high watermark in its last answer (-1 before one). */
  readonly leaderHighWatermark?: number;
}

export interface FollowerSlot {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  readonly replica: FollowerReplica;
}

const producerIdExpirationMs = 24 * 60 * 60 * 1000;
/** Leaders' timer: acks=all deadlines and follower lag are checked this often (README). */
const leaderTickMs = 100;
const producerExpiryCheckMs = 10 * 60 * 1000;
/**
 * replica.high.watermark.checkpoint.interval.ms (Kafka's default). A checkpoint behind the true HW
 * is safe — after a restart reads wait until followers fetch again — while each write costs three
 * fsyncs per partition whose HW moved, so a few seconds keeps that a trickle.
 */
export const highWatermarkCheckpointIntervalMs = 5_000;
/**
 * log.scrub.bytes.per.second default. A Pi's SD card reads 20–40 MB/s and a desktop disk far
 * more: 4 MiB/s takes a small share of either, costs ~1 ms of CRC32C per second, and still checks
 * 10 GiB of sealed data in about 45 minutes, so rot is found long before a second copy rots too.
 */
export const logScrubBytesPerSecondDefault = 4 * 1024 * 1024;
/** The scrubber's step: its budget is the rate times this; a short step keeps reads small. */
const scrubStepMs = 250;

/** One kind of long poll (consumers' or followers'), and when each partition last woke it. */
class WaitList {
  readonly waiting = new Map<PartitionReplica, Set<Waiter>>();
  /** The manager's wake count at the partition's last wake-up (see `dataMark`). */
  readonly lastWake = new WeakMap<PartitionReplica, number>();
}

export function topicOverrides(topic: TopicImage): Partial<TopicConfigs> {
  const checked = validateTopicConfigs(Object.fromEntries(topic.configs));
  // Invariant: the controller validated every config before it was committed.
  return checked.ok ? checked.configs : {};
}

export function logConfigOf(configs: Readonly<TopicDefaults>, node: NodeConfig): LogConfig {
  return {
    segmentBytes: configs['segment.bytes'],
    segmentMs: configs['segment.ms'],
    retentionBytes: configs['retention.bytes'],
    retentionMs: configs['retention.ms'],
    durable: configs['flush.durable'],
    maxMessageBytes: configs['max.message.bytes'],
    diskReserveBytes: node.diskReserveBytes,
  };
}

export class ReplicaManager {
  /** Partitions this node leads; the only ones handlers may serve. */
  private readonly replicas = new Map<string, PartitionReplica>();
  /** Invariant: no key is in both maps. */
  private readonly followers = new Map<string, FollowerSlot>();
  private readonly waiters = new WaitList();
  /** Followers' long polls, woken by appends (`waiters`: consumers', woken by the HW). */
  private readonly replicaWaiters = new WaitList();
  /** Counts wake-ups: `dataMark`, and each WaitList's `lastWake`. */
  private wakeCount = 0;
  private readonly config: NodeConfig;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly logs: LogManager;
  private expiryTimer: Timer | null = null;
  private tickTimer: Timer | null = null;
  private checkpointTimer: Timer | null = null;
  private scrubTimer: Timer | null = null;
  /** Bytes the scrubber may still read this step (negative: the last step overshot). */
  private scrubCredit = 0;
  /** The HW checkpoint round in progress; a timer firing meanwhile does not start another. */
  private checkpointing: Promise<void> | undefined;
  private readonly leadershipListeners: LeadershipListener[] = [];
  /**
   * Partitions whose log was found damaged here and that are not back in the ISR with a clean log
   * yet, with the lowest damaged offset found (for the log line on rejoining).
   */
  private readonly repairing = new Map<string, number>();
  /**
   * Whether this broker holds its lease from the controller (broker-lifecycle.ts); set by the node.
   * Checked every leader tick: without it every led partition is suspended (issue 13, break 6).
   */
  holdsLease: () => boolean = () => true;
  private leaseHeld = true;
  /** Before the first lease (start-up) its absence is expected, not worth an info line. */
  private leaseEverHeld = false;
  /** Where ISR change proposals go (AlterPartition to the controller); set by the lifecycle. */
  onIsrChange: (replica: PartitionReplica, proposal: IsrChangeProposal) => void = (r, p) =>
    this.log.info({ topic: r.topic, partition: r.partition, newIsr: p.newIsr },
      'ISR change proposed (no controller link wired)');

  private constructor(config: NodeConfig, log: Logger, logs: LogManager, clock: Clock) {
    this.config = config;
    this.log = log;
    this.logs = logs;
    this.clock = clock;
  }

  /** Tells `listener` of every later leadership change (the group coordinator follows them). */
  onLeadershipChange(listener: LeadershipListener): void {
    this.leadershipListeners.push(listener);
  }

  private leadershipChanged(topic: string, partition: number, replica?: PartitionReplica): void {
    for (const listener of this.leadershipListeners) listener(topic, partition, replica);
  }

  /** Opens every partition log on disk; `applyImage` then adopts or removes each. */
  static async open(config: NodeConfig, log: Logger, io: StorageIo): Promise<ReplicaManager> {
    let opened: ReplicaManager | null = null;
    const logs = await LogManager.open(config.dataDir, io, {
      diskReserveBytes: config.diskReserveBytes,
      configFor: () => logConfigOf((opened?.effectiveConfig() ?? config).topicDefaults, config),
    });
    // A torn tail after a crash is expected and repaired, but the operator should know data
    // that was never acknowledged was dropped (and how much, in case it was not a crash).
    for (const [dir, partitionLog] of logs.all()) {
      const truncatedBytes = partitionLog.truncatedAtOpenBytes;
      if (truncatedBytes === 0) continue;
      log.warn({ dir, truncatedBytes, logEndOffset: partitionLog.logEndOffset },
        'recovered a torn log tail: truncated the last segment');
    }
    log.info({ cleanShutdown: logs.openedClean }, logs.openedClean ? 'partition logs opened ' +
      'after a clean shutdown' : 'partition logs opened after an unclean stop: data beyond each ' +
      'HW checkpoint was CRC-checked');
    const manager = new ReplicaManager(config, log, logs, io.clock);
    opened = manager;
    for (const [name, partitionLog] of logs.all()) {
      const damage = partitionLog.damage;
      const dash = name.lastIndexOf('-');
      if (damage !== undefined) {
        manager.onLogDamage(name.slice(0, dash), Number(name.slice(dash + 1)), damage);
      }
    }
    logs.onDamage = (topic, partition, damage) => manager.onLogDamage(topic, partition, damage);
    return manager;
  }

  /**
   * Damage in a local log: tell the operator, then heal — a led partition resigns in favour of
   * another ISR member, a followed one refetches from the damaged offset once its leader no longer
   * counts it in the ISR. A partition with no role yet (at start) gets one from the next image,
   * which sees the damage (FollowerReplica's damagedFrom, PartitionReplica.lead).
   */
  private onLogDamage(topic: string, partition: number, damage: LogDamage): void {
    const key = ReplicaManager.key(topic, partition);
    const known = this.repairing.get(key);
    this.repairing.set(key, Math.min(known ?? Infinity, damage.offset));
    const leading = this.replicas.get(key);
    const followed = this.followers.get(key);
    const leader = leading?.leaderReplica;
    const next = leader !== undefined ? (leader.canResign ? 'handing leadership to another ' +
      'in-sync replica, then refetching from it' : 'keeping leadership: no other replica is in ' +
      'sync, so reads stop at this offset until one is or an operator acts')
      : followed !== undefined ? 'leaving the ISR, then truncating and refetching from the leader'
      : 'healing once this replica has a role';
    this.log.error({ topic, partition, replica: this.config.nodeId, offset: damage.offset,
      damage: damage.kind, file: damage.file, position: damage.position, foundBy: damage.foundBy,
      detail: damage.detail, next }, 'damaged partition data: a batch fails its checks or a ' +
      'range is missing; it is never served');
    leading?.damaged(this.clock.now());
    followed?.replica.repair(damage.offset);
    this.onDamageFound(topic, partition, damage);
  }

  /**
   * The node config with the cluster's dynamic configs applied (config/dynamic.ts): the topic
   * defaults every partition's configs start from. The node sets it once composed.
   */
  effectiveConfig: () => NodeConfig = () => this.config;

  /** Told of every damage found (the node reports it as a cluster event). */
  onDamageFound: (topic: string, partition: number, damage: LogDamage) => void = () => undefined;

  /** Measures the data directory's free bytes now (undefined when statfs fails). */
  async measureDisk(): Promise<{ freeBytes: number | undefined; reserveBytes: number }> {
    const guard = this.logs.diskGuard;
    await guard.refresh();
    return { freeBytes: guard.estimatedFreeBytes, reserveBytes: guard.reserveBytes };
  }

  /**
   * Whether this broker's copy of the partition is damaged or still being repaired (not back in
   * the ISR with a clean log): Metadata reports it among the partition's offline replicas.
   */
  isDamaged(topic: string, partition: number): boolean {
    return this.repairing.has(ReplicaManager.key(topic, partition));
  }

  /** Deletes logs on disk that no partition this node replicates owns (e.g. a deleted topic). */
  async dropStrays(): Promise<void> {
    const owned = new Set([...this.replicas.values(), ...this.followers.values()]
      .map((r) => r.log));
    for (const [name, log] of [...this.logs.all()]) {
      if (owned.has(log)) continue;
      this.log.info({ dir: name }, 'deleting a partition log that no topic owns');
      const dash = name.lastIndexOf('-');
      await this.logs.deletePartition(name.slice(0, dash), Number(name.slice(dash + 1)));
    }
  }

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  get(topic: string, partition: number): PartitionReplica | undefined {
    return this.replicas.get(ReplicaManager.key(topic, partition));
  }

  get size(): number {
    return this.replicas.size;
  }

  /** The partition if this node follows it (for the replica fetcher). */
  follower(topic: string, partition: number): FollowerSlot | undefined {
    return this.followers.get(ReplicaManager.key(topic, partition));
  }

  /** Every followed partition (the fetchers group them by leader). */
  allFollowers(): IterableIterator<FollowerSlot> {
    return this.followers.values();
  }

  /**
   * Leaders' ticks (the lease, ISR shrinks and hand-offs, produce timeouts): from the moment this
   * node serves clients, not from the end of start-up — which waits up to groupsLoadMsMax for the
   * group coordinators, and meanwhile a damaged leader could not hand off nor a lagging follower
   * leave the ISR (whole-cluster simulation, seed 1954: 5 s without a leader for a partition).
   * Idempotent.
   */
  startTicking(): void {
    if (this.tickTimer !== null) return;
    this.tickTimer = this.clock.every(leaderTickMs, () => {
      const now = this.clock.now();
      this.applyLease(now);
      for (const replica of this.replicas.values()) replica.tick(now);
    });
  }

  /**
   * Starts the background work: log retention, forgetting idle idempotent producers, leaders'
   * ticks and high-watermark checkpoints.
   */
  startRetention(): void {
    this.logs.startRetention();
    this.expiryTimer = this.clock.every(producerExpiryCheckMs,
      () => this.expireProducers(this.clock.now()));
    this.startTicking();
    this.checkpointTimer = this.clock.every(highWatermarkCheckpointIntervalMs,
      () => void this.checkpointHighWatermarks());
    const rate = this.config.logScrubBytesPerSecond ?? logScrubBytesPerSecondDefault;
    this.log.info({ scrubBytesPerSecond: rate }, rate > 0 ? 'scrubbing sealed segments in ' +
      'the background' : 'background scrubbing off (log.scrub.bytes.per.second = 0)');
    if (rate > 0) {
      this.scrubTimer = this.clock.every(scrubStepMs, () => void this.scrubStep(rate));
    }
  }

  /**
   * One scrubber step: about `rate × step` bytes of sealed segments are CRC-checked (damage goes
   * to onLogDamage). Unused credit is not saved up (a burst after idling would exceed the rate);
   * an overshoot (a step ends after a whole batch) is paid back by the next step.
   */
  private async scrubStep(rate: number): Promise<void> {
    const perStep = Math.max(1, Math.floor(rate * scrubStepMs / 1000));
    this.scrubCredit = Math.min(this.scrubCredit + perStep, perStep);
    if (this.scrubCredit <= 0) return;
    const passes = this.logs.scrubPasses.passes;
    try {
      this.scrubCredit -= await this.logs.scrub(this.scrubCredit);
    } catch (err) {
      this.log.warn({ err }, 'scrubber step failed; it continues on the next step');
    }
    const done = this.logs.scrubPasses;
    if (done.passes !== passes) {
      this.log.debug({ passes: done.passes, bytes: done.lastPassBytes }, 'scrub pass complete');
    }
  }

  /**
   * Suspends every led partition while the lease is lapsed and resumes them when it returns. Each
   * replica is set on every tick (both are idempotent), not only on a change: a replica opened
   * suspended before the first tick (start-up) must be resumed too.
   */
  applyLease(nowMs: number): void {
    const held = this.holdsLease();
    if (held !== this.leaseHeld) {
      this.leaseHeld = held;
      const level = this.leaseEverHeld ? 'info' : 'debug';
      this.leaseEverHeld ||= held;
      this.log[level]({ held, partitions: this.replicas.size },
        held ? 'lease held: serving led partitions' : 'no lease: led partitions suspended');
    }
    for (const replica of this.replicas.values()) {
      if (held) replica.resume();
      else replica.suspend(nowMs);
    }
  }

  /**
   * Writes each replica's HW to its log's checkpoint (only those that moved are written), a few
   * at a time. Never rejects: a failed write is logged and retried on the next round.
   */
  /** Each local partition's replication state, for diagnostics and the whole-cluster simulation. */
  /** Free bytes on the data directory's file system as last measured (the disk guard's). */
  get diskFreeBytes(): number | undefined {
    return this.logs.diskGuard.estimatedFreeBytes;
  }

  view(): ReplicaView[] {
    const out: ReplicaView[] = [];
    for (const r of this.replicas.values()) {
      out.push({ topic: r.topic, partition: r.partition, role: 'leader', leaderEpoch: r.leaderEpoch,
        highWatermark: r.highWatermark(), logEndOffset: r.log.logEndOffset, durableEndOffset: r.log.durableEndOffset,
        takesWrites: r.takesWrites, sizeBytes: r.log.sizeBytes });
    }
    for (const f of this.followers.values()) {
      out.push({ topic: f.topic, partition: f.partition, role: 'follower', leaderEpoch: f.replica.leaderEpoch,
        highWatermark: f.replica.highWatermark, logEndOffset: f.log.logEndOffset, durableEndOffset: f.log.durableEndOffset,
        takesWrites: false, sizeBytes: f.log.sizeBytes,
        leaderHighWatermark: f.replica.leaderHighWatermark });
    }
    return out;
  }

  checkpointHighWatermarks(): Promise<void> {
    this.checkpointing ??= this.writeHighWatermarks().finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
  }

  private async writeHighWatermarks(): Promise<void> {
    const queue: { log: PartitionLog; highWatermark: number }[] = [];
    for (const r of this.replicas.values()) {
      queue.push({ log: r.log, highWatermark: r.highWatermark() });
    }
    for (const f of this.followers.values()) {
      queue.push({ log: f.log, highWatermark: f.replica.highWatermark });
    }
    const worker = async (): Promise<void> => {
      for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
        try {
          await next.log.checkpointHighWatermark(next.highWatermark);
        } catch (err) {
          this.log.warn({ err, dir: next.log.dir }, 'high watermark checkpoint failed');
        }
      }
    };
    const workers = Math.min(limits.highWatermarkCheckpointsInFlightMax, queue.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /**
   * producer.id.expiration.ms (Kafka: 1 day): a producer id silent that long is forgotten, so
   * producer state stays bounded however many producers come and go.
   */
  expireProducers(nowMs: number): number {
    let removed = 0;
    for (const replica of this.replicas.values()) {
      removed += replica.log.producerState.expire(nowMs - producerIdExpirationMs);
    }
    if (removed > 0) this.log.debug({ removed }, 'expired idle producer ids');
    return removed;
  }

  /** Brings the local partitions in line with the image: open new ones, drop removed ones. */
  async applyImage(previous: MetadataImage, next: MetadataImage): Promise<void> {
    for (const topic of previous.topicsById.values()) {
      if (!next.topicsById.has(topic.topicId)) await this.removeTopic(topic);
    }
    // A change of the cluster's dynamic configs (topic defaults) reaches every topic.
    const defaultsChanged = previous.brokerConfigs !== next.brokerConfigs;
    const defaults = this.effectiveConfig().topicDefaults;
    for (const topic of next.topicsById.values()) {
      const before = previous.topicsById.get(topic.topicId);
      if (before === topic && !defaultsChanged) continue;
      const configs = effectiveTopicConfigs(topicOverrides(topic), replicationFactorOf(topic), defaults);
      for (const p of topic.partitions) await this.applyPartition(topic, p, configs);
    }
    // Leaders add only live brokers to an ISR (the controller refuses fenced ones, KIP-841).
    const live = new Set(liveBrokers(next).map((b) => b.brokerId));
    const now = this.clock.now();
    for (const replica of this.replicas.values()) replica.setEligibleBrokers(live, now);
  }

  /** One partition's role on this node: leader, follower, or none (its log deleted). */
  private async applyPartition(topic: TopicImage, p: PartitionImage, configs: TopicConfigs) {
    const key = ReplicaManager.key(topic.name, p.partition);
    const nodeId = this.config.nodeId;
    this.noteRepaired(topic.name, p);
    if (p.leader === nodeId) {
      const followed = this.followers.get(key);
      this.followers.delete(key);
      const existing = this.replicas.get(key);
      if (existing === undefined) {
        // A follower's HW is the freshest known; otherwise the log's checkpoint (open's default).
        const opened = await this.open(topic, p, configs, followed?.replica.highWatermark);
        this.leadershipChanged(topic.name, p.partition, opened);
      } else {
        const epoch = existing.leaderEpoch;
        existing.lead(p, this.clock.now());
        existing.maxMessageBytes = configs['max.message.bytes'];
        existing.log.updateConfig(logConfigOf(configs, this.config));
        if (existing.leaderEpoch !== epoch) {
          this.leadershipChanged(topic.name, p.partition, existing);
        }
      }
      return;
    }
    const leading = this.replicas.get(key);
    if (leading !== undefined) {
      // Stopped leading: handlers must no longer serve it; long polls end and see the new image.
      this.replicas.delete(key);
      leading.release(this.clock.now());
      this.wake(leading);
      this.leadershipChanged(topic.name, p.partition);
    }
    if (p.replicas.includes(nodeId)) {
      await this.follow(topic, p, configs, leading?.highWatermark());
    } else if (this.followers.delete(key) || leading !== undefined) {
      this.repairing.delete(key);
      this.log.info({ topic: topic.name, partition: p.partition }, 'replica moved away');
      await this.logs.deletePartition(topic.name, p.partition);
    }
  }

  /** A repaired replica is back in the ISR (its log clean): the repair is over. */
  private noteRepaired(topic: string, p: PartitionImage): void {
    const key = ReplicaManager.key(topic, p.partition);
    const from = this.repairing.get(key);
    if (from === undefined || !p.isr.includes(this.config.nodeId)) return;
    // The log, not the role maps: at start the first image arrives before any role is given.
    const log = this.logs.get(topic, p.partition);
    if (log === undefined || log.damage !== undefined) return;
    this.repairing.delete(key);
    this.log.info({ topic, partition: p.partition, replica: this.config.nodeId,
      damagedFrom: from, isr: p.isr }, 'damaged replica repaired: back in the ISR');
  }

  /**
   * A FollowerReplica per (leader, leader epoch): a new leader or epoch starts over with
   * OffsetForLeaderEpoch (KIP-279), so the log is cut exactly at its divergence from the leader.
   */
  private async follow(topic: TopicImage, p: PartitionImage, configs: TopicConfigs,
    ledHighWatermark: number | undefined) {
    const key = ReplicaManager.key(topic.name, p.partition);
    const logConfig = logConfigOf(configs, this.config);
    const existing = this.followers.get(key);
    existing?.log.updateConfig(logConfig);
    const same = existing !== undefined && existing.replica.leaderId === p.leader &&
      existing.replica.leaderEpoch === p.leaderEpoch;
    if (same) return;
    const log = existing?.log ?? await this.logs.getOrCreate(topic.name, p.partition, logConfig);
    log.updateConfig(logConfig);
    // The freshest HW known here: the previous epoch's, ours as leader, else the checkpoint.
    // The leader's fetch responses raise it; it bounds what this node serves if it leads next.
    const known = existing?.replica.highWatermark ?? ledHighWatermark ??
      log.checkpointedHighWatermark ?? 0;
    const replica = new FollowerReplica({
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      syncedOffset: log.durableEndOffset,
      highWatermark: Math.min(known, log.durableEndOffset),
      epochs: log.leaderEpochs,
      durable: logConfig.durable,
      damagedFrom: log.damage?.offset,
    });
    this.followers.set(key, { topic: topic.name, partition: p.partition, log, replica });
    this.log.debug({ topic: topic.name, partition: p.partition, leader: p.leader,
      leaderEpoch: p.leaderEpoch }, 'following');
  }

  private async open(topic: TopicImage, state: PartitionImage & PartitionState,
    configs: TopicConfigs, highWatermark: number | undefined): Promise<PartitionReplica> {
    const partition = state.partition;
    const logger = this.log.child({ topic: topic.name, partition });
    const log = await this.logs.getOrCreate(topic.name, partition, logConfigOf(configs, this.config));
    log.updateConfig(logConfigOf(configs, this.config));
    const replica = new PartitionReplica({
      topic: topic.name,
      partition,
      brokerId: this.config.nodeId,
      state,
      log,
      logger,
      maxMessageBytes: configs['max.message.bytes'],
      nowMs: this.clock.now(),
      clock: this.clock,
      highWatermark,
      replicaLagTimeMaxMs: this.config.replicaLagTimeMaxMs,
      onAdvance: (r) => this.wakeIn(this.waiters, r),
      onAppend: (r) => this.wakeIn(this.replicaWaiters, r),
      onIsrChange: (r, proposal) => this.onIsrChange(r, proposal),
      holdsLease: () => this.holdsLease(),
    });
    this.replicas.set(ReplicaManager.key(topic.name, partition), replica);
    if (!this.holdsLease()) replica.suspend(this.clock.now());
    return replica;
  }

  private async removeTopic(topic: TopicImage): Promise<void> {
    for (const p of topic.partitions) {
      const key = ReplicaManager.key(topic.name, p.partition);
      this.repairing.delete(key);
      const replica = this.replicas.get(key);
      const followed = this.followers.delete(key);
      if (replica === undefined && !followed) continue;
      this.replicas.delete(key);
      replica?.release(this.clock.now());
      if (replica !== undefined) {
        this.wake(replica);
        this.leadershipChanged(topic.name, p.partition);
      }
      await this.logs.deletePartition(topic.name, p.partition);
    }
    this.log.info({ topic: topic.name }, 'topic deleted');
  }

  /**
   * Resolves on the next advance of any of `partitions`, after `timeoutMs`, or on abort. A
   * consumer waits for the HW; a follower (`forReplica`) for the leader's next append, since its
   * own fetch is what moves the HW (waiting for the HW would stall acks=all a whole long poll).
   */
  waitForData(partitions: readonly LocalPartition[], timeoutMs: number, signal: AbortSignal,
    forReplica = false, since?: number): Promise<void> {
    const waiters = forReplica ? this.replicaWaiters : this.waiters;
    if (since !== undefined) {
      for (const p of partitions) {
        if ((waiters.lastWake.get(p as PartitionReplica) ?? -1) > since) return Promise.resolve();
      }
    }
    return new Promise((resolve) => {
      const sets: Set<Waiter>[] = [];
      const done = () => {
        timer.cancel();
        signal.removeEventListener('abort', done);
        for (const s of sets) s.delete(done);
        resolve();
      };
      const timer = this.clock.after(timeoutMs, done);
      signal.addEventListener('abort', done, { once: true });
      for (const p of partitions) {
        const replica = p as PartitionReplica;
        let set = waiters.waiting.get(replica);
        if (set === undefined) {
          set = new Set();
          waiters.waiting.set(replica, set);
        }
        set.add(done);
        sets.push(set);
      }
    });
  }

  /** A role change: every long poll on `replica` ends and sees the new image. */
  private wake(replica: PartitionReplica): void {
    this.wakeIn(this.waiters, replica);
    this.wakeIn(this.replicaWaiters, replica);
  }

  /** See `waitForData`'s `since`. */
  dataMark(): number {
    return this.wakeCount;
  }

  private wakeIn(waiters: WaitList, replica: PartitionReplica): void {
    waiters.lastWake.set(replica, ++this.wakeCount);
    const set = waiters.waiting.get(replica);
    if (set === undefined) return;
    waiters.waiting.delete(replica);
    for (const w of set) w();
  }

  /** Clean shutdown: ends waits, checkpoints every HW once more, then closes the logs. */
  async close(): Promise<void> {
    this.expiryTimer?.cancel();
    this.tickTimer?.cancel();
    this.checkpointTimer?.cancel();
    this.scrubTimer?.cancel();
    for (const replica of this.replicas.values()) {
      replica.release(this.clock.now());
      this.wake(replica);
    }
    // A round already running may predate the last HW advances: wait for it, then write again.
    await this.checkpointing;
    await this.checkpointHighWatermarks();
    this.replicas.clear();
    this.followers.clear();
    await this.logs.close();
  }
}
