/**
 * `pado group offset-delete <group> --topic t[:p,…]` (OffsetDelete, KIP-496; rpk's verb): forgets
 * the group's committed offsets of those partitions (all of the topic's without `:p,…`), so its
 * consumers start there from `auto.offset.reset` next time. Kafka refuses it for a topic the group's
 * live members consume (GROUP_SUBSCRIBED_TO_TOPIC); the refusal says how to go on.
 */
import { offsetDelete } from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster } from '../verb.js';
import { checkGroupError, parseGroupId, topicPartitions, withCoordinator } from './common.js';
import { parseTopics } from './reset-offsets.js';

export interface GroupOffsetDeleteArgs {
  bootstrap: Bootstrap;
  group: string;
  topics: { topic: string; partitions: number[] | null }[];
}

const subscribed = 86;

export const groupOffsetDelete = defineVerb<GroupOffsetDeleteArgs>({
  command: 'group offset-delete <group>',
  description: 'Forget a group\'s committed offsets of a topic (or some of its partitions)',
  options: [
    bootstrapOption,
    { flags: '--topic <topic[:p,…]>', description: 'Topic, optionally with partitions; repeatable' },
  ],
  examples: ['pado group offset-delete billing --topic orders', 'pado group offset-delete billing --topic orders:0,2'],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), group: parseGroupId(positionals[0]),
      topics: parseTopics(options).map((t) => ({ topic: t.topic, partitions: t.partitions ? [...t.partitions] : null })) };
  },
  async run(args, ctx) {
    const chosen = await withCluster(ctx, args.bootstrap, async (cluster) => Promise.all(args.topics.map(
      async (t) => ({ topic: t.topic, partitions: t.partitions ?? await topicPartitions(cluster, t.topic) }))));
    return withCoordinator(ctx, args.bootstrap, args.group, async (client) => {
      for (const { topic, partitions } of chosen) {
        const r = await offsetDelete(client, args.group, topic, partitions);
        checkGroupError(r.errorCode, args.group);
        const answered = r.topics.find((x) => x.name === topic)?.partitions ?? [];
        for (const p of answered) {
          if (p.errorCode === subscribed) {
            throw new PadoError(PadoErrorCode.invalidArgument, `group '${args.group}' has live members ` +
              `consuming '${topic}': stop them (or wait for their session timeout), then retry; see ` +
              `\`pado group describe ${args.group}\``);
          }
          checkBrokerError(p.errorCode, { topic, partition: p.partitionIndex });
        }
        ctx.stdout.write(`group '${args.group}': committed offsets of '${topic}' partition(s) ` +
          `${partitions.join(',')} deleted\n`);
      }
      return ExitCode.ok;
    });
  },
});
