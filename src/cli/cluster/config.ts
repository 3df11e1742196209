/**
 * `pado cluster config get|set|reset` (issue 16 item 4, rpk's `cluster config`): the cluster's
 * dynamic configs (config/dynamic.ts: topic defaults and auto-creation, kept in the metadata and
 * applied by every node without a restart) through Kafka's DescribeConfigs and
 * IncrementalAlterConfigs on the broker resource — the empty name, Kafka's cluster-wide default,
 * for changes. `get` lists every broker config as one broker sees it, with where its value comes
 * from. Values are checked here first (the same rules the controller applies).
 */
import {
  dynamicClusterConfigs, dynamicConfigProblem, isDynamicClusterConfig, nodeConfigDefaults,
} from '../../config/index.js';
import { describeCluster, ResourceType, type AlterConfigOp } from '../../client/index.js';
import { argumentError, choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { formatTable, outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

/** Kafka's ConfigSource codes, as `get` names them. */
const sources: Readonly<Record<number, string>> = {
  3: 'cluster (dynamic)', 4: 'node config file', 5: 'default',
};

export interface ClusterConfigGetArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
  names: string[];
}

export interface ConfigRow {
  name: string;
  value: string | null;
  source: string;
  /** Whether `pado cluster config set` can change it. */
  dynamic: boolean;
}

export const clusterConfigGet = defineVerb<ClusterConfigGetArgs>({
  command: 'cluster config get [...names]',
  description: 'Show the broker configs (all, or the ones named) and where each comes from',
  options: [bootstrapOption, formatOption],
  examples: ['pado cluster config get', 'pado cluster config get log.retention.ms num.partitions'],
  parse(positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
      names: positionals.map(String),
    };
  },
  async run(args, ctx) {
    const rows = await withClient(ctx, args.bootstrap, async (client) => {
      // A broker describes its own configs (as in Kafka): the one this connection reached.
      const cluster = await describeCluster(client);
      const self = cluster.brokers.find((b) => b.host === client.address.host && b.port === client.address.port);
      const id = (self ?? cluster.brokers[0])?.brokerId;
      if (id === undefined) throw argumentError('no live broker to ask');
      const answer = await client.describeConfigs([{ type: ResourceType.broker, name: String(id),
        keys: args.names.length === 0 ? null : args.names }]);
      const result = answer.results[0];
      if (result === undefined) return [];
      checkBrokerError(result.errorCode, {}, result.errorMessage);
      return result.configs.map((c): ConfigRow => ({ name: c.name, value: c.value,
        source: sources[c.configSource] ?? String(c.configSource), dynamic: !c.readOnly }));
    });
    const unknown = args.names.filter((n) => !rows.some((r) => r.name === n));
    if (args.format === 'json') {
      ctx.stdout.write(`${JSON.stringify(rows)}\n`);
    } else {
      ctx.stdout.write(formatTable([
        { key: 'name', title: 'NAME' }, { key: 'value', title: 'VALUE' }, { key: 'source', title: 'SOURCE' },
        { key: 'editable', title: 'SET WITH pado cluster config set' },
      ], rows.map((r) => ({ name: r.name, value: r.value, source: r.source, editable: r.dynamic ? 'yes' : 'no' }))));
    }
    if (unknown.length > 0) {
      ctx.stderr.write(`unknown config(s): ${unknown.join(', ')}\n`);
      return ExitCode.failure;
    }
    return ExitCode.ok;
  },
});

export interface ClusterConfigSetArgs {
  bootstrap: Bootstrap;
  ops: AlterConfigOp[];
}

/** Checks `name=value` pairs (or bare names to reset) with the controller's own rules. */
export function parseConfigOps(words: readonly string[], reset: boolean): AlterConfigOp[] {
  if (words.length === 0) {
    throw argumentError(reset ? 'name the configs to reset, e.g. pado cluster config reset log.retention.ms'
      : 'write name=value pairs, e.g. pado cluster config set log.retention.ms=86400000');
  }
  const base = nodeConfigDefaults();
  return words.map((word): AlterConfigOp => {
    const eq = word.indexOf('=');
    if (reset !== (eq < 0)) {
      throw argumentError(reset ? `'${word}': reset takes names only` : `'${word}' is not name=value`);
    }
    const name = reset ? word : word.slice(0, eq);
    const value = reset ? null : word.slice(eq + 1);
    if (!isDynamicClusterConfig(name)) {
      throw argumentError(`${name} is not a dynamic cluster config; these are: ${dynamicClusterConfigs.join(', ')}`);
    }
    const problem = dynamicConfigProblem(base, name, value);
    if (problem !== null) throw argumentError(problem);
    return value === null ? { name, op: 'delete' } : { name, op: 'set', value };
  });
}

async function alterCluster(args: ClusterConfigSetArgs, ctx: Parameters<typeof withClient>[0],
  what: string): Promise<number> {
  return withClient(ctx, args.bootstrap, async (client) => {
    const response = await client.incrementalAlterConfigs({ type: ResourceType.broker, name: '' }, args.ops);
    for (const r of response.responses) checkBrokerError(r.errorCode, {}, r.errorMessage);
    ctx.stdout.write(`${what} ${args.ops.map((o) => o.name).join(', ')}: every broker applies it now\n`);
    return ExitCode.ok;
  });
}

export const clusterConfigSet = defineVerb<ClusterConfigSetArgs>({
  command: 'cluster config set <...pairs>',
  description: 'Set cluster-wide configs (topic defaults, auto-creation) on every broker, no restart',
  options: [bootstrapOption],
  examples: ['pado cluster config set log.retention.ms=86400000 num.partitions=3'],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), ops: parseConfigOps(positionals.map(String), false) };
  },
  run: (args, ctx) => alterCluster(args, ctx, 'set'),
});

export const clusterConfigReset = defineVerb<ClusterConfigSetArgs>({
  command: 'cluster config reset <...names>',
  description: 'Return cluster-wide configs to each node\'s config file (or the default)',
  options: [bootstrapOption],
  examples: ['pado cluster config reset log.retention.ms'],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), ops: parseConfigOps(positionals.map(String), true) };
  },
  run: (args, ctx) => alterCluster(args, ctx, 'reset'),
});
