/**
 * `pado cluster logdirs describe [--topics t1,t2] [--broker n]` (rpk's `cluster logdirs
 * describe`): disk use per partition replica. DescribeLogDirs is answered by each broker for its
 * own data directory, so the CLI reads the broker list (Metadata) and asks every broker (or the
 * one of --broker); a table of BROKER, DIR, TOPIC, PARTITION, SIZE, LAG and a total per broker
 * (with its volume's total and usable bytes where the broker reports them, v4) and overall, or
 * `--format json`. A broker that cannot be asked is named on stderr and makes the exit code 1.
 * `logDirsView` is pure.
 */
import {
  describeLogDirs, type KafkaClient, type LogDirsQuery,
} from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import type { DescribeLogDirsResponse, MetadataResponse } from '../../protocol/index.js';
import { choiceOption, intOption, listOption, parseBootstrap, type Bootstrap } from '../args.js';
import { formatTable, outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';

export interface LogDirsDescribeArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
  /** null: every topic. */
  topics: string[] | null;
  broker: number | undefined;
}

/** One broker's answer, or why there is none. */
export interface BrokerLogDirs {
  brokerId: number;
  answer: DescribeLogDirsResponse | null;
  error: string | null;
}

export interface LogDirRow {
  broker: number;
  dir: string;
  topic: string;
  partition: number;
  sizeBytes: number;
  offsetLag: number;
}

export interface BrokerTotal {
  broker: number;
  dir: string | null;
  partitions: number;
  sizeBytes: number;
  /** -1: the broker did not say (DescribeLogDirs before v4). */
  totalBytes: number;
  usableBytes: number;
  error: string | null;
}

export interface LogDirsView {
  rows: LogDirRow[];
  brokers: BrokerTotal[];
  partitions: number;
  sizeBytes: number;
}

