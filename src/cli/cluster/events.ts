/**
 * `pado cluster events [--follow]` (issue 16 item 2): the cluster's events — brokers fenced and
 * back, leaders moved, partitions offline, ISRs below min.insync.replicas, topics and configs
 * changed, controller changes — as the metadata records them, oldest first, with time, severity
 * and cause. `--follow` keeps printing new ones (a long poll per round) until Ctrl+C, moving to
 * another bootstrap broker when the one it asks goes away. `formatEvent` is pure.
 */
import { blankControlCharacters, delay } from '../../common/index.js';
import { describeClusterEvents, type ClusterEventView } from '../../client/index.js';
import { booleanOption, choiceOption, intOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';

export interface ClusterEventsArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
  follow: boolean;
  /** Newest events shown first (before following). */
  last: number;
}

const severityNames = ['INFO', 'WARN', 'ERROR'] as const;

/** One line: time (UTC), severity, kind, sentence. */
export function formatEvent(e: ClusterEventView): string {
  const severity = (severityNames[e.severity] ?? 'INFO').padEnd(5);
  // What peers wrote reaches a terminal: no control characters (escape sequences) through.
  const message = blankControlCharacters(e.message);
  return `${new Date(e.timeMs).toISOString()}  ${severity}  ${e.kind.padEnd(19)}  ${message}`;
}

/** Long-poll length per round of --follow: under the client's request timeout. */
const followWaitMs = 10_000;
/** Pause before asking again after a broker did not answer (--follow). */
const retryMs = 1_000;

export const clusterEvents = defineVerb<ClusterEventsArgs>({
  command: 'cluster events',
  description: 'Show the cluster\'s events (fenced brokers, leader moves, offline partitions, …); ' +
    '--follow for new ones',
  options: [bootstrapOption, formatOption,
    { flags: '-f, --follow', description: 'Keep printing new events until Ctrl+C' },
    { flags: '--last <n>', description: 'Show the newest n events first (default 50; 0 with --follow: only new ones)' }],
  examples: ['pado cluster events', 'pado cluster events --follow --last 0'],
  parse(_positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
      follow: booleanOption(options, 'follow'),
      last: intOption(options, 'last', '--last', 0, 256, '--last 20') ?? 50,
    };
  },
  async run(args, ctx) {
    const print = (e: ClusterEventView): void => {
      ctx.stdout.write(`${args.format === 'json' ? JSON.stringify(e) : formatEvent(e)}\n`);
    };
    const first = await withClient(ctx, args.bootstrap, (client) => describeClusterEvents(client, { afterId: 0 }));
    if (first.errorCode !== 0) {
      ctx.stderr.write(`error: ${first.errorMessage ?? `error code ${first.errorCode}`}\n`);
      return ExitCode.failure;
    }
    const shown = args.last === 0 ? [] : first.events.slice(-args.last);
    for (const e of shown) print(e);
    if (!args.follow) {
      if (shown.length === 0 && args.format !== 'json') ctx.stdout.write('no events yet\n');
      return ExitCode.ok;
    }
    ctx.stderr.write(`following events after #${first.lastId} (Ctrl+C to stop)\n`);
    await follow(ctx, args, first.lastId, print);
    return ExitCode.ok;
  },
});

async function follow(ctx: CliContext, args: ClusterEventsArgs, from: number,
  print: (e: ClusterEventView) => void): Promise<void> {
  const stop = new AbortController();
  // The first Ctrl+C ends the loop; a second one exits at once (SignalSource).
  void ctx.signals.next().then(() => stop.abort());
  const aborted = new Promise<null>((resolve) => stop.signal.addEventListener('abort',
    () => resolve(null), { once: true }));
  let afterId = from;
  while (!stop.signal.aborted) {
    try {
      await withClient(ctx, args.bootstrap, async (client) => {
        while (!stop.signal.aborted) {
          const polled = describeClusterEvents(client, { afterId, maxWaitMs: followWaitMs });
          const answer = await Promise.race([polled, aborted]);
          if (answer === null) return;
          if (answer.errorCode !== 0) throw new Error(answer.errorMessage ?? `error code ${answer.errorCode}`);
          const gap = (answer.events[0]?.id ?? afterId + 1) - afterId - 1;
          if (gap > 0) ctx.stderr.write(`(${gap} event(s) dropped out of the cluster's history)\n`);
          for (const e of answer.events) print(e);
          afterId = Math.max(afterId, answer.events.at(-1)?.id ?? afterId);
        }
      });
    } catch (err) {
      if (stop.signal.aborted) return;
      ctx.stderr.write(`events: ${(err as Error).message}; asking again in ${retryMs} ms\n`);
      await delay(ctx.clientIo.clock, retryMs, stop.signal);
    }
  }
}
