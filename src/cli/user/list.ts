/** `pado user list`: users and their SCRAM mechanisms (DescribeUserScramCredentials). */
import {
  ApiKey, type DescribeUserScramCredentialsResponse,
} from '../../protocol/index.js';
import { scramMechanismFromCode } from '../../security/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, printRows, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

export interface UserListArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
}

export const userList = defineVerb<UserListArgs>({
  command: 'user list',
  description: 'List users and their SCRAM mechanisms',
  options: [bootstrapOption, formatOption],
  parse(_positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table') };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const response = await client.request<DescribeUserScramCredentialsResponse>(
        ApiKey.describeUserScramCredentials, { users: null }, 0);
      const rows = response.results.filter((r) => r.errorCode === 0).map((r) => ({
        name: r.user,
        mechanisms: r.credentialInfos.map((c) =>
          `${scramMechanismFromCode(c.mechanism) ?? c.mechanism} (${c.iterations})`).join(', '),
      }));
      printRows(ctx.stdout, args.format, [
        { key: 'name', title: 'NAME' }, { key: 'mechanisms', title: 'MECHANISMS (ITERATIONS)' },
      ], rows);
      return ExitCode.ok;
    });
  },
});
