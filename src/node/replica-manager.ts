/**
 * Owns the partitions this node leads: opens their logs at start, creates and deletes them as the
 * metadata image changes, applies topic config changes, runs retention in the background, and
 * wakes long-polling fetches when a high watermark advances. Every waiter and timer is bounded and
 * released on close.
 */
import type { Logger } from 'pino';
import { effectiveTopicConfigs, validateTopicConfigs, type NodeConfig, type TopicConfigs } from '../config/index.js';
import type { MetadataImage, TopicImage } from '../metadata/index.js';
import type { LocalPartition } from '../server/index.js';
import { LogManager, type LogConfig } from '../storage/index.js';
import { PartitionReplica } from './partition-replica.js';

type Waiter = () => void;

const producerIdExpirationMs = 24 * 60 * 60 * 1000;
const producerExpiryCheckMs = 10 * 60 * 1000;

export function topicOverrides(topic: TopicImage): Partial<TopicConfigs> {
  const checked = validateTopicConfigs(Object.fromEntries(topic.configs));
  // Invariant: the controller validated every config before it was committed.
  return checked.ok ? checked.configs : {};
}

export function logConfigOf(configs: Readonly<TopicConfigs>, node: NodeConfig): LogConfig {
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
  private readonly replicas = new Map<string, PartitionReplica>();
  private readonly waiters = new Map<PartitionReplica, Set<Waiter>>();
  private readonly config: NodeConfig;
  private readonly log: Logger;
  private readonly logs: LogManager;
  private expiryTimer: NodeJS.Timeout | null = null;

  private constructor(config: NodeConfig, log: Logger, logs: LogManager) {
    this.config = config;
    this.log = log;
    this.logs = logs;
  }

  /** Opens every partition log on disk; `applyImage` then adopts or removes each. */
  static async open(config: NodeConfig, log: Logger): Promise<ReplicaManager> {
    const logs = await LogManager.open(config.dataDir, {
      diskReserveBytes: config.diskReserveBytes,
      configFor: () => logConfigOf(config.topicDefaults, config),
    });
    // A torn tail after a crash is expected and repaired, but the operator should know data
    // that was never acknowledged was dropped (and how much, in case it was not a crash).
    for (const [dir, partitionLog] of logs.all()) {
      const truncatedBytes = partitionLog.truncatedAtOpenBytes;
      if (truncatedBytes === 0) continue;
      log.warn({ dir, truncatedBytes, logEndOffset: partitionLog.logEndOffset },
        'recovered a torn log tail: truncated the last segment');
    }
    return new ReplicaManager(config, log, logs);
  }

  /** Deletes logs on disk that no partition this node leads owns (a topic deleted meanwhile). */
  async dropStrays(): Promise<void> {
    const owned = new Set([...this.replicas.values()].map((r) => r.log));
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

  /** Starts the background work: log retention, and forgetting idle idempotent producers. */
  startRetention(): void {
    this.logs.startRetention(() => Date.now());
    this.expiryTimer = setInterval(() => this.expireProducers(Date.now()), producerExpiryCheckMs);
    this.expiryTimer.unref();
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
    for (const topic of next.topicsById.values()) {
      const before = previous.topicsById.get(topic.topicId);
      if (before === topic) continue;
      const configs = effectiveTopicConfigs(topicOverrides(topic), this.config.topicDefaults);
      for (const p of topic.partitions) {
        if (p.leader !== this.config.nodeId) continue;
        const existing = this.get(topic.name, p.partition);
        if (existing === undefined) await this.open(topic, p.partition, p.leaderEpoch, configs);
        else {
          existing.leaderEpoch = p.leaderEpoch;
          existing.maxMessageBytes = configs['max.message.bytes'];
          existing.log.updateConfig(logConfigOf(configs, this.config));
        }
      }
    }
  }

  private async open(topic: TopicImage, partition: number, leaderEpoch: number, configs: TopicConfigs) {
    const logger = this.log.child({ topic: topic.name, partition });
    const log = await this.logs.getOrCreate(topic.name, partition, logConfigOf(configs, this.config));
    log.updateConfig(logConfigOf(configs, this.config));
    const replica = new PartitionReplica({
      topic: topic.name,
      partition,
      leaderEpoch,
      log,
      logger,
      maxMessageBytes: configs['max.message.bytes'],
      onAdvance: (r) => this.wake(r),
    });
    this.replicas.set(ReplicaManager.key(topic.name, partition), replica);
  }

  private async removeTopic(topic: TopicImage): Promise<void> {
    for (const p of topic.partitions) {
      const key = ReplicaManager.key(topic.name, p.partition);
      const replica = this.replicas.get(key);
      if (replica === undefined) continue;
      this.replicas.delete(key);
      this.wake(replica);
      await this.logs.deletePartition(topic.name, p.partition);
    }
    this.log.info({ topic: topic.name }, 'topic deleted');
  }

  /** Resolves on the next advance of any of `partitions`, after `timeoutMs`, or on abort. */
  waitForData(partitions: readonly LocalPartition[], timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const sets: Set<Waiter>[] = [];
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        for (const s of sets) s.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      for (const p of partitions) {
        const replica = p as PartitionReplica;
        let set = this.waiters.get(replica);
        if (set === undefined) {
          set = new Set();
          this.waiters.set(replica, set);
        }
        set.add(done);
        sets.push(set);
      }
    });
  }

  private wake(replica: PartitionReplica): void {
    const set = this.waiters.get(replica);
    if (set === undefined) return;
    this.waiters.delete(replica);
    for (const w of set) w();
  }

  async close(): Promise<void> {
    if (this.expiryTimer !== null) clearInterval(this.expiryTimer);
    for (const replica of this.replicas.values()) this.wake(replica);
    this.replicas.clear();
    await this.logs.close();
  }
}