/** Pure: rows by broker, topic and partition, and the totals. */
export function logDirsView(answers: readonly BrokerLogDirs[]): LogDirsView {
  const rows: LogDirRow[] = [];
  const brokers: BrokerTotal[] = [];
  for (const a of [...answers].sort((x, y) => x.brokerId - y.brokerId)) {
    const total: BrokerTotal = { broker: a.brokerId, dir: null, partitions: 0, sizeBytes: 0,
      totalBytes: -1, usableBytes: -1, error: a.error };
    const error = a.answer !== null && a.answer.errorCode !== 0
      ? `error code ${a.answer.errorCode}` : null;
    if (error !== null) total.error = error;
    for (const result of error === null ? a.answer?.results ?? [] : []) {
      if (result.errorCode !== 0) {
        total.error = `${result.logDir}: error code ${result.errorCode}`;
        continue;
      }
      total.dir = total.dir === null ? result.logDir : `${total.dir},${result.logDir}`;
      if (result.totalBytes >= 0) total.totalBytes = Math.max(total.totalBytes, 0) + result.totalBytes;
      if (result.usableBytes >= 0) total.usableBytes = Math.max(total.usableBytes, 0) + result.usableBytes;
      const topics = [...result.topics].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      for (const t of topics) {
        for (const p of [...t.partitions].sort((x, y) => x.partitionIndex - y.partitionIndex)) {
          rows.push({ broker: a.brokerId, dir: result.logDir, topic: t.name, partition: p.partitionIndex,
            sizeBytes: p.partitionSize, offsetLag: p.offsetLag });
          total.partitions++;
          total.sizeBytes += p.partitionSize;
        }
      }
    }
    brokers.push(total);
  }
  return { rows, brokers, partitions: rows.length,
    sizeBytes: rows.reduce((sum, r) => sum + r.sizeBytes, 0) };
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Pure: 1536 → '1.5 KiB'; below 1 KiB exact bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return '-';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Pure: the table, then a line per broker and the total. */
export function formatLogDirs(view: LogDirsView): string {
  const table = formatTable([
    { key: 'broker', title: 'BROKER' }, { key: 'dir', title: 'DIR' }, { key: 'topic', title: 'TOPIC' },
    { key: 'partition', title: 'PARTITION' }, { key: 'size', title: 'SIZE' }, { key: 'lag', title: 'LAG' },
  ], view.rows.map((r) => ({ broker: r.broker, dir: r.dir, topic: r.topic, partition: r.partition,
    size: formatBytes(r.sizeBytes), lag: r.offsetLag })));
  const lines = view.brokers.map((b) => {
    if (b.error !== null && b.dir === null) return `broker ${b.broker}: not described (${b.error})`;
    const volume = b.totalBytes < 0 ? '' : `; volume ${formatBytes(b.totalBytes)}, ` +
      `${formatBytes(b.usableBytes)} usable`;
    return `broker ${b.broker}: ${b.partitions} partition replica(s), ${formatBytes(b.sizeBytes)} in ` +
      `${b.dir ?? '-'}${volume}`;
  });
  return `${table}\n${lines.join('\n')}\ntotal: ${view.partitions} partition replica(s), ` +
    `${formatBytes(view.sizeBytes)} on ${view.brokers.filter((b) => b.dir !== null).length} broker(s)\n`;
}

/** Pure: the request for `topics` (every partition of each), from Metadata. */
export function logDirsQuery(topics: readonly string[] | null, metadata: MetadataResponse): LogDirsQuery {
  if (topics === null) return null;
  return topics.map((name) => {
    const t = metadata.topics.find((x) => x.name === name);
    if (t === undefined || t.errorCode !== 0) {
      throw new PadoError(PadoErrorCode.notFound, `topic '${name}' does not exist; run \`pado topic list\``);
    }
    return { topic: name, partitions: t.partitions.map((p) => p.partitionIndex) };
  });
}

async function askBroker(ctx: CliContext, broker: { nodeId: number; host: string; port: number },
  query: LogDirsQuery): Promise<BrokerLogDirs> {
  let client: KafkaClient | undefined;
  try {
    client = await ctx.connect({ host: broker.host, port: broker.port });
    return { brokerId: broker.nodeId, answer: await describeLogDirs(client, query), error: null };
  } catch (err) {
    return { brokerId: broker.nodeId, answer: null,
      error: `${broker.host}:${broker.port}: ${(err as Error).message}` };
  } finally {
    await client?.close();
  }
}

export const clusterLogdirsDescribe = defineVerb<LogDirsDescribeArgs>({
  command: 'cluster logdirs describe',
  description: 'Disk use per partition replica on every broker (DescribeLogDirs)',
  options: [bootstrapOption, formatOption,
    { flags: '--topics <t1,t2>', description: 'Only these topics (default: all)' },
    { flags: '--broker <id>', description: 'Only this broker (default: every broker)' }],
  examples: ['pado cluster logdirs describe', 'pado cluster logdirs describe --topics orders --broker 2'],
  parse(_positionals, options, env) {
    const topics = listOption(options, 'topics').flatMap((t) => t.split(','))
      .map((t) => t.trim()).filter((t) => t !== '');
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
      topics: topics.length === 0 ? null : [...new Set(topics)],
      broker: intOption(options, 'broker', '--broker', 0, 2 ** 31 - 1, '--broker 2'),
    };
  },
  async run(args, ctx) {
    const metadata = await withClient(ctx, args.bootstrap, (c) => c.metadata(null));
    const query = logDirsQuery(args.topics, metadata);
    const brokers = metadata.brokers.filter((b) => args.broker === undefined || b.nodeId === args.broker);
    if (brokers.length === 0) {
      throw new PadoError(PadoErrorCode.notFound, `broker ${args.broker} is not a live broker; ` +
        'run `pado cluster info` for the brokers');
    }
    const view = logDirsView(await Promise.all(brokers.map((b) => askBroker(ctx, b, query))));
    if (args.format === 'json') ctx.stdout.write(`${JSON.stringify(view)}\n`);
    else ctx.stdout.write(formatLogDirs(view));
    const failed = view.brokers.filter((b) => b.error !== null);
    for (const b of failed) ctx.stderr.write(`broker ${b.broker}: ${b.error}\n`);
    return failed.length === 0 ? ExitCode.ok : ExitCode.failure;
  },
});
