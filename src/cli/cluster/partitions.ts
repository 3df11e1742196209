/**
 * `pado cluster partitions move …` and `pado cluster partitions transfer-leadership …` (rpk's
 * names): the verbs and their parsing; the work is in move.ts and transfer-leadership.ts.
 */
import { argumentError, booleanOption, choiceOption, intOption, parseBootstrap, stringOption,
  type Bootstrap, type RawOptions } from '../args.js';
import { outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import {
  bootstrapOption, defineVerb, withClient, type CliContext, type OptionSpec,
} from '../verb.js';
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
  ['--file <json>', 'the partitions and replicas as kafka-reassign-partitions.sh takes ' +
    'them ({"version":1,"partitions":[…]})'],
  ['--throttle <bytes/s>', 'limit what the new replicas fetch (Kafka\'s replication ' +
    'throttle; removed when the move ends)'],
  ['--status', 'list the moves in progress'],
  ['--cancel', 'cancel the moves of the named partitions (all if none)'],
  ['--no-wait', 'start the move and return'],
  ['--timeout-ms <ms>', 'how long to follow the move (default 0: until done)'],
] as const).map(([flags, description]) => ({ flags, description }));

const transferOptions: OptionSpec[] = ([
  ['--to <broker>', 'the broker to lead (an in-sync replica)'],
  ['--timeout-ms <ms>', 'how long to wait for the new leader (default 30000)'],
] as const).map(([flags, description]) => ({ flags, description }));

const run = (args: PartitionsArgs, ctx: CliContext): Promise<number> =>
  withClient(ctx, args.bootstrap, (client) => {
    switch (args.action) {
      case 'status': return moveStatus(client, ctx, args.format);
      case 'cancel': return cancelMoves(client, ctx, args.partitions);
      case 'move': return move(client, ctx, watchInterrupt(ctx), args.specs, args);
      case 'transfer': return transferLeadership(client, ctx, watchInterrupt(ctx), args.partition,
        args.to, args.timeoutMs);
    }
  });

export const clusterPartitionsMove = defineVerb<PartitionsArgs>({
  command: 'cluster partitions move [...partitions]',
  description: 'Reassign partitions to brokers (<topic>:<p>=<b1,b2,…>), follow the move; ' +
    '--status, --cancel',
  options: [bootstrapOption, formatOption, ...moveOptions],
  examples: [
    'pado cluster partitions move orders:0=1,2,4 orders:1=4,2,3 --throttle 10485760',
    'pado cluster partitions move --file reassignment.json',
    'pado cluster partitions move --status',
    'pado cluster partitions move --cancel orders:0',
  ],
  parse: (positionals, options, env) =>
    parsePartitions(['move', ...positionals], options, parseBootstrap(options, env)),
  run,
});

export const clusterPartitionsTransferLeadership = defineVerb<PartitionsArgs>({
  command: 'cluster partitions transfer-leadership <partition>',
  description: 'Make an in-sync replica the leader of <topic>:<p> (--to <broker>)',
  options: [bootstrapOption, ...transferOptions],
  examples: ['pado cluster partitions transfer-leadership orders:0 --to 2'],
  parse: (positionals, options, env) => parsePartitions(['transfer-leadership', ...positionals],
    options, parseBootstrap(options, env)),
  run,
});
