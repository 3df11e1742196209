/**
 * Topic configs: one table of definitions (Kafka's names, bounds from Kafka's LogConfig) drives
 * validation of CreateTopics/IncrementalAlterConfigs entries, the node config schema for
 * `topicDefaults`, and DescribeConfigs output, so the three can never disagree.
 */
import { limits } from '../common/index.js';
import { suggest } from './suggest.js';

/** Effective configuration of one topic. Keys keep Kafka's names so users' knowledge carries. */
export interface TopicConfigs {
  'segment.bytes': number;
  'segment.ms': number;
  'retention.ms': number;
  'retention.bytes': number;
  'max.message.bytes': number;
  'min.insync.replicas': number;
  'cleanup.policy': 'delete';
  /** Pado's own: false lets a replica ack before its fsync (DESIGN.md "Durable by default"). */
  'flush.durable': boolean;
  /**
   * Lets a replica outside the ISR lead when no in-sync replica is up (may lose acknowledged
   * records). Per topic only: the node's topicDefaults cannot turn it on (DESIGN.md, issue 6).
   */
  'unclean.leader.election.enable': boolean;
}
export type TopicConfigName = keyof TopicConfigs;

/**
 * What every topic gets unless it sets its own (the node's `topicDefaults`). A min.insync.replicas
 * left unset here follows each topic's replication factor (`minInsyncReplicasFor`).
 */
export type TopicDefaults = Omit<TopicConfigs, 'min.insync.replicas'> &
  { 'min.insync.replicas'?: number };

/**
 * min.insync.replicas when neither the topic nor the node config sets it: 2 for a topic with 3 or
 * more replicas, 1 below. Kafka's broker default is 1 for every topic, so an acks=all produce to
 * a 3-replica topic can be acknowledged by the leader alone once the ISR has shrunk to it, and
 * lost with it; its documentation recommends RF 3 with min.insync.replicas 2 instead, which is
 * what Pado does by default (issue 13). With 2 replicas a default of 2 would refuse every acks=all
 * produce as soon as one broker stops, so it stays 1 (as with 1 replica, where 1 is the only
 * possible value).
 */
export function minInsyncReplicasFor(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

/** Kafka's DescribeConfigs ConfigType codes (KIP-569). */
export const ConfigType = { boolean: 1, string: 2, int: 3, long: 5, list: 7 } as const;
export type ConfigType = (typeof ConfigType)[keyof typeof ConfigType];

/** Kafka's DescribeConfigs ConfigSource codes. */
export const ConfigSource = {
  dynamicTopicConfig: 1,
  /** Kafka's DYNAMIC_DEFAULT_BROKER_CONFIG: set cluster-wide in the metadata (config/dynamic.ts). */
  dynamicDefaultBrokerConfig: 3,
  staticBrokerConfig: 4,
  defaultConfig: 5,
} as const;
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

const int32Max = 2 ** 31 - 1;
const weekMs = 7 * 24 * 60 * 60 * 1000;

interface NumberDef {
  kind: 'int' | 'long';
  min: number;
  max: number;
  /** What a valid value is, for messages: "is not <what>". */
  what: string;
}
interface BooleanDef {
  kind: 'boolean';
  what: string;
  /** Only a topic's own config may set it; the node's topicDefaults keep the default. */
  topicOnly?: true;
}
interface PolicyDef {
  kind: 'policy';
  what: string;
}
export type TopicConfigDef = (NumberDef | BooleanDef | PolicyDef) & {
  name: TopicConfigName;
  doc: string;
};

/** Bounds follow Kafka's LogConfig (segment.bytes ≥ 14 = legacy record overhead). */
export const topicConfigDefs: readonly TopicConfigDef[] = [
  {
    name: 'segment.bytes', kind: 'int', min: 14, max: int32Max,
    what: 'a segment size in bytes (14–2147483647)',
    doc: 'Size at which the partition log rolls to a new segment.',
  },
  {
    name: 'segment.ms', kind: 'long', min: 1, max: Number.MAX_SAFE_INTEGER,
    what: 'a duration in ms (≥ 1)',
    doc: 'Age at which the active segment rolls even if not full.',
  },
  {
    name: 'retention.ms', kind: 'long', min: -1, max: Number.MAX_SAFE_INTEGER,
    what: 'a duration in ms (≥ 0, or -1 for no time limit)',
    doc: 'How long closed segments are kept; -1 keeps them forever.',
  },
  {
    name: 'retention.bytes', kind: 'long', min: -1, max: Number.MAX_SAFE_INTEGER,
    what: 'a size in bytes (≥ 0, or -1 for no size limit)',
    doc: 'Partition size above which the oldest segments are deleted; -1 for no limit.',
  },
  {
    name: 'max.message.bytes', kind: 'int', min: 0, max: int32Max,
    what: 'a batch size in bytes (0–2147483647)',
    doc: 'Largest record batch the topic accepts.',
  },
  {
    name: 'min.insync.replicas', kind: 'int', min: 1, max: int32Max,
    what: 'a replica count (≥ 1)',
    doc: 'In-sync replicas an acks=all produce needs; unset: 2 with 3 or more replicas, else 1.',
  },
  {
    name: 'cleanup.policy', kind: 'policy',
    what: "'delete' (Pado does not compact)",
    doc: 'How old segments are removed; Pado supports delete only.',
  },
  {
    name: 'flush.durable', kind: 'boolean',
    what: 'true or false',
    doc: 'Pado: when false, a replica may ack a batch before it is fsynced.',
  },
  {
    name: 'unclean.leader.election.enable', kind: 'boolean', topicOnly: true,
    what: 'true or false',
    doc: 'When true, a replica outside the ISR may become leader if no in-sync replica is up, ' +
      'at the cost of losing acknowledged records.',
  },
];

const defsByName = new Map<string, TopicConfigDef>(topicConfigDefs.map((d) => [d.name, d]));

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return defsByName.get(name);
}

