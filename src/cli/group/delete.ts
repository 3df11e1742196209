/**
 * `pado group delete <group>`: DeleteGroups on the group's coordinator. Kafka deletes only empty
 * groups (their committed offsets go with them); NON_EMPTY_GROUP is explained with the next step.
 */
import { deleteGroups } from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { parseBootstrap, type Bootstrap } from '../args.js';
import { bootstrapOption, defineVerb, ExitCode } from '../verb.js';
import { checkGroupError, parseGroupId, withCoordinator } from './common.js';

export interface GroupDeleteArgs {
  bootstrap: Bootstrap;
  group: string;
}

export const groupDelete = defineVerb<GroupDeleteArgs>({
  command: 'group delete <group>',
  description: 'Delete an empty group and its committed offsets',
  options: [bootstrapOption],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), group: parseGroupId(positionals[0]) };
  },
  async run(args, ctx) {
    return withCoordinator(ctx, args.bootstrap, args.group, async (client) => {
      const r = await deleteGroups(client, [args.group]);
      const result = r.results.find((g) => g.groupId === args.group);
      if (result === undefined) {
        throw new PadoError(PadoErrorCode.connection,
          `the broker left group '${args.group}' out of its DeleteGroups answer; report it`);
      }
      checkGroupError(result.errorCode, args.group);
      ctx.stdout.write(`deleted group '${args.group}'\n`);
      return ExitCode.ok;
    });
  },
});
