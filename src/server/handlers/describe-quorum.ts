/**
 * DescribeQuorum (key 55), v0–v2 (KIP-595, KIP-836). Served by every node from its own Raft
 * status (Kafka forwards it to the leader; Pado answers locally, so a follower reports the leader
 * it knows and -1 log end offsets). The only partition is `__cluster_metadata`-0; any other
 * request gets UNKNOWN_TOPIC_OR_PARTITION at the top. Offsets: Raft index i is Kafka offset i-1,
 * so a match index is a log end offset and the commit index is the high watermark.
 * Version notes: v1+ lastFetchTimestamp/lastCaughtUpTimestamp (-1: not tracked); v2+ error
 * messages, replicaDirectoryId (zero) and nodes (empty: addresses come from Metadata).
 */
import {
  KafkaError, zeroUuid, type DescribeQuorumRequest, type DescribeQuorumResponse,
  type DescribeQuorumResponseReplicaState,
} from '../../protocol/index.js';
import type { QuorumReplicaStatus, QuorumView } from '../controller-service.js';
import type { Handler } from '../handler.js';

/** Kafka's name for the metadata log's topic (KIP-500). */
export const clusterMetadataTopic = '__cluster_metadata';

type ReplicaState = DescribeQuorumResponseReplicaState;

function replicaState(r: QuorumReplicaStatus): ReplicaState {
  return {
    replicaId: r.replicaId, replicaDirectoryId: zeroUuid, logEndOffset: r.logEndOffset,
    lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1,
  };
}

function asksForMetadataLog(req: DescribeQuorumRequest): boolean {
  const topic = req.topics[0];
  return req.topics.length === 1 && topic !== undefined && topic.topicName === clusterMetadataTopic
    && topic.partitions.length === 1 && topic.partitions[0]?.partitionIndex === 0;
}

export function describeQuorumHandler(
  quorum: QuorumView,
): Handler<DescribeQuorumRequest, DescribeQuorumResponse> {
  return {
    apiKey: 55,
    minVersion: 0,
    maxVersion: 2,
    handle(_ctx, req) {
      if (!asksForMetadataLog(req)) {
        return { errorCode: KafkaError.unknownTopicOrPartition.code, topics: [], nodes: [],
          errorMessage: `only ${clusterMetadataTopic} partition 0 has a quorum` };
      }
      const s = quorum.quorumStatus();
      const partition = {
        partitionIndex: 0, errorCode: 0, errorMessage: null, leaderId: s.leaderId,
        leaderEpoch: s.leaderEpoch, highWatermark: s.highWatermark,
        currentVoters: s.voters.map(replicaState), observers: s.observers.map(replicaState),
      };
      return { errorCode: 0, errorMessage: null,
        topics: [{ topicName: clusterMetadataTopic, partitions: [partition] }], nodes: [] };
    },
  };
}
