/**
 * Partition reassignment and elections on request (issue 16: `pado cluster partitions move` and
 * `transfer-leadership`), decided by controller/reassignment.ts:
 *
 * - AlterPartitionReassignments (key 45), v0 (KIP-455): per partition, start a reassignment to
 *   the given replicas or, with null, cancel the one in progress. Forwarded to the controller
 *   (forwarding.ts); a partition named twice gets INVALID_REQUEST for both entries.
 * - ListPartitionReassignments (key 46), v0: the reassignments in progress in this node's image
 *   (all of them for a null topic list).
 * - ElectLeaders (key 43), v0–v2 (KIP-460): PREFERRED (v0 always) or UNCLEAN elections for the
 *   named partitions, or PREFERRED for every partition that needs one (null list). v0 has no
 *   top-level error code. Forwarded to the controller.
 * - ReplicationThrottle (key 1012, Pado's private range): reads or sets the replication throttle
 *   of moving replicas (schemas/replication-throttle.ts). Forwarded to the controller.
 */
import {
  alterReassignment, electAllPreferred, electLeader, ElectionType, listReassignments,
  type Outcome,
} from '../../controller/index.js';
import type { MetadataRecord } from '../../metadata/index.js';
import {
  KafkaError,
  type AlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsResponse,
  type ElectLeadersRequest, type ElectLeadersResponse,
  type ListPartitionReassignmentsRequest, type ListPartitionReassignmentsResponse,
  type ReplicationThrottleRequest, type ReplicationThrottleResponse,
} from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

/** Kafka's broker config names for the throttle (one rate for both sides here). */
export const leaderThrottleConfig = 'leader.replication.throttled.rate';
export const followerThrottleConfig = 'follower.replication.throttled.rate';

type Item = { partitionIndex: number; errorCode: number; errorMessage: string | null };

/** `decide` for each partition of each topic, names repeated in the request refused. */
function perPartition(topics: readonly { name: string; partitions: readonly number[] }[],
  decide: (topic: string, partition: number) => { outcome: Outcome; records: MetadataRecord[] }):
  { records: MetadataRecord[]; results: { name: string; partitions: Item[] }[] } {
  const counts = new Map<string, number>();
  for (const t of topics) {
    for (const p of t.partitions) {
      const key = `${t.name}\0${p}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const records: MetadataRecord[] = [];
  const results = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((partitionIndex): Item => {
      if ((counts.get(`${t.name}\0${partitionIndex}`) ?? 0) > 1) {
        return { partitionIndex, errorCode: KafkaError.invalidRequest.code,
          errorMessage: `partition ${t.name}:${partitionIndex} appears more than once` };
      }
      const d = decide(t.name, partitionIndex);
      records.push(...d.records);
      return { partitionIndex, ...d.outcome };
    }),
  }));
  return { records, results };
}

export function alterPartitionReassignmentsHandler(
  broker: Broker,
): Handler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse> {
  return {
    apiKey: 45,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const targets = new Map<string, readonly number[] | null>();
      for (const t of req.topics) {
        for (const p of t.partitions) targets.set(`${t.name}\0${p.partitionIndex}`, p.replicas);
      }
      const topics = req.topics.map((t) => ({ name: t.name,
        partitions: t.partitions.map((p) => p.partitionIndex) }));
      const responses = await broker.propose((image) => {
        const { records, results } = perPartition(topics, (name, partition) =>
          alterReassignment(image, name, partition, targets.get(`${name}\0${partition}`) ?? null));
        return { records, result: results,
          cause: 'partition reassignment (pado cluster partitions move)' };
      });
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses };
    },
  };
}

export function listPartitionReassignmentsHandler(
  broker: Broker,
): Handler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse> {
  return {
    apiKey: 46,
    minVersion: 0,
    maxVersion: 0,
    handle(_ctx, req) {
      const only = req.topics === null ? undefined
        : new Map(req.topics.map((t) => [t.name, t.partitionIndexes] as const));
      const ongoing = listReassignments(broker.image(), only);
      const topics: ListPartitionReassignmentsResponse['topics'] = [];
      for (const r of ongoing) {
        let topic = topics.find((t) => t.name === r.topic);
        if (topic === undefined) topics.push(topic = { name: r.topic, partitions: [] });
        topic.partitions.push({ partitionIndex: r.partition, replicas: [...r.replicas],
          addingReplicas: [...r.addingReplicas], removingReplicas: [...r.removingReplicas] });
      }
      return Promise.resolve({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics });
    },
  };
}

export function electLeadersHandler(
  broker: Broker,
): Handler<ElectLeadersRequest, ElectLeadersResponse> {
  return {
    apiKey: 43,
    minVersion: 0,
    maxVersion: 2,
    async handle(ctx, req) {
      const type = ctx.apiVersion >= 1 ? req.electionType : ElectionType.preferred;
      const named = req.topicPartitions;
      const results = await broker.propose((image) => {
        if (named === null && type === ElectionType.preferred) {
          const all = electAllPreferred(image);
          const byTopic = new Map<string, Item[]>();
          for (const e of all) {
            const list = byTopic.get(e.topic) ?? [];
            list.push({ partitionIndex: e.partition, errorCode: 0, errorMessage: null });
            byTopic.set(e.topic, list);
          }
          return { records: all.map((e) => e.record), cause: 'preferred-leader election on request',
            result: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
        }
        const topics = (named ?? []).map((t) => ({ name: t.topic, partitions: t.partitions }));
        const { records, results: decided } = perPartition(topics,
          (name, partition) => electLeader(image, name, partition, type));
        return { records, result: decided, cause: type === ElectionType.preferred
          ? 'preferred-leader election on request' : 'unclean leader election on request' };
      });
      return {
        throttleTimeMs: 0, errorCode: 0,
        replicaElectionResults: results.map((t) => ({ topic: t.name,
          partitionResult: t.partitions.map((p) => ({ partitionId: p.partitionIndex,
            errorCode: p.errorCode, errorMessage: p.errorMessage })) })),
      };
    },
  };
}

export function replicationThrottleHandler(
  broker: Broker,
): Handler<ReplicationThrottleRequest, ReplicationThrottleResponse> {
  return {
    apiKey: 1012,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const asked = req.rateBytesPerSec > 0 ? String(req.rateBytesPerSec) : null;
      const rate = req.set ? asked : undefined;
      const now = await broker.propose((image) => {
        const current = image.brokerConfigs.get(followerThrottleConfig) ?? null;
        if (rate === undefined || rate === current) return { records: [], result: current };
        const records: MetadataRecord[] = [leaderThrottleConfig, followerThrottleConfig]
          .map((name) => ({ type: 'config', resourceType: 'broker', resourceName: '', name,
            value: rate }));
        return { records, result: rate, cause: 'replication throttle for partition moves' };
      });
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null,
        rateBytesPerSec: now === null ? -1 : Number(now) };
    },
  };
}
