/**
 * Internal topics grow with the cluster (issue 13). `__consumer_offsets` is created with
 * min(offsets.topic.replication.factor, live brokers) replicas: one, when the first node of a
 * cluster starts alone and the others `--join` later (the README's flow). Kafka never changes it
 * afterwards, which left every consumer group's state on one broker. So whenever a partition of an
 * internal topic has fewer replicas than min(replicationFactor, live brokers), the controller
 * extends its replica set with live brokers, in one partitionChange per partition (Kafka's
 * PartitionChangeRecord with `replicas`):
 *
 * - It only adds: the leader, the leader epoch and the ISR stay as they are. A new replica starts
 *   empty and enters the ISR only through its leader's normal expansion (AlterPartition, KIP-497),
 *   once it has caught up; until then nothing acknowledged depends on it, so a new replica whose
 *   broker dies before catching up loses nothing (the partition keeps its ISR).
 * - Never shrinks or moves a replica: a fenced replica keeps its place (it will come back; moving
 *   replicas off a dead broker is reassignment, which this is not).
 * - Partitions without a leader are left alone (nobody to copy from); they grow on a later check.
 * - Brokers are chosen like new partitions' (placement.ts): least loaded first, on racks the
 *   partition does not use yet, ties to the lowest id; deterministic.
 * - Decided from the image alone: once applied, running it again proposes nothing, so every
 *   trigger (a broker unfenced, a new controller, a periodic check) may run it, and a controller
 *   failover in the middle leaves either the whole batch committed or none of it.
 */
import {
  internalTopics, liveBrokers, noLeader,
  type MetadataImage, type PartitionChangeRecord,
} from '../metadata/index.js';
import { brokerLoad, extendReplicas } from './placement.js';

/**
 * partitionChanges extending every internal topic's partitions to min(`replicationFactor`, live
 * brokers) replicas (Kafka's offsets.topic.replication.factor applies to each internal topic).
 */
export function growInternalTopics(image: MetadataImage,
  replicationFactor: number): PartitionChangeRecord[] {
  const live = liveBrokers(image);
  const target = Math.min(replicationFactor, live.length);
  const load = brokerLoad(image);
  const rackOf = (id: number): string | null | undefined => image.brokers.get(id)?.rack;
  const records: PartitionChangeRecord[] = [];
  for (const name of [...internalTopics].sort()) {
    const topic = image.topicsByName.get(name);
    if (topic === undefined) continue;
    for (const p of topic.partitions) {
      if (p.replicas.length >= target || p.leader === noLeader) continue;
      const added = extendReplicas(live, load, p.replicas, rackOf, target - p.replicas.length);
      if (added.length === 0) continue;
      records.push({ type: 'partitionChange', topicId: topic.topicId, partition: p.partition,
        replicas: [...p.replicas, ...added] });
    }
  }
  return records;
}
