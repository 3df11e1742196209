/**
 * `pado topic add-partitions <name> --num n` (CreatePartitions; rpk's verb and flag): adds `n`
 * partitions to a topic. The topic's current count is read first (Metadata), since Kafka's request
 * names the new total; records keyed to a partition before may go to another one after, which is
 * why Kafka never removes partitions and why this verb says so.
 */
import { validateTopicName } from '../../config/index.js';
import { argumentError, intOption, parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

export interface TopicAddPartitionsArgs {
  bootstrap: Bootstrap;
  name: string;
  /** Partitions to add. */
  num: number;
}

export const topicAddPartitions = defineVerb<TopicAddPartitionsArgs>({
  command: 'topic add-partitions <name>',
  description: 'Add partitions to a topic (keys may map to other partitions afterwards)',
  options: [
    bootstrapOption,
    { flags: '-n, --num <count>', description: 'Partitions to add' },
  ],
  examples: ['pado topic add-partitions orders --num 3'],
  parse(positionals, options, env) {
    const name = String(positionals[0] ?? '');
    const nameError = validateTopicName(name);
    if (nameError !== null) throw argumentError(nameError);
    const num = intOption(options, 'num', '--num', 1, 1_000_000, '--num 3');
    if (num === undefined) throw argumentError('--num <count> is required: how many partitions to add');
    return { bootstrap: parseBootstrap(options, env), name, num };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const md = await client.metadata([args.name]);
      const topic = md.topics.find((t) => t.name === args.name);
      checkBrokerError(topic?.errorCode ?? 3, { topic: args.name }, null);
      const before = topic?.partitions.length ?? 0;
      const total = before + args.num;
      const response = await client.createPartitions(args.name, total);
      for (const result of response.results) {
        checkBrokerError(result.errorCode, { topic: result.name }, result.errorMessage);
      }
      ctx.stdout.write(`topic '${args.name}': ${before} → ${total} partitions\n`);
      return ExitCode.ok;
    });
  },
});
