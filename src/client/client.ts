/**
 * A small promise-based Kafka client for the CLI and tests: one connection, ApiVersions
 * negotiation (highest version both sides support, per API), and helpers for the admin, produce
 * and fetch calls Pado's tools need. One broker only: no retries, no leader routing; those are
 * cluster.ts (connections by broker id, metadata) and producer.ts (the idempotent producer).
 */
import { PadoError, PadoErrorCode } from '../common/index.js';
import {
  ApiKey,
  type ApiVersionsResponse, type CreatePartitionsResponse, type CreateTopicsResponse,
  type DeleteTopicsResponse, type DescribeConfigsResponse, type FetchResponse,
  type IncrementalAlterConfigsResponse, type InitProducerIdResponse, type ListOffsetsResponse,
  type MetadataResponse, type ProduceResponse,
} from '../protocol/index.js';
import { Connection, type ClientIo } from './connection.js';
import {
  apiVersionsRequest, createPartitionsRequest, createTopicsRequest, deleteTopicsRequest,
  describeConfigsRequest, fetchRequest, incrementalAlterConfigsRequest, initProducerIdRequest,
  listOffsetsRequest, metadataRequest, produceRequest,
  type AlterConfigOp, type ConfigResource, type FetchOptions, type FetchPartition,
  type NewTopic, type OffsetQuery, type PartitionBatch,
} from './requests.js';

export interface ClientOptions {
  host: string;
  port: number;
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Sockets and time: node/io's in a process, the simulator's in a simulation. */
  io: ClientIo;
}

interface VersionRange {
  min: number;
  max: number;
}

/**
 * Versions this client fills correctly. Fetch stops at 12 (from 13 topics are named by id only),
 * ApiVersions starts at 0 so the fallback after UNSUPPORTED_VERSION works.
 */
export const clientApiVersions: Readonly<Record<number, VersionRange>> = {
  [ApiKey.produce]: { min: 3, max: 11 },
  [ApiKey.fetch]: { min: 4, max: 12 },
  [ApiKey.listOffsets]: { min: 1, max: 10 },
  [ApiKey.metadata]: { min: 1, max: 12 },
  [ApiKey.apiVersions]: { min: 0, max: 3 },
  [ApiKey.createTopics]: { min: 1, max: 7 },
  [ApiKey.deleteTopics]: { min: 1, max: 6 },
  [ApiKey.describeConfigs]: { min: 1, max: 4 },
  [ApiKey.createPartitions]: { min: 0, max: 3 },
  [ApiKey.incrementalAlterConfigs]: { min: 0, max: 1 },
  // Idempotent produce (producer.ts): a producer id and epoch; v3+ would also take the old ones.
  [ApiKey.initProducerId]: { min: 0, max: 4 },
  // Group APIs (group-requests.ts). FindCoordinator stops at 3 and OffsetFetch at 7: later
  // versions batch several groups per request, which the client never needs.
  [ApiKey.findCoordinator]: { min: 0, max: 3 },
  [ApiKey.joinGroup]: { min: 1, max: 9 },
  [ApiKey.syncGroup]: { min: 0, max: 5 },
  [ApiKey.heartbeat]: { min: 0, max: 4 },
  [ApiKey.leaveGroup]: { min: 0, max: 5 },
  [ApiKey.offsetCommit]: { min: 2, max: 8 },
  [ApiKey.offsetFetch]: { min: 2, max: 7 },
  [ApiKey.listGroups]: { min: 0, max: 5 },
  [ApiKey.describeGroups]: { min: 0, max: 5 },
  [ApiKey.deleteGroups]: { min: 0, max: 2 },
  [ApiKey.offsetDelete]: { min: 0, max: 0 },
  [ApiKey.deleteRecords]: { min: 0, max: 2 },
  [ApiKey.describeLogDirs]: { min: 0, max: 4 },
  // Cluster APIs (cluster-requests.ts). DescribeQuorum is used only when this build's protocol
  // has its codec (`describeQuorumApiKey` in cluster-requests.ts checks the table first).
  [ApiKey.describeCluster]: { min: 0, max: 1 },
  [55]: { min: 0, max: 2 },
  // `pado cluster events` (cli/cluster/events.ts), the console's feed.
  [ApiKey.describeClusterEvents]: { min: 0, max: 0 },
  // `pado doctor` (cli/doctor.ts): served on the inter-broker listener only.
  [ApiKey.connectCheck]: { min: 0, max: 0 },
  // SCRAM users (cli/user/).
  [ApiKey.describeUserScramCredentials]: { min: 0, max: 0 },
  [ApiKey.alterUserScramCredentials]: { min: 0, max: 0 },
  // ACLs (cli/acl/): v1+ for pattern types (KIP-290), so a prefixed ACL is never sent as literal.
  [ApiKey.describeAcls]: { min: 1, max: 3 },
  [ApiKey.createAcls]: { min: 1, max: 3 },
  [ApiKey.deleteAcls]: { min: 1, max: 3 },
  // Partition moves, leadership transfer and maintenance (reassignment-requests.ts): ElectLeaders
  // from v1, which carries the election type.
  [ApiKey.electLeaders]: { min: 1, max: 2 },
  [ApiKey.alterPartitionReassignments]: { min: 0, max: 0 },
  [ApiKey.listPartitionReassignments]: { min: 0, max: 0 },
  [ApiKey.alterBrokerMaintenance]: { min: 0, max: 0 },
  [ApiKey.describeBrokerMaintenance]: { min: 0, max: 0 },
  [ApiKey.replicationThrottle]: { min: 0, max: 0 },
};

