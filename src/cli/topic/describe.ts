/** `pado topic describe <name>`: partitions (leader, replicas, ISR) and configs. */
import { validateTopicName } from '../../config/index.js';
import { ResourceType, type KafkaClient } from '../../client/index.js';
import { argumentError, choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { outputFormats, printRows, type OutputFormat, type Row } from '../output.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';
import { formatOption } from './list.js';

export interface TopicDescribeArgs {
  bootstrap: Bootstrap;
  name: string;
  format: OutputFormat;
}

export const topicDescribe = defineVerb<TopicDescribeArgs>({
  command: 'topic describe <name>',
  description: 'Show a topic\'s partitions, leaders, replicas, ISR and configs',
  options: [bootstrapOption, formatOption],
  parse(positionals, options, env) {
    const name = String(positionals[0] ?? '');
    const nameError = validateTopicName(name);
    if (nameError !== null) throw argumentError(nameError);
    return {
      bootstrap: parseBootstrap(options, env),
      name,
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const partitions = await partitionRows(client, args.name);
      const configs = await configRows(client, args.name);
      print(ctx, args.format, args.name, partitions, configs);
      return ExitCode.ok;
    });
  },
});

async function partitionRows(client: KafkaClient, name: string): Promise<Row[]> {
  const metadata = await client.metadata([name]);
  const topic = metadata.topics.find((t) => t.name === name);
  checkBrokerError(topic === undefined ? 3 : topic.errorCode, { topic: name });
  return (topic?.partitions ?? [])
    .map((p) => ({
      partition: p.partitionIndex,
      leader: p.leaderId,
      epoch: p.leaderEpoch,
      replicas: p.replicaNodes,
      isr: p.isrNodes,
      error: p.errorCode,
    }))
    .sort((a, b) => a.partition - b.partition);
}

async function configRows(client: KafkaClient, name: string): Promise<Row[]> {
  const response = await client.describeConfigs([{ type: ResourceType.topic, name }]);
  const result = response.results[0];
  if (result === undefined) return [];
  checkBrokerError(result.errorCode, { topic: name }, result.errorMessage);
  return result.configs.map((c) => ({
    name: c.name,
    value: c.value,
    default: c.isDefault || c.configSource === 5,
  }));
}

function print(
  ctx: CliContext, format: OutputFormat, name: string, partitions: Row[], configs: Row[],
): void {
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify({ name, partitions, configs })}\n`);
    return;
  }
  ctx.stdout.write(`topic ${name}: ${partitions.length} partition(s)\n\n`);
  printRows(ctx.stdout, 'table', [
    { key: 'partition', title: 'PARTITION' },
    { key: 'leader', title: 'LEADER' },
    { key: 'epoch', title: 'EPOCH' },
    { key: 'replicas', title: 'REPLICAS' },
    { key: 'isr', title: 'ISR' },
  ], partitions);
  ctx.stdout.write('\n');
  printRows(ctx.stdout, 'table', [
    { key: 'name', title: 'CONFIG' },
    { key: 'value', title: 'VALUE' },
    { key: 'default', title: 'DEFAULT' },
  ], configs);
}
