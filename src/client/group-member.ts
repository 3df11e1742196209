/**
 * One member of a consumer group over Kafka's classic protocol, on a connection to the group's
 * coordinator: JoinGroup (protocol type "consumer", the "range" assignor with a standard
 * ConsumerProtocolSubscription) → SyncGroup (the leader computes the range assignment for
 * everyone) → Heartbeat in the background → OffsetCommit → LeaveGroup. Eager rebalancing, as
 * Java's range assignor and librdkafka's do: on REBALANCE_IN_PROGRESS the owner commits, then calls
 * `join()` again and gets a fresh assignment. The bytes are the standard ones, so kafkajs, Java and
 * librdkafka members can share the group (and any of them may lead).
 */
import { delay, PadoError, PadoErrorCode, type Timer } from '../common/index.js';
import { KafkaError, type JoinGroupResponse } from '../protocol/index.js';
import type { KafkaClient } from './client.js';
import {
  decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription,
  type TopicPartitions,
} from './consumer-protocol.js';
import {
  commitOffsets, fetchOffsets, heartbeat, joinGroup, leaveGroup, syncGroup, type PartitionOffset,
} from './group-requests.js';
import { rangeAssign, rangeAssignorName } from './range-assignor.js';

export interface GroupMemberOptions {
  groupId: string;
  topics: readonly string[];
  /** Kafka's session.timeout.ms; the broker's allowed range is 6 s–30 min by default. */
  sessionTimeoutMs?: number;
  /**
   * max.poll.interval.ms's role in JoinGroup: how long the coordinator waits for every member to
   * rejoin. JoinGroup may block this long, so it stays below the client's 30 s request timeout.
   */
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Partition count per topic (topics the cluster does not know are left out); for the leader. */
  partitionCounts(topics: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

export interface GroupAssignment {
  generationId: number;
  memberId: string;
  isLeader: boolean;
  /** This member's partitions, only of the topics it subscribed to. */
  partitions: TopicPartitions[];
}

/** Join/sync rounds before giving up; each failed round is a broker answer, not a timeout. */
export const joinAttemptsMax = 20;
const retryBackoffMs = 200;

/** Heartbeat answers meaning "rejoin": the group moved on without this member's generation. */
const rejoinCodes: ReadonlySet<number> = new Set([
  KafkaError.rebalanceInProgress.code, KafkaError.illegalGeneration.code,
  KafkaError.unknownMemberId.code,
]);

/** Coordinator states that pass with time (loading, electing); the same request is retried. */
const transientCodes: ReadonlySet<number> = new Set([
  KafkaError.coordinatorLoadInProgress.code, KafkaError.coordinatorNotAvailable.code,
  KafkaError.rebalanceInProgress.code, KafkaError.illegalGeneration.code,
]);

export class GroupMember {
  private readonly client: KafkaClient;
  private readonly options: Required<Omit<GroupMemberOptions, 'partitionCounts'>> &
    Pick<GroupMemberOptions, 'partitionCounts'>;
  private memberId = '';
  private generationId = -1;
  private heartbeatTimer: Timer | null = null;
  private heartbeatInFlight = false;
  /** A heartbeat failure that is not a rebalance; reported by `checkHealthy`. */
  private failure: Error | null = null;
  /** Set when the coordinator says the group is rebalancing; the owner commits and rejoins. */
  rebalanceNeeded = false;

  constructor(coordinator: KafkaClient, options: GroupMemberOptions) {
    this.client = coordinator;
    this.options = {
      sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, heartbeatIntervalMs: 3_000, ...options,
    };
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Joins (or rejoins) the group and returns this member's assignment; heartbeats resume. */
  async join(): Promise<GroupAssignment> {
    this.stopHeartbeats();
    for (let attempt = 0; attempt < joinAttemptsMax; attempt++) {
      const joined = await this.joinOnce();
      const assignment = joined === null ? null : await this.syncOnce(joined);
      if (assignment === null) {
        await delay(this.client.io.clock, retryBackoffMs);
        continue;
      }
      this.rebalanceNeeded = false;
      this.startHeartbeats();
      return assignment;
    }
    throw this.error(`could not join group '${this.groupId}' after ${joinAttemptsMax} attempts; ` +
      'check `pado group describe ' + this.groupId + '`');
  }

  /** JoinGroup; null when the answer asks for another round (member id assigned, loading…). */
  private async joinOnce(): Promise<JoinGroupResponse | null> {
    const r = await joinGroup(this.client, {
      groupId: this.groupId,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
      memberId: this.memberId,
      protocols: [{
        name: rangeAssignorName, metadata: encodeSubscription({ topics: this.options.topics }),
      }],
    });
    if (r.errorCode === KafkaError.memberIdRequired.code) {
      // KIP-394: the first join only hands out a member id; join again with it.
      this.memberId = r.memberId;
      return null;
    }
    if (r.errorCode === KafkaError.unknownMemberId.code) {
      this.memberId = '';
      return null;
    }
    if (transientCodes.has(r.errorCode)) return null;
    this.check(r.errorCode, 'JoinGroup');
    this.memberId = r.memberId;
    this.generationId = r.generationId;
    return r;
  }

  private async syncOnce(joined: JoinGroupResponse): Promise<GroupAssignment | null> {
    const isLeader = joined.leader === joined.memberId;
    const assignments = isLeader ? await this.assign(joined) : [];
    const r = await syncGroup(this.client, {
      groupId: this.groupId,
      generationId: joined.generationId,
      memberId: joined.memberId,
      protocolName: joined.protocolName ?? rangeAssignorName,
      assignments,
    });
    if (r.errorCode === KafkaError.unknownMemberId.code) this.memberId = '';
    if (rejoinCodes.has(r.errorCode) || transientCodes.has(r.errorCode)) return null;
    this.check(r.errorCode, 'SyncGroup');
    const topics = new Set(this.options.topics);
    const partitions = decodeAssignment(r.assignment).assignedPartitions
      .filter((tp) => topics.has(tp.topic));
    return { generationId: joined.generationId, memberId: joined.memberId, isLeader, partitions };
  }

  /** The leader's job: decode every member's subscription, range-assign, encode. */
  private async assign(
    joined: JoinGroupResponse,
  ): Promise<{ memberId: string; assignment: Buffer }[]> {
    const protocol = joined.protocolName ?? rangeAssignorName;
    if (protocol !== rangeAssignorName) {
      throw this.error(`group '${this.groupId}' chose assignor '${protocol}', but this member ` +
        `only offered '${rangeAssignorName}'; the coordinator misbehaved`);
    }
    const members = joined.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      topics: decodeSubscription(m.metadata).topics,
    }));
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    const counts = await this.options.partitionCounts(topics);
    const plan = rangeAssign(members, counts);
    return [...plan].map(([memberId, assignedPartitions]) => ({
      memberId, assignment: encodeAssignment({ assignedPartitions }),
    }));
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    // The owner always stops it; a periodic timer never holds the process (common/clock.ts).
    this.heartbeatTimer = this.client.io.clock.every(this.options.heartbeatIntervalMs,
      () => this.beat());
  }