const unsupportedVersion = 35;

/** Highest version in both ranges, or undefined when they do not overlap. */
export function pickVersion(ours: VersionRange, theirs: VersionRange): number | undefined {
  const version = Math.min(ours.max, theirs.max);
  return version >= Math.max(ours.min, theirs.min) ? version : undefined;
}

export class KafkaClient {
  private readonly versions = new Map<number, number>();
  private readonly connection: Connection;
  private readonly requestTimeoutMs: number;
  readonly address: { host: string; port: number };

  /** The sockets and time this client was opened with (to open more alike). */
  readonly io: ClientIo;

  private constructor(
    connection: Connection, requestTimeoutMs: number, address: { host: string; port: number },
    io: ClientIo,
  ) {
    this.connection = connection;
    this.requestTimeoutMs = requestTimeoutMs;
    this.address = address;
    this.io = io;
  }

  static async connect(options: ClientOptions): Promise<KafkaClient> {
    const connection = await Connection.open({
      host: options.host,
      port: options.port,
      clientId: options.clientId ?? 'pado-cli',
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      io: options.io,
    });
    const client = new KafkaClient(connection, options.requestTimeoutMs ?? 30_000,
      { host: options.host, port: options.port }, options.io);
    try {
      await client.negotiate();
    } catch (e) {
      connection.close();
      throw e;
    }
    return client;
  }

  /** ApiVersions v3, falling back to v0 when the broker answers UNSUPPORTED_VERSION. */
  private async negotiate(): Promise<void> {
    let response = await this.send<ApiVersionsResponse>(ApiKey.apiVersions, 3,
      apiVersionsRequest());
    if (response.errorCode === unsupportedVersion) {
      response = await this.send<ApiVersionsResponse>(ApiKey.apiVersions, 0, apiVersionsRequest());
    }
    if (response.errorCode !== 0) {
      throw new PadoError(PadoErrorCode.connection,
        `broker refused ApiVersions with error ${response.errorCode}`);
    }
    for (const api of response.apiKeys) {
      const ours = clientApiVersions[api.apiKey];
      if (ours === undefined) continue;
      const version = pickVersion(ours, { min: api.minVersion, max: api.maxVersion });
      if (version !== undefined) this.versions.set(api.apiKey, version);
    }
  }

