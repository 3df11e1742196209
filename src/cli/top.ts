/**
 * `pado top`: live rates, a frame a second until Ctrl+C (or `--once`, `--count n`). Rates come
 * from each broker's HTTP `/metrics` (the counters Kafka dashboards use: bytes and records in,
 * bytes out per topic, requests per API, under-replicated partitions): Kafka's APIs report no
 * rates, and the counters are already kept per broker, so top reads two scrapes a second apart
 * and divides. The HTTP addresses are `--http host:port,...`, or each broker's Kafka host and
 * port + 552 (what `pado dev` gives its nodes, and 9092 → 9644 for a default node). Consumer-group
 * lag comes from the Kafka APIs (ListGroups on every broker, then each group's committed offsets
 * and the partitions' log ends at its coordinator, as `pado group describe`), for at most
 * `groupsMax` groups. A terminal gets the frame redrawn in place; anything else a frame after
 * another (`--format json`: one JSON line per frame). The view is top-view.ts (pure).
 */
import {
  checkGroupError, describeGroupAt, findGroupCoordinator, listGroups, type ClusterClient,
} from '../client/index.js';
import { delay } from '../common/index.js';
import { parseHostPort, type HostPort } from '../config/index.js';
import {
  argumentError, booleanOption, choiceOption, intOption, listOption, parseBootstrap, type Bootstrap,
} from './args.js';
import { devHttpPortOffset } from './dev.js';
import { outputFormats, type OutputFormat } from './output.js';
import { formatOption } from './topic/list.js';
import {
  formatTop, parseMetrics, topView, type BrokerScrape, type GroupLag,
} from './top-view.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster, type CliContext } from './verb.js';

export interface TopArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
  /** null: from the brokers' Kafka addresses. */
  http: HostPort[] | null;
  /** Frames to print; null: until Ctrl+C. */
  count: number | null;
}

export const topIntervalMs = 1_000;
/** Groups whose lag is read each frame (the first by name); more would be a request storm. */
export const groupsMax = 20;
const scrapeTimeoutMs = 2_000;
const rowsMax = 15;

export const top = defineVerb<TopArgs>({
  command: 'top',
  description: 'Live rates per broker and topic, under-replicated partitions and group lag (Ctrl+C stops)',
  options: [bootstrapOption, formatOption,
    { flags: '--http <host:port,...>', description: 'The brokers\' HTTP listeners (default: each ' +
      `broker's Kafka port + ${devHttpPortOffset}, as pado dev and a default node use)` },
    { flags: '--once', description: 'One frame, then exit (same as --count 1)' },
    { flags: '--count <n>', description: 'This many frames, then exit' }],
  examples: ['pado top', 'pado top --once --format json', 'pado top --http 10.0.0.1:9644,10.0.0.2:9644'],
  parse(_positionals, options, env) {
    const http = listOption(options, 'http').flatMap((h) => h.split(',')).map((h) => h.trim())
      .filter((h) => h !== '').map((h) => {
        try {
          return parseHostPort(h, 'http');
        } catch {
          throw argumentError(`--http: '${h}' is not a host:port; write e.g. --http 127.0.0.1:9644`);
        }
      });
    const count = intOption(options, 'count', '--count', 1, 1_000_000, '--count 5');
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
      http: http.length === 0 ? null : http,
      count: booleanOption(options, 'once') ? 1 : count ?? null,
    };
  },
  run: (args, ctx) => withCluster(ctx, args.bootstrap, (cluster) => runTop(args, ctx, cluster)),
});

async function runTop(args: TopArgs, ctx: CliContext, cluster: ClusterClient): Promise<number> {
  const stop = new AbortController();
  void ctx.signals.next().then(() => stop.abort());
  const redraw = ctx.stdoutIsTty && args.format === 'table';
  let prev = await scrapeAll(await targets(args, cluster));
  for (let frame = 0; args.count === null || frame < args.count; frame++) {
    await delay(ctx.clientIo.clock, topIntervalMs, stop.signal);
    if (stop.signal.aborted) break;
    const next = await scrapeAll(await targets(args, cluster));
    const view = topView(prev, next, await groupLags(cluster));
    prev = next;
    if (stop.signal.aborted) break;
    if (args.format === 'json') {
      ctx.stdout.write(`${JSON.stringify({ timeMs: Date.now(), ...view })}\n`);
      continue;
    }
    const header = `pado top  ${new Date().toISOString().slice(11, 19)} UTC  ${view.brokers.length} ` +
      `broker(s)${args.count === null ? '  (Ctrl+C to stop)' : ''}`;
    // A terminal: cursor home and clear, so the frame replaces the last one.
    ctx.stdout.write(`${redraw ? '\x1b[H\x1b[2J' : frame > 0 ? '\n' : ''}${formatTop(view, header, rowsMax)}`);
  }
  return ExitCode.ok;
}

/** The HTTP listeners to scrape, with their broker ids when known. */
async function targets(args: TopArgs, cluster: ClusterClient):
  Promise<{ brokerId: number; http: string }[]> {
  if (args.http !== null) return args.http.map((a) => ({ brokerId: -1, http: `${a.host}:${a.port}` }));
  const metadata = await cluster.metadata([]);
  return [...metadata.brokers].sort((a, b) => a.nodeId - b.nodeId)
    .map((b) => ({ brokerId: b.nodeId, http: `${b.host}:${b.port + devHttpPortOffset}` }));
}

async function scrapeAll(of: readonly { brokerId: number; http: string }[]): Promise<BrokerScrape[]> {
  return Promise.all(of.map(async ({ brokerId, http }): Promise<BrokerScrape> => {
    try {
      const response = await fetch(`http://${http}/metrics`, { signal: AbortSignal.timeout(scrapeTimeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const sample = parseMetrics(await response.text());
      return { brokerId, http, atMs: Date.now(), sample, error: null };
    } catch (err) {
      const why = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message
        : (err as Error).message;
      return { brokerId, http, atMs: Date.now(), sample: null, error: `unreachable (${why})` };
    }
  }));
}

/** Every group's total lag (the first `groupsMax` by name); a group that fails shows no lag. */
async function groupLags(cluster: ClusterClient): Promise<GroupLag[]> {
  const names = new Map<string, string>();
  try {
    const metadata = await cluster.metadata([]);
    for (const b of metadata.brokers) {
      const listed = await cluster.broker(b.nodeId).then(listGroups).catch(() => {
        cluster.dropBroker(b.nodeId);
        return null;
      });
      for (const g of listed?.groups ?? []) names.set(g.groupId, g.groupState);
    }
  } catch {
    return [];
  }
  const chosen = [...names.keys()].sort().slice(0, groupsMax);
  return Promise.all(chosen.map(async (group): Promise<GroupLag> => {
    try {
      const c = await findGroupCoordinator(await cluster.any(), group);
      checkGroupError(c.errorCode, group, c.errorMessage);
      const d = await describeGroupAt(await cluster.broker(c.nodeId), cluster, group);
      return { group, state: d.state, lag: d.offsets.reduce((n, o) => n + (o.lag ?? 0), 0) };
    } catch {
      return { group, state: names.get(group) ?? '?', lag: null };
    }
  }));
}
