/**
 * Requests of `pado cluster partitions move|transfer-leadership` and `pado cluster maintenance`:
 * AlterPartitionReassignments (45) and ListPartitionReassignments (46) (KIP-455), ElectLeaders
 * (43, KIP-460), and Pado's AlterBrokerMaintenance (1010), DescribeBrokerMaintenance (1011) and
 * ReplicationThrottle (1012). Each answers with plain data; error codes are the caller's to
 * report (one per partition or broker).
 */
import {
  ApiKey,
  type AlterBrokerMaintenanceResponse, type AlterPartitionReassignmentsResponse,
  type DescribeBrokerMaintenanceResponse, type ElectLeadersResponse,
  type ListPartitionReassignmentsResponse, type ReplicationThrottleResponse,
  type ListPartitionReassignmentsResponseOngoingPartitionReassignment,
} from '../protocol/index.js';
import { checkBrokerError } from './broker-errors.js';
import type { KafkaClient } from './client.js';

/** One partition's new replicas; null cancels its reassignment in progress. */
export interface PartitionMove {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[] | null;
}

/** One partition's answer (0: accepted). */
export interface PartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const requestTimeoutMs = 30_000;

function byTopic<T extends { topic: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.topic, [...out.get(item.topic) ?? [], item]);
  return out;
}

export async function alterPartitionReassignments(client: KafkaClient,
  moves: readonly PartitionMove[]): Promise<PartitionAnswer[]> {
  const topics = [...byTopic(moves)].map(([name, list]) => ({ name,
    partitions: list.map((m) => ({ partitionIndex: m.partition,
      replicas: m.replicas === null ? null : [...m.replicas] })) }));
  const r = await client.request<AlterPartitionReassignmentsResponse>(
    ApiKey.alterPartitionReassignments, { timeoutMs: requestTimeoutMs, topics });
  checkBrokerError(r.errorCode, {}, r.errorMessage);
  return r.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name,
    partition: p.partitionIndex, errorCode: p.errorCode, errorMessage: p.errorMessage })));
}

/** A move in progress: ListPartitionReassignments' partition, with its topic and index. */
export type OngoingMove =
  Readonly<Omit<ListPartitionReassignmentsResponseOngoingPartitionReassignment, 'partitionIndex'>>
  & { readonly topic: string; readonly partition: number };

/** Reassignments in progress: all, or those of the named partitions. */
export async function listPartitionReassignments(client: KafkaClient,
  only?: readonly { topic: string; partition: number }[]): Promise<OngoingMove[]> {
  const topics = only === undefined ? null : [...byTopic(only)].map(([name, list]) =>
    ({ name, partitionIndexes: list.map((p) => p.partition) }));
  const r = await client.request<ListPartitionReassignmentsResponse>(
    ApiKey.listPartitionReassignments, { timeoutMs: requestTimeoutMs, topics });
  checkBrokerError(r.errorCode, {}, r.errorMessage);
  return r.topics.flatMap((t) => t.partitions.map(({ partitionIndex, ...rest }) =>
    ({ topic: t.name, partition: partitionIndex, ...rest })));
}

/** PREFERRED elections for the named partitions (ElectLeaders, election type 0). */
export async function electPreferredLeaders(client: KafkaClient,
  partitions: readonly { topic: string; partition: number }[]): Promise<PartitionAnswer[]> {
  const topicPartitions = [...byTopic(partitions)].map(([topic, list]) =>
    ({ topic, partitions: list.map((p) => p.partition) }));
  const r = await client.request<ElectLeadersResponse>(ApiKey.electLeaders,
    { electionType: 0, topicPartitions, timeoutMs: requestTimeoutMs });
  checkBrokerError(r.errorCode, {});
  return r.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({ topic: t.topic,
    partition: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage })));
}

export interface BrokerAnswer {
  readonly brokerId: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export async function alterBrokerMaintenance(client: KafkaClient, brokerId: number,
  enabled: boolean): Promise<BrokerAnswer> {
  const r = await client.request<AlterBrokerMaintenanceResponse>(ApiKey.alterBrokerMaintenance,
    { brokers: [{ brokerId, enabled }] });
  return r.results[0] ?? { brokerId, errorCode: -1, errorMessage: 'no answer for the broker' };
}

export interface MaintenanceState {
  readonly brokerId: number;
  /** Partitions it still leads. */
  readonly leaderCount: number;
  /** Of those, the ones no other live in-sync replica can lead. */
  readonly stuckLeaders: number;
}

/** Brokers in maintenance mode; null when the broker does not serve the API. */
export async function describeBrokerMaintenance(
  client: KafkaClient): Promise<MaintenanceState[] | null> {
  if (!client.supports(ApiKey.describeBrokerMaintenance)) return null;
  const r = await client.request<DescribeBrokerMaintenanceResponse>(
    ApiKey.describeBrokerMaintenance, {});
  checkBrokerError(r.errorCode, {}, r.errorMessage);
  return r.brokers;
}

/**
 * The replication throttle of moving replicas (bytes/s; null: none). With `set`, sets it first
 * (null or ≤ 0 removes it).
 */
export async function replicationThrottle(client: KafkaClient,
  set?: { rateBytesPerSec: number | null }): Promise<number | null> {
  const r = await client.request<ReplicationThrottleResponse>(ApiKey.replicationThrottle, {
    set: set !== undefined, rateBytesPerSec: set?.rateBytesPerSec ?? -1 });
  checkBrokerError(r.errorCode, {}, r.errorMessage);
  return r.rateBytesPerSec > 0 ? r.rateBytesPerSec : null;
}
