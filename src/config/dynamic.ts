/**
 * Dynamic cluster configs (issue 16: `pado cluster config get|set`, Kafka's IncrementalAlterConfigs
 * on the broker resource with the empty name, "cluster-wide default"): the settings every broker
 * should share, kept in the metadata and applied by every node without a restart, over what its
 * config file says. Which ones: the topic defaults (log.retention.ms, log.segment.bytes, …,
 * min.insync.replicas) and how topics are auto-created. Per-node settings (listeners, data dir,
 * timings, security) stay in each node's config file. Precedence, as in Kafka: a topic's own
 * config, then these, then the node's config file, then the built-in default.
 */
import { PadoError, PadoErrorCode } from '../common/index.js';
import { validateNodeConfig } from './load.js';
import { kafkaKeyAliases, type NodeConfig } from './node-config.js';

/** The broker configs the cluster may set dynamically (Kafka names). */
export const dynamicClusterConfigs: readonly string[] = [
  'auto.create.topics.enable', 'num.partitions', 'default.replication.factor', 'message.max.bytes',
  'log.segment.bytes', 'log.roll.ms', 'log.retention.ms', 'log.retention.bytes', 'min.insync.replicas',
  'log.cleanup.policy',
];
const dynamic: ReadonlySet<string> = new Set(dynamicClusterConfigs);

export function isDynamicClusterConfig(name: string): boolean {
  return dynamic.has(name);
}

/** `text` as the type the config already has at `path` (a number, a boolean, a string). */
function typed(current: unknown, text: string): unknown {
  if (typeof current === 'boolean' || text === 'true' || text === 'false') {
    return text === 'true' ? true : text === 'false' ? false : text;
  }
  if (typeof current === 'number' || (current === undefined && /^-?\d+$/.test(text))) {
    return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  }
  return text;
}

function applyOne(config: Record<string, unknown>, name: string, value: string): void {
  const path = kafkaKeyAliases[name] ?? [name];
  let at: Record<string, unknown> = config;
  for (const key of path.slice(0, -1)) {
    const inner = { ...(at[key] as Record<string, unknown> | undefined) };
    at[key] = inner;
    at = inner;
  }
  const leaf = path[path.length - 1] as string;
  at[leaf] = typed(at[leaf], value);
}

/**
 * The node config with the cluster's dynamic configs applied. Entries that are not dynamic
 * configs (cluster.id) are skipped; values were checked before they were committed.
 */
export function withDynamicConfigs(config: NodeConfig, entries: ReadonlyMap<string, string>): NodeConfig {
  let out: Record<string, unknown> | null = null;
  for (const [name, value] of entries) {
    if (!dynamic.has(name)) continue;
    out ??= { ...config, topicDefaults: { ...config.topicDefaults } };
    applyOne(out, name, value);
  }
  return (out as NodeConfig | null) ?? config;
}

/** Null when `name=value` may be set cluster-wide, else why not (with the fix). */
export function dynamicConfigProblem(config: NodeConfig, name: string, value: string | null): string | null {
  if (!dynamic.has(name)) {
    return `${name} is not a dynamic cluster config (these are: ${dynamicClusterConfigs.join(', ')}); ` +
      'other settings live in each node\'s config file';
  }
  if (value === null) return null;
  try {
    validateNodeConfig(withDynamicConfigs(config, new Map([[name, value]])));
    return null;
  } catch (err) {
    if (!(err instanceof PadoError) || err.code !== PadoErrorCode.configInvalid) throw err;
    return `${name}=${value}: ${err.message.replace(/^config [^:]+: /, '').replace(/; write e\.g\. .*$/, '')}`;
  }
}
