/**
 * `pado group reset-offsets <group> --topic t[:p,…] --to-earliest|--to-latest|--to-offset N|
 * --to-datetime T|--shift-by N [--execute]`: prints the plan (current → new offset per
 * partition);
 * with --execute commits it with generation -1, the "outside group management" commit Kafka
 * accepts only while the group is empty. So it refuses while the group has members, as Kafka's
 * kafka-consumer-groups.sh does. Targets outside the log are clamped to [earliest, latest].
 */
import { validateTopicName } from '../../config/index.js';
import {
  commitGroupOffsets, OffsetSpec, type ClusterClient, type PartitionOffset,
} from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import {
  argumentError, booleanOption, choiceOption, intOption, listOption, parseBootstrap, stringOption,
  type RawOptions, type Bootstrap,
} from '../args.js';
import { outputFormats, printRows, type OutputFormat, type Row } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster, type CliContext } from '../verb.js';
import {
  committedOffsets, describeOne, offsetsAt, parseGroupId, topicPartitions, withCoordinator,
} from './common.js';

export type ResetSpec =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'datetime'; timestampMs: number }
  | { kind: 'shift'; by: number };

export interface TopicSelection {
  topic: string;
  /** null: every partition of the topic. */
  partitions: number[] | null;
}

export interface GroupResetOffsetsArgs {
  bootstrap: Bootstrap;
  group: string;
  topics: TopicSelection[];
  spec: ResetSpec;
  execute: boolean;
  format: OutputFormat;
}

export const groupResetOffsets = defineVerb<GroupResetOffsetsArgs>({
  command: 'group reset-offsets <group>',
  description: 'Plan (and with --execute apply) new committed offsets for an inactive group',
  options: [
    bootstrapOption,
    { flags: '--topic <topic>',
      description: 'Topic, or topic:0,1 for some partitions (repeatable)' },
    { flags: '--to-earliest', description: 'Reset to the earliest offset' },
    { flags: '--to-latest', description: 'Reset to the log end offset' },
    { flags: '--to-offset <n>', description: 'Reset to this offset' },
    { flags: '--to-datetime <time>', description: 'Reset to the first offset at or after an ' +
      'ISO 8601 time (e.g. 2024-05-01T12:00:00Z)' },
    { flags: '--shift-by <n>', description: 'Move the committed offset by n (may be negative)' },
    { flags: '--execute', description: 'Apply the plan (default: only print it)' },
    formatOption,
  ],
  examples: ['pado group reset-offsets orders-app --topic orders --to-earliest --execute'],
  parse(positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      group: parseGroupId(positionals[0]),
      topics: parseTopics(options),
      spec: parseSpec(options),
      execute: booleanOption(options, 'execute'),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  run: (args, ctx) => withCluster(ctx, args.bootstrap, (cluster) =>
    resetOffsets(args, ctx, cluster)),
});

export function parseTopics(options: RawOptions): TopicSelection[] {
  const raw = listOption(options, 'topic');
  if (raw.length === 0) throw argumentError('--topic is required; write e.g. --topic orders');
  return raw.map((item) => {
    const colon = item.lastIndexOf(':');
    const topic = colon < 0 ? item : item.slice(0, colon);
    const nameError = validateTopicName(topic);
    if (nameError !== null) throw argumentError(`--topic: ${nameError}`);
    if (colon < 0) return { topic, partitions: null };
    const partitions = item.slice(colon + 1).split(',').map((p) => {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) {
        throw argumentError(`--topic: '${item}' has a bad partition '${p}'; ` +
          'write e.g. --topic orders:0,2');
      }
      return n;
    });
    return { topic, partitions: [...new Set(partitions)].sort((a, b) => a - b) };
  });
}

