/**
 * The group coordinator: membership (membership.ts) plus committed offsets, the admin views
 * (ListGroups, DescribeGroups, DeleteGroups, OffsetDelete), offset retention and replay of the
 * durable records after a restart. Pure: time comes in as `nowMs`.
 *
 * Offsets follow Kafka's GroupCoordinator.handleCommitOffsets: a commit with generation -1 is
 * accepted only while the group is Empty (simple consumers, admin tools); otherwise the member and
 * generation must match. Retention (KIP-211): an Empty group's offsets expire
 * offsets.retention.ms after it became empty; a group without a protocol type ages each offset
 * from its commit; a consuming group's offsets of topics it no longer subscribes to expire too
 * (KIP-496).
 *
 * OffsetFetch answers from the offsets of the records the host has persisted (`persisted`), not
 * from commits still being written: a commit whose write fails, or whose coordinator dies before
 * its partition's ISR has it, must never have been visible (Kafka keeps such commits pending and
 * out of its offset cache until the append completes).
 */
import { KafkaError } from '../protocol/index.js';
import { Group, GroupStateName, type CommittedOffset } from './group.js';
import { GroupMembership, type GroupCoordinatorOptions } from './membership.js';
import type { GroupMetadataRecord, GroupRecord } from './records.js';
import { describeGroup, fetchOffsetsOf } from './views.js';
import type {
  CommitInput, DescribedGroup, FetchedTopic, ListedGroup, PartitionError, TopicPartitionErrors,
  TopicPartitionsInput,
} from './types.js';

const E = KafkaError;

export class GroupCoordinator extends GroupMembership {
  private nextRetentionCheckMs: number | null = null;
  /**
   * Committed offsets as of the records persisted so far, by group: what OffsetFetch answers.
   * Invariant: the offsets that replaying every persisted record would give.
   */
  private readonly durableOffsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  constructor(options: GroupCoordinatorOptions) {
    super(options);
  }

  /** Advances time: sessions, rebalance deadlines, and (every check interval) offset expiry. */
  tick(nowMs: number): void {
    this.tickMembership(nowMs);
    this.nextRetentionCheckMs ??= nowMs + this.config.offsetsRetentionCheckIntervalMs;
    if (nowMs >= this.nextRetentionCheckMs) {
      this.expireOffsets(nowMs);
      this.nextRetentionCheckMs = nowMs + this.config.offsetsRetentionCheckIntervalMs;
    }
  }

  // ---- OffsetCommit ----------------------------------------------------------------------------

