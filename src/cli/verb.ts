/**
 * What every verb file exports: its command line (for cac), its options, a pure `parse` from
 * parsed argv to typed arguments (unit-tested without a broker), and `run`.
 */
import type { Environment, HostPort } from '../config/index.js';
import { ClusterClient, connectAny, type ClientIo, type KafkaClient } from '../client/index.js';
import type { Bootstrap, RawOptions } from './args.js';
import type { TextSink } from './output.js';

export interface OptionSpec {
  /** As cac takes it: '-p, --partitions <count>'. */
  flags: string;
  description: string;
  default?: string | number | boolean;
}

export type Signal = 'SIGINT' | 'SIGTERM';

/** Each call waits for the next signal; a signal nobody waits for exits the process at once. */
export interface SignalSource {
  next(): Promise<Signal>;
}

/** Everything a verb touches outside itself, so main.ts owns the process and tests can fake it. */
export interface CliContext {
  stdout: TextSink;
  stderr: TextSink;
  stdin: AsyncIterable<Buffer | string>;
  env: Environment;
  /** Whether stdout is a terminal (pretty logs, tables vs. JSON defaults). */
  stdoutIsTty: boolean;
  connect(address: HostPort): Promise<KafkaClient>;
  /** Sockets and time for the clients a verb runs (Producer, TopicReader, GroupMember). */
  clientIo: ClientIo;
  signals: SignalSource;
  /** Ends the process now (second signal). Only main.ts implements it with process.exit. */
  exitNow(code: number): never;
}

export interface Verb<Args> {
  /** cac command line: 'topic create <name>'. Multi-word commands are joined by cli/index.ts. */
  command: string;
  description: string;
  options: readonly OptionSpec[];
  examples?: readonly string[];
  parse(positionals: readonly string[], options: RawOptions, env: Environment): Args;
  run(args: Args, ctx: CliContext): Promise<number>;
}

/** Exit codes: 0 ok, 1 operating error (broker, config, I/O), 2 bad usage. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

export function defineVerb<Args>(verb: Verb<Args>): Verb<Args> {
  return verb;
}

/**
 * Connects (to the first of a bootstrap list that answers, trying each in turn), runs `fn`, and
 * always closes the connection.
 */
export async function withClient<T>(
  ctx: CliContext, address: HostPort | Bootstrap, fn: (client: KafkaClient) => Promise<T>,
): Promise<T> {
  const addresses: Bootstrap = isBootstrap(address) ? address : [address];
  const client = await connectAny(addresses, (a) => ctx.connect(a));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * Runs `fn` with the cluster behind the bootstrap list (connections to partition leaders are
 * opened as needed) and always closes every connection it opened.
 */
export async function withCluster<T>(
  ctx: CliContext, bootstrap: Bootstrap, fn: (cluster: ClusterClient) => Promise<T>,
): Promise<T> {
  const cluster = new ClusterClient(bootstrap, (a) => ctx.connect(a), ctx.clientIo.clock);
  try {
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}

function isBootstrap(address: HostPort | Bootstrap): address is Bootstrap {
  return Array.isArray(address);
}

export const bootstrapOption: OptionSpec = {
  flags: '--bootstrap, --bootstrap-server <host:port,...>',
  description: 'Brokers to connect to, tried in turn: one host:port or a comma-separated list ' +
    '(env PADO_BOOTSTRAP; default 127.0.0.1:9092; --bootstrap-server is Kafka\'s spelling)',
};
