/**
 * `pado consume <topic>`: a fetch loop over the topic's partitions (or one with -p), each read
 * from its leader (client/topic-reader.ts, which follows a leader that moves), printing
 * records as value, key<TAB>value, or JSON lines. It runs until -n records were printed, until
 * every partition is caught up with -e, or until interrupted. With --group it joins that consumer
 * group instead and reads only its assigned partitions (consume-group.ts).
 */
import { validateTopicName } from '../config/index.js';
import {
  decodeFetchedRecords, OffsetSpec, TopicReader, type ClusterClient,
} from '../client/index.js';
import type { DecodedRecord } from '../protocol/records/index.js';
import {
  argumentError, booleanOption, choiceOption, intOption, parseBootstrap, stringOption,
  type Bootstrap,
} from './args.js';
import { checkBrokerError } from './broker-errors.js';
import { consumeInGroup } from './consume-group.js';
import { offsetsAt, topicPartitions } from './group/common.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster, type CliContext } from './verb.js';

export const consumeFormats = ['value', 'kv', 'json'] as const;
export type ConsumeFormat = (typeof consumeFormats)[number];

export type StartPosition =
  | { kind: 'beginning' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number };

export interface ConsumeArgs {
  bootstrap: Bootstrap;
  topic: string;
  start: StartPosition;
  /** Stop after this many records; null: no limit. */
  count: number | null;
  partition: number | null;
  format: ConsumeFormat;
  exitAtEnd: boolean;
  /** Consumer group to join; absent: read every partition (or -p) without a group. */
  group?: string;
}

/** Long-poll per fetch; short enough that -e notices the end promptly. */
const fetchWaitMs = 500;

export const consume = defineVerb<ConsumeArgs>({
  command: 'consume <topic>',
  description: 'Print records from a topic',
  options: [
    bootstrapOption,
    { flags: '--from-beginning', description: 'Start at the earliest offset' },
    { flags: '--offset <n>', description: 'Start at this offset (in each partition)' },
    { flags: '--latest', description: 'Start at the end: only new records (default)' },
    { flags: '-n, --count <n>', description: 'Exit after this many records' },
    { flags: '-p, --partition <n>', description: 'Read only this partition' },
    { flags: '--format <format>', description: 'value, kv (key<TAB>value) or json' },
    { flags: '-e, --exit-at-end', description: 'Exit once every partition is caught up' },
    { flags: '-g, --group <group>', description: 'Join this consumer group: read its assigned ' +
      'partitions from the committed offsets (else per --from-beginning/--latest), commit' },
  ],
  examples: ['pado consume orders --from-beginning -e --format json',
    'pado consume orders --group billing --from-beginning'],
  parse(positionals, options, env) {
    const topic = String(positionals[0] ?? '');
    const nameError = validateTopicName(topic);
    if (nameError !== null) throw argumentError(nameError);
    const args: ConsumeArgs = {
      bootstrap: parseBootstrap(options, env),
      topic,
      start: parseStart(options),
      count: intOption(options, 'count', '-n', 1, Number.MAX_SAFE_INTEGER, '-n 10') ?? null,
      partition: intOption(options, 'partition', '-p', 0, 2 ** 31 - 1, '-p 0') ?? null,
      format: choiceOption(options, 'format', '--format', consumeFormats, 'value'),
      exitAtEnd: booleanOption(options, 'exitAtEnd'),
    };
    const group = parseGroup(options, args);
    return group === undefined ? args : { ...args, group };
  },
  run: (args, ctx) => withCluster(ctx, args.bootstrap, (cluster) => args.group === undefined
    ? consumeLoop(args, ctx, cluster)
    : consumeInGroup({ ...args, group: args.group }, ctx, cluster, formatRecord)),
});

/** --group; the group assigns partitions and starts at commits, so -p and --offset conflict. */
function parseGroup(
  options: Readonly<Record<string, unknown>>, args: ConsumeArgs,
): string | undefined {
  if (options['group'] === true) throw argumentError('--group: a group id is missing');
  const group = stringOption(options, 'group');
  if (group === undefined) return undefined;
  if (group === '' || group.length > 255) {
    throw argumentError(`--group: '${group}' must have 1–255 characters; ` +
      'write e.g. --group billing');
  }
  if (args.partition !== null) {
    throw argumentError('-p and --group contradict each other: the group assigns partitions; ' +
      'choose one');
  }
  if (args.start.kind === 'offset') {
    throw argumentError('--offset and --group contradict each other: a group member starts at ' +
      'its committed offsets; reset them with `pado group reset-offsets`');
  }
  return group;
}