const specFlags = ['toEarliest', 'toLatest', 'toOffset', 'toDatetime', 'shiftBy'] as const;
const flagName = (key: string): string =>
  `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function parseSpec(options: RawOptions): ResetSpec {
  const given = specFlags.filter((f) => options[f] !== undefined && options[f] !== false);
  if (given.length !== 1) {
    const which = given.length === 0 ? 'none is given' : `${given.map(flagName).join(' and ')} ` +
      'contradict each other';
    throw argumentError('choose one of --to-earliest, --to-latest, --to-offset N, ' +
      `--to-datetime T, --shift-by N (${which})`);
  }
  const max = Number.MAX_SAFE_INTEGER;
  switch (given[0]!) {
    case 'toEarliest': return { kind: 'earliest' };
    case 'toLatest': return { kind: 'latest' };
    case 'toOffset':
      return { kind: 'offset',
        offset: intOption(options, 'toOffset', '--to-offset', 0, max, '--to-offset 0')! };
    case 'shiftBy':
      return { kind: 'shift',
        by: intOption(options, 'shiftBy', '--shift-by', -max, max, '--shift-by -10')! };
    case 'toDatetime': return { kind: 'datetime', timestampMs: parseDatetime(options) };
  }
}

function parseDatetime(options: RawOptions): number {
  const text = stringOption(options, 'toDatetime') ?? '';
  // ISO 8601 only: Date.parse also takes locale formats, whose meaning varies between machines.
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
  const ms = iso.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw argumentError(`--to-datetime: '${text}' is not an ISO 8601 time; ` +
      'write e.g. --to-datetime 2024-05-01T12:00:00Z');
  }
  return ms;
}

/** What one partition's new offset is computed from. */
export interface PartitionState {
  partition: number;
  /** null: nothing committed. */
  committed: number | null;
  earliest: number;
  latest: number;
  /** For --to-datetime: ListOffsets at the time; -1 when no record is that recent. */
  atTime: number | null;
}

/** The new offset of one partition under `spec` (pure; Kafka's rules, clamped into the log). */
export function targetOffset(spec: ResetSpec, p: PartitionState, topic: string): number {
  const clamp = (o: number): number => Math.min(p.latest, Math.max(p.earliest, o));
  switch (spec.kind) {
    case 'earliest': return p.earliest;
    case 'latest': return p.latest;
    case 'offset': return clamp(spec.offset);
    case 'datetime': return p.atTime === null || p.atTime < 0 ? p.latest : clamp(p.atTime);
    case 'shift':
      if (p.committed === null) {
        throw argumentError(`${topic} partition ${p.partition} has no committed offset to ` +
          'shift from; use --to-offset, --to-earliest or --to-latest');
      }
      return clamp(p.committed + spec.by);
  }
}

interface PlanRow extends PartitionOffset {
  current: number | null;
}

export async function resetOffsets(
  args: GroupResetOffsetsArgs, ctx: CliContext, cluster: ClusterClient,
): Promise<number> {
  return withCoordinator(ctx, args.bootstrap, args.group, async (coordinator) => {
    const described = await describeOne(coordinator, args.group);
    const committed = await committedOffsets(coordinator, args.group);
    const plan: PlanRow[] = [];
    for (const selection of args.topics) {
      plan.push(...await planTopic(cluster, args.spec, selection,
        committed.get(selection.topic)));
    }
    printRows(ctx.stdout, args.format, [
      { key: 'topic', title: 'TOPIC' },
      { key: 'partition', title: 'PARTITION' },
      { key: 'current', title: 'CURRENT-OFFSET' },
      { key: 'offset', title: 'NEW-OFFSET' },
    ], plan.map((p): Row => ({ ...p })));
    const members = described.members.length;
    if (members > 0) {
      const refusal = `group '${args.group}' has ${members} active member(s) (state ` +
        `${described.groupState}); offsets can be reset only while it is empty: stop its ` +
        `consumers first, then check \`pado group describe ${args.group}\``;
      if (args.execute) throw new PadoError(PadoErrorCode.invalidArgument, refusal);
      ctx.stderr.write(`note: ${refusal}\n`);
    }
    if (!args.execute) {
      ctx.stderr.write('dry run: nothing changed; add --execute to apply this plan\n');
      return ExitCode.ok;
    }
    await commitGroupOffsets(coordinator, args.group,
      plan.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    ctx.stderr.write(`reset ${plan.length} partition(s) of group '${args.group}'\n`);
    return ExitCode.ok;
  }, await cluster.any());
}

async function planTopic(
  cluster: ClusterClient, spec: ResetSpec, selection: TopicSelection,
  committed: ReadonlyMap<number, number> | undefined,
): Promise<PlanRow[]> {
  const { topic } = selection;
  const all = await topicPartitions(cluster, topic);
  const missing = (selection.partitions ?? []).filter((p) => !all.includes(p));
  if (missing.length > 0) {
    throw argumentError(`--topic: '${topic}' has no partition ${missing.join(', ')} ` +
      `(it has ${all.length})`);
  }
  const partitions = selection.partitions ?? all;
  const earliest = await offsetsAt(cluster, topic, partitions, OffsetSpec.earliest);
  const latest = await offsetsAt(cluster, topic, partitions, OffsetSpec.latest);
  const atTime = spec.kind === 'datetime'
    ? await offsetsAt(cluster, topic, partitions, spec.timestampMs) : null;
  return partitions.map((partition) => {
    const state: PartitionState = {
      partition,
      committed: committed?.get(partition) ?? null,
      earliest: earliest.get(partition) ?? 0,
      latest: latest.get(partition) ?? 0,
      atTime: atTime?.get(partition) ?? null,
    };
    return { topic, partition, current: state.committed, offset: targetOffset(spec, state, topic) };
  });
}
