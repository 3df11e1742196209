/**
 * `pado start`: load the config, create the logger, start the node, and stop it on the first
 * SIGINT/SIGTERM within limits.shutdownMsMax. A second signal exits at once (130/143).
 */
import { isPadoError, limits } from '../common/index.js';
import { loadNodeConfig, type NodeConfig, type NodeConfigFlags } from '../config/index.js';
import type { Logger, RunningNode } from '../node/index.js';
import { intOption, stringOption } from './args.js';
import { defineVerb, ExitCode, type CliContext, type Signal } from './verb.js';

export interface StartArgs {
  flags: NodeConfigFlags;
}

export type StartNode = (config: NodeConfig, log: Logger) => Promise<RunningNode>;

/** What `start` needs from node/: passed in so a test can run the lifecycle on a fake node. */
export interface NodeApi {
  startNode: StartNode;
  createLogger: typeof import('../node/index.js').createLogger;
  flushLogger: (log: Logger) => Promise<void>;
}

/**
 * node/ (storage, level, the server) is loaded only by this verb, so `pado topic list` and the
 * other client verbs start fast and do not depend on the broker's modules.
 */
async function loadNodeApi(): Promise<NodeApi> {
  const node = await import('../node/index.js');
  return {
    // The real machine's clock (and, as issue 14 goes on, its disks and sockets).
    startNode: (config, log) => node.startNode(config, log, node.systemIo()),
    createLogger: node.createLogger,
    flushLogger: node.flushLogger,
  };
}

export const start = defineVerb<StartArgs>({
  command: 'start',
  description: 'Run a Pado node',
  options: [
    { flags: '--config <file>', description: 'JSON config file' },
    { flags: '--listen <host:port>', description: 'Kafka listener (env PADO_LISTEN)' },
    {
      flags: '--http-listen <host:port>',
      description: 'HTTP admin listener: /metrics, /health, /ready (default 127.0.0.1:9644; env PADO_HTTP_LISTEN)',
    },
    { flags: '--data-dir <dir>', description: 'Data directory (env PADO_DATA_DIR)' },
    { flags: '--node-id <id>', description: 'Node id (env PADO_NODE_ID)' },
    { flags: '--log-level <level>', description: 'fatal … trace (env PADO_LOG_LEVEL)' },
    {
      flags: '--initial-voters <list>',
      description: 'First Raft voters, id@host:port,… (env PADO_INITIAL_VOTERS)',
    },
    {
      flags: '--join <host:port>',
      description: 'Join the cluster of this running node (first start only; env PADO_JOIN)',
    },
    { flags: '--rack <name>', description: 'Rack of this node, for replica placement (env PADO_RACK)' },
    {
      flags: '--alert-webhook <url>',
      description: 'POST a JSON alert here on cluster problems (env PADO_ALERT_WEBHOOK)',
    },
    {
      flags: '--alert-command <cmd>',
      description: 'Run this shell command on cluster problems (env PADO_ALERT_COMMAND)',
    },
  ],
  examples: [
    'pado start --listen :9092 --data-dir ./data',
    'pado start --node-id 2 --listen :9093 --data-dir ./data2 --join 127.0.0.1:9092',
  ],
  parse(_positionals, options) {
    const flags: NodeConfigFlags = {};
    // Values stay raw here: loadNodeConfig checks them and names the field in its message.
    const config = stringOption(options, 'config');
    if (config !== undefined) flags.config = config;
    const listen = stringOption(options, 'listen');
    if (listen !== undefined) flags.listen = listen;
    const httpListen = stringOption(options, 'httpListen');
    if (httpListen !== undefined) flags.httpListen = httpListen;
    const alertWebhook = stringOption(options, 'alertWebhook');
    if (alertWebhook !== undefined) flags.alertWebhook = alertWebhook;
    const alertCommand = stringOption(options, 'alertCommand');
    if (alertCommand !== undefined) flags.alertCommand = alertCommand;
    const dataDir = stringOption(options, 'dataDir');
    if (dataDir !== undefined) flags.dataDir = dataDir;
    const nodeId = stringOption(options, 'nodeId');
    if (nodeId !== undefined) flags.nodeId = nodeId;
    const logLevel = stringOption(options, 'logLevel');
    if (logLevel !== undefined) flags.logLevel = logLevel;
    const initialVoters = stringOption(options, 'initialVoters');
    if (initialVoters !== undefined) flags.initialVoters = initialVoters;
    const join = stringOption(options, 'join');
    if (join !== undefined) flags.join = join;
    const rack = stringOption(options, 'rack');
    if (rack !== undefined) flags.rack = rack;
    return { flags };
  },
  run: async (args, ctx) => runNode(args, ctx, await loadNodeApi()),
});

/** Exit codes after a second signal, as shells report a process killed by it (128 + number). */
export function signalExitCode(signal: Signal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

export async function runNode(args: StartArgs, ctx: CliContext, api: NodeApi): Promise<number> {
  const { createLogger, flushLogger } = api;
  // A config error throws a PadoError with the friendly message; cli/index.ts prints it.
  const config = loadNodeConfig({ flags: args.flags, env: ctx.env });
  const log = createLogger({
    level: config.logLevel, nodeId: config.nodeId, pretty: ctx.stdoutIsTty,
  });
  // Signals are watched from the start: a node waiting for its quorum must still stop on Ctrl+C.
  const firstSignal = ctx.signals.next();
  const starting = api.startNode(config, log);
  let started: { node: RunningNode } | { signal: Signal };
  try {
    started = await Promise.race([
      starting.then((node) => ({ node })),
      firstSignal.then((signal) => ({ signal })),
    ]);
  } catch (e) {
    // An operating error (port in use, data directory, config) is its message; a stack trace only
    // for a bug, or when asked for with --log-level debug.
    const debug = config.logLevel === 'debug' || config.logLevel === 'trace';
    if (isPadoError(e) && !debug) log.fatal({ code: e.code, reason: e.message }, 'startup failed');
    else log.fatal({ err: e }, 'startup failed');
    await flushLogger(log);
    throw e;
  }
  if ('signal' in started) {
    starting.catch(() => undefined);
    log.warn({ signal: started.signal }, 'signal during start-up: exiting');
    await flushLogger(log);
    return signalExitCode(started.signal);
  }
  const node = started.node;
  log.info({ address: node.address, dataDir: config.dataDir }, 'node started');
  const signal = await firstSignal;
  void ctx.signals.next().then((second) => {
    log.warn({ signal: second }, 'second signal: exiting at once');
    ctx.exitNow(signalExitCode(second));
  });
  log.info({ signal, deadlineMs: limits.shutdownMsMax }, 'stopping');
  const stopped = await withDeadline(node.stop(), limits.shutdownMsMax);
  if (stopped === 'timeout') {
    log.error({ deadlineMs: limits.shutdownMsMax }, 'shutdown deadline passed; exiting anyway');
  } else {
    log.info('node stopped');
  }
  await flushLogger(log);
  return stopped === 'timeout' ? ExitCode.failure : ExitCode.ok;
}

async function withDeadline(work: Promise<void>, deadlineMs: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
