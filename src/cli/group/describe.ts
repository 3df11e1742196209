/**
 * `pado group describe <group>`: state and members (DescribeGroups, each member's assignment
 * decoded from the consumer protocol bytes), and per partition the committed offset (OffsetFetch),
 * the log end offset (ListOffsets latest, from the partition's leader) and the lag between
 * them. Partitions shown: every committed one and every assigned one, so a new member's
 * partitions appear before its first commit (with lag "-").
 */
import {
  consumerProtocolType, decodeAssignment, type ClusterClient, type TopicPartitions,
} from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, printRows, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster, type CliContext } from '../verb.js';
import {
  committedOffsets, describeOne, latestOffsets, parseGroupId, withCoordinator,
  type DescribedGroup,
} from './common.js';

export interface GroupDescribeArgs {
  bootstrap: Bootstrap;
  group: string;
  format: OutputFormat;
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

export const groupDescribe = defineVerb<GroupDescribeArgs>({
  command: 'group describe <group>',
  description: 'Show a group\'s state, members, assignments, committed offsets and lag',
  options: [bootstrapOption, formatOption],
  examples: ['pado group describe orders-app --format json'],
  parse(positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      group: parseGroupId(positionals[0]),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    return withCluster(ctx, args.bootstrap, async (cluster) => {
      const description = await describeGroup(ctx, args, cluster);
      print(ctx, args.format, description);
      return ExitCode.ok;
    });
  },
});

/** Everything `describe` shows; group calls go to the coordinator, ListOffsets to leaders. */
export async function describeGroup(
  ctx: CliContext, args: GroupDescribeArgs, cluster: ClusterClient,
): Promise<GroupDescription> {
  const [described, committed] = await withCoordinator(ctx, args.bootstrap, args.group,
    async (c) => [await describeOne(c, args.group), await committedOffsets(c, args.group)] as const,
    await cluster.any());
  if (described.groupState === 'Dead' && committed.size === 0) {
    throw new PadoError(PadoErrorCode.notFound,
      `group '${args.group}' does not exist; see \`pado group list\``);
  }
  const members = described.members.map((m) => memberRow(described, m));
  return {
    group: args.group,
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

function print(ctx: CliContext, format: OutputFormat, d: GroupDescription): void {
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify(d)}\n`);
    return;
  }
  const protocol = d.protocol === '' ? '' : `, assignor ${d.protocol}`;
  const type = d.protocolType === '' ? '' : ` (${d.protocolType}${protocol})`;
  ctx.stdout.write(`group ${d.group}: ${d.state}${type}, ${d.members.length} member(s)\n\n`);
  if (d.members.length > 0) {
    printRows(ctx.stdout, 'table', [
      { key: 'memberId', title: 'MEMBER' },
      { key: 'clientId', title: 'CLIENT-ID' },
      { key: 'clientHost', title: 'HOST' },
      { key: 'assignment', title: 'ASSIGNMENT' },
    ], d.members.map((m) => ({ ...m, assignment: formatAssignment(m.assignment) })));
    ctx.stdout.write('\n');
  }
  printRows(ctx.stdout, 'table', [
    { key: 'topic', title: 'TOPIC' },
    { key: 'partition', title: 'PARTITION' },
    { key: 'committedOffset', title: 'COMMITTED' },
    { key: 'logEndOffset', title: 'LOG-END' },
    { key: 'lag', title: 'LAG' },
    { key: 'memberId', title: 'MEMBER' },
  ], d.offsets.map((o) => ({ ...o })));
}

/** 'orders:0,1 payments:2' for the table. */
function formatAssignment(assignment: TopicPartitions[] | null): string | null {
  if (assignment === null) return null;
  return assignment.map((tp) => `${tp.topic}:${tp.partitions.join(',')}`).join(' ');
}
