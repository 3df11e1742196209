/**
 * `pado cluster partitions move|transfer-leadership …` (rpk's names): one cac command whose first
 * positional is the action, so the two-word command joining of cli/index.ts serves it as it is.
 * The work is in move.ts and transfer-leadership.ts; this file parses.
 */
import { argumentError, booleanOption, choiceOption, intOption, parseBootstrap, stringOption,
  type Bootstrap, type RawOptions } from '../args.js';
import { outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, withClient, type OptionSpec } from '../verb.js';
import { parseNodeId } from './add-voter.js';
import {
  cancelMoves, move, moveStatus, parseMoveSpec, readReassignmentFile, type MoveSpec,
} from './move.js';
import {
  parseTopicPartition, transferLeadership, type TopicPartition,
} from './transfer-leadership.js';
import { watchInterrupt } from './wait.js';

export type PartitionsArgs =
  | { action: 'move'; bootstrap: Bootstrap; specs: MoveSpec[]; throttle: number | null;
      wait: boolean; timeoutMs: number }
  | { action: 'status'; bootstrap: Bootstrap; format: OutputFormat }
  | { action: 'cancel'; bootstrap: Bootstrap; partitions: TopicPartition[] }
  | { action: 'transfer'; bootstrap: Bootstrap; partition: TopicPartition; to: number;
      timeoutMs: number };

const usage = 'write e.g. pado cluster partitions move orders:0=1,2,4, or pado cluster ' +
  'partitions transfer-leadership orders:0 --to 2';

function parseMove(rest: readonly string[], options: RawOptions,
  bootstrap: Bootstrap): PartitionsArgs {
  if (booleanOption(options, 'status')) {
    return { action: 'status', bootstrap,
      format: choiceOption(options, 'format', '--format', outputFormats, 'table') };
  }
  if (booleanOption(options, 'cancel')) {
    return { action: 'cancel', bootstrap,
      partitions: rest.map((t) => parseTopicPartition(t, 'orders:0')) };
  }
  const file = stringOption(options, 'file');
  const fromFile = file === undefined ? [] : readReassignmentFile(file);
  const specs = [...rest.map(parseMoveSpec), ...fromFile];
  if (specs.length === 0) {
    throw argumentError('cluster partitions move: name partitions and their replicas ' +
      `(or --file); ${usage}`);
  }
  const seen = new Set(specs.map((s) => `${s.topic}:${s.partition}`));
  if (seen.size !== specs.length) {
    throw argumentError('cluster partitions move: a partition is named twice');
  }
  return {
    action: 'move', bootstrap, specs,
    throttle: intOption(options, 'throttle', '--throttle', 1, Number.MAX_SAFE_INTEGER, '10485760')
      ?? null,
    wait: options.wait !== false,
    timeoutMs: intOption(options, 'timeoutMs', '--timeout-ms', 0, 2 ** 31 - 1, '600000') ?? 0,
  };
}

export function parsePartitions(positionals: readonly string[], options: RawOptions,
  bootstrap: Bootstrap): PartitionsArgs {
  const [action, ...rest] = positionals;
  if (action === 'move') return parseMove(rest, options, bootstrap);
  if (action === 'transfer-leadership') {
    if (rest.length !== 1) {
      throw argumentError(`transfer-leadership takes one <topic>:<partition>; ${usage}`);
    }
    const to = options.to;
    if (to === undefined) {
      throw argumentError(`transfer-leadership: --to <broker> is required; ${usage}`);
    }
    return { action: 'transfer', bootstrap, partition: parseTopicPartition(rest[0], 'orders:0'),
      to: parseNodeId(to), timeoutMs: intOption(options, 'timeoutMs', '--timeout-ms', 1,
        2 ** 31 - 1, '30000') ?? 30_000 };
  }
  throw argumentError(`cluster partitions: '${action ?? ''}' is not move or ` +
    `transfer-leadership; ${usage}`);
}

/** [flags, description] of the verb's own options. */
const moveOptions: OptionSpec[] = ([
  ['--file <json>', 'move: the partitions and replicas as kafka-reassign-partitions.sh takes ' +
    'them ({"version":1,"partitions":[…]})'],
  ['--throttle <bytes/s>', 'move: limit what the new replicas fetch (Kafka\'s replication ' +
    'throttle; removed when the move ends)'],
  ['--status', 'move: list the moves in progress'],
  ['--cancel', 'move: cancel the moves of the named partitions (all if none)'],
  ['--no-wait', 'move: start the move and return'],
  ['--to <broker>', 'transfer-leadership: the broker to lead'],
  ['--timeout-ms <ms>', 'how long to follow the change (move: 0, until done)'],
] as const).map(([flags, description]) => ({ flags, description }));

export const clusterPartitions = defineVerb<PartitionsArgs>({
  command: 'cluster partitions <action> [...partitions]',
  description: 'move: reassign partitions to brokers (--status, --cancel); ' +
    'transfer-leadership: make an in-sync replica the leader',
  options: [bootstrapOption, formatOption, ...moveOptions],
  examples: [
    'pado cluster partitions move orders:0=1,2,4 orders:1=4,2,3 --throttle 10485760',
    'pado cluster partitions move --file reassignment.json',
    'pado cluster partitions move --status',
    'pado cluster partitions move --cancel orders:0',
    'pado cluster partitions transfer-leadership orders:0 --to 2',
  ],
  parse(positionals, options, env) {
    return parsePartitions(positionals, options, parseBootstrap(options, env));
  },
  run: (args, ctx) => withClient(ctx, args.bootstrap, (client) => {
    switch (args.action) {
      case 'status': return moveStatus(client, ctx, args.format);
      case 'cancel': return cancelMoves(client, ctx, args.partitions);
      case 'move': return move(client, ctx, watchInterrupt(ctx), args.specs, args);
      case 'transfer': return transferLeadership(client, ctx, watchInterrupt(ctx), args.partition,
        args.to, args.timeoutMs);
    }
  }),
});
