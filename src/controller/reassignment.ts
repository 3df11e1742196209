/**
 * Partition reassignment (KIP-455, as Kafka's KRaft controller does it in
 * ReplicationControlManager and PartitionReassignmentReplicas) and leader elections on request
 * (ElectLeaders, KIP-460).
 *
 * A reassignment to `target` from the current replicas R writes one partitionChange: replicas :=
 * target + (R − target), addingReplicas := target − R, removingReplicas := R − target; leader and
 * ISR stay. The adding replicas start following the leader and join the ISR through
 * the leader's normal expansion (AlterPartition) once caught up — never before, so nothing
 * acknowledged depends on them until they hold it. When every target replica is in the ISR the
 * reassignment completes in one more partitionChange: replicas := target, ISR := ISR ∩ target,
 * adding and removing cleared, and if the leader is being removed a clean election among the
 * target's ISR members (elections.ts `leaderCandidate`). Shrinking an ISR to members that hold
 * every acknowledged record loses nothing; min.insync.replicas keeps ruling acks=all throughout.
 * The state lives in the partition (its adding/removing lists), so a new controller carries on:
 * completion is checked on each accepted ISR change and periodically (`completeReassignments`).
 *
 * A null target cancels: the adding replicas leave the replicas and the ISR (their copies are
 * deleted) and the partition keeps the rest, in its current order (Kafka's revert). A target
 * with the same replicas in another order only reorders them (no data moves): that is how
 * `transfer-leadership` makes its target the preferred replica. A reassignment while another
 * is in progress starts from the current (merged) replica set, as Kafka's does.
 */
import { KafkaError } from '../protocol/index.js';
import {
  applyRecords, isReassigning, LeaderRecoveryState, noLeader, targetReplicas,
  type MetadataImage, type MetadataRecord, type PartitionChangeRecord, type PartitionImage,
  type TopicImage,
} from '../metadata/index.js';
import { isLive, leaderCandidate, preferredLeader } from './elections.js';
import { ok, type Outcome } from './controller.js';

const fail = (error: { code: number }, message: string): Outcome =>
  ({ errorCode: error.code, errorMessage: message });

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type Decided = { readonly outcome: Outcome; readonly records: MetadataRecord[] };

function refuse(error: { code: number }, message: string): Decided {
  return { outcome: fail(error, message), records: [] };
}

function partitionOf(image: MetadataImage, topicName: string, partition: number):
  { topic: TopicImage; p: PartitionImage } | undefined {
  const topic = image.topicsByName.get(topicName);
  const p = topic?.partitions[partition];
  return topic === undefined || p === undefined ? undefined : { topic, p };
}

function change(topic: TopicImage, p: PartitionImage): Mutable<PartitionChangeRecord> {
  return { type: 'partitionChange', topicId: topic.topicId, partition: p.partition };
}

const unknownPartition = (topic: string, partition: number): Decided =>
  refuse(KafkaError.unknownTopicOrPartition, `no partition ${topic}:${partition}`);

/**
 * AlterPartitionReassignments for one partition: start (or replace) a reassignment to
 * `replicas`, or cancel the one in progress when `replicas` is null.
 */
export function alterReassignment(image: MetadataImage, topicName: string, partition: number,
  replicas: readonly number[] | null): Decided {
  const found = partitionOf(image, topicName, partition);
  if (found === undefined) return unknownPartition(topicName, partition);
  if (replicas === null) return cancelReassignment(image, found.topic, found.p);
  const problem = targetProblem(image, found.p, replicas);
  if (problem !== undefined) return refuse(KafkaError.invalidReplicaAssignment, problem);
  const { topic, p } = found;
  const current = p.replicas;
  const adding = replicas.filter((id) => !current.includes(id));
  const removing = current.filter((id) => !replicas.includes(id));
  const c = change(topic, p);
  if (adding.length === 0 && removing.length === 0) {
    if (sameOrder(current, replicas) && !isReassigning(p)) return { outcome: ok, records: [] };
    // The same replicas (in another order): no data moves; a reassignment in progress ends here.
    c.replicas = [...replicas];
    if (isReassigning(p)) Object.assign(c, { addingReplicas: [], removingReplicas: [] });
    return { outcome: ok, records: [c] };
  }
  c.replicas = [...replicas, ...removing];
  c.addingReplicas = adding;
  c.removingReplicas = removing;
  const records: MetadataRecord[] = [c];
  // A reassignment that only removes replicas may be complete at once.
  const done = completeOne(applyRecords(image, records), topic.topicId, p.partition);
  if (done !== undefined) records.push(done);
  return { outcome: ok, records };
}

