/**
 * `pado produce <topic>`: one record per stdin line, batched per partition. Keys (with -k) pick
 * the partition by murmur2 like Kafka's default partitioner; unkeyed lines go round-robin.
 * What arrived in one read from stdin is sent together, so piped input is batched and typed
 * lines are sent at once. Each batch goes to its partition's leader (client/producer.ts), found
 * from any of the --bootstrap addresses; a leader change is followed by re-sending the same batch.
 * With acks=all (the default) the producer is idempotent, so those re-sends are never stored
 * twice. Exit 0 only if every record was acknowledged (or, with acks=0, written to a leader).
 */
import { validateTopicName } from '../config/index.js';
import {
  Partitioner, Producer, ProduceError, type ClusterClient, type PartitionAcks,
} from '../client/index.js';
import type { RecordInput } from '../protocol/records/index.js';
import {
  argumentError, choiceOption, intOption, parseBootstrap, stringOption, type Bootstrap,
} from './args.js';
import { checkBrokerError } from './broker-errors.js';
import { outputFormats, printRecord, printRows, type OutputFormat } from './output.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster, type CliContext } from './verb.js';
import { LineSplitter } from './lines.js';

export type Acks = 0 | 1 | -1;

export interface ProduceArgs {
  bootstrap: Bootstrap;
  topic: string;
  keySeparator: string | null;
  acks: Acks;
  compression: 'none' | 'gzip';
  partition: number | null;
  /** A summary of what was acknowledged, on stdout; null: only the one line on stderr. */
  format: OutputFormat | null;
  /** Give up on a batch not acknowledged this long after it was first sent. */
  deliveryTimeoutMs: number;
}

/** A batch is sent once it holds this many records or bytes (below max.message.bytes). */
export const batchRecordsMax = 1000;
export const batchBytesMax = 512 * 1024;
/** Queued batches are flushed before more than this is held in memory. */
export const pendingBytesMax = 8 * 1024 * 1024;
/** Kafka's delivery.timeout.ms default. */
export const deliveryTimeoutMsDefault = 120_000;

export const produce = defineVerb<ProduceArgs>({
  command: 'produce <topic>',
  description: 'Send stdin lines as records',
  options: [
    bootstrapOption,
    { flags: '-k, --key-separator <sep>', description: 'Split each line into key<sep>value' },
    { flags: '--acks <acks>', description: '0, 1 or -1/all (default -1: every in-sync ' +
      'replica has it; idempotent, so retries never store a record twice)' },
    { flags: '--compression <codec>', description: 'none or gzip (default none)' },
    { flags: '-p, --partition <n>', description: 'Send every record to this partition' },
    { flags: '--format <format>', description: 'table or json: print what each partition ' +
      'acknowledged on stdout' },
    { flags: '--delivery-timeout-ms <ms>', description: 'Give up on a batch not acknowledged ' +
      `this long after it was first sent (default ${deliveryTimeoutMsDefault})` },
  ],
  examples: ['printf "k1:hello\\nk2:world\\n" | pado produce orders -k :'],
  parse(positionals, options, env) {
    const topic = String(positionals[0] ?? '');
    const nameError = validateTopicName(topic);
    if (nameError !== null) throw argumentError(nameError);
    const separator = stringOption(options, 'keySeparator') ?? null;
    if (separator === '') throw argumentError('-k: the key separator is empty; write e.g. -k :');
    return {
      bootstrap: parseBootstrap(options, env),
      topic,
      keySeparator: separator,
      acks: parseAcks(options['acks']),
      compression: choiceOption(options, 'compression', '--compression', ['none', 'gzip'], 'none'),
      partition: intOption(options, 'partition', '-p', 0, 2 ** 31 - 1, '-p 0') ?? null,
      format: options['format'] === undefined ? null
        : choiceOption(options, 'format', '--format', outputFormats, 'table'),
      deliveryTimeoutMs: intOption(options, 'deliveryTimeoutMs', '--delivery-timeout-ms', 1,
        24 * 3600_000, '--delivery-timeout-ms 120000') ?? deliveryTimeoutMsDefault,
    };
  },
  run: (args, ctx) => withCluster(ctx, args.bootstrap, (cluster) =>
    produceLines(args, ctx, cluster)),
});

export function parseAcks(raw: unknown): Acks {
  if (raw === undefined) return -1;
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  if (text === 'all' || text === '-1') return -1;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw argumentError(`--acks: '${text}' is not 0, 1, -1 or all; write e.g. --acks all`);
}

/** Lines read and not yet queued, per partition, and how many were read in all. */
class LineBatcher {
  private readonly pending = new Map<number, { records: RecordInput[]; bytes: number }>();
  private readonly partitioner = new Partitioner();
  private readonly args: ProduceArgs;
  private readonly producer: Producer;
  private readonly partitionCount: number;
  linesRead = 0;

  constructor(args: ProduceArgs, producer: Producer, partitionCount: number) {
    this.args = args;
    this.producer = producer;
    this.partitionCount = partitionCount;
  }