  /** The negotiated version of an API; throws when the broker and client share none. */
  versionOf(apiKey: number): number {
    const version = this.versions.get(apiKey);
    if (version === undefined) {
      throw new PadoError(PadoErrorCode.connection,
        `broker ${this.address.host}:${this.address.port} supports no version of api ${apiKey} ` +
        'this client speaks; upgrade the broker or the CLI');
    }
    return version;
  }

  /** Whether the broker and this client share a version of the API (see `versionOf`). */
  supports(apiKey: number): boolean {
    return this.versions.has(apiKey);
  }

  /** Any request, at `version` or the negotiated one. The response type is the caller's claim. */
  request<Response>(apiKey: number, msg: unknown, version?: number): Promise<Response> {
    return this.send<Response>(apiKey, version ?? this.versionOf(apiKey), msg);
  }

  private async send<Response>(apiKey: number, version: number, msg: unknown): Promise<Response> {
    const body = await this.connection.send(apiKey, version, msg, true, this.requestTimeoutMs);
    return body as Response;
  }

  metadata(
    topics: readonly string[] | null = null, allowAutoTopicCreation = false,
  ): Promise<MetadataResponse> {
    return this.request(ApiKey.metadata, metadataRequest(topics, allowAutoTopicCreation));
  }

  createTopics(topics: readonly NewTopic[], timeoutMs = 30_000): Promise<CreateTopicsResponse> {
    return this.request(ApiKey.createTopics, createTopicsRequest(topics, timeoutMs));
  }

  deleteTopics(names: readonly string[], timeoutMs = 30_000): Promise<DeleteTopicsResponse> {
    return this.request(ApiKey.deleteTopics, deleteTopicsRequest(names, timeoutMs));
  }

  createPartitions(
    topic: string, count: number, timeoutMs = 30_000,
  ): Promise<CreatePartitionsResponse> {
    return this.request(ApiKey.createPartitions, createPartitionsRequest(topic, count, timeoutMs));
  }

  describeConfigs(resources: readonly ConfigResource[]): Promise<DescribeConfigsResponse> {
    return this.request(ApiKey.describeConfigs, describeConfigsRequest(resources));
  }

  incrementalAlterConfigs(
    resource: ConfigResource, ops: readonly AlterConfigOp[],
  ): Promise<IncrementalAlterConfigsResponse> {
    return this.request(ApiKey.incrementalAlterConfigs,
      incrementalAlterConfigsRequest(resource, ops));
  }

  /** acks 0 gets no response from Kafka brokers, so it resolves null once written. */
  produce(
    topic: string, partition: number, batch: Buffer, acks: 0 | 1 | -1, timeoutMs = 30_000,
  ): Promise<ProduceResponse | null> {
    return this.produceBatches(topic, [{ partition, batch }], acks, timeoutMs);
  }

  /** One Produce carrying one batch for each of several partitions (all led by this broker). */
  async produceBatches(
    topic: string, batches: readonly PartitionBatch[], acks: 0 | 1 | -1, timeoutMs = 30_000,
  ): Promise<ProduceResponse | null> {
    const msg = produceRequest(topic, batches, acks, timeoutMs);
    const version = this.versionOf(ApiKey.produce);
    const body = await this.connection.send(ApiKey.produce, version, msg, acks !== 0,
      this.requestTimeoutMs);
    return body as ProduceResponse | null;
  }

  initProducerId(): Promise<InitProducerIdResponse> {
    return this.request(ApiKey.initProducerId, initProducerIdRequest());
  }

  /** A full (sessionless) fetch; keep maxWaitMs below the request timeout. */
  fetch(partitions: readonly FetchPartition[], options: FetchOptions = {}): Promise<FetchResponse> {
    return this.request(ApiKey.fetch, fetchRequest(partitions, options));
  }

  listOffsets(topic: string, queries: readonly OffsetQuery[]): Promise<ListOffsetsResponse> {
    return this.request(ApiKey.listOffsets, listOffsetsRequest(topic, queries));
  }

  close(): Promise<void> {
    this.connection.close();
    return Promise.resolve();
  }
}