  private stopHeartbeats(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
  }

  /** One heartbeat; at most one in flight, so a slow coordinator never queues them up. */
  private beat(): void {
    if (this.heartbeatInFlight || this.rebalanceNeeded) return;
    this.heartbeatInFlight = true;
    heartbeat(this.client, this.groupId, this.generationId, this.memberId).then((r) => {
      if (r.errorCode === KafkaError.unknownMemberId.code) this.memberId = '';
      if (rejoinCodes.has(r.errorCode)) this.rebalanceNeeded = true;
      else if (r.errorCode !== 0 && !transientCodes.has(r.errorCode)) {
        this.failure = this.error(`heartbeat for group '${this.groupId}' failed: ` +
          describeCode(r.errorCode));
      }
    }, (e: unknown) => {
      this.failure = e instanceof Error ? e : new Error(String(e));
    }).finally(() => {
      this.heartbeatInFlight = false;
    });
  }

  /** Throws the failure a background heartbeat met (connection lost, fenced…). */
  checkHealthy(): void {
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Commits with this member's generation. False when the group has moved on (the commit was
   * refused and a rejoin is due, Kafka's CommitFailedException); throws on other errors.
   */
  async commit(offsets: readonly PartitionOffset[]): Promise<boolean> {
    if (offsets.length === 0) return true;
    const r = await commitOffsets(this.client, this.groupId,
      { generationId: this.generationId, memberId: this.memberId }, offsets);
    for (const p of r.topics.flatMap((t) => t.partitions)) {
      if (rejoinCodes.has(p.errorCode)) {
        this.rebalanceNeeded = true;
        return false;
      }
      this.check(p.errorCode, 'OffsetCommit');
    }
    return true;
  }

  /** Committed offset per partition of `topic`; -1 where none is committed. */
  async committed(topic: string, partitions: readonly number[]): Promise<Map<number, number>> {
    const r = await fetchOffsets(this.client, this.groupId,
      [{ name: topic, partitionIndexes: [...partitions] }]);
    this.check(r.errorCode, 'OffsetFetch');
    const out = new Map<number, number>();
    for (const p of r.topics.find((t) => t.name === topic)?.partitions ?? []) {
      this.check(p.errorCode, 'OffsetFetch');
      out.set(p.partitionIndex, p.committedOffset);
    }
    return out;
  }

  /** Stops heartbeats and leaves, so the group rebalances now instead of after the session. */
  async leave(): Promise<void> {
    this.stopHeartbeats();
    if (this.memberId === '') return;
    const r = await leaveGroup(this.client, this.groupId, this.memberId);
    this.memberId = '';
    // An unknown member has already been removed (session expired): nothing left to do.
    if (r.errorCode !== KafkaError.unknownMemberId.code) this.check(r.errorCode, 'LeaveGroup');
  }

  private check(code: number, api: string): void {
    if (code !== 0) {
      throw this.error(`${api} for group '${this.groupId}' failed: ${describeCode(code)}`);
    }
  }

  private error(message: string): PadoError {
    return new PadoError(PadoErrorCode.connection, message);
  }
}

const byCode = new Map(Object.values(KafkaError).map((e) => [e.code, e]));

/** 'FENCED_INSTANCE_ID (82): The instance id …' for messages. */
export function describeCode(code: number): string {
  const info = byCode.get(code);
  return info === undefined ? `error code ${code}` : `${info.name} (${code}): ${info.description}`;
}