  /** Adds a line; a full batch is queued, and too much queued is sent before going on. */
  async add(line: string): Promise<void> {
    this.linesRead++;
    const record = toRecord(line, this.args.keySeparator, this.linesRead);
    const partition = this.args.partition ??
      this.partitioner.partition(record.key, this.partitionCount);
    let batch = this.pending.get(partition);
    if (batch === undefined) {
      batch = { records: [], bytes: 0 };
      this.pending.set(partition, batch);
    }
    batch.records.push(record);
    batch.bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
    if (batch.records.length < batchRecordsMax && batch.bytes < batchBytesMax) return;
    this.pending.delete(partition);
    this.producer.enqueue(partition, batch.records);
    if (this.producer.pendingBytes >= pendingBytesMax) await this.producer.flush();
  }

  /** Queues every partial batch and waits until all are acknowledged. */
  async flush(): Promise<void> {
    for (const [partition, batch] of this.pending) this.producer.enqueue(partition, batch.records);
    this.pending.clear();
    await this.producer.flush();
  }
}

async function produceLines(
  args: ProduceArgs, ctx: CliContext, cluster: ClusterClient,
): Promise<number> {
  const partitionCount = await topicPartitionCount(cluster, args.topic);
  if (args.partition !== null && args.partition >= partitionCount) {
    throw argumentError(`-p: topic '${args.topic}' has ${partitionCount} partition(s) ` +
      `(0–${partitionCount - 1}); write e.g. -p 0`);
  }
  const producer = await Producer.open(cluster, {
    topic: args.topic, acks: args.acks, compression: args.compression,
    deliveryTimeoutMs: args.deliveryTimeoutMs,
    onRetry: (r) => ctx.stderr.write(`pado: topic '${args.topic}' partition ${r.partition}: ` +
      `${r.reason}; sending the batch again in ${r.retryInMs} ms (attempt ${r.attempts + 1})\n`),
  });
  const batcher = new LineBatcher(args, producer, partitionCount);
  const splitter = new LineSplitter(batchBytesMax);
  const startedMs = Date.now();
  try {
    for await (const chunk of ctx.stdin) {
      for (const line of splitter.push(chunk)) await batcher.add(line);
      // Send what this read brought, so an interactive line goes out at once.
      await batcher.flush();
    }
    const tail = splitter.end();
    if (tail !== null) await batcher.add(tail);
    await batcher.flush();
  } catch (e) {
    if (!(e instanceof ProduceError)) throw e;
    const acked = producer.acknowledged();
    printSummary(ctx, args, acked, batcher.linesRead, e.message);
    throw new ProduceError(e.topic, e.failure, `${e.message}. Acknowledged: ` +
      `${describeAcks(acked, batcher.linesRead)}`);
  }
  const acked = producer.acknowledged();
  printSummary(ctx, args, acked, batcher.linesRead, null);
  const sum = (f: (p: PartitionAcks) => number): number => acked.reduce((n, p) => n + f(p), 0);
  ctx.stderr.write(`produced ${sum((p) => p.records)} record(s) in ${sum((p) => p.batches)} ` +
    `batch(es), ${sum((p) => p.bytes)} bytes, to topic '${args.topic}' in ` +
    `${Date.now() - startedMs} ms\n`);
  return ExitCode.ok;
}

/** `N of M record(s) read (partition 0: a, partition 1: b)`. */
function describeAcks(acked: readonly PartitionAcks[], read: number): string {
  const total = acked.reduce((n, p) => n + p.records, 0);
  const each = acked.map((p) => `partition ${p.partition}: ${p.records}`).join(', ');
  return `${total} of ${read} record(s) read${each === '' ? '' : ` (${each})`}`;
}

/** With --format: what each partition acknowledged, on stdout (also when stopping on an error). */
function printSummary(
  ctx: CliContext, args: ProduceArgs, acked: readonly PartitionAcks[], read: number,
  error: string | null,
): void {
  if (args.format === null) return;
  // Offsets are unknown (null) with acks=0: no answer carries them.
  const rows = acked.map((p) => ({ partition: p.partition, records: p.records,
    firstOffset: p.firstOffset < 0 ? null : p.firstOffset,
    lastOffset: p.lastOffset < 0 ? null : p.lastOffset }));
  if (args.format === 'table') {
    printRows(ctx.stdout, 'table', [
      { key: 'partition', title: 'PARTITION' }, { key: 'records', title: 'RECORDS' },
      { key: 'firstOffset', title: 'FIRST-OFFSET' }, { key: 'lastOffset', title: 'LAST-OFFSET' },
    ], rows);
    return;
  }
  printRecord(ctx.stdout, 'json', {
    topic: args.topic, acks: args.acks, read,
    acknowledged: acked.reduce((n, p) => n + p.records, 0), partitions: rows, error,
  });
}

async function topicPartitionCount(cluster: ClusterClient, topic: string): Promise<number> {
  const metadata = await cluster.metadata([topic]);
  const found = metadata.topics.find((t) => t.name === topic);
  checkBrokerError(found === undefined ? 3 : found.errorCode, { topic });
  const count = found?.partitions.length ?? 0;
  if (count === 0) checkBrokerError(5, { topic });
  return count;
}

function toRecord(line: string, separator: string | null, lineNumber: number): RecordInput {
  const timestamp = Date.now();
  if (separator === null) return { key: null, value: Buffer.from(line), timestamp };
  const at = line.indexOf(separator);
  if (at < 0) {
    throw argumentError(`line ${lineNumber} has no key separator '${separator}'; ` +
      `write lines as key${separator}value, or leave out -k`);
  }
  return {
    key: Buffer.from(line.slice(0, at)),
    value: Buffer.from(line.slice(at + separator.length)),
    timestamp,
  };
}
