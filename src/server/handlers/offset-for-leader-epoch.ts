/**
 * OffsetForLeaderEpoch (key 23), v0–v4. A follower (replicaId ≥ 0, v3+) that restarts or gets a new
 * leader asks where its latest epoch ends in the leader's log and truncates exactly there
 * (KIP-101, KIP-279); consumers ask the same after a leader change to detect log truncation
 * (KIP-320). Per partition: only the leader answers (NOT_LEADER_OR_FOLLOWER, or
 * UNKNOWN_TOPIC_OR_PARTITION, otherwise); currentLeaderEpoch (v2+) is checked like Fetch
 * (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH); then the largest epoch ≤ the one asked and its
 * end offset, -1/-1 when this log holds no such epoch. Version notes: v1 adds leaderEpoch to the
 * answer, v2 currentLeaderEpoch, v3 replicaId, v4 is flexible.
 */
import type {
  OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
} from '../../protocol/index.js';
import { KafkaError } from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';
import { partitionNotHere } from '../partition-errors.js';
import { checkEpoch } from './fetch.js';

type PartitionIn = OffsetForLeaderEpochRequest['topics'][number]['partitions'][number];
type PartitionOut = OffsetForLeaderEpochResponse['topics'][number]['partitions'][number];

export function offsetForLeaderEpochHandler(
  broker: Broker,
): Handler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> {
  return {
    apiKey: 23,
    minVersion: 0,
    maxVersion: 4,
    async handle(_ctx, req) {
      const topics = req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => endOffsetOne(broker, t.topic, p)),
      }));
      return { throttleTimeMs: 0, topics };
    },
  };
}

function endOffsetOne(broker: Broker, topic: string, p: PartitionIn): PartitionOut {
  const base = { partition: p.partition, errorCode: 0, leaderEpoch: -1, endOffset: -1 };
  const local = broker.partition(topic, p.partition);
  if (local === undefined) {
    return { ...base, errorCode: partitionNotHere(broker.image(), topic, p.partition).errorCode };
  }
  const epochError = checkEpoch(local, p.currentLeaderEpoch);
  if (epochError !== 0) return { ...base, errorCode: epochError };
  const answer = local.endOffsetForEpoch(p.leaderEpoch);
  if (answer === undefined) return { ...base, errorCode: KafkaError.kafkaStorageError.code };
  return { ...base, leaderEpoch: answer.epoch, endOffset: answer.endOffset };
}
