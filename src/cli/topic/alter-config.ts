/** `pado topic alter-config <name> --set k=v --delete k` (IncrementalAlterConfigs). */
import { validateTopicConfigs, validateTopicName } from '../../config/index.js';
import { ResourceType, type AlterConfigOp } from '../../client/index.js';
import {
  argumentError, keyValueOption, listOption, parseBootstrap, type Bootstrap,
} from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

export interface TopicAlterConfigArgs {
  bootstrap: Bootstrap;
  name: string;
  ops: AlterConfigOp[];
}

export const topicAlterConfig = defineVerb<TopicAlterConfigArgs>({
  command: 'topic alter-config <name>',
  description: 'Set or remove topic configs',
  options: [
    bootstrapOption,
    { flags: '--set <key=value>', description: 'Set a config, repeatable' },
    { flags: '--delete <key>', description: 'Return a config to its default, repeatable' },
  ],
  examples: ['pado topic alter-config orders --set retention.ms=3600000 --delete retention.bytes'],
  parse(positionals, options, env) {
    const name = String(positionals[0] ?? '');
    const nameError = validateTopicName(name);
    if (nameError !== null) throw argumentError(nameError);
    const sets = keyValueOption(options, 'set', '--set');
    const deletes = listOption(options, 'delete');
    const checked = validateTopicConfigs({
      ...sets, ...Object.fromEntries(deletes.map((k) => [k, null])),
    });
    if (!checked.ok) throw argumentError(checked.message);
    const ops: AlterConfigOp[] = [
      ...Object.entries(sets).map(([name, value]): AlterConfigOp => ({ name, op: 'set', value })),
      ...deletes.map((key): AlterConfigOp => ({ name: key, op: 'delete' })),
    ];
    if (ops.length === 0) {
      throw argumentError('nothing to change; write e.g. --set retention.ms=3600000 ' +
        'or --delete retention.ms');
    }
    return { bootstrap: parseBootstrap(options, env), name, ops };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const response = await client.incrementalAlterConfigs(
        { type: ResourceType.topic, name: args.name }, args.ops);
      for (const result of response.responses) {
        checkBrokerError(result.errorCode, { topic: args.name }, result.errorMessage);
      }
      ctx.stdout.write(`updated ${args.ops.length} config(s) of topic '${args.name}'\n`);
      return ExitCode.ok;
    });
  },
});
