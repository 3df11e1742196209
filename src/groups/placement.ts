/**
 * Where a group lives: the internal topic `__consumer_offsets` holds every group's state, a group's
 * records go to one of its partitions, and that partition's leader is the group's coordinator — so
 * the coordinator moves with partition leadership (Kafka's GroupMetadataManager.partitionFor).
 */
export const offsetsTopicName = '__consumer_offsets';

/** Kafka's choice of partition for a group: Utils.abs(groupId.hashCode) % partitions. */
export function partitionForGroup(groupId: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  const positive = hash === -2147483648 ? 0 : Math.abs(hash);
  return positive % partitions;
}
