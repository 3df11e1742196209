/**
 * Request bodies for the client's helpers. Each starts from the generated default (every field
 * present, absent-in-version fields at Kafka's defaults) and sets only what the call is about,
 * so the same body encodes correctly at whichever version was negotiated.
 */
import {
  defaultApiVersionsRequest, defaultCreatePartitionsRequest, defaultCreatePartitionsRequestTopic,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic, defaultCreateTopicsRequestCreatableTopicConfig,
  defaultDeleteTopicsRequest, defaultDeleteTopicsRequestDeleteTopicState,
  defaultDescribeConfigsRequest, defaultDescribeConfigsRequestResource, defaultFetchRequest,
  defaultFetchRequestPartition, defaultFetchRequestTopic,
  defaultIncrementalAlterConfigsRequest, defaultIncrementalAlterConfigsRequestAlterableConfig,
  defaultIncrementalAlterConfigsRequestAlterConfigsResource, defaultInitProducerIdRequest,
  defaultListOffsetsRequest,
  defaultListOffsetsRequestPartition, defaultListOffsetsRequestTopic, defaultMetadataRequest,
  defaultMetadataRequestTopic, defaultProduceRequest, defaultProduceRequestPartitionProduceData,
  defaultProduceRequestTopicProduceData,
  type ApiVersionsRequest, type CreatePartitionsRequest, type CreateTopicsRequest,
  type DeleteTopicsRequest, type DescribeConfigsRequest, type FetchRequest,
  type IncrementalAlterConfigsRequest, type InitProducerIdRequest, type ListOffsetsRequest,
  type MetadataRequest,
  type ProduceRequest,
} from '../protocol/index.js';

/** Kafka's resource types for config requests. */
export const ResourceType = { topic: 2, broker: 4 } as const;

export interface ConfigResource {
  type: number;
  name: string;
  /** null or absent: every key. */
  keys?: readonly string[] | null;
}

/** IncrementalAlterConfigs operations (KIP-339): SET 0, DELETE 1. */
export const ConfigOperation = { set: 0, delete: 1 } as const;

export interface AlterConfigOp {
  name: string;
  op: 'set' | 'delete';
  value?: string | null;
}

export interface NewTopic {
  name: string;
  /** -1: the broker's default (num.partitions). */
  numPartitions: number;
  /** -1: the broker's default (default.replication.factor). */
  replicationFactor: number;
  configs?: Readonly<Record<string, string>>;
}

export interface FetchPartition {
  topic: string;
  partition: number;
  offset: number;
  maxBytes?: number;
}

export interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
}

/** ListOffsets timestamps with special meaning: latest (-1) and earliest (-2). */
export const OffsetSpec = { latest: -1, earliest: -2 } as const;

export interface OffsetQuery {
  partition: number;
  timestamp: number;
}

export const clientSoftwareName = 'pado-cli';

export function apiVersionsRequest(): ApiVersionsRequest {
  return { ...defaultApiVersionsRequest(), clientSoftwareName, clientSoftwareVersion: '0.1.0' };
}

export function metadataRequest(
  topics: readonly string[] | null, allowAutoTopicCreation: boolean,
): MetadataRequest {
  return {
    ...defaultMetadataRequest(),
    topics: topics === null ? null
      : topics.map((name) => ({ ...defaultMetadataRequestTopic(), name })),
    allowAutoTopicCreation,
  };
}

export function createTopicsRequest(
  topics: readonly NewTopic[], timeoutMs: number,
): CreateTopicsRequest {
  return {
    ...defaultCreateTopicsRequest(),
    timeoutMs,
    topics: topics.map((t) => ({
      ...defaultCreateTopicsRequestCreatableTopic(),
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({
        ...defaultCreateTopicsRequestCreatableTopicConfig(), name, value,
      })),
    })),
  };
}

/** Names go in both the v0–5 list and the v6+ structs; the encoder writes the version's one. */
export function deleteTopicsRequest(
  names: readonly string[], timeoutMs: number,
): DeleteTopicsRequest {
  return {
    ...defaultDeleteTopicsRequest(),
    timeoutMs,
    topicNames: [...names],
    topics: names.map((name) => ({ ...defaultDeleteTopicsRequestDeleteTopicState(), name })),
  };
}

