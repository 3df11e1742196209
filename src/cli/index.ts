/**
 * The `pado` command line: argv → one verb's typed arguments → its run. cac matches a command
 * by the first word only, so `topic create …` is joined into one word before parsing.
 */
import { cac, type CAC } from 'cac';
import { isPadoError } from '../common/index.js';
import { suggest, type Environment } from '../config/index.js';
import { aclAdd } from './acl/add.js';
import { aclList } from './acl/list.js';
import { aclRemove } from './acl/remove.js';
import { argumentError, type RawOptions } from './args.js';
import { clusterAddVoter } from './cluster/add-voter.js';
import { clusterDecommission } from './cluster/decommission.js';
import { clusterEvents } from './cluster/events.js';
import { clusterConfigGet, clusterConfigReset, clusterConfigSet } from './cluster/config.js';
import { clusterHealth } from './cluster/health.js';
import { clusterInfo } from './cluster/info.js';
import {
  clusterMaintenanceDisable, clusterMaintenanceEnable, clusterMaintenanceStatus,
} from './cluster/maintenance.js';
import {
  clusterPartitionsMove, clusterPartitionsTransferLeadership,
} from './cluster/partitions.js';
import { clusterLogdirsDescribe } from './cluster/logdirs-describe.js';
import { clusterRemoveVoter } from './cluster/remove-voter.js';
import { completionVerb, type CompletionCommand } from './completion.js';
import { consume } from './consume.js';
import { dev } from './dev.js';
import { devKill, devRestart } from './dev-node.js';
import { doctor } from './doctor.js';
import { groupDelete } from './group/delete.js';
import { groupOffsetDelete } from './group/offset-delete.js';
import { groupSeek } from './group/seek.js';
import { groupDescribe } from './group/describe.js';
import { groupList } from './group/list.js';
import { groupResetOffsets } from './group/reset-offsets.js';
import { produce } from './produce.js';
import { securityInit } from './security/init.js';
import { rotateKey } from './security/rotate-key.js';
import { start } from './start.js';
import { top } from './top.js';
import { topicAlterConfig } from './topic/alter-config.js';
import { topicCreate } from './topic/create.js';
import { topicDelete } from './topic/delete.js';
import { topicAddPartitions } from './topic/add-partitions.js';
import { topicTrimPrefix } from './topic/trim-prefix.js';
import { topicDescribe } from './topic/describe.js';
import { topicList } from './topic/list.js';
import { userCreate } from './user/create.js';
import { userDelete } from './user/delete.js';
import { userList } from './user/list.js';
import {
  bootstrapOption, ExitCode, type CliContext, type OptionSpec, type Verb,
} from './verb.js';
import { clientSecurityOptions, clientSecurity } from './client-security.js';
import { KafkaClient, type ClientIo, type ClientSecurity } from '../client/index.js';

export { ExitCode, type CliContext, type Signal, type SignalSource, type Verb } from './verb.js';
export { signalExitCode } from './start.js';

export const cliVersion = '0.1.0';

export interface Invocation {
  /** The verb's command name ('topic create'), or 'help' / 'version'. */
  name: string;
  args: unknown;
  run(ctx: CliContext): Promise<number>;
  /** TLS and SASL for the verb's connections (client-security.ts); absent: PLAINTEXT. */
  security?: ClientSecurity;
}

/** A verb with its argument type closed over, so verbs of different types share one list. */
interface Entry {
  command: string;
  description: string;
  options: Verb<unknown>['options'];
  examples: readonly string[];
  invoke(positionals: readonly string[], options: RawOptions, env: Environment): Invocation;
}

function entry<Args>(verb: Verb<Args>): Entry {
  return {
    command: verb.command,
    description: verb.description,
    options: verb.options,
    examples: verb.examples ?? [],
    invoke(positionals, options, env) {
      const args = verb.parse(positionals, options, env);
      return { name: commandName(verb), args, run: (ctx) => verb.run(args, ctx) };
    },
  };
}

