/**
 * Why a partition is not served here, as Kafka says it: a topic or partition the cluster does not
 * have is UNKNOWN_TOPIC_OR_PARTITION; one that exists but is led by another broker (or has no
 * leader right now) is NOT_LEADER_OR_FOLLOWER, which tells clients to refresh metadata and retry.
 */
import { KafkaError } from '../protocol/index.js';
import type { MetadataImage } from '../metadata/index.js';

export function partitionNotHere(
  image: MetadataImage,
  topic: string,
  partition: number,
): { errorCode: number; message: string } {
  const t = image.topicsByName.get(topic);
  if (t === undefined) {
    return { errorCode: KafkaError.unknownTopicOrPartition.code, message: `topic '${topic}' does not exist` };
  }
  const p = t.partitions[partition];
  if (p === undefined) {
    return {
      errorCode: KafkaError.unknownTopicOrPartition.code,
      message: `topic '${topic}' has no partition ${partition}`,
    };
  }
  const who = p.leader < 0 ? 'has no leader right now' : `is led by broker ${p.leader}`;
  return { errorCode: KafkaError.notLeaderOrFollower.code, message: `${topic}-${partition} ${who}` };
}