export function createPartitionsRequest(
  topic: string, count: number, timeoutMs: number,
): CreatePartitionsRequest {
  return {
    ...defaultCreatePartitionsRequest(),
    timeoutMs,
    topics: [{ ...defaultCreatePartitionsRequestTopic(), name: topic, count, assignments: null }],
  };
}

export function describeConfigsRequest(
  resources: readonly ConfigResource[],
): DescribeConfigsRequest {
  return {
    ...defaultDescribeConfigsRequest(),
    includeDocumentation: true,
    resources: resources.map((r) => ({
      ...defaultDescribeConfigsRequestResource(),
      resourceType: r.type,
      resourceName: r.name,
      configurationKeys: r.keys === undefined || r.keys === null ? null : [...r.keys],
    })),
  };
}

export function incrementalAlterConfigsRequest(
  resource: ConfigResource, ops: readonly AlterConfigOp[],
): IncrementalAlterConfigsRequest {
  return {
    ...defaultIncrementalAlterConfigsRequest(),
    resources: [{
      ...defaultIncrementalAlterConfigsRequestAlterConfigsResource(),
      resourceType: resource.type,
      resourceName: resource.name,
      configs: ops.map((o) => ({
        ...defaultIncrementalAlterConfigsRequestAlterableConfig(),
        name: o.name,
        configOperation: ConfigOperation[o.op],
        value: o.op === 'delete' ? null : (o.value ?? null),
      })),
    }],
  };
}

/** One partition's batch in a Produce request (Kafka takes one batch per partition from v3). */
export interface PartitionBatch {
  partition: number;
  batch: Buffer;
}

export function produceRequest(
  topic: string, batches: readonly PartitionBatch[], acks: number, timeoutMs: number,
): ProduceRequest {
  return {
    ...defaultProduceRequest(),
    acks,
    timeoutMs,
    topicData: [{
      ...defaultProduceRequestTopicProduceData(),
      name: topic,
      partitionData: batches.map((b) => ({
        ...defaultProduceRequestPartitionProduceData(), index: b.partition, records: b.batch,
      })),
    }],
  };
}

/** A new producer id and epoch for an idempotent producer (no transactional id). */
export function initProducerIdRequest(): InitProducerIdRequest {
  return { ...defaultInitProducerIdRequest(), transactionalId: null,
    // As the Java producer sends it without transactions; the broker ignores it then.
    transactionTimeoutMs: 0x7fff_ffff };
}

/** Partition byte limit when the caller gives none: Kafka's max.partition.fetch.bytes default. */
const partitionBytesMaxDefault = 1024 * 1024;

export function fetchRequest(
  partitions: readonly FetchPartition[], options: FetchOptions,
): FetchRequest {
  const byTopic = new Map<string, FetchPartition[]>();
  for (const p of partitions) {
    const list = byTopic.get(p.topic);
    if (list === undefined) byTopic.set(p.topic, [p]);
    else list.push(p);
  }
  return {
    ...defaultFetchRequest(),
    maxWaitMs: options.maxWaitMs ?? 500,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
    topics: [...byTopic].map(([topic, list]) => ({
      ...defaultFetchRequestTopic(),
      topic,
      partitions: list.map((p) => ({
        ...defaultFetchRequestPartition(),
        partition: p.partition,
        fetchOffset: p.offset,
        partitionMaxBytes: p.maxBytes ?? partitionBytesMaxDefault,
      })),
    })),
  };
}

export function listOffsetsRequest(
  topic: string, queries: readonly OffsetQuery[],
): ListOffsetsRequest {
  return {
    ...defaultListOffsetsRequest(),
    replicaId: -1,
    topics: [{
      ...defaultListOffsetsRequestTopic(),
      name: topic,
      partitions: queries.map((q) => ({
        ...defaultListOffsetsRequestPartition(),
        partitionIndex: q.partition,
        timestamp: q.timestamp,
      })),
    }],
  };
}