/** Every verb; the order is the order of `pado --help`. */
const entries: readonly Entry[] = [
  entry(start), entry(dev), entry(topicCreate), entry(topicList), entry(topicDescribe),
  entry(topicAlterConfig), entry(topicAddPartitions), entry(topicTrimPrefix), entry(topicDelete), entry(produce), entry(consume),
  entry(groupList), entry(groupDescribe), entry(groupResetOffsets), entry(groupDelete), entry(groupOffsetDelete), entry(groupSeek),
  entry(clusterInfo), entry(clusterHealth), entry(clusterEvents), entry(clusterConfigGet),
  entry(clusterConfigSet), entry(clusterConfigReset), entry(clusterAddVoter), entry(clusterRemoveVoter),
  entry(clusterDecommission), entry(userCreate), entry(userList), entry(userDelete), entry(doctor),
  entry(aclAdd), entry(aclList), entry(aclRemove),
  entry(clusterMaintenanceEnable), entry(clusterMaintenanceDisable), entry(clusterMaintenanceStatus),
  entry(clusterPartitionsMove), entry(clusterPartitionsTransferLeadership),
  entry(securityInit),
  entry(devKill), entry(devRestart),
  entry(clusterLogdirsDescribe),
  entry(top),
  entry(completionVerb(() => completionCommands())),
  entry(rotateKey),
];

export const commandNames: readonly string[] = entries.map(commandName);

/** Every command's words and flags (with the client security flags of connecting verbs). */
function completionCommands(): CompletionCommand[] {
  return entries.map((e) => ({ words: commandName(e).split(' '),
    options: connects(e) ? [...e.options, ...clientSecurityOptions] : e.options }));
}

/** First words of multi-word commands ('topic'). */
const nouns = new Set(commandNames.filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]!));

/** Leading words of multi-word commands ('cluster', 'cluster config'): more words follow. */
const prefixes = new Set(commandNames.flatMap((n) => {
  const words = n.split(' ');
  return words.slice(1).map((_, k) => words.slice(0, k + 1).join(' '));
}));

/** Flags whose value may be negative; mri would read `--acks -1` as a flag `-1`. */
const negativeValueFlags = new Set(['--acks', '--shift-by']);

/**
 * `topic create x` → `topic create`, `x`; `cluster config set a=1` → `cluster config set`, `a=1`;
 * `--acks -1` → `--acks=-1`.
 */
