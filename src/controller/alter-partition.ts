/**
 * AlterPartition (KIP-497): a partition leader asks to change its ISR. Accepted only from the
 * current leader at the current leader epoch and partition epoch, so a deposed leader or a request
 * crossing another change is refused and the leader retries with fresh metadata. The new ISR is
 * the leader's view of who is caught up; the controller checks it is possible: a subset of the
 * replicas, with the leader, and no fenced or unregistered broker (KIP-841: INELIGIBLE_REPLICA).
 *
 * Pado's extension (issue 13, break 4; Kafka has none): a new ISR *without* the leader is a
 * hand-off. A leader whose log is damaged must not keep serving when a healthy copy exists, and
 * only the controller may move leadership. Accepted when the new ISR is a non-empty subset of the
 * current one (no member added in the same change: only committed ISR members are known to hold
 * every acknowledged record) with a live member; the first such member in replica order leads,
 * in the next leader epoch. Otherwise refused with INVALID_REQUEST and the leader keeps leading.
 */
import { KafkaError } from '../protocol/index.js';
import {
  LeaderRecoveryState,
  type MetadataImage, type MetadataRecord, type PartitionChangeRecord,
} from '../metadata/index.js';
import { isLive } from './elections.js';

export interface AlterPartitionRequest {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
  /** RECOVERED once an uncleanly elected leader has made its log consistent (KIP-704). */
  readonly leaderRecoveryState?: LeaderRecoveryState;
}

export interface AlterPartitionResult {
  readonly records: MetadataRecord[];
  readonly errorCode: number;
  /** The partition epoch once the change is applied (the leader's next token); -1 on error. */
  readonly partitionEpoch: number;
  /** A hand-off: the replica elected in the leader's place. */
  readonly newLeader?: number;
}

export function alterPartition(image: MetadataImage,
  req: AlterPartitionRequest): AlterPartitionResult {
  const refuse = (error: { code: number }): AlterPartitionResult =>
    ({ records: [], errorCode: error.code, partitionEpoch: -1 });
  const broker = image.brokers.get(req.brokerId);
  if (broker === undefined || broker.brokerEpoch !== req.brokerEpoch) {
    return refuse(KafkaError.staleBrokerEpoch);
  }
  const topic = image.topicsById.get(req.topicId);
  if (topic === undefined) return refuse(KafkaError.unknownTopicId);
  const p = topic.partitions[req.partition];
  if (p === undefined) return refuse(KafkaError.unknownTopicOrPartition);
  if (req.leaderEpoch !== p.leaderEpoch) return refuse(KafkaError.fencedLeaderEpoch);
  if (p.leader !== req.brokerId) return refuse(KafkaError.notLeaderOrFollower);
  if (req.partitionEpoch !== p.partitionEpoch) return refuse(KafkaError.invalidUpdateVersion);
  // From here the partition is at the proposal's epoch: a refusal says so, and the leader may
  // forget its proposal and make a fresh one (e.g. once a fenced successor is back) at once,
  // instead of waiting out the resend timeout (whole-cluster simulation, seed 1954: a damaged
  // leader kept its refused hand-off for 5 s after the successor was unfenced).
  const refuseNow = (error: { code: number }): AlterPartitionResult =>
    ({ records: [], errorCode: error.code, partitionEpoch: p.partitionEpoch });
  const isr = req.newIsr;
  const distinct = new Set(isr).size === isr.length;
  if (!distinct || !isr.every((id) => p.replicas.includes(id))) {
    return refuseNow(KafkaError.invalidRequest);
  }
  if (!isr.every((id) => isLive(image, id))) return refuseNow(KafkaError.ineligibleReplica);
  if (!isr.includes(p.leader)) {
    const successor = p.replicas.find((id) => isr.includes(id) && !image.maintenance.has(id))
      ?? p.replicas.find((id) => isr.includes(id));
    if (successor === undefined || !isr.every((id) => p.isr.includes(id))) {
      return refuseNow(KafkaError.invalidRequest);
    }
    const handOff: PartitionChangeRecord = { type: 'partitionChange', topicId: topic.topicId,
      partition: p.partition, isr: [...isr], leader: successor };
    return { records: [handOff], errorCode: 0, partitionEpoch: p.partitionEpoch + 1,
      newLeader: successor };
  }
  const recovery = req.leaderRecoveryState;
  // A leader may finish recovery, never start it again (only an unclean election does that).
  if (recovery === LeaderRecoveryState.recovering
    && p.leaderRecoveryState === LeaderRecoveryState.recovered) {
    return refuseNow(KafkaError.invalidRequest);
  }
  const change: { -readonly [K in keyof PartitionChangeRecord]: PartitionChangeRecord[K] } = {
    type: 'partitionChange', topicId: topic.topicId, partition: p.partition, isr: [...isr],
  };
  if (recovery !== undefined && recovery !== p.leaderRecoveryState) {
    change.leaderRecoveryState = recovery;
  }
  return { records: [change], errorCode: 0, partitionEpoch: p.partitionEpoch + 1 };
}