/** Why `target` cannot be a partition's replica set, or undefined. */
function targetProblem(image: MetadataImage, p: PartitionImage,
  target: readonly number[]): string | undefined {
  if (target.length === 0) return 'the replica list is empty (null cancels a reassignment)';
  if (new Set(target).size !== target.length) return `replicas ${target.join(',')} repeat a broker`;
  for (const id of target) {
    if (!image.brokers.has(id)) return `broker ${id} is not registered`;
    if (!p.replicas.includes(id) && !isLive(image, id)) {
      return `broker ${id} is fenced (not running?): a new replica must be on a live broker`;
    }
  }
  return undefined;
}

function cancelReassignment(image: MetadataImage, topic: TopicImage, p: PartitionImage): Decided {
  if (!isReassigning(p)) {
    return refuse(KafkaError.noReassignmentInProgress,
      `no reassignment of ${topic.name}:${p.partition} is in progress`);
  }
  const adding = p.addingReplicas ?? [];
  const replicas = p.replicas.filter((id) => !adding.includes(id));
  const isr = p.isr.filter((id) => !adding.includes(id));
  if (isr.length === 0) {
    return refuse(KafkaError.reassignmentInProgress, `none of ${topic.name}:${p.partition}'s ` +
      `original replicas (${replicas.join(',')}) is in sync: wait for them, or reassign again`);
  }
  const c = change(topic, p);
  c.replicas = replicas;
  c.addingReplicas = [];
  c.removingReplicas = [];
  if (isr.length !== p.isr.length) c.isr = isr;
  if (p.leader !== noLeader && !isr.includes(p.leader)) {
    const leader = leaderCandidate(image, { ...p, replicas }, isr);
    if (leader === undefined) {
      return refuse(KafkaError.reassignmentInProgress, `no original replica of ` +
        `${topic.name}:${p.partition} in sync is live to lead: wait for one, or reassign again`);
    }
    c.leader = leader;
  }
  return { outcome: ok, records: [c] };
}

/**
 * The partitionChange completing a partition's reassignment, when every target replica is in
 * its ISR (and, if the leader is being removed, a target member in the ISR is live to lead).
 */
export function completeReassignment(image: MetadataImage, topic: TopicImage,
  p: PartitionImage): PartitionChangeRecord | undefined {
  if (!isReassigning(p)) return undefined;
  const target = targetReplicas(p);
  if (!target.every((id) => p.isr.includes(id))) return undefined;
  const isr = p.isr.filter((id) => target.includes(id));
  const c = change(topic, p);
  c.replicas = [...target];
  c.addingReplicas = [];
  c.removingReplicas = [];
  if (isr.length !== p.isr.length) c.isr = isr;
  if (p.leader !== noLeader && !target.includes(p.leader)) {
    const leader = leaderCandidate(image, { ...p, replicas: target }, isr);
    if (leader === undefined) return undefined;
    c.leader = leader;
  }
  return c;
}

function completeOne(image: MetadataImage, topicId: string,
  partition: number): PartitionChangeRecord | undefined {
  const topic = image.topicsById.get(topicId);
  const p = topic?.partitions[partition];
  return topic === undefined || p === undefined ? undefined : completeReassignment(image, topic, p);
}

/** Completions for every partition whose reassignment can complete (a periodic safety net). */
export function completeReassignments(image: MetadataImage): PartitionChangeRecord[] {
  const records: PartitionChangeRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      const done = completeReassignment(image, topic, p);
      if (done !== undefined) records.push(done);
    }
  }
  return records;
}

/**
 * After `records` (an accepted ISR change), the completions they allow, for the same batch: the
 * moment an adding replica joins the ISR is the moment its reassignment can end.
 */
export function completionsAfter(image: MetadataImage,
  records: readonly MetadataRecord[]): PartitionChangeRecord[] {
  const after = applyRecords(image, records);
  const out: PartitionChangeRecord[] = [];
  for (const r of records) {
    if (r.type !== 'partitionChange') continue;
    const done = completeOne(after, r.topicId, r.partition);
    const again = out.some((o) => o.topicId === r.topicId && o.partition === r.partition);
    if (done !== undefined && !again) {
      out.push(done);
    }
  }
  return out;
}

