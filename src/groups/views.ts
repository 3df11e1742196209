/** Read-only answers about groups (OffsetFetch, DescribeGroups): pure leaves. */
import { KafkaError } from '../protocol/index.js';
import { GroupStateName, type CommittedOffset, type Group } from './group.js';
import type { DescribedGroup, FetchedOffset, FetchedTopic, TopicPartitionsInput } from './types.js';

const emptyBytes = Buffer.alloc(0);

/** A group's committed offsets: topic → partition → offset. */
export type OffsetsByTopic = ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>>;

export function fetchOffsetsOf(
  offsets: OffsetsByTopic | undefined, topics: readonly TopicPartitionsInput[] | null,
): FetchedTopic[] {
  if (topics === null) {
    const all: FetchedTopic[] = [];
    if (offsets === undefined) return all;
    for (const [name, partitions] of offsets) {
      const out: FetchedOffset[] = [];
      for (const index of partitions.keys()) out.push(fetched(offsets, name, index));
      all.push({ name, partitions: out });
    }
    return all;
  }
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((index) => fetched(offsets, t.name, index)),
  }));
}

function fetched(offsets: OffsetsByTopic | undefined, topic: string,
  partitionIndex: number): FetchedOffset {
  const entry = offsets?.get(topic)?.get(partitionIndex);
  if (entry === undefined) {
    // Kafka's "no offset": -1 with empty metadata and no error.
    return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '',
      errorCode: KafkaError.none.code };
  }
  return {
    partitionIndex,
    committedOffset: entry.offset,
    committedLeaderEpoch: entry.leaderEpoch,
    metadata: entry.metadata,
    errorCode: KafkaError.none.code,
  };
}

/** Kafka describes an unknown group as Dead with no error; metadata only once Stable. */
export function describeGroup(groupId: string, group: Group | undefined): DescribedGroup {
  if (group === undefined) {
    return { errorCode: KafkaError.none.code, groupId, groupState: GroupStateName.dead,
      protocolType: '', protocolData: '', members: [] };
  }
  const stable = group.state === GroupStateName.stable;
  const members = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    memberMetadata: stable ? group.memberMetadata(m) : emptyBytes,
    memberAssignment: stable ? m.assignment : emptyBytes,
  }));
  return {
    errorCode: KafkaError.none.code,
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members,
  };
}
