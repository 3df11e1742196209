/**
 * Group API calls (FindCoordinator, JoinGroup … DeleteGroups) over a `KafkaClient`, for the group
 * member and the `pado group` verbs. Like requests.ts, each body starts from the generated default
 * and sets what the call is about, so it encodes at whichever version was negotiated; fields that
 * moved between versions (LeaveGroup's member list, OffsetFetch's groups) are filled both ways.
 */
import {
  ApiKey,
  defaultDeleteGroupsRequest, defaultDescribeGroupsRequest, defaultFindCoordinatorRequest,
  defaultHeartbeatRequest, defaultJoinGroupRequest, defaultLeaveGroupRequest,
  defaultLeaveGroupRequestMemberIdentity, defaultListGroupsRequest, defaultOffsetCommitRequest,
  defaultOffsetCommitRequestPartition, defaultOffsetCommitRequestTopic, defaultOffsetFetchRequest,
  defaultSyncGroupRequest,
  type DeleteGroupsResponse, type DescribeGroupsResponse, type FindCoordinatorResponse,
  type HeartbeatResponse, type JoinGroupRequest, type JoinGroupResponse, type LeaveGroupResponse,
  type ListGroupsResponse, type OffsetCommitResponse, type OffsetFetchResponse,
  type SyncGroupRequest, type SyncGroupResponse, type OffsetDeleteResponse,
} from '../protocol/index.js';
import type { KafkaClient } from './client.js';

/** Kafka's protocol type for consumer groups (as opposed to e.g. "connect"). */
export const consumerProtocolType = 'consumer';

/** "No generation": a commit from outside group management, accepted while the group is Empty. */
export const noGeneration = -1;

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface Coordinator {
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export async function findGroupCoordinator(
  client: KafkaClient, groupId: string,
): Promise<Coordinator> {
  const r = await client.request<FindCoordinatorResponse>(ApiKey.findCoordinator, {
    ...defaultFindCoordinatorRequest(), key: groupId, keyType: 0, coordinatorKeys: [groupId],
  });
  // v4+ answers in `coordinators`; earlier versions at the top level.
  const batched = r.coordinators[0];
  if (batched !== undefined) return batched;
  return { nodeId: r.nodeId, host: r.host, port: r.port, errorCode: r.errorCode,
    errorMessage: r.errorMessage };
}

export type JoinGroupInput = Pick<JoinGroupRequest,
  'groupId' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'memberId' | 'protocols'>;

export function joinGroup(client: KafkaClient, input: JoinGroupInput): Promise<JoinGroupResponse> {
  return client.request(ApiKey.joinGroup, {
    ...defaultJoinGroupRequest(), ...input, protocolType: consumerProtocolType,
  });
}

export type SyncGroupInput = Pick<SyncGroupRequest,
  'groupId' | 'generationId' | 'memberId' | 'protocolName' | 'assignments'>;

export function syncGroup(client: KafkaClient, input: SyncGroupInput): Promise<SyncGroupResponse> {
  return client.request(ApiKey.syncGroup, {
    ...defaultSyncGroupRequest(), ...input, protocolType: consumerProtocolType,
  });
}

export function heartbeat(
  client: KafkaClient, groupId: string, generationId: number, memberId: string,
): Promise<HeartbeatResponse> {
  return client.request(ApiKey.heartbeat, {
    ...defaultHeartbeatRequest(), groupId, generationId, memberId,
  });
}

export function leaveGroup(
  client: KafkaClient, groupId: string, memberId: string,
): Promise<LeaveGroupResponse> {
  return client.request(ApiKey.leaveGroup, {
    ...defaultLeaveGroupRequest(),
    groupId,
    memberId,
    members: [{ ...defaultLeaveGroupRequestMemberIdentity(), memberId, reason: 'consumer exits' }],
  });
}

export interface CommitMember {
  generationId: number;
  memberId: string;
}

export function commitOffsets(
  client: KafkaClient, groupId: string, member: CommitMember,
  offsets: readonly PartitionOffset[],
): Promise<OffsetCommitResponse> {
  const byTopic = groupByTopic(offsets);
  return client.request(ApiKey.offsetCommit, {
    ...defaultOffsetCommitRequest(),
    groupId,
    generationIdOrMemberEpoch: member.generationId,
    memberId: member.memberId,
    topics: [...byTopic].map(([name, list]) => ({
      ...defaultOffsetCommitRequestTopic(),
      name,
      partitions: list.map((p) => ({
        ...defaultOffsetCommitRequestPartition(),
        partitionIndex: p.partition,
        committedOffset: p.offset,
      })),
    })),
  });
}

/** Committed offsets of a group; `topics` null asks for every committed partition. */
export function fetchOffsets(
  client: KafkaClient, groupId: string,
  topics: readonly { name: string; partitionIndexes: number[] }[] | null,
): Promise<OffsetFetchResponse> {
  return client.request(ApiKey.offsetFetch, {
    ...defaultOffsetFetchRequest(),
    groupId,
    topics: topics === null ? null : [...topics],
  });
}

export function listGroups(client: KafkaClient): Promise<ListGroupsResponse> {
  return client.request(ApiKey.listGroups, defaultListGroupsRequest());
}

export function describeGroups(
  client: KafkaClient, groups: readonly string[],
): Promise<DescribeGroupsResponse> {
  return client.request(ApiKey.describeGroups, {
    ...defaultDescribeGroupsRequest(), groups: [...groups],
  });
}

export function deleteGroups(
  client: KafkaClient, groups: readonly string[],
): Promise<DeleteGroupsResponse> {
  return client.request(ApiKey.deleteGroups, {
    ...defaultDeleteGroupsRequest(), groupsNames: [...groups],
  });
}

/** OffsetDelete (KIP-496): forgets `group`'s committed offsets of `partitions` of `topic`. */
export function offsetDelete(
  client: KafkaClient, group: string, topic: string, partitions: readonly number[],
): Promise<OffsetDeleteResponse> {
  return client.request(ApiKey.offsetDelete, { groupId: group,
    topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }] });
}

function groupByTopic(offsets: readonly PartitionOffset[]): Map<string, PartitionOffset[]> {
  const byTopic = new Map<string, PartitionOffset[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, [o]);
    else list.push(o);
  }
  return byTopic;
}