export function normalizeArgv(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const next = args[i + 1];
    if (i === 0 && prefixes.has(word) && next !== undefined && !next.startsWith('-')) {
      let command = word;
      while (prefixes.has(command) && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) {
        command = `${command} ${args[++i]!}`;
      }
      out.push(command);
    } else if (negativeValueFlags.has(word) && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${word}=${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return out;
}

/** Parses `args` (argv without node and script) into an invocation; throws on bad usage. */
export function parseArgv(args: readonly string[], env: Environment): Invocation {
  let chosen: Invocation | undefined;
  const cli = buildCac(false, (e, positionals, options) => {
    chosen = e.invoke(positionals, options, env);
    const security = connects(e) ? clientSecurity(options, env) : undefined;
    if (security !== undefined) chosen.security = security;
  });
  const argv = normalizeArgv(args);
  const parsed = cli.parse(['node', 'pado', ...argv], { run: false });
  if (parsed.options['help'] === true || parsed.options['h'] === true) {
    return { name: 'help', args: null, run: async () => ExitCode.ok };
  }
  if (parsed.options['version'] === true && cli.matchedCommand === undefined) {
    return { name: 'version', args: null, run: async () => ExitCode.ok };
  }
  if (cli.matchedCommand === undefined) throw unknownCommand(argv[0]);
  try {
    cli.runMatchedCommand();
  } catch (e) {
    if (isPadoError(e)) throw e;
    // cac's own errors (unknown option, missing argument) are usage errors too.
    throw argumentError(`${e instanceof Error ? e.message : String(e)}; see \`pado ` +
      `${cli.matchedCommand.name} --help\``);
  }
  if (chosen === undefined) throw unknownCommand(argv[0]);
  return chosen;
}

function unknownCommand(word: string | undefined): Error {
  if (word === undefined) return argumentError('no command given; see `pado --help`');
  // Nouns first: on a tie ('topci' is as far from `top` as from `topic`) the noun is meant.
  const best = suggest(word, [...nouns, ...commandNames]);
  return argumentError(`unknown command '${word}'` +
    (best === undefined ? '' : `; did you mean \`pado ${best}\`?`) + '; see `pado --help`');
}

/** Verbs that talk to a broker: they take --bootstrap, and the TLS/SASL options with it. */
function connects(verb: { options: readonly OptionSpec[] }): boolean {
  return verb.options.includes(bootstrapOption);
}

/** The context whose connections (the verb's and its clients') use TLS and SASL. */
function securedContext(ctx: CliContext, security: ClientSecurity | undefined): CliContext {
  if (security === undefined) return ctx;
  const clientIo: ClientIo = { ...ctx.clientIo, security };
  return { ...ctx, clientIo,
    connect: (a) => KafkaClient.connect({ host: a.host, port: a.port, io: clientIo }) };
}

function commandName(verb: { command: string }): string {
  return verb.command.replace(/\s*[<[].*$/, '').trim();
}

type OnAction = (verb: Entry, positionals: readonly string[], options: RawOptions) => void;

/** With `withHelp`, cac itself prints help/version for -h/-v while parsing. */
function buildCac(withHelp: boolean, onAction: OnAction): CAC {
  const cli = cac('pado');
  for (const verb of entries) {
    const command = cli.command(verb.command, verb.description);
    for (const option of connects(verb) ? [...verb.options, ...clientSecurityOptions]
      : verb.options) {
      command.option(option.flags, option.description,
        option.default === undefined ? undefined : { default: option.default });
    }
    for (const example of verb.examples) command.example(example);
    command.action((...actionArgs: unknown[]) => {
      const options = actionArgs.pop() as RawOptions;
      // A variadic argument (<...names>) arrives as an array: its words are positionals too.
      onAction(verb, actionArgs.flatMap((a) => (Array.isArray(a) ? a.map(String) : [String(a)])), options);
    });
  }
  if (withHelp) {
    cli.help();
    cli.version(cliVersion);
  }
  return cli;
}

/**
 * Runs `pado <args>` and returns the exit code: 2 when the command line itself is wrong, 1 when
 * running it failed (broker error, config file, connection). Errors become one line on stderr.
 */
export async function runCli(args: readonly string[], ctx: CliContext): Promise<number> {
  if (args.length === 0) {
    printHelp(args);
    return ExitCode.ok;
  }
  let invocation: Invocation;
  try {
    invocation = parseArgv(args, ctx.env);
  } catch (e) {
    ctx.stderr.write(`pado: ${errorMessage(e)}\n`);
    return ExitCode.usage;
  }
  if (invocation.name === 'help' || invocation.name === 'version') {
    printHelp(args);
    return ExitCode.ok;
  }
  try {
    return await invocation.run(securedContext(ctx, invocation.security));
  } catch (e) {
    ctx.stderr.write(`pado: ${errorMessage(e)}\n`);
    return ExitCode.failure;
  }
}

/** cac prints help and version itself (to stdout) when parsing with its flags enabled. */
function printHelp(args: readonly string[]): void {
  const cli: CAC = buildCac(true, () => undefined);
  const argv = normalizeArgv(args.length === 0 ? ['--help'] : args);
  cli.parse(['node', 'pado', ...argv], { run: false });
}

function errorMessage(e: unknown): string {
  if (isPadoError(e)) return e.message;
  if (e instanceof Error) return `${e.message}\n${e.stack ?? ''}`;
  return String(e);
}
