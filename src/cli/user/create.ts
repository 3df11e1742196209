/**
 * `pado user create <name>`: gives a user SCRAM credentials (AlterUserScramCredentials, KIP-554),
 * or new ones for a new password. The password is read from stdin (`--password-stdin`, one line)
 * or PADO_USER_PASSWORD; it never leaves this process: the broker gets the salted password
 * (Hi(password, salt, i)) and keeps only the keys derived from it. The same user logs in with
 * SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.
 */
import { randomBytes } from 'node:crypto';
import {
  scramMechanismCode, scramSaltBytesDefault, scramSaltedPassword, scramIterationsMax,
  scramIterationsMin, type ScramMechanism,
} from '../../security/index.js';
import { argumentError, booleanOption, intOption, listOption, parseBootstrap, type Bootstrap }
  from '../args.js';
import { readLine } from '../lines.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';
import { alterUsers, defaultUserMechanisms } from './common.js';
import { parseUserName } from './delete.js';

export interface UserCreateArgs {
  bootstrap: Bootstrap;
  name: string;
  mechanisms: ScramMechanism[];
  iterations: number;
  passwordStdin: boolean;
}

export const userCreate = defineVerb<UserCreateArgs>({
  command: 'user create <name>',
  description: 'Create a user (or set a new password) for SASL SCRAM and PLAIN logins',
  options: [
    bootstrapOption,
    { flags: '--password-stdin', description: 'Read the password from stdin (one line); ' +
      'else PADO_USER_PASSWORD' },
    { flags: '--mechanism <name>', description: 'SCRAM-SHA-512 and/or SCRAM-SHA-256 (repeat; ' +
      'default both)' },
    { flags: '--iterations <n>', description: `PBKDF2 iterations (${scramIterationsMin}–` +
      `${scramIterationsMax}, default ${scramIterationsMin})` },
  ],
  examples: ['echo "$PASSWORD" | pado user create alice --password-stdin'],
  parse(positionals, options, env) {
    const mechanisms = listOption(options, 'mechanism').map((m) => {
      const upper = m.toUpperCase();
      if (upper !== 'SCRAM-SHA-512' && upper !== 'SCRAM-SHA-256') {
        throw argumentError(`--mechanism: '${m}' is not SCRAM-SHA-512 or SCRAM-SHA-256`);
      }
      return upper as ScramMechanism;
    });
    const passwordStdin = booleanOption(options, 'passwordStdin') ||
      booleanOption(options, 'password-stdin');
    if (!passwordStdin && env['PADO_USER_PASSWORD'] === undefined) {
      throw argumentError('no password: pipe it with --password-stdin, or set ' +
        'PADO_USER_PASSWORD (a --password flag would show it to every `ps`)');
    }
    return {
      bootstrap: parseBootstrap(options, env),
      name: parseUserName(positionals[0]),
      mechanisms: mechanisms.length > 0 ? [...new Set(mechanisms)] : [...defaultUserMechanisms],
      iterations: intOption(options, 'iterations', '--iterations', scramIterationsMin,
        scramIterationsMax, `--iterations ${scramIterationsMin}`) ?? scramIterationsMin,
      passwordStdin,
    };
  },
  async run(args, ctx) {
    const password = args.passwordStdin ? await readLine(ctx.stdin)
      : ctx.env['PADO_USER_PASSWORD'] ?? '';
    if (password === undefined || password === '') {
      throw argumentError('the password is empty: give one line on stdin');
    }
    const upsertions = args.mechanisms.map((mechanism) => {
      const salt = randomBytes(scramSaltBytesDefault);
      return { name: args.name, mechanism: scramMechanismCode(mechanism),
        iterations: args.iterations, salt,
        saltedPassword: scramSaltedPassword(mechanism, password, salt, args.iterations) };
    });
    return withClient(ctx, args.bootstrap, async (client) => {
      await alterUsers(client, { deletions: [], upsertions });
      ctx.stdout.write(`user '${args.name}' can log in with ${args.mechanisms.join(', ')}` +
        ' and PLAIN\n');
      return ExitCode.ok;
    });
  },
});
