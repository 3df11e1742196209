/**
 * Consumer-group administration shared by the `pado group` verbs and the web console: group
 * error codes explained with a next step (STYLE.md §5), DescribeGroups for one group, its
 * committed offsets, log end offsets per partition (asked of each partition's leader), a group's
 * description with lag per partition, and the "outside group management" offset commit that
 * resets offsets.
 */
import { PadoError, PadoErrorCode } from '../common/index.js';
import type { DescribeGroupsResponse } from '../protocol/index.js';
import { checkBrokerError } from './broker-errors.js';
import type { KafkaClient } from './client.js';
import type { ClusterClient } from './cluster.js';
import { decodeAssignment, type TopicPartitions } from './consumer-protocol.js';
import {
  commitOffsets, consumerProtocolType, describeGroups, fetchOffsets, noGeneration,
  type PartitionOffset,
} from './group-requests.js';
import { OffsetSpec } from './requests.js';
import { TopicReader } from './topic-reader.js';

export type DescribedGroup = DescribeGroupsResponse['groups'][number];

const groupMessages: Readonly<Record<number, (group: string) => string>> = {
  14: (g) => `the coordinator of group '${g}' is still loading; retry in a moment`,
  15: (g) => `no coordinator is available for group '${g}' yet; retry in a moment, or check ` +
    '`pado topic list` and the broker logs',
  16: (g) => `this broker is not the coordinator of group '${g}'; retry (it is looked up again)`,
  25: (g) => `group '${g}': the coordinator does not know this member (its session expired, or ` +
    'the group has active members)',
  27: (g) => `group '${g}' is rebalancing; retry once \`pado group describe ${g}\` shows Stable`,
  30: (g) => `not authorized for group '${g}'`,
  68: (g) => `group '${g}' still has active members; stop its consumers (or wait for their ` +
    `session timeout to pass), then retry; see \`pado group describe ${g}\``,
  69: (g) => `group '${g}' does not exist; see \`pado group list\``,
};

/** Throws a PadoError for a non-zero group error code, with the next step. */
export function checkGroupError(code: number, group: string, brokerMessage?: string | null): void {
  if (code === 0) return;
  const describe = groupMessages[code];
  if (describe === undefined) {
    checkBrokerError(code, {}, brokerMessage);
    return;
  }
  const message = describe(group) + (brokerMessage ? ` (broker says: ${brokerMessage})` : '');
  throw new PadoError(code === 69 ? PadoErrorCode.notFound : PadoErrorCode.invalidArgument,
    message);
}

/** DescribeGroups for one group; throws when the broker reports an error for it. */
export async function describeOne(client: KafkaClient, group: string): Promise<DescribedGroup> {
  const r = await describeGroups(client, [group]);
  const described = r.groups.find((g) => g.groupId === group);
  if (described === undefined) {
    throw new PadoError(PadoErrorCode.connection,
      `the broker left group '${group}' out of its DescribeGroups answer; report it`);
  }
  checkGroupError(described.errorCode, group);
  return described;
}

/** Committed offsets of the group as topic → partition → offset (every committed partition). */
export async function committedOffsets(
  client: KafkaClient, group: string,
): Promise<Map<string, Map<number, number>>> {
  const r = await fetchOffsets(client, group, null);
  checkGroupError(r.errorCode, group);
  const out = new Map<string, Map<number, number>>();
  for (const t of r.topics) {
    const partitions = new Map<number, number>();
    for (const p of t.partitions) {
      checkGroupError(p.errorCode, group);
      // -1: nothing committed (Kafka answers so for unknown partitions too).
      if (p.committedOffset >= 0) partitions.set(p.partitionIndex, p.committedOffset);
    }
    if (partitions.size > 0) out.set(t.name, partitions);
  }
  return out;
}

/**
 * ListOffsets for one topic at `timestamp` (OffsetSpec.latest / earliest, or a time in ms), asked
 * of each partition's leader: partition → offset, -1 where no record is that recent.
 */
export async function offsetsAt(
  cluster: ClusterClient, topic: string, partitions: readonly number[], timestamp: number,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (partitions.length === 0) return out;
  const answers = await new TopicReader(cluster, topic).offsets(partitions, timestamp);
  for (const [partition, answer] of answers) {
    checkBrokerError(answer.errorCode, { topic, partition });
    out.set(partition, answer.offset);
  }
  return out;
}

