/**
 * Controller decisions: validates admin operations against the current image and turns them into
 * metadata records. Pure: the caller commits the records (a local metadata log now, Raft in
 * issue 5) and answers the client once they are applied. Nothing here changes state on error:
 * a request with an error yields no records for that resource.
 */
import { KafkaError, zeroUuid } from '../protocol/index.js';
import {
  applyRecords, internalTopics, LeaderRecoveryState, liveBrokers,
  type MetadataImage, type MetadataRecord, type PartitionRecord, type TopicImage,
} from '../metadata/index.js';
import { validateTopicName, validateTopicConfigs } from '../config/index.js';
import { producerIdBlockSize } from './config.js';
import { electOfflineLeaders } from './elections.js';
import { brokerLoad, placeReplicas } from './placement.js';

export interface Outcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export const ok: Outcome = { errorCode: 0, errorMessage: null };

function fail(error: { code: number }, message: string): Outcome {
  return { errorCode: error.code, errorMessage: message };
}

export interface ControllerContext {
  /** A fresh random topic id (Uuid string form); the host supplies it so the core stays pure. */
  newTopicId(): string;
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  /** Partition count above which CreateTopics/CreatePartitions are refused (memory bound). */
  readonly partitionsPerTopicMax: number;
}

export interface TopicCreation {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly assignments: readonly { partitionIndex: number; brokerIds: readonly number[] }[];
  readonly configs: readonly { name: string; value: string | null }[];
}

export interface TopicCreated extends Outcome {
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

/** CreateTopics: one outcome per requested topic, in request order, plus the records to commit. */
export function createTopics(
  image: MetadataImage,
  topics: readonly TopicCreation[],
  ctx: ControllerContext,
): { results: TopicCreated[]; records: MetadataRecord[] } {
  const counts = new Map<string, number>();
  for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const results: TopicCreated[] = [];
  const records: MetadataRecord[] = [];
  for (const topic of topics) {
    if ((counts.get(topic.name) ?? 0) > 1) {
      const outcome = fail(KafkaError.invalidRequest, `topic '${topic.name}' appears more than once`);
      results.push({ ...outcome, topicId: zeroUuid, numPartitions: -1, replicationFactor: -1 });
      continue;
    }
    const created = createTopic(image, topic, ctx);
    results.push(created.result);
    records.push(...created.records);
  }
  return { results, records };
}


function createTopic(
  image: MetadataImage,
  topic: TopicCreation,
  ctx: ControllerContext,
): { result: TopicCreated; records: MetadataRecord[] } {
  const refuse = (outcome: Outcome) => ({
    result: { ...outcome, topicId: zeroUuid, numPartitions: -1, replicationFactor: -1 },
    records: [],
  });
  const nameError = validateTopicName(topic.name);
  if (nameError !== null) return refuse(fail(KafkaError.invalidTopicException, nameError));
  if (image.topicsByName.has(topic.name)) {
    return refuse(fail(KafkaError.topicAlreadyExists, `topic '${topic.name}' already exists`));
  }
  const configError = checkConfigs(topic.configs);
  if (configError !== null) return refuse(configError);
  const placement = placeTopic(image, topic, ctx);
  if ('errorCode' in placement) return refuse(placement);
  const topicId = ctx.newTopicId();
  const partitions = newPartitions(image, topicId, 0, placement);
  if ('errorCode' in partitions) return refuse(partitions);
  const records: MetadataRecord[] = [{ type: 'topic', name: topic.name, topicId }];
  for (const c of topic.configs) {
    if (c.value === null) continue;
    records.push({ type: 'config', resourceType: 'topic', resourceName: topic.name, ...c });
  }
  records.push(...partitions);
  const replicationFactor = placement[0]?.length ?? 0;
  return {
    result: { ...ok, topicId, numPartitions: placement.length, replicationFactor },
    records,
  };
}

/**
 * Partition records for new partitions `first`…: the ISR is the live replicas (a fenced broker
 * cannot be in sync) and the leader the first of them in replica order. A partition whose
 * replicas are all fenced cannot be created (Kafka refuses it the same way).
 */
function newPartitions(image: MetadataImage, topicId: string, first: number,
  placement: readonly (readonly number[])[]): PartitionRecord[] | Outcome {
  const records: PartitionRecord[] = [];
  for (const [i, replicas] of placement.entries()) {
    const isr = replicas.filter((id) => image.brokers.get(id)?.fenced === false);
    // A broker in maintenance mode leads a new partition only when no other replica can.
    const leader = isr.find((id) => !image.maintenance.has(id)) ?? isr[0];
    if (leader === undefined) {
      const why = `partition ${first + i}: every replica (${replicas.join(', ')}) is fenced`;
      return fail(KafkaError.invalidReplicaAssignment, why);
    }
    records.push({
      type: 'partition', topicId, partition: first + i, replicas, isr, leader,
      leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: LeaderRecoveryState.recovered,
    });
  }
  return records;
}

/** Ids of live brokers: the ones new replicas may be placed on. */
function liveIds(image: MetadataImage): number[] {
  return liveBrokers(image).map((b) => b.brokerId);
}

function checkConfigs(configs: readonly { name: string; value: string | null }[]): Outcome | null {
  const entries: Record<string, string | null> = {};
  for (const c of configs) entries[c.name] = c.value;
  const checked = validateTopicConfigs(entries);
  if (checked.ok) return null;
  return fail(KafkaError.invalidConfig, checked.message);
}

/** Replica lists per partition, or why the request cannot be placed. */
function placeTopic(
  image: MetadataImage,
  topic: TopicCreation,
  ctx: ControllerContext,
): number[][] | Outcome {
  const brokerIds = [...image.brokers.keys()].sort((a, b) => a - b);
  if (topic.assignments.length > 0) return checkAssignments(topic, brokerIds, ctx);
  const live = liveBrokers(image);
  const partitions = topic.numPartitions === -1 ? ctx.defaultPartitions : topic.numPartitions;
  const rf = topic.replicationFactor === -1 ? ctx.defaultReplicationFactor : topic.replicationFactor;
  if (partitions < 1 || partitions > ctx.partitionsPerTopicMax) {
    const max = ctx.partitionsPerTopicMax;
    return fail(KafkaError.invalidPartitions, `number of partitions must be 1–${max}, got ${partitions}`);
  }
  if (rf < 1) {
    return fail(KafkaError.invalidReplicationFactor, `replication factor must be ≥ 1, got ${rf}`);
  }
  if (rf > live.length) {
    return fail(
      KafkaError.invalidReplicationFactor,
      `replication factor ${rf} is larger than the ${live.length} available broker(s)`,
    );
  }
  return placeReplicas(live, brokerLoad(image), partitions, rf);
}

/**
 * Spreads leaders and replicas evenly: partition p's replicas start at broker (start + p).
 * Superseded by placement.ts (load- and rack-aware); kept for callers of the old surface.
 */
export function roundRobin(brokerIds: readonly number[], partitions: number, rf: number, start: number) {
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < rf; r++) {
      replicas.push(brokerIds[(start + p + r) % brokerIds.length] as number);
    }
    out.push(replicas);
  }
  return out;
}