export interface OngoingReassignment {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/** Reassignments in progress, topics by name; `only` limits them (topic → partitions). */
export function listReassignments(image: MetadataImage,
  only?: ReadonlyMap<string, readonly number[]>): OngoingReassignment[] {
  const out: OngoingReassignment[] = [];
  const names = only === undefined ? [...image.topicsByName.keys()].sort() : [...only.keys()];
  for (const name of names) {
    const topic = image.topicsByName.get(name);
    if (topic === undefined) continue;
    const wanted = only?.get(name);
    for (const p of topic.partitions) {
      if (!isReassigning(p) || (wanted !== undefined && !wanted.includes(p.partition))) continue;
      out.push({ topic: name, partition: p.partition, replicas: p.replicas,
        addingReplicas: p.addingReplicas ?? [], removingReplicas: p.removingReplicas ?? [] });
    }
  }
  return out;
}

/** Kafka's ElectionType. */
export const ElectionType = { preferred: 0, unclean: 1 } as const;

/**
 * ElectLeaders for one partition (KIP-460). PREFERRED: the first replica leads, if it is live, in
 * the ISR and not in maintenance mode (PREFERRED_LEADER_NOT_AVAILABLE with the reason otherwise;
 * ELECTION_NOT_NEEDED when it leads already). UNCLEAN: an offline partition gets a live replica
 * outside its ISR (KIP-704 recovery), as `unclean.leader.election.enable` would.
 */
export function electLeader(image: MetadataImage, topicName: string, partition: number,
  electionType: number): Decided {
  const found = partitionOf(image, topicName, partition);
  if (found === undefined) return unknownPartition(topicName, partition);
  const { topic, p } = found;
  const where = `${topicName}:${partition}`;
  if (electionType === ElectionType.unclean) return electUnclean(image, topic, p, where);
  if (electionType !== ElectionType.preferred) {
    return refuse(KafkaError.invalidRequest, `unknown election type ${electionType}`);
  }
  const preferred = p.replicas[0] as number;
  if (p.leader === preferred) {
    return refuse(KafkaError.electionNotNeeded, `broker ${preferred} already leads ${where}`);
  }
  if (image.maintenance.has(preferred)) {
    return refuse(KafkaError.preferredLeaderNotAvailable,
      `broker ${preferred} is in maintenance mode (pado cluster maintenance disable ${preferred})`);
  }
  if (!p.isr.includes(preferred)) {
    return refuse(KafkaError.preferredLeaderNotAvailable, `broker ${preferred} is not in the ISR ` +
      `[${p.isr.join(',')}] of ${where}: it must catch up first (pado cluster health)`);
  }
  if (!isLive(image, preferred)) {
    return refuse(KafkaError.preferredLeaderNotAvailable, `broker ${preferred} is fenced`);
  }
  return { outcome: ok, records: [{ ...change(topic, p), leader: preferred }] };
}

function electUnclean(image: MetadataImage, topic: TopicImage, p: PartitionImage,
  where: string): Decided {
  if (p.leader !== noLeader) {
    return refuse(KafkaError.electionNotNeeded, `${where} has a leader (broker ${p.leader})`);
  }
  const clean = leaderCandidate(image, p, p.isr);
  const leader = clean ?? p.replicas.find((id) => isLive(image, id));
  if (leader === undefined) {
    return refuse(KafkaError.eligibleLeadersNotAvailable, `no replica of ${where} is live`);
  }
  const c = { ...change(topic, p), leader };
  if (clean === undefined) {
    Object.assign(c, { isr: [leader], leaderRecoveryState: LeaderRecoveryState.recovering });
  }
  return { outcome: ok, records: [c] };
}

/** Preferred elections for every partition that needs one (ElectLeaders with null partitions). */
export function electAllPreferred(image: MetadataImage): { topic: string; partition: number;
  record: MetadataRecord }[] {
  const out: { topic: string; partition: number; record: MetadataRecord }[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      const leader = preferredLeader(image, p);
      if (leader !== undefined) {
        out.push({ topic: topic.name, partition: p.partition,
          record: { ...change(topic, p), leader } });
      }
    }
  }
  return out;
}

function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => b[i] === id);
}
