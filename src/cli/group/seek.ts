/**
 * `pado group seek <group> --to start|end|<time> [--topics t,…]` (rpk's verb): moves an inactive
 * group's committed offsets to the start or end of its topics' partitions, or to the first record
 * at or after a time (unix seconds or milliseconds, or ISO 8601), and applies it at once — what
 * `group reset-offsets … --execute` does, without naming each topic: by default every topic the
 * group has committed offsets for.
 */
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { validateTopicName } from '../../config/index.js';
import { argumentError, listOption, parseBootstrap, stringOption, type Bootstrap } from '../args.js';
import { bootstrapOption, defineVerb, withCluster } from '../verb.js';
import { committedOffsets, parseGroupId, withCoordinator } from './common.js';
import { resetOffsets, type ResetSpec } from './reset-offsets.js';

export interface GroupSeekArgs {
  bootstrap: Bootstrap;
  group: string;
  to: ResetSpec;
  /** null: every topic the group has committed offsets for. */
  topics: string[] | null;
}

/** `start`, `end`, unix seconds (10 digits) or milliseconds (13), or an ISO 8601 time. */
export function parseSeekTarget(raw: string): ResetSpec {
  if (raw === 'start') return { kind: 'earliest' };
  if (raw === 'end') return { kind: 'latest' };
  if (/^\d{10}$/.test(raw)) return { kind: 'datetime', timestampMs: Number(raw) * 1000 };
  if (/^\d{13}$/.test(raw)) return { kind: 'datetime', timestampMs: Number(raw) };
  const ms = /^\d{4}-\d\d-\d\d/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) {
    throw argumentError(`--to ${raw}: write start, end, a unix time in seconds or milliseconds, or an ` +
      'ISO 8601 time (e.g. 2024-05-01T12:00:00Z)');
  }
  return { kind: 'datetime', timestampMs: ms };
}

export const groupSeek = defineVerb<GroupSeekArgs>({
  command: 'group seek <group>',
  description: 'Move an inactive group\'s committed offsets to the start, the end or a time, and apply it',
  options: [
    bootstrapOption,
    { flags: '--to <start|end|time>', description: 'start, end, unix seconds/milliseconds or ISO 8601' },
    { flags: '--topics <t,…>', description: 'Topics (default: every topic the group has offsets for)' },
  ],
  examples: ['pado group seek billing --to start', 'pado group seek billing --to 2024-05-01T12:00:00Z --topics orders'],
  parse(positionals, options, env) {
    const to = stringOption(options, 'to');
    if (to === undefined) throw argumentError('--to is required: start, end or a time');
    const listed = listOption(options, 'topics').flatMap((t) => t.split(',')).filter((t) => t !== '');
    for (const t of listed) {
      const problem = validateTopicName(t);
      if (problem !== null) throw argumentError(`--topics: ${problem}`);
    }
    return { bootstrap: parseBootstrap(options, env), group: parseGroupId(positionals[0]),
      to: parseSeekTarget(to), topics: listed.length === 0 ? null : listed };
  },
  run: (args, ctx) => withCluster(ctx, args.bootstrap, async (cluster) => {
    const topics = args.topics ?? [...(await withCoordinator(ctx, args.bootstrap, args.group,
      (c) => committedOffsets(c, args.group), await cluster.any())).keys()].sort();
    if (topics.length === 0) {
      throw new PadoError(PadoErrorCode.notFound, `group '${args.group}' has no committed offsets; name the ` +
        'topics with --topics');
    }
    return resetOffsets({ bootstrap: args.bootstrap, group: args.group, spec: args.to, execute: true,
      format: 'table', topics: topics.map((topic) => ({ topic, partitions: null })) }, ctx, cluster);
  }),
});