function checkAssignments(
  topic: { assignments: TopicCreation['assignments']; numPartitions: number; replicationFactor: number },
  brokerIds: readonly number[],
  ctx: ControllerContext,
): number[][] | Outcome {
  if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
    return fail(
      KafkaError.invalidRequest,
      'give either replica assignments or numPartitions/replicationFactor, not both',
    );
  }
  if (topic.assignments.length > ctx.partitionsPerTopicMax) {
    return fail(KafkaError.invalidPartitions, `at most ${ctx.partitionsPerTopicMax} partitions`);
  }
  const known = new Set(brokerIds);
  const out: number[][] = [];
  for (const [i, a] of [...topic.assignments].sort((x, y) => x.partitionIndex - y.partitionIndex).entries()) {
    const ids = [...a.brokerIds];
    const problem =
      a.partitionIndex !== i ? `partition indexes must be 0..${topic.assignments.length - 1}`
      : ids.length === 0 ? `partition ${i} has no replicas`
      : new Set(ids).size !== ids.length ? `partition ${i} lists a broker twice`
      : ids.some((id) => !known.has(id)) ? `partition ${i} names an unknown broker`
      : ids.length !== (out[0]?.length ?? ids.length) ? 'every partition needs the same number of replicas'
      : null;
    if (problem !== null) return fail(KafkaError.invalidReplicaAssignment, problem);
    out.push(ids);
  }
  return out;
}

/** DeleteTopics by name or id: outcome per entry, records for the ones found. */
export function deleteTopic(
  image: MetadataImage,
  name: string | null,
  topicId: string | null,
): { outcome: Outcome; topic: TopicImage | null; records: MetadataRecord[] } {
  const topic =
    name !== null && name !== '' ? image.topicsByName.get(name)
    : topicId !== null ? image.topicsById.get(topicId)
    : undefined;
  if (topic !== undefined && internalTopics.has(topic.name)) {
    const why = `'${topic.name}' is an internal topic; Pado keeps consumer group state in it`;
    return { outcome: fail(KafkaError.invalidTopicException, why), topic: null, records: [] };
  }
  if (topic === undefined) {
    const outcome =
      name !== null && name !== ''
        ? fail(KafkaError.unknownTopicOrPartition, `topic '${name}' does not exist`)
        : fail(KafkaError.unknownTopicId, `no topic with id ${topicId ?? ''}`);
    return { outcome, topic: null, records: [] };
  }
  return { outcome: ok, topic, records: [{ type: 'removeTopic', topicId: topic.topicId }] };
}