function parseStart(options: Readonly<Record<string, unknown>>): StartPosition {
  const offset = intOption(options, 'offset', '--offset', 0, Number.MAX_SAFE_INTEGER, '--offset 0');
  const chosen = [
    booleanOption(options, 'fromBeginning') ? 'from-beginning' : null,
    offset !== undefined ? 'offset' : null,
    booleanOption(options, 'latest') ? 'latest' : null,
  ].filter((c) => c !== null);
  if (chosen.length > 1) {
    throw argumentError(`--${chosen.join(' and --')} contradict each other; choose one`);
  }
  if (booleanOption(options, 'fromBeginning')) return { kind: 'beginning' };
  if (offset !== undefined) return { kind: 'offset', offset };
  return { kind: 'latest' };
}

interface Position {
  partition: number;
  offset: number;
  /** High watermark from the last fetch; the partition is caught up when offset reaches it. */
  highWatermark: number;
}

async function consumeLoop(
  args: ConsumeArgs, ctx: CliContext, cluster: ClusterClient,
): Promise<number> {
  const reader = new TopicReader(cluster, args.topic);
  const positions = await startPositions(cluster, args);
  let printed = 0;
  // Bounded by -n, by -e (every pass either advances or reaches the end), or by a signal; a
  // partition without an answering leader for leaderWaitMs ends it with an error.
  for (;;) {
    if (args.exitAtEnd && positions.every((p) => p.offset >= p.highWatermark)) return ExitCode.ok;
    const answers = await reader.fetch(positions, { maxWaitMs: fetchWaitMs });
    for (const data of answers) {
      const position = positions.find((p) => p.partition === data.partitionIndex);
      if (position === undefined) continue;
      checkBrokerError(data.errorCode, { topic: args.topic, partition: data.partitionIndex });
      position.highWatermark = data.highWatermark;
      const fetched = decodeFetchedRecords(data.records);
      for (const record of fetched.records) {
        // A batch may start before the requested offset; Kafka clients skip those records too.
        if (record.offset < position.offset) continue;
        ctx.stdout.write(formatRecord(record, data.partitionIndex, args.format));
        printed++;
        if (args.count !== null && printed >= args.count) return ExitCode.ok;
      }
      if (fetched.nextOffset !== null) {
        position.offset = Math.max(position.offset, fetched.nextOffset);
      }
    }
  }
}

async function startPositions(cluster: ClusterClient, args: ConsumeArgs): Promise<Position[]> {
  const all = await topicPartitions(cluster, args.topic);
  if (args.partition !== null && !all.includes(args.partition)) {
    throw argumentError(`-p: topic '${args.topic}' has no partition ${args.partition} ` +
      `(it has ${all.length}); write e.g. -p 0`);
  }
  const chosen = args.partition === null ? all : [args.partition];
  const latest = await offsetsAt(cluster, args.topic, chosen, OffsetSpec.latest);
  const earliest = args.start.kind === 'beginning'
    ? await offsetsAt(cluster, args.topic, chosen, OffsetSpec.earliest) : latest;
  return chosen.map((partition) => {
    const end = latest.get(partition) ?? 0;
    const offset = args.start.kind === 'offset' ? args.start.offset
      : (args.start.kind === 'beginning' ? earliest : latest).get(partition) ?? 0;
    return { partition, offset, highWatermark: end };
  });
}

export function formatRecord(
  record: DecodedRecord, partition: number, format: ConsumeFormat,
): string {
  const value = record.value === null ? '' : record.value.toString('utf8');
  if (format === 'value') return `${value}\n`;
  const key = record.key === null ? '' : record.key.toString('utf8');
  if (format === 'kv') return `${key}\t${value}\n`;
  return `${JSON.stringify({
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : key,
    value: record.value === null ? null : value,
    headers: Object.fromEntries(
      record.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])),
  })}\n`;
}