export const latestOffsets = (
  cluster: ClusterClient, topic: string, partitions: readonly number[],
): Promise<Map<number, number>> => offsetsAt(cluster, topic, partitions, OffsetSpec.latest);

/** The topic's partition indexes, ascending; a missing topic is an error with the next step. */
export async function topicPartitions(cluster: ClusterClient, topic: string): Promise<number[]> {
  const metadata = await cluster.metadata([topic]);
  const found = metadata.topics.find((t) => t.name === topic);
  checkBrokerError(found === undefined ? 3 : found.errorCode, { topic });
  return (found?.partitions ?? []).map((p) => p.partitionIndex).sort((a, b) => a - b);
}

export interface MemberRow {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded consumer assignment; null for other protocol types or undecodable bytes. */
  assignment: TopicPartitions[] | null;
}

export interface OffsetRow {
  topic: string;
  partition: number;
  /** null: nothing committed. */
  committedOffset: number | null;
  logEndOffset: number;
  /** logEndOffset - committedOffset; null without a commit. */
  lag: number | null;
  /** The member the partition is assigned to, if any. */
  memberId: string | null;
}

export interface GroupDescription {
  group: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: MemberRow[];
  offsets: OffsetRow[];
}

/**
 * Everything `pado group describe` and the console show of a group: DescribeGroups and OffsetFetch
 * at its coordinator, ListOffsets at the partitions' leaders. Partitions shown: every committed
 * one and every assigned one, so a new member's partitions appear before its first commit.
 */
export async function describeGroupAt(
  coordinator: KafkaClient, cluster: ClusterClient, group: string,
): Promise<GroupDescription> {
  const described = await describeOne(coordinator, group);
  const committed = await committedOffsets(coordinator, group);
  if (described.groupState === 'Dead' && committed.size === 0) {
    throw new PadoError(PadoErrorCode.notFound,
      `group '${group}' does not exist; see \`pado group list\``);
  }
  const members = described.members.map((m) => memberRow(described, m));
  return {
    group,
    state: described.groupState,
    protocolType: described.protocolType,
    protocol: described.protocolData,
    members,
    offsets: await offsetRows(cluster, members, committed),
  };
}

function memberRow(
  group: DescribedGroup, m: DescribedGroup['members'][number],
): MemberRow {
  let assignment: TopicPartitions[] | null = null;
  if (group.protocolType === consumerProtocolType) {
    try {
      assignment = decodeAssignment(m.memberAssignment).assignedPartitions;
    } catch {
      // Another client's bytes we cannot read: show the member without its assignment.
      assignment = null;
    }
  }
  return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId,
    clientHost: m.clientHost, assignment };
}

async function offsetRows(
  cluster: ClusterClient, members: readonly MemberRow[],
  committed: ReadonlyMap<string, ReadonlyMap<number, number>>,
): Promise<OffsetRow[]> {
  const owners = new Map<string, Map<number, string>>();
  for (const m of members) {
    for (const tp of m.assignment ?? []) {
      const byPartition = owners.get(tp.topic) ?? new Map<number, string>();
      for (const p of tp.partitions) byPartition.set(p, m.memberId);
      owners.set(tp.topic, byPartition);
    }
  }
  const topics = [...new Set([...committed.keys(), ...owners.keys()])].sort();
  const rows: OffsetRow[] = [];
  for (const topic of topics) {
    const partitions = [...new Set([...committed.get(topic)?.keys() ?? [],
      ...owners.get(topic)?.keys() ?? []])].sort((a, b) => a - b);
    const ends = await latestOffsets(cluster, topic, partitions);
    for (const partition of partitions) {
      const offset = committed.get(topic)?.get(partition) ?? null;
      const end = ends.get(partition) ?? 0;
      rows.push({ topic, partition, committedOffset: offset, logEndOffset: end,
        lag: offset === null ? null : Math.max(0, end - offset),
        memberId: owners.get(topic)?.get(partition) ?? null });
    }
  }
  return rows;
}

/**
 * OffsetCommit with generation -1 and no member (a reset from outside the group): the
 * coordinator accepts it only while the group is Empty.
 */
export async function commitGroupOffsets(
  coordinator: KafkaClient, group: string, plan: readonly PartitionOffset[],
): Promise<void> {
  const r = await commitOffsets(coordinator, group, { generationId: noGeneration, memberId: '' },
    plan.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
  for (const t of r.topics) {
    for (const p of t.partitions) checkGroupError(p.errorCode, group);
  }
}
