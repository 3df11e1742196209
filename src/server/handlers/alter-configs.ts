/**
 * AlterConfigs (key 33), v0–v2, and IncrementalAlterConfigs (key 44), v0–v1, for topics.
 * AlterConfigs replaces a topic's whole set of overrides (what is not named goes back to the
 * default), as Kafka's legacy API does; IncrementalAlterConfigs applies SET (0), DELETE (1),
 * APPEND (2) and SUBTRACT (3) — the last two only for list configs (cleanup.policy). Values are
 * validated by the controller; a resource with an error changes nothing. validateOnly commits
 * nothing. The broker resource with the empty name (Kafka's cluster-wide default) takes the
 * dynamic cluster configs (config/dynamic.ts: topic defaults, auto-creation), SET and DELETE;
 * a named broker is refused: per-node settings live in each node's config file. Turning on a
 * topic's unclean.leader.election.enable elects leaders for its offline partitions in the same
 * commit (controller/controller.ts alterTopicConfigs).
 */
import { alterTopicConfigs, type Outcome } from '../../controller/index.js';
import {
  dynamicConfigProblem, isDynamicClusterConfig, type NodeConfig,
} from '../../config/index.js';
import { applyRecords, type MetadataImage, type MetadataRecord } from '../../metadata/index.js';
import {
  KafkaError,
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';
import { ResourceType } from './describe-configs.js';

type Change = { name: string; value: string | null };

const OpType = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export function alterConfigsHandler(broker: Broker): Handler<AlterConfigsRequest, AlterConfigsResponse> {
  return {
    apiKey: 33,
    minVersion: 0,
    maxVersion: 2,
    async handle(_ctx, req) {
      const responses = await alterAll(broker, req.validateOnly, req.resources, (r) => {
        const named = new Set(r.configs.map((c) => c.name));
        const current = r.resourceType === ResourceType.broker
          ? [...broker.image().brokerConfigs.keys()].filter(isDynamicClusterConfig)
          : Object.keys(broker.topicOverrides(r.resourceName));
        const resets = current.filter((n) => !named.has(n)).map((name) => ({ name, value: null }));
        return [...r.configs.map((c) => ({ name: c.name, value: c.value })), ...resets];
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}

export function incrementalAlterConfigsHandler(
  broker: Broker,
): Handler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> {
  return {
    apiKey: 44,
    minVersion: 0,
    maxVersion: 1,
    async handle(_ctx, req) {
      const responses = await alterAll(broker, req.validateOnly, req.resources, (r) => {
        const changes: Change[] = [];
        for (const c of r.configs) {
          if (c.configOperation === OpType.set) changes.push({ name: c.name, value: c.value });
          else if (c.configOperation === OpType.delete) changes.push({ name: c.name, value: null });
          else if (r.resourceType === ResourceType.broker) {
            const errorMessage = `${c.name}: the cluster's configs take SET (0) and DELETE (1)`;
            return { errorCode: KafkaError.invalidConfig.code, errorMessage };
          } else if (c.configOperation === OpType.append || c.configOperation === OpType.subtract) {
            const list = applyListOp(broker, r.resourceName, c.name, c.configOperation, c.value);
            if ('error' in list) return { errorCode: KafkaError.invalidConfig.code, errorMessage: list.error };
            changes.push({ name: c.name, value: list.value });
          } else {
            const errorMessage = `unknown config operation ${c.configOperation} (0 set, 1 delete, 2 append, 3 subtract)`;
            return { errorCode: KafkaError.invalidRequest.code, errorMessage };
          }
        }
        return changes;
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}

/** APPEND/SUBTRACT on a list config: the new value, or why it cannot apply. */
function applyListOp(
  broker: Broker,
  topic: string,
  name: string,
  op: number,
  value: string | null,
): { value: string } | { error: string } {
  if (name !== 'cleanup.policy') return { error: `${name} is not a list config; use SET or DELETE` };
  const current = broker.topicConfig(topic)?.['cleanup.policy'] ?? 'delete';
  const items = new Set(String(current).split(',').filter((s) => s !== ''));
  for (const v of (value ?? '').split(',').filter((s) => s !== '')) {
    if (op === OpType.append) items.add(v);
    else items.delete(v);
  }
  return { value: [...items].join(',') };
}

interface ResourceLike {
  resourceType: number;
  resourceName: string;
}

async function alterAll<R extends ResourceLike>(
  broker: Broker,
  validateOnly: boolean,
  resources: readonly R[],
  changesOf: (r: R) => Change[] | Outcome,
) {
  return broker.propose((image) => {
    const records: MetadataRecord[] = [];
    // Each resource is decided on the image left by the ones before (controller/README.md).
    let current = image;
    const result = resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const more: MetadataRecord[] = [];
      const outcome = alterOne(current, r, changesOf, more, broker.nodeConfig);
      if (more.length > 0) current = applyRecords(current, more);
      records.push(...more);
      return { ...base, ...outcome };
    });
    return { records: validateOnly ? [] : records, result };
  });
}

function alterOne<R extends ResourceLike>(
  image: MetadataImage,
  r: R,
  changesOf: (r: R) => Change[] | Outcome,
  records: MetadataRecord[],
  nodeConfig: Readonly<NodeConfig>,
): Outcome {
  if (r.resourceType === ResourceType.broker) {
    if (r.resourceName !== '') {
      return {
        errorCode: KafkaError.invalidRequest.code,
        errorMessage: `Pado's dynamic broker configs are cluster-wide: use the empty broker name ` +
          `(kafka-configs --entity-default, pado cluster config set), not broker ${r.resourceName}; ` +
          'per-node settings live in each node\'s config file',
      };
    }
    const changes = changesOf(r);
    if (!Array.isArray(changes)) return changes;
    return alterClusterConfigs(image, changes, nodeConfig, records);
  }
  if (r.resourceType !== ResourceType.topic) {
    return {
      errorCode: KafkaError.invalidRequest.code,
      errorMessage: `resource type ${r.resourceType} is not supported (2 = topic)`,
    };
  }
  const changes = changesOf(r);
  if (!Array.isArray(changes)) return changes;
  const { outcome, records: more } = alterTopicConfigs(image, r.resourceName, changes);
  if (outcome.errorCode === 0) records.push(...more);
  return outcome;
}

/** The cluster-wide dynamic configs: each change checked, all or nothing. */
function alterClusterConfigs(image: MetadataImage, changes: readonly Change[], nodeConfig: Readonly<NodeConfig>,
  records: MetadataRecord[]): Outcome {
  for (const c of changes) {
    const problem = dynamicConfigProblem(nodeConfig, c.name, c.value);
    if (problem !== null) return { errorCode: KafkaError.invalidConfig.code, errorMessage: problem };
  }
  for (const c of changes) {
    // Deleting what is not set changes nothing (and records nothing).
    if (c.value === null && !image.brokerConfigs.has(c.name)) continue;
    records.push({ type: 'config', resourceType: 'broker', resourceName: '', name: c.name, value: c.value });
  }
  return { errorCode: 0, errorMessage: null };
}
