/**
 * `pado produce <topic>`: one record per stdin line, batched per partition. Keys (with -k) pick
 * the partition by murmur2 like Kafka's default partitioner; unkeyed lines go round-robin.
 * What arrived in one read from stdin is sent together, so piped input is batched and typed
 * lines are sent at once.
 */
import { validateTopicName } from '../config/index.js';
import { Partitioner, type KafkaClient } from '../client/index.js';
import { buildBatch, type RecordInput } from '../protocol/records/index.js';
import {
  argumentError, choiceOption, intOption, parseBootstrap, stringOption, type Bootstrap,
} from './args.js';
import { checkBrokerError } from './broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from './verb.js';
import { LineSplitter } from './lines.js';

export type Acks = 0 | 1 | -1;

export interface ProduceArgs {
  bootstrap: Bootstrap;
  topic: string;
  keySeparator: string | null;
  acks: Acks;
  compression: 'none' | 'gzip';
  partition: number | null;
}

/** A batch is sent once it holds this many records or bytes (below max.message.bytes). */
export const batchRecordsMax = 1000;
export const batchBytesMax = 512 * 1024;

export const produce = defineVerb<ProduceArgs>({
  command: 'produce <topic>',
  description: 'Send stdin lines as records',
  options: [
    bootstrapOption,
    { flags: '-k, --key-separator <sep>', description: 'Split each line into key<sep>value' },
    { flags: '--acks <acks>', description: '0, 1 or -1/all (default -1)' },
    { flags: '--compression <codec>', description: 'none or gzip (default none)' },
    { flags: '-p, --partition <n>', description: 'Send every record to this partition' },
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
    };
  },
  run: (args, ctx) => withClient(ctx, args.bootstrap, (client) => produceLines(args, ctx, client)),
});

export function parseAcks(raw: unknown): Acks {
  if (raw === undefined) return -1;
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  if (text === 'all' || text === '-1') return -1;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw argumentError(`--acks: '${text}' is not 0, 1, -1 or all; write e.g. --acks all`);
}

interface Pending {
  records: RecordInput[];
  bytes: number;
}

interface Totals {
  records: number;
  batches: number;
  bytes: number;
}

async function produceLines(
  args: ProduceArgs, ctx: CliContext, client: KafkaClient,
): Promise<number> {
  const partitionCount = await topicPartitionCount(client, args.topic);
  if (args.partition !== null && args.partition >= partitionCount) {
    throw argumentError(`-p: topic '${args.topic}' has ${partitionCount} partition(s) ` +
      `(0–${partitionCount - 1}); write e.g. -p 0`);
  }
  const partitioner = new Partitioner();
  const pending = new Map<number, Pending>();
  const totals: Totals = { records: 0, batches: 0, bytes: 0 };
  const splitter = new LineSplitter(batchBytesMax);
  const startedMs = Date.now();
  let lineNumber = 0;
  for await (const chunk of ctx.stdin) {
    for (const line of splitter.push(chunk)) {
      lineNumber++;
      const record = toRecord(line, args.keySeparator, lineNumber);
      const partition = args.partition ?? partitioner.partition(record.key, partitionCount);
      if (add(pending, partition, record)) await send(client, args, partition, pending, totals);
    }
    // Send what this read brought, so an interactive line goes out at once.
    for (const partition of [...pending.keys()]) {
      await send(client, args, partition, pending, totals);
    }
  }
  const tail = splitter.end();
  if (tail !== null) {
    const record = toRecord(tail, args.keySeparator, lineNumber + 1);
    const partition = args.partition ?? partitioner.partition(record.key, partitionCount);
    add(pending, partition, record);
    await send(client, args, partition, pending, totals);
  }
  ctx.stderr.write(`produced ${totals.records} record(s) in ${totals.batches} batch(es), ` +
    `${totals.bytes} bytes, to topic '${args.topic}' in ${Date.now() - startedMs} ms\n`);
  return ExitCode.ok;
}

async function topicPartitionCount(client: KafkaClient, topic: string): Promise<number> {
  const metadata = await client.metadata([topic]);
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

/** Adds a record; true when the partition's batch is full and must be sent now. */
function add(pending: Map<number, Pending>, partition: number, record: RecordInput): boolean {
  let batch = pending.get(partition);
  if (batch === undefined) {
    batch = { records: [], bytes: 0 };
    pending.set(partition, batch);
  }
  batch.records.push(record);
  batch.bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
  return batch.records.length >= batchRecordsMax || batch.bytes >= batchBytesMax;
}

async function send(
  client: KafkaClient, args: ProduceArgs, partition: number, pending: Map<number, Pending>,
  totals: Totals,
): Promise<void> {
  const batch = pending.get(partition);
  pending.delete(partition);
  if (batch === undefined || batch.records.length === 0) return;
  const bytes = buildBatch({ records: batch.records, compression: args.compression });
  const response = await client.produce(args.topic, partition, bytes, args.acks);
  const result = response?.responses[0]?.partitionResponses[0];
  if (result !== undefined) {
    checkBrokerError(result.errorCode, { topic: args.topic, partition }, result.errorMessage);
  }
  totals.records += batch.records.length;
  totals.batches += 1;
  totals.bytes += bytes.length;
}
