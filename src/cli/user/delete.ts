/** `pado user delete <name>`: removes every SCRAM credential of a user; its logins stop. */
import {
  ApiKey, type DescribeUserScramCredentialsResponse,
} from '../../protocol/index.js';
import { saslNameBytesMax } from '../../security/index.js';
import { argumentError, parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';
import { alterUsers } from './common.js';

export interface UserDeleteArgs {
  bootstrap: Bootstrap;
  name: string;
}

export function parseUserName(value: string | undefined): string {
  const name = String(value ?? '');
  if (name === '' || Buffer.byteLength(name, 'utf8') > saslNameBytesMax) {
    throw argumentError(`user name '${name}': give 1–${saslNameBytesMax} bytes, e.g. alice`);
  }
  return name;
}

export const userDelete = defineVerb<UserDeleteArgs>({
  command: 'user delete <name>',
  description: 'Delete a user: its SCRAM and PLAIN logins stop',
  options: [bootstrapOption],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), name: parseUserName(positionals[0]) };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const described = await client.request<DescribeUserScramCredentialsResponse>(
        ApiKey.describeUserScramCredentials, { users: [{ name: args.name }] }, 0);
      const result = described.results[0];
      if (result === undefined) throw argumentError(`user '${args.name}': no answer`);
      checkBrokerError(result.errorCode, { user: args.name }, result.errorMessage);
      await alterUsers(client, { upsertions: [], deletions: result.credentialInfos
        .map((c) => ({ name: args.name, mechanism: c.mechanism })) });
      ctx.stdout.write(`deleted user '${args.name}'\n`);
      return ExitCode.ok;
    });
  },
});
