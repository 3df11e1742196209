/**
 * `pado topic trim-prefix <name> --offset n|end [-p p,…]` (DeleteRecords; rpk's verb): deletes
 * every record below offset `n` (`end`: below the high watermark, i.e. all) in the chosen
 * partitions (all by default). Each partition's leader is asked (Kafka serves DeleteRecords only
 * there), and prints the new log start offset; records are gone for every consumer afterwards.
 */
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { validateTopicName } from '../../config/index.js';
import { ApiKey, type DeleteRecordsResponse } from '../../protocol/index.js';
import { argumentError, parseBootstrap, stringOption, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { bootstrapOption, defineVerb, ExitCode, withCluster } from '../verb.js';
import { topicPartitions } from '../group/common.js';

export interface TopicTrimPrefixArgs {
  bootstrap: Bootstrap;
  name: string;
  /** -1: the high watermark (everything). */
  offset: number;
  partitions: number[] | null;
}

export const topicTrimPrefix = defineVerb<TopicTrimPrefixArgs>({
  command: 'topic trim-prefix <name>',
  description: 'Delete the records below an offset (the start of the log) in a topic\'s partitions',
  options: [
    bootstrapOption,
    { flags: '-o, --offset <offset>', description: 'First offset to keep, or "end" to delete every record' },
    { flags: '-p, --partitions <p,…>', description: 'Partitions (default: all)' },
  ],
  examples: ['pado topic trim-prefix orders --offset 1000 -p 0,1', 'pado topic trim-prefix orders --offset end'],
  parse(positionals, options, env) {
    const name = String(positionals[0] ?? '');
    const nameError = validateTopicName(name);
    if (nameError !== null) throw argumentError(nameError);
    const raw = stringOption(options, 'offset');
    if (raw === undefined) throw argumentError('--offset <offset> is required: the first offset to keep, or end');
    const offset = raw === 'end' ? -1 : /^\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : NaN;
    if (Number.isNaN(offset)) throw argumentError(`--offset ${raw}: write an offset (e.g. --offset 1000) or end`);
    const rawPartitions = stringOption(options, 'partitions');
    const partitions = rawPartitions === undefined ? null : rawPartitions.split(',').map((p) => {
      if (!/^\d+$/.test(p)) throw argumentError(`-p ${rawPartitions}: write partitions as e.g. -p 0,2`);
      return Number(p);
    });
    return { bootstrap: parseBootstrap(options, env), name, offset, partitions };
  },
  run: (args, ctx) => withCluster(ctx, args.bootstrap, async (cluster) => {
    const all = await topicPartitions(cluster, args.name);
    const chosen = args.partitions ?? all;
    const missing = chosen.filter((p) => !all.includes(p));
    if (missing.length > 0) {
      throw new PadoError(PadoErrorCode.notFound, `topic '${args.name}' has no partition ${missing.join(', ')} ` +
        `(it has ${all.length}); see \`pado topic describe ${args.name}\``);
    }
    for (const [leader, partitions] of cluster.byLeader(args.name, chosen)) {
      if (leader < 0) {
        throw new PadoError(PadoErrorCode.connection, `partition(s) ${partitions.join(',')} of '${args.name}' ` +
          'have no leader now; retry once `pado cluster health` is ok');
      }
      const client = await cluster.broker(leader);
      const r = await client.request<DeleteRecordsResponse>(ApiKey.deleteRecords, { timeoutMs: 30_000,
        topics: [{ name: args.name, partitions: partitions.map((partitionIndex) => ({ partitionIndex,
          offset: args.offset })) }] });
      for (const p of r.topics.flatMap((t) => t.partitions)) {
        checkBrokerError(p.errorCode, { topic: args.name, partition: p.partitionIndex });
        ctx.stdout.write(`${args.name} partition ${p.partitionIndex}: records start at ${p.lowWatermark}\n`);
      }
    }
    return ExitCode.ok;
  }),
});
