/**
 * `pado group describe <group>`: state and members (DescribeGroups, each member's assignment
 * decoded from the consumer protocol bytes), and per partition the committed offset (OffsetFetch),
 * the log end offset (ListOffsets latest, from the partition's leader) and the lag between
 * them. Partitions shown: every committed one and every assigned one, so a new member's
 * partitions appear before its first commit (with lag "-").
 */
import {
  describeGroupAt, type ClusterClient, type GroupDescription, type TopicPartitions,
} from '../../client/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, printRows, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster, type CliContext } from '../verb.js';
import { parseGroupId, withCoordinator } from './common.js';

export type { GroupDescription, MemberRow, OffsetRow } from '../../client/index.js';

export interface GroupDescribeArgs {
  bootstrap: Bootstrap;
  group: string;
  format: OutputFormat;
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
  return withCoordinator(ctx, args.bootstrap, args.group,
    (c) => describeGroupAt(c, cluster, args.group), await cluster.any());
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
