/**
 * Reads one topic from its partition leaders (for `pado consume` and the `pado group` verbs):
 * Fetch and ListOffsets grouped by leader, one request per leader, sent in parallel. A partition
 * whose leader moved (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, an epoch it does not know)
 * or whose leader cannot be reached is asked again next time, after a metadata refresh and a
 * backoff; one that has had no answering leader for `leaderWaitMs` is an error. Other error codes
 * are the caller's: they come back in the partition's answer.
 */
import { delay, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import {
  defaultFetchResponsePartitionData, KafkaError, kafkaErrorByCode,
  type FetchResponsePartitionData,
} from '../protocol/index.js';
import type { KafkaClient } from './client.js';
import { noLeader, shortReason, type ClusterClient } from './cluster.js';
import { retryBackoffMs } from './producer-core.js';
import type { FetchOptions } from './requests.js';

/** Answers that mean: ask this partition's (new) leader again. */
const leaderMovedCodes: ReadonlySet<number> = new Set([
  KafkaError.leaderNotAvailable.code, KafkaError.notLeaderOrFollower.code,
  KafkaError.replicaNotAvailable.code, KafkaError.fencedLeaderEpoch.code,
  KafkaError.unknownLeaderEpoch.code, KafkaError.newLeaderElected.code,
]);

export interface TopicReaderOptions {
  /** How long a partition may go without an answering leader before reads fail. */
  leaderWaitMs?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
}

export interface PartitionPosition {
  partition: number;
  offset: number;
}

export interface OffsetAnswer {
  errorCode: number;
  offset: number;
}

/** Kafka's consumer waits for a leader about this long (default.api.timeout.ms is 60 s). */
export const leaderWaitMsDefault = 60_000;

export class TopicReader {
  readonly topic: string;
  private readonly cluster: ClusterClient;
  private readonly clock: Clock;
  private readonly leaderWaitMs: number;
  private readonly backoffMs: number;
  private readonly backoffMaxMs: number;
  /** Partition → when it was first asked without an answering leader, and why. */
  private readonly waiting = new Map<number, { sinceMs: number; reason: string }>();
  /** Rounds in a row in which some partition had to be asked again (for the backoff). */
  private failedRounds = 0;
  private metadataStale = false;

  constructor(cluster: ClusterClient, topic: string, options: TopicReaderOptions = {}) {
    this.cluster = cluster;
    this.clock = cluster.clock;
    this.topic = topic;
    this.leaderWaitMs = options.leaderWaitMs ?? leaderWaitMsDefault;
    this.backoffMs = options.retryBackoffMs ?? 100;
    this.backoffMaxMs = options.retryBackoffMaxMs ?? 1_000;
  }

  /**
   * One Fetch per leader over `positions`. Returns the answers of the partitions whose leader
   * answered (their error codes included, except a moved leader's); the others are asked again
   * by the next call.
   */
  async fetch(
    positions: readonly PartitionPosition[], options: FetchOptions,
  ): Promise<FetchResponsePartitionData[]> {
    await this.refreshIfStale(positions.map((p) => p.partition));
    const offsets = new Map(positions.map((p) => [p.partition, p.offset]));
    const groups = this.cluster.byLeader(this.topic, [...offsets.keys()]);
    const answers = await Promise.all([...groups].map(async ([leader, partitions]) => {
      const asked = partitions.map((partition) => ({
        topic: this.topic, partition, offset: offsets.get(partition) ?? 0,
      }));
      const r = await this.ask(leader, partitions, (c) => c.fetch(asked, options));
      if (r === null) return [];
      // A request-level error (fetch sessions, unused here) stands for each partition asked.
      if (r.errorCode !== 0) {
        return partitions.map((partitionIndex) => ({ ...defaultFetchResponsePartitionData(),
          partitionIndex, errorCode: r.errorCode }));
      }
      return r.responses.filter((t) => t.topic === this.topic).flatMap((t) => t.partitions);
    }));
    const out = answers.flat().filter((p) => this.answered(p.partitionIndex, p.errorCode));
    await this.afterRound();
    return out;
  }

  /**
   * ListOffsets at `timestamp` (OffsetSpec.latest / earliest, or a time in ms) for `partitions`,
   * asking each partition's leader until it answers or waited too long.
   */
  async offsets(
    partitions: readonly number[], timestamp: number,
  ): Promise<Map<number, OffsetAnswer>> {
    const out = new Map<number, OffsetAnswer>();
    // Bounded: each pass answers partitions or moves toward their leaderWaitMs (which throws).
    while (out.size < new Set(partitions).size) {
      const left = partitions.filter((p) => !out.has(p));
      await this.refreshIfStale(left);
      const groups = this.cluster.byLeader(this.topic, left);
      await Promise.all([...groups].map(async ([leader, asked]) => {
        const queries = asked.map((partition) => ({ partition, timestamp }));
        const r = await this.ask(leader, asked, (c) => c.listOffsets(this.topic, queries));
        for (const p of r?.topics.flatMap((t) => t.partitions) ?? []) {
          if (!this.answered(p.partitionIndex, p.errorCode)) continue;
          out.set(p.partitionIndex, { errorCode: p.errorCode, offset: p.offset });
        }
      }));
      await this.afterRound();
    }
    return out;
  }

  /** `request` to `leader`; null (and the partitions wait) when it cannot be reached. */
  private async ask<T>(
    leader: number, partitions: readonly number[], request: (c: KafkaClient) => Promise<T>,
  ): Promise<T | null> {
    if (leader === noLeader) {
      this.wait(partitions, 'no leader right now');
      return null;
    }
    let client: KafkaClient | undefined;
    try {
      client = await this.cluster.broker(leader);
      return await request(client);
    } catch (e) {
      if (client === undefined) this.cluster.dropBroker(leader);
      else this.cluster.dropConnection(client);
      this.wait(partitions, `broker ${leader}: ${shortReason(e)}`);
      return null;
    }
  }

  /** False (and the partition waits) when its answer says the leader moved. */
  private answered(partition: number, errorCode: number): boolean {
    if (leaderMovedCodes.has(errorCode)) {
      this.wait([partition], kafkaErrorByCode(errorCode)?.name ?? `error ${errorCode}`);
      return false;
    }
    this.waiting.delete(partition);
    return true;
  }

  private wait(partitions: readonly number[], reason: string): void {
    const nowMs = this.clock.now();
    this.metadataStale = true;
    for (const partition of partitions) {
      const since = this.waiting.get(partition)?.sinceMs ?? nowMs;
      this.waiting.set(partition, { sinceMs: since, reason });
      if (nowMs - since > this.leaderWaitMs) {
        throw new PadoError(PadoErrorCode.timeout, `topic '${this.topic}' partition ` +
          `${partition}: no leader answered for ${this.leaderWaitMs} ms (last: ${reason}); ` +
          `check \`pado topic describe ${this.topic}\` and \`pado cluster health\``);
      }
    }
  }

  private async refreshIfStale(partitions: readonly number[]): Promise<void> {
    const unknown = partitions.some((p) => this.cluster.leaderOf(this.topic, p) === noLeader);
    if (!this.metadataStale && !unknown) return;
    this.metadataStale = false;
    // A failed refresh keeps the leaders known so far; asking them fails and waits again.
    await this.cluster.metadata([this.topic]).catch(() => undefined);
  }

  /** After a round in which some partition must be asked again: back off before the next. */
  private async afterRound(): Promise<void> {
    if (!this.metadataStale) {
      this.failedRounds = 0;
      return;
    }
    this.failedRounds++;
    const ms = retryBackoffMs(this.failedRounds, this.backoffMs, this.backoffMaxMs);
    await delay(this.clock, ms);
  }
}