/** CreatePartitions: grows a topic to `count` partitions. */
export function createPartitions(
  image: MetadataImage,
  request: { name: string; count: number; assignments: readonly { brokerIds: readonly number[] }[] | null },
  ctx: ControllerContext,
): { outcome: Outcome; records: MetadataRecord[] } {
  const topic = image.topicsByName.get(request.name);
  if (topic === undefined) {
    const outcome = fail(KafkaError.unknownTopicOrPartition, `topic '${request.name}' does not exist`);
    return { outcome, records: [] };
  }
  const current = topic.partitions.length;
  if (request.count <= current || request.count > ctx.partitionsPerTopicMax) {
    const why = request.count <= current
      ? `topic '${request.name}' has ${current} partitions; the new count must be larger`
      : `at most ${ctx.partitionsPerTopicMax} partitions`;
    return { outcome: fail(KafkaError.invalidPartitions, why), records: [] };
  }
  const rf = topic.partitions[0]?.replicas.length ?? 1;
  const brokerIds = [...image.brokers.keys()].sort((a, b) => a - b);
  const live = liveIds(image);
  let placement: number[][];
  if (request.assignments !== null && request.assignments.length > 0) {
    const checked = checkAssignments(
      {
        assignments: request.assignments.map((a, i) => ({ partitionIndex: i, brokerIds: a.brokerIds })),
        numPartitions: -1,
        replicationFactor: -1,
      },
      brokerIds,
      ctx,
    );
    if ('errorCode' in checked) return { outcome: checked, records: [] };
    if (checked.length !== request.count - current) {
      const why = `${request.count - current} assignments expected, got ${checked.length}`;
      return { outcome: fail(KafkaError.invalidReplicaAssignment, why), records: [] };
    }
    placement = checked;
  } else {
    if (rf > live.length) {
      const why = `replication factor ${rf} is larger than the ${live.length} available broker(s)`;
      return { outcome: fail(KafkaError.invalidReplicationFactor, why), records: [] };
    }
    placement = placeReplicas(liveBrokers(image), brokerLoad(image), request.count - current, rf);
  }
  const records = newPartitions(image, topic.topicId, current, placement);
  if ('errorCode' in records) return { outcome: records, records: [] };
  return { outcome: ok, records };
}

/**
 * Config changes for one topic: `set` entries (value null = delete → default), followed by the
 * elections they make possible (unclean.leader.election.enable turned on).
 */
export function alterTopicConfigs(
  image: MetadataImage,
  name: string,
  changes: readonly { name: string; value: string | null }[],
): { outcome: Outcome; records: MetadataRecord[] } {
  const topic = image.topicsByName.get(name);
  if (topic === undefined) {
    const outcome = fail(KafkaError.unknownTopicOrPartition, `topic '${name}' does not exist`);
    return { outcome, records: [] };
  }
  const error = checkConfigs(changes.filter((c) => c.value !== null));
  if (error !== null) return { outcome: error, records: [] };
  const records: MetadataRecord[] = changes.map((c) => ({
    type: 'config',
    resourceType: 'topic',
    resourceName: name,
    name: c.name,
    value: c.value,
  }));
  // Turning on unclean.leader.election.enable elects leaders for the topic's offline partitions
  // at once, in the same batch, as Kafka's controller does; computed with the configs applied.
  const elections = electOfflineLeaders(applyRecords(image, records), topic.topicId);
  return { outcome: ok, records: [...records, ...elections] };
}

/**
 * Hands out one producer id to the node itself (the single-node path, brokerId -1). Clusters use
 * allocateProducerIds: a broker takes a block and hands its ids out without asking again.
 */
export function allocateProducerId(image: MetadataImage): { producerId: number; records: MetadataRecord[] } {
  const producerId = image.nextProducerId;
  return {
    producerId,
    records: [{ type: 'producerIds', brokerId: -1, nextProducerId: producerId + 1 }],
  };
}

export interface ProducerIdBlock {
  readonly errorCode: number;
  /** First id of the block; -1 on error. */
  readonly firstProducerId: number;
  readonly count: number;
}

/**
 * AllocateProducerIds (KIP-730): the next block of producerIdBlockSize ids to a registered broker;
 * the record moves nextProducerId to the block's end, so no id is ever handed out twice.
 */
export function allocateProducerIds(image: MetadataImage,
  brokerId: number): { records: MetadataRecord[]; result: ProducerIdBlock } {
  if (!image.brokers.has(brokerId)) {
    const errorCode = KafkaError.brokerIdNotRegistered.code;
    return { records: [], result: { errorCode, firstProducerId: -1, count: 0 } };
  }
  const firstProducerId = image.nextProducerId;
  const nextProducerId = firstProducerId + producerIdBlockSize;
  return {
    records: [{ type: 'producerIds', brokerId, nextProducerId }],
    result: { errorCode: 0, firstProducerId, count: producerIdBlockSize },
  };
}
