/**
 * DescribeConfigs (key 32), v0–v4. Resource type 2 (topic): every topic config with its effective
 * value and source (topic override, node config file, or built-in default). Type 4 (broker): the
 * node's settings under Kafka's names (the dynamic cluster configs writable; name "" lists only what the
 * cluster sets). configurationKeys narrows the list (null = all).
 * Synonyms (v1+) are not reported; documentation (v3+) is. Unknown topic →
 * UNKNOWN_TOPIC_OR_PARTITION; another broker's id or another resource type → INVALID_REQUEST.
 */
import {
  describeBrokerConfig, describeTopicConfig, isDynamicClusterConfig, type ConfigEntry,
} from '../../config/index.js';
import {
  KafkaError,
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
} from '../../protocol/index.js';
import { replicationFactorOf } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export const ResourceType = { topic: 2, broker: 4 } as const;

type ResultOut = DescribeConfigsResponse['results'][number];
type ResourceIn = DescribeConfigsRequest['resources'][number];

export function describeConfigsHandler(
  broker: Broker,
): Handler<DescribeConfigsRequest, DescribeConfigsResponse> {
  return {
    apiKey: 32,
    minVersion: 0,
    maxVersion: 4,
    handle(ctx, req) {
      const results = req.resources.map((r) => describeOne(broker, r, ctx.apiVersion, req.includeDocumentation));
      return { throttleTimeMs: 0, results };
    },
  };
}

function describeOne(broker: Broker, r: ResourceIn, version: number, withDocs: boolean): ResultOut {
  const base = { errorCode: 0, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName };
  const entries = entriesFor(broker, r);
  if ('errorCode' in entries) return { ...base, ...entries, configs: [] };
  const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys);
  const configs = entries
    .filter((e) => keys === null || keys.has(e.name))
    .map((e) => ({
      name: e.name,
      value: e.value,
      readOnly: e.readOnly,
      isDefault: e.isDefault,
      configSource: version >= 1 ? e.source : -1,
      isSensitive: e.isSensitive,
      synonyms: [],
      configType: e.configType,
      documentation: withDocs ? e.documentation : null,
    }));
  return { ...base, configs };
}

function entriesFor(broker: Broker, r: ResourceIn): ConfigEntry[] | { errorCode: number; errorMessage: string } {
  if (r.resourceType === ResourceType.topic) {
    if (broker.topicConfig(r.resourceName) === undefined) {
      return {
        errorCode: KafkaError.unknownTopicOrPartition.code,
        errorMessage: `topic '${r.resourceName}' does not exist`,
      };
    }
    const topic = broker.image().topicsByName.get(r.resourceName);
    const replicationFactor = topic === undefined ? 0 : replicationFactorOf(topic);
    return describeTopicConfig(broker.topicOverrides(r.resourceName), replicationFactor,
      broker.effectiveConfig().topicDefaults);
  }
  if (r.resourceType === ResourceType.broker) {
    if (r.resourceName !== '' && r.resourceName !== String(broker.nodeId)) {
      return {
        errorCode: KafkaError.invalidRequest.code,
        errorMessage: `this is broker ${broker.nodeId}; ask broker ${r.resourceName} itself`,
      };
    }
    const setByCluster = new Set([...broker.image().brokerConfigs.keys()].filter(isDynamicClusterConfig));
    const entries = describeBrokerConfig(broker.effectiveConfig(), setByCluster);
    // The empty name is Kafka's cluster-wide default resource: only what the cluster sets.
    return r.resourceName === '' ? entries.filter((e) => setByCluster.has(e.name)) : entries;
  }
  return {
    errorCode: KafkaError.invalidRequest.code,
    errorMessage: `resource type ${r.resourceType} is not supported (2 = topic, 4 = broker)`,
  };
}
