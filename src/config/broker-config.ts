/**
 * The broker configs reported by DescribeConfigs on a broker resource (type 4). Kafka clients and
 * tools (kafka-configs, kcat -L, admin UIs) look for these names. The dynamic cluster configs
 * (config/dynamic.ts) are writable, and reported as DYNAMIC_DEFAULT_BROKER_CONFIG when the cluster
 * sets them; the rest are read-only: each node's config file sets them.
 */
import type { NodeConfig } from './node-config.js';
import { isDynamicClusterConfig } from './dynamic.js';
import {
  ConfigSource, ConfigType, minInsyncReplicasFor, topicConfigDefaults, type ConfigEntry,
} from './topic-config.js';

interface BrokerConfigDef {
  name: string;
  type: ConfigType;
  doc: string;
  value(config: NodeConfig): string;
  /** Whether the value is Pado's built-in one; absent: it equals `builtinDefaults[name]`. */
  isDefault?(config: NodeConfig): boolean;
}

const hostPort = (h: { host: string; port: number }): string => `PLAINTEXT://${h.host}:${h.port}`;

/** Kafka's form of the node's listeners (`NAME://host:port,…`), bound or advertised. */
function listenerList(c: NodeConfig, advertised: boolean): string {
  if (c.listeners === undefined) return hostPort(advertised ? c.advertised ?? c.listen : c.listen);
  return c.listeners.map((l) => {
    const at = advertised ? l.advertised ?? l : l;
    return `${l.name}://${at.host}:${at.port}`;
  }).join(',');
}

const brokerConfigDefs: readonly BrokerConfigDef[] = [
  { name: 'node.id', type: ConfigType.int, doc: 'This node\'s id.', value: (c) => `${c.nodeId}` },
  { name: 'broker.id', type: ConfigType.int, doc: 'Same as node.id.', value: (c) => `${c.nodeId}` },
  {
    name: 'listeners', type: ConfigType.list, doc: 'Kafka listener.',
    value: (c) => listenerList(c, false),
  },
  {
    name: 'advertised.listeners', type: ConfigType.list, doc: 'Address given to clients.',
    value: (c) => listenerList(c, true),
  },
  { name: 'log.dirs', type: ConfigType.string, doc: 'Data directory.', value: (c) => c.dataDir },
  {
    name: 'auto.create.topics.enable', type: ConfigType.boolean,
    doc: 'Create unknown topics on metadata or produce.', value: (c) => String(c.autoCreateTopics),
  },
  {
    name: 'num.partitions', type: ConfigType.int, doc: 'Partitions of auto-created topics.',
    value: (c) => String(c.defaultPartitions),
  },
  {
    name: 'default.replication.factor', type: ConfigType.int,
    doc: 'Replication factor of auto-created topics.',
    value: (c) => String(c.defaultReplicationFactor),
  },
  {
    name: 'socket.request.max.bytes', type: ConfigType.int, doc: 'Largest request frame.',
    value: (c) => String(c.socketRequestMaxBytes),
  },
  {
    name: 'message.max.bytes', type: ConfigType.int, doc: 'Default max.message.bytes.',
    value: (c) => String(c.topicDefaults['max.message.bytes']),
  },
  {
    name: 'log.segment.bytes', type: ConfigType.int, doc: 'Default segment.bytes.',
    value: (c) => String(c.topicDefaults['segment.bytes']),
  },
  {
    name: 'log.roll.ms', type: ConfigType.long, doc: 'Default segment.ms.',
    value: (c) => String(c.topicDefaults['segment.ms']),
  },
  {
    name: 'log.retention.ms', type: ConfigType.long, doc: 'Default retention.ms.',
    value: (c) => String(c.topicDefaults['retention.ms']),
  },
  {
    name: 'log.retention.bytes', type: ConfigType.long, doc: 'Default retention.bytes.',
    value: (c) => String(c.topicDefaults['retention.bytes']),
  },
  {
    // Unset, it depends on each topic's replication factor; the value shown is a 3-replica
    // topic's (DescribeConfigs of a topic shows its own).
    name: 'min.insync.replicas', type: ConfigType.int,
    doc: 'Default min.insync.replicas; unset: 2 for topics with 3 or more replicas, else 1.',
    value: (c) => String(c.topicDefaults['min.insync.replicas'] ?? minInsyncReplicasFor(3)),
    isDefault: (c) => c.topicDefaults['min.insync.replicas'] === undefined,
  },
  {
    name: 'log.cleanup.policy', type: ConfigType.list, doc: 'Default cleanup.policy.',
    value: (c) => c.topicDefaults['cleanup.policy'],
  },
];

/** Names whose value equals Kafka's built-in default are reported as defaults. */
const builtinDefaults: Readonly<Record<string, string>> = {
  'message.max.bytes': String(topicConfigDefaults['max.message.bytes']),
  'log.segment.bytes': String(topicConfigDefaults['segment.bytes']),
  'log.roll.ms': String(topicConfigDefaults['segment.ms']),
  'log.retention.ms': String(topicConfigDefaults['retention.ms']),
  'log.retention.bytes': String(topicConfigDefaults['retention.bytes']),
  'log.cleanup.policy': topicConfigDefaults['cleanup.policy'],
  // Pado's built-in node defaults (node-config.ts nodeConfigDefaults), which are Kafka's too.
  'auto.create.topics.enable': 'true',
  'num.partitions': '1',
  'default.replication.factor': '1',
};

/**
 * `config` is the node's config with the cluster's dynamic configs applied; `setByCluster` names
 * the ones the cluster sets.
 */
export function describeBrokerConfig(config: NodeConfig,
  setByCluster: ReadonlySet<string> = new Set()): ConfigEntry[] {
  return brokerConfigDefs.map((def) => {
    const value = def.value(config);
    const dynamic = setByCluster.has(def.name);
    const isDefault = !dynamic && (def.isDefault?.(config) ?? builtinDefaults[def.name] === value);
    return {
      name: def.name,
      value,
      isDefault,
      readOnly: !isDynamicClusterConfig(def.name),
      isSensitive: false,
      source: dynamic ? ConfigSource.dynamicDefaultBrokerConfig
        : isDefault ? ConfigSource.defaultConfig : ConfigSource.staticBrokerConfig,
      configType: def.type,
      documentation: def.doc,
    };
  });
}
