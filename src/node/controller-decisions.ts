/**
 * The active controller's decisions for AlterPartition (KIP-497/KIP-903) and AllocateProducerIds
 * (KIP-730), around the pure rules of controller/ (`alterPartition`, `allocateProducerIds`): the
 * request-level checks (broker epoch, duplicate partitions, ISR members' epochs, topic names of
 * old versions) and the answer Kafka gives — each partition's state after the request. Pure: run
 * inside RaftMetadata.propose on the newest image.
 */
import { allocateProducerIds, alterPartition, completionsAfter } from '../controller/index.js';
import {
  applyRecords, LeaderRecoveryState, type MetadataImage, type MetadataRecord, type PartitionImage,
} from '../metadata/index.js';
import { KafkaError } from '../protocol/index.js';
import type {
  AlterPartitionInput, AlterPartitionItem, AlterPartitionItemOutcome, Decision,
  ProducerIdBlockOutcome,
} from '../server/index.js';

export interface AlterPartitionDecided {
  readonly errorCode: number;
  readonly partitions: AlterPartitionItemOutcome[];
}

/** One batch for the whole request: accepted changes commit together; refusals change nothing. */
export function decideAlterPartition(image: MetadataImage,
  req: AlterPartitionInput): Decision<AlterPartitionDecided> {
  const broker = image.brokers.get(req.brokerId);
  if (broker === undefined || broker.brokerEpoch !== req.brokerEpoch) {
    return { records: [], result: { errorCode: KafkaError.staleBrokerEpoch.code, partitions: [] } };
  }
  const records: MetadataRecord[] = [];
  const partitions: AlterPartitionItemOutcome[] = [];
  const seen = new Set<string>();
  /** Outcome index → `topicId:partition` of the accepted changes. */
  const changed = new Map<number, string>();
  for (const item of req.partitions) {
    const topicId = item.topicId !== '' ? item.topicId
      : image.topicsByName.get(item.topicName)?.topicId ?? '';
    const current = image.topicsById.get(topicId)?.partitions[item.partition];
    const key = `${topicId}:${item.partition}`;
    // Two changes of one partition would both decide on this image: refuse the second.
    const problem = seen.has(key) ? KafkaError.invalidRequest.code
      : topicId === '' ? KafkaError.unknownTopicOrPartition.code : precheck(image, item);
    seen.add(key);
    if (problem !== 0) {
      partitions.push(stateOf(problem, current));
      continue;
    }
    const decided = decideOne(image, req, topicId, item, current);
    records.push(...decided.records);
    partitions.push(decided.outcome);
    if (decided.records.length > 0) changed.set(partitions.length - 1, key);
  }
  // An adding replica that joins the ISR may complete its partition's reassignment (KIP-455):
  // in the same batch, and the leader is answered with the state that results.
  const done = completionsAfter(image, records);
  if (done.length === 0) return { records, result: { errorCode: 0, partitions } };
  const all = [...records, ...done];
  const after = applyRecords(image, all);
  for (const [i, key] of changed) {
    const [id, index] = key.split(':') as [string, string];
    partitions[i] = stateOf(0, after.topicsById.get(id)?.partitions[Number(index)]);
  }
  return { records: all, result: { errorCode: 0, partitions } };
}

/** Checks `alterPartition` does not make: a known recovery state, ISR members' epochs (v3+). */
function precheck(image: MetadataImage, item: AlterPartitionItem): number {
  const recovery = item.leaderRecoveryState;
  if (recovery !== undefined && recovery !== LeaderRecoveryState.recovered
    && recovery !== LeaderRecoveryState.recovering) {
    return KafkaError.invalidRequest.code;
  }
  const epochs = item.newIsrEpochs;
  if (epochs === null) return 0;
  // KIP-903: a member that re-registered since the leader saw it caught up may have lost data.
  for (const [i, id] of item.newIsr.entries()) {
    const epoch = epochs[i] ?? -1;
    if (epoch !== -1 && image.brokers.get(id)?.brokerEpoch !== epoch) {
      return KafkaError.ineligibleReplica.code;
    }
  }
  return 0;
}

function decideOne(image: MetadataImage, req: AlterPartitionInput, topicId: string,
  item: AlterPartitionItem, current: PartitionImage | undefined):
  { records: MetadataRecord[]; outcome: AlterPartitionItemOutcome } {
  const recovery = item.leaderRecoveryState as LeaderRecoveryState | undefined;
  const r = alterPartition(image, {
    brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, topicId, partition: item.partition,
    leaderEpoch: item.leaderEpoch, partitionEpoch: item.partitionEpoch, newIsr: item.newIsr,
    ...(recovery === undefined ? {} : { leaderRecoveryState: recovery }),
  });
  if (r.errorCode !== 0 || current === undefined) {
    return { records: [], outcome: stateOf(r.errorCode, current) };
  }
  const unchanged = sameMembers(item.newIsr, current.isr)
    && (recovery === undefined || recovery === current.leaderRecoveryState);
  // Kafka commits nothing for a change that changes nothing: the leader keeps its epochs.
  if (unchanged) return { records: [], outcome: stateOf(0, current) };
  // A hand-off (controller/alter-partition.ts) elects another leader, in the next epoch.
  const leaderId = r.newLeader ?? current.leader;
  const leaderEpoch = current.leaderEpoch + (leaderId === current.leader ? 0 : 1);
  return {
    records: r.records,
    outcome: {
      errorCode: 0, leaderId, leaderEpoch,
      isr: item.newIsr, leaderRecoveryState: recovery ?? current.leaderRecoveryState,
      partitionEpoch: r.partitionEpoch,
    },
  };
}

/** The partition's current state with an error code (or a bare error when it is unknown). */
function stateOf(errorCode: number, p: PartitionImage | undefined): AlterPartitionItemOutcome {
  if (p === undefined) {
    return { errorCode, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0,
      partitionEpoch: -1 };
  }
  return { errorCode, leaderId: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr,
    leaderRecoveryState: p.leaderRecoveryState, partitionEpoch: p.partitionEpoch };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

/** The next block for a registered broker; its epoch, when given (not -1), must be current. */
export function decideAllocateProducerIds(image: MetadataImage, brokerId: number,
  brokerEpoch: number): Decision<ProducerIdBlockOutcome> {
  const broker = image.brokers.get(brokerId);
  if (broker !== undefined && brokerEpoch !== -1 && broker.brokerEpoch !== brokerEpoch) {
    const errorCode = KafkaError.staleBrokerEpoch.code;
    return { records: [], result: { errorCode, firstProducerId: -1, count: 0 } };
  }
  return allocateProducerIds(image, brokerId);
}
