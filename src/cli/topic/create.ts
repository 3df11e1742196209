/** `pado topic create <name> [-p n] [-r n] [-c key=value …]` (CreateTopics). */
import { validateTopicConfigs, validateTopicName } from '../../config/index.js';
import {
  argumentError, intOption, keyValueOption, parseBootstrap, type Bootstrap,
} from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

export interface TopicCreateArgs {
  bootstrap: Bootstrap;
  name: string;
  /** -1: the broker's num.partitions. */
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
  configs: Record<string, string>;
}

export const topicCreate = defineVerb<TopicCreateArgs>({
  command: 'topic create <name>',
  description: 'Create a topic',
  options: [
    bootstrapOption,
    { flags: '-p, --partitions <count>', description: 'Partitions (default: the broker\'s)' },
    { flags: '-r, --replicas <count>', description: 'Replication factor (default: the broker\'s)' },
    { flags: '-c, --config <key=value>', description: 'Topic config, repeatable' },
  ],
  examples: ['pado topic create orders -p 6 -r 3 -c retention.ms=86400000'],
  parse(positionals, options, env) {
    const name = String(positionals[0] ?? '');
    const nameError = validateTopicName(name);
    if (nameError !== null) throw argumentError(nameError);
    const configs = keyValueOption(options, 'config', '-c');
    // Checked here too so a typo is caught before the round trip, with the same message.
    const checked = validateTopicConfigs(configs);
    if (!checked.ok) throw argumentError(`-c ${checked.message}`);
    return {
      bootstrap: parseBootstrap(options, env),
      name,
      partitions: intOption(options, 'partitions', '-p', 1, 1_000_000, '-p 3') ?? -1,
      replicationFactor: intOption(options, 'replicas', '-r', 1, 32_767, '-r 3') ?? -1,
      configs,
    };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const response = await client.createTopics([{
        name: args.name,
        numPartitions: args.partitions,
        replicationFactor: args.replicationFactor,
        configs: args.configs,
      }]);
      for (const result of response.topics) {
        checkBrokerError(result.errorCode, { topic: result.name }, result.errorMessage);
      }
      ctx.stdout.write(`created topic '${args.name}'\n`);
      return ExitCode.ok;
    });
  },
});