  commitOffsets(req: CommitInput, nowMs: number): TopicPartitionErrors[] {
    let group = this.groups.get(req.groupId);
    let refused: number | null = null;
    if (req.groupId === '') refused = E.invalidGroupId.code;
    else if (group === undefined && req.generationIdOrMemberEpoch >= 0) {
      // A member of a group we do not know: an older generation (Kafka says the same).
      refused = E.illegalGeneration.code;
    } else if (group === undefined && this.groups.size >= this.config.groupsMax) {
      refused = E.coordinatorNotAvailable.code;
    }
    if (refused === null) {
      group ??= this.createGroup(req.groupId, nowMs);
      refused = this.refuseCommit(group, req, nowMs);
    }
    return req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: refused ?? this.commitOne(group as Group, t.name, p, req.retentionTimeMs, nowMs),
      })),
    }));
  }

  private refuseCommit(group: Group, req: CommitInput, nowMs: number): number | null {
    const fenced = group.isStaticMemberFenced(req.memberId, req.groupInstanceId);
    if (fenced) return E.fencedInstanceId.code;
    const generation = req.generationIdOrMemberEpoch;
    if (generation < 0 && group.state === GroupStateName.empty) return null;
    const member = group.members.get(req.memberId);
    if (member === undefined) return E.unknownMemberId.code;
    if (generation !== group.generationId) return E.illegalGeneration.code;
    if (group.state === GroupStateName.completingRebalance) return E.rebalanceInProgress.code;
    // Stable or PreparingRebalance: the commit also counts as a heartbeat (Kafka does the same).
    member.lastHeartbeatMs = nowMs;
    return null;
  }

  private commitOne(
    group: Group,
    topic: string,
    p: CommitInput['topics'][number]['partitions'][number],
    retentionTimeMs: number,
    nowMs: number,
  ): number {
    const metadata = p.committedMetadata;
    if (metadata !== null && Buffer.byteLength(metadata) > this.config.offsetMetadataBytesMax) {
      return E.offsetMetadataTooLarge.code;
    }
    const isNew = !group.hasOffset(topic, p.partitionIndex);
    if (isNew && group.offsetCount >= this.config.offsetsPerGroupMax) {
      return E.invalidCommitOffsetSize.code;
    }
    const entry: CommittedOffset = {
      offset: p.committedOffset,
      leaderEpoch: p.committedLeaderEpoch,
      metadata,
      commitTimestampMs: nowMs,
      expireTimestampMs: retentionTimeMs >= 0 ? nowMs + retentionTimeMs : null,
    };
    group.setOffset(topic, p.partitionIndex, entry);
    this.emitRecord({ type: 'offset', groupId: group.groupId, topic, partition: p.partitionIndex,
      ...entry });
    return E.none.code;
  }

  // ---- OffsetFetch, OffsetDelete ---------------------------------------------------------------

  /** Committed offsets (-1 where none); `topics` null means every committed partition. */
  fetchOffsets(groupId: string, topics: readonly TopicPartitionsInput[] | null): FetchedTopic[] {
    return fetchOffsetsOf(this.durableOffsets.get(groupId), topics);
  }

  /**
   * The host made these records (taken from `takeRecords`, in order) durable: their offsets
   * become what OffsetFetch answers. Records whose write failed are never passed here.
   */
  persisted(records: readonly GroupRecord[]): void {
    for (const r of records) {
      if (r.type === 'groupRemoved') {
        this.durableOffsets.delete(r.groupId);
      } else if (r.type === 'offset') {
        let topics = this.durableOffsets.get(r.groupId);
        if (topics === undefined) this.durableOffsets.set(r.groupId, topics = new Map());
        let partitions = topics.get(r.topic);
        if (partitions === undefined) topics.set(r.topic, partitions = new Map());
        const { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs } = r;
        partitions.set(r.partition,
          { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs });
      } else if (r.type === 'offsetRemoved') {
        const topics = this.durableOffsets.get(r.groupId);
        const partitions = topics?.get(r.topic);
        partitions?.delete(r.partition);
        if (partitions?.size === 0) topics?.delete(r.topic);
        if (topics?.size === 0) this.durableOffsets.delete(r.groupId);
      }
    }
  }

  /** OffsetDelete: refused per partition while the group consumes the topic (KIP-496). */
  deleteOffsets(
    groupId: string, topics: readonly TopicPartitionsInput[],
  ): { errorCode: number; topics: TopicPartitionErrors[] } {
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: E.groupIdNotFound.code, topics: [] };
    const consuming = group.state !== GroupStateName.empty;
    if (consuming && group.protocolType !== 'consumer') {
      return { errorCode: E.nonEmptyGroup.code, topics: [] };
    }
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex): PartitionError => {
        if (consuming && group.isSubscribedTo(t.name)) {
          return { partitionIndex, errorCode: E.groupSubscribedToTopic.code };
        }
        this.removeOffset(group, t.name, partitionIndex);
        return { partitionIndex, errorCode: E.none.code };
      }),
    }));
    return { errorCode: E.none.code, topics: out };
  }

  private removeOffset(group: Group, topic: string, partition: number): void {
    if (!group.removeOffset(topic, partition)) return;
    this.emitRecord({ type: 'offsetRemoved', groupId: group.groupId, topic, partition });
  }

  // ---- ListGroups, DescribeGroups, DeleteGroups ------------------------------------------------

  /** Groups whose state is in `statesFilter` (case-insensitive, as Kafka); empty = all. */
  /**
   * Durable committed offsets, by group, topic and partition (the consumer-group lag metric), at
   * most `max` of them.
   */
  committedOffsets(max: number): { group: string; topic: string; partition: number; offset: number }[] {
    const out: { group: string; topic: string; partition: number; offset: number }[] = [];
    for (const [group, topics] of this.durableOffsets) {
      for (const [topic, partitions] of topics) {
        for (const [partition, c] of partitions) {
          if (out.length >= max) return out;
          out.push({ group, topic, partition, offset: c.offset });
        }
      }
    }
    return out;
  }

  listGroups(statesFilter: readonly string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state });
    }
    return out;
  }

  describeGroups(groupIds: readonly string[]): DescribedGroup[] {
    return groupIds.map((id) => describeGroup(id, this.groups.get(id)));
  }

  /** Only Empty groups may be deleted; their offsets go with them. */
  deleteGroups(
    groupIds: readonly string[], nowMs: number,
  ): { groupId: string; errorCode: number }[] {
    return groupIds.map((groupId) => {
      const group = this.groups.get(groupId);
      if (group === undefined) return { groupId, errorCode: E.groupIdNotFound.code };
      if (group.state !== GroupStateName.empty) return { groupId, errorCode: E.nonEmptyGroup.code };
      this.removeGroupWithOffsets(group, nowMs);
      return { groupId, errorCode: E.none.code };
    });
  }

  private removeGroupWithOffsets(group: Group, nowMs: number): void {
    for (const [topic, partitions] of group.offsets) {
      for (const partition of [...partitions.keys()]) this.removeOffset(group, topic, partition);
    }
    this.removeGroup(group, nowMs);
  }

  // ---- Retention -------------------------------------------------------------------------------

  private expireOffsets(nowMs: number): void {
    for (const group of [...this.groups.values()]) {
      for (const [topic, partitions] of group.offsets) {
        for (const [partition, entry] of partitions) {
          if (!this.isExpired(group, topic, entry, nowMs)) continue;
          this.removeOffset(group, topic, partition);
        }
      }
      const idle = group.state === GroupStateName.empty && group.pendingMembers.size === 0;
      if (idle && group.offsetCount === 0) this.removeGroup(group, nowMs);
    }
  }

  private isExpired(group: Group, topic: string, entry: CommittedOffset, nowMs: number): boolean {
    if (entry.expireTimestampMs !== null) return nowMs >= entry.expireTimestampMs;
    const retentionMs = this.config.offsetsRetentionMs;
    if (group.protocolType === null) return nowMs >= entry.commitTimestampMs + retentionMs;
    if (group.state === GroupStateName.empty) return nowMs >= group.stateSinceMs + retentionMs;
    const unsubscribed = group.protocolType === 'consumer' && !group.isSubscribedTo(topic);
    return unsubscribed && nowMs >= entry.commitTimestampMs + retentionMs;
  }

  // ---- Replay ----------------------------------------------------------------------------------

  /**
   * Rebuilds groups and offsets from persisted records (oldest first) on a fresh coordinator.
   * Groups with members come back Stable with fresh sessions, as Kafka loads them; members that
   * are gone will miss their heartbeats and be removed by the usual rebalance.
   */
  replay(records: readonly GroupRecord[], nowMs: number): void {
    this.persisted(records);
    for (const r of records) {
      switch (r.type) {
        case 'offset': {
          const group = this.groups.get(r.groupId) ?? this.createGroup(r.groupId, nowMs);
          const { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs } = r;
          group.setOffset(r.topic, r.partition,
            { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs });
          break;
        }
        case 'offsetRemoved':
          this.groups.get(r.groupId)?.removeOffset(r.topic, r.partition);
          break;
        case 'group':
          this.restoreGroup(r, nowMs);
          break;
        case 'groupRemoved':
          this.groups.delete(r.groupId);
          break;
      }
    }
  }

  private restoreGroup(r: GroupMetadataRecord, nowMs: number): void {
    const old = this.groups.get(r.groupId);
    const group = new Group(r.groupId, r.stateSinceMs);
    if (old !== undefined) {
      for (const [topic, partitions] of old.offsets) {
        for (const [partition, entry] of partitions) group.setOffset(topic, partition, entry);
      }
    }
    group.restore(r, nowMs);
    this.groups.set(r.groupId, group);
  }
}
