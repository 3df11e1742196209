/**
 * Cluster API calls for `pado cluster info|health`: DescribeCluster (key 60, KIP-700) and
 * DescribeQuorum (key 55, KIP-595/KIP-836). DescribeQuorum is optional: it is sent only when the
 * broker advertises it and this build's protocol table has its codec, so the CLI works against
 * brokers that do not serve it yet (the caller prints "not available" on null).
 */
import {
  apiTable, ApiKey, defaultDescribeClusterRequest, type DescribeClusterEventsResponse,
  type DescribeClusterResponse,
} from '../protocol/index.js';
import type { KafkaClient } from './client.js';

/** Kafka's API key for DescribeQuorum; not in `ApiKey` until its schema exists. */
export const describeQuorumApiKey = 55;

/** Kafka's name for the metadata log's topic-partition (KIP-500), asked about by DescribeQuorum. */
export const clusterMetadataTopic = '__cluster_metadata';

/** One voter or observer as DescribeQuorum reports it; -1 means unknown. */
export interface QuorumReplica {
  replicaId: number;
  logEndOffset: number;
  /** Leader wall-clock ms of the replica's last fetch (v1+; -1 when unknown or v0). */
  lastFetchTimestamp: number;
  /** Leader wall-clock ms when the replica was last caught up (v1+; -1 when unknown or v0). */
  lastCaughtUpTimestamp: number;
}

/** The metadata partition's quorum state, from DescribeQuorum's single partition. */
export interface QuorumDescription {
  errorCode: number;
  errorMessage: string | null;
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
}

/** DescribeQuorum's response as Kafka's message JSON declares it (camelCase field names). */
interface DescribeQuorumResponseShape {
  errorCode: number;
  errorMessage?: string | null;
  topics: {
    topicName: string;
    partitions: {
      partitionIndex: number;
      errorCode: number;
      errorMessage?: string | null;
      leaderId: number;
      leaderEpoch: number;
      highWatermark: number;
      currentVoters: Partial<QuorumReplica>[];
      observers: Partial<QuorumReplica>[];
    }[];
  }[];
}

export function describeCluster(client: KafkaClient): Promise<DescribeClusterResponse> {
  // endpointType 1 (brokers): Pado's brokers are also its controllers (no separate listeners).
  return client.request(ApiKey.describeCluster,
    { ...defaultDescribeClusterRequest(), endpointType: 1 });
}

/** Whether `describeQuorum` can be asked of this broker. */
export function canDescribeQuorum(client: KafkaClient): boolean {
  return apiTable.has(describeQuorumApiKey) && client.supports(describeQuorumApiKey);
}

/** The metadata quorum, or null when the broker (or this build) does not speak DescribeQuorum. */
export async function describeQuorum(client: KafkaClient): Promise<QuorumDescription | null> {
  if (!canDescribeQuorum(client)) return null;
  const request = {
    topics: [{ topicName: clusterMetadataTopic, partitions: [{ partitionIndex: 0 }] }],
  };
  const r = await client.request<DescribeQuorumResponseShape>(describeQuorumApiKey, request);
  const partition = r.topics[0]?.partitions[0];
  if (r.errorCode !== 0 || partition === undefined) {
    return {
      errorCode: r.errorCode, errorMessage: r.errorMessage ?? null, leaderId: -1, leaderEpoch: -1,
      highWatermark: -1, voters: [], observers: [],
    };
  }
  return {
    errorCode: partition.errorCode,
    errorMessage: partition.errorMessage ?? null,
    leaderId: partition.leaderId,
    leaderEpoch: partition.leaderEpoch,
    highWatermark: partition.highWatermark,
    voters: partition.currentVoters.map(replicaState),
    observers: partition.observers.map(replicaState),
  };
}

/** v0 lacks the timestamps; the codec may leave them out, so default them here. */
function replicaState(r: Partial<QuorumReplica>): QuorumReplica {
  return {
    replicaId: r.replicaId ?? -1,
    logEndOffset: r.logEndOffset ?? -1,
    lastFetchTimestamp: r.lastFetchTimestamp ?? -1,
    lastCaughtUpTimestamp: r.lastCaughtUpTimestamp ?? -1,
  };
}

/**
 * One cluster event as a broker answers it (DescribeClusterEvents; metadata/records.ts): severity
 * 0 info, 1 warn, 2 error; brokerId -1 none.
 */
export type ClusterEventView = DescribeClusterEventsResponse['events'][number];

/** `lastId`: the newest event's id (0: none yet). */
export type ClusterEventsAnswer = DescribeClusterEventsResponse;

/**
 * The cluster events after `afterId`, oldest first (issue 16). `maxWaitMs` > 0 waits for one
 * (a long poll; keep it below the client's request timeout).
 */
export function describeClusterEvents(client: KafkaClient,
  o: { afterId: number; maxEvents?: number; maxWaitMs?: number }): Promise<ClusterEventsAnswer> {
  return client.request(ApiKey.describeClusterEvents,
    { afterId: o.afterId, maxEvents: o.maxEvents ?? 256, maxWaitMs: o.maxWaitMs ?? 0 });
}