/** Pado's built-in defaults; min.insync.replicas is absent: it follows the replication factor. */
export const topicConfigDefaults: Readonly<TopicDefaults> = Object.freeze({
  'segment.bytes': limits.segmentBytesDefault,
  'segment.ms': weekMs,
  'retention.ms': weekMs,
  'retention.bytes': -1,
  'max.message.bytes': limits.messageBytesMaxDefault,
  'cleanup.policy': 'delete',
  'flush.durable': true,
  'unclean.leader.election.enable': false,
});

export type TopicConfigsResult =
  | { ok: true; configs: Partial<TopicConfigs> }
  | { ok: false; error: 'INVALID_CONFIG'; field: string; message: string };

type ParsedValue = { value: number | boolean | 'delete' } | { message: string };

/**
 * Validates config entries as they arrive on the wire (all strings). A null value means "unset"
 * (use the default) and is left out of `configs`. Unknown names are refused with a suggestion,
 * as Kafka refuses them, so a typo never silently does nothing.
 */
export function validateTopicConfigs(entries: Record<string, string | null>): TopicConfigsResult {
  const configs: Partial<Record<TopicConfigName, unknown>> = {};
  for (const [name, raw] of Object.entries(entries)) {
    const def = defsByName.get(name);
    if (def === undefined) {
      return invalid(name, `unknown topic config '${name}'${didYouMean(name)}`);
    }
    if (raw === null) continue;
    const parsed = parseTopicConfigValue(def, raw);
    if ('message' in parsed) return invalid(name, parsed.message);
    configs[def.name] = parsed.value;
  }
  return { ok: true, configs: configs as Partial<TopicConfigs> };
}

function invalid(field: string, message: string): TopicConfigsResult {
  return { ok: false, error: 'INVALID_CONFIG', field, message };
}

function didYouMean(name: string): string {
  const best = suggest(name, defsByName.keys());
  const known = [...defsByName.keys()].join(', ');
  return best === undefined ? `; known: ${known}` : `; did you mean '${best}'?`;
}

export function parseTopicConfigValue(def: TopicConfigDef, raw: string): ParsedValue {
  const text = raw.trim();
  const bad = `${def.name}: '${raw}' is not ${def.what}`;
  switch (def.kind) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(text)) return { message: bad };
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < def.min || n > def.max) return { message: bad };
      return { value: n };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return { message: bad };
      return { value: lower === 'true' };
    }
    case 'policy':
      return parsePolicy(text, bad);
  }
}

function parsePolicy(text: string, bad: string): ParsedValue {
  const parts = text.split(',').map((p) => p.trim().toLowerCase());
  if (parts.includes('compact')) {
    return {
      message: 'cleanup.policy: compaction is not supported by Pado; ' +
        'remove cleanup.policy or set cleanup.policy=delete',
    };
  }
  if (parts.length === 1 && parts[0] === 'delete') return { value: 'delete' };
  return { message: bad };
}

/** The string form DescribeConfigs reports, as Kafka prints it. */
export function formatTopicConfigValue(value: TopicConfigs[TopicConfigName]): string {
  return String(value);
}

export interface ConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  configType: ConfigType;
  documentation: string;
}

/**
 * DescribeConfigs entries for one topic of `replicationFactor` replicas. `overrides` are the
 * topic's own settings; `defaults` are the node's topicDefaults (a value differing from Pado's
 * built-in default, or a min.insync.replicas set at all, came from the node config file, which
 * Kafka calls a static broker config). Values are the effective ones.
 */
export function describeTopicConfig(
  overrides: Partial<TopicConfigs>,
  replicationFactor: number,
  defaults: Readonly<TopicDefaults> = topicConfigDefaults,
): ConfigEntry[] {
  const effective = effectiveTopicConfigs(overrides, replicationFactor, defaults);
  return topicConfigDefs.map((def) => {
    const own = overrides[def.name];
    const fromNode = defaults[def.name] !== topicConfigDefaults[def.name];
    const source = own !== undefined ? ConfigSource.dynamicTopicConfig
      : fromNode ? ConfigSource.staticBrokerConfig : ConfigSource.defaultConfig;
    return {
      name: def.name,
      value: formatTopicConfigValue(effective[def.name]),
      isDefault: own === undefined,
      readOnly: false,
      isSensitive: false,
      source,
      configType: configTypeOf(def),
      documentation: def.doc,
    };
  });
}

function configTypeOf(def: TopicConfigDef): ConfigType {
  switch (def.kind) {
    case 'int': return ConfigType.int;
    case 'long': return ConfigType.long;
    case 'boolean': return ConfigType.boolean;
    case 'policy': return ConfigType.list;
  }
}

/**
 * Effective configs of a topic of `replicationFactor` replicas: node defaults overlaid with the
 * topic's overrides; min.insync.replicas set by neither follows the replication factor.
 */
export function effectiveTopicConfigs(
  overrides: Partial<TopicConfigs>,
  replicationFactor: number,
  defaults: Readonly<TopicDefaults> = topicConfigDefaults,
): TopicConfigs {
  const minIsr = overrides['min.insync.replicas'] ?? defaults['min.insync.replicas']
    ?? minInsyncReplicasFor(replicationFactor);
  return { ...defaults, ...overrides, 'min.insync.replicas': minIsr };
}
