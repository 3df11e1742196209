/** `pado topic delete <name>` (DeleteTopics). */
import { validateTopicName } from '../../config/index.js';
import { argumentError, parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

export interface TopicDeleteArgs {
  bootstrap: Bootstrap;
  name: string;
}

export const topicDelete = defineVerb<TopicDeleteArgs>({
  command: 'topic delete <name>',
  description: 'Delete a topic and all its data',
  options: [bootstrapOption],
  parse(positionals, options, env) {
    const name = String(positionals[0] ?? '');
    const nameError = validateTopicName(name);
    if (nameError !== null) throw argumentError(nameError);
    return { bootstrap: parseBootstrap(options, env), name };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const response = await client.deleteTopics([args.name]);
      for (const result of response.responses) {
        checkBrokerError(result.errorCode, { topic: args.name }, result.errorMessage);
      }
      ctx.stdout.write(`deleted topic '${args.name}'\n`);
      return ExitCode.ok;
    });
  },
});
