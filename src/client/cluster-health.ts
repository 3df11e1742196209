/**
 * Cluster health (`pado cluster health`, `pado doctor`, the web console's overview): the problems
 * in one broker's view of the cluster, each with the next step to take. `evaluateHealth` is pure
 * (snapshot in, report out) and table-tested; `fetchMinInsyncReplicas` adds what it needs of the
 * topics' configs.
 */
import { ResourceType } from './requests.js';
import type { KafkaClient } from './client.js';
import type { QuorumDescription } from './cluster-requests.js';
import {
  fetchClusterSnapshot, fetchDamagedReplicas, missingBrokerIds, quorumLag, type ClusterSnapshot,
} from './cluster-snapshot.js';
import { diskProblems, fetchDiskStates } from './disk-health.js';

export const healthProblemKinds = [
  'no-controller', 'missing-broker', 'offline', 'leaderless', 'damaged-replica', 'under-min-isr',
  'under-replicated', 'topic-error', 'quorum-no-leader', 'quorum-voter-behind', 'quorum-error',
  'disk-full', 'disk-low', 'internal-topic-under-replicated',
] as const;
export type HealthProblemKind = (typeof healthProblemKinds)[number];

export interface HealthProblem {
  kind: HealthProblemKind;
  /** What it is about: 'orders-2', 'broker 3', 'quorum'. */
  subject: string;
  /** What is wrong and what to do, in one line. */
  message: string;
}

export interface HealthReport {
  healthy: boolean;
  /** False when the broker does not serve DescribeQuorum (quorum checks were skipped). */
  quorumChecked: boolean;
  problems: HealthProblem[];
}

/**
 * A voter this many metadata records behind the leader counts as behind. Metadata changes are
 * rare (registrations, topics, leader moves), so a healthy voter is within a few heartbeats of
 * records; a thousand is a voter that has stopped fetching, not one that is a tick late.
 */
export const quorumLagRecordsMax = 1_000;

/** Each topic's effective min.insync.replicas (DescribeConfigs); a topic absent is unknown. */
export type MinInsyncReplicas = ReadonlyMap<string, number>;

/**
 * Every problem in the snapshot, in a stable order: brokers (missing, then disks), partitions,
 * internal topics, quorum.
 */
export function evaluateHealth(snapshot: ClusterSnapshot,
  minInsyncReplicas: MinInsyncReplicas = new Map()): HealthReport {
  const problems: HealthProblem[] = [];
  if (snapshot.controllerId < 0) {
    problems.push({ kind: 'no-controller', subject: 'controller',
      message: 'no active controller: the metadata quorum has no leader; start the stopped ' +
        'nodes so that a majority of voters runs' });
  }
  const missing = missingBrokerIds(snapshot);
  for (const id of missing) {
    problems.push({ kind: 'missing-broker', subject: `broker ${id}`,
      message: `broker ${id} is named as a replica or voter but is not registered (down or ` +
        `fenced); start broker ${id}, or check its log for why it was fenced` });
  }
  problems.push(...diskProblems(snapshot.diskStates ?? [],
    new Set(snapshot.brokers.map((b) => b.brokerId))));
  problems.push(...partitionProblems(snapshot, new Set(missing), minInsyncReplicas));
  problems.push(...internalTopicProblems(snapshot));
  if (snapshot.quorum !== null) problems.push(...quorumProblems(snapshot.quorum));
  return { healthy: problems.length === 0, quorumChecked: snapshot.quorum !== null, problems };
}

function partitionProblems(
  snapshot: ClusterSnapshot, missing: ReadonlySet<number>, minInsyncReplicas: MinInsyncReplicas,
): HealthProblem[] {
  const live = new Set(snapshot.brokers.map((b) => b.brokerId));
  const damaged = new Map<string, number[]>();
  for (const d of snapshot.damagedReplicas ?? []) {
    const key = `${d.topic}-${d.partition}`;
    damaged.set(key, [...(damaged.get(key) ?? []), d.brokerId].sort((a, b) => a - b));
  }
  const problems: HealthProblem[] = [];
  const topics = [...snapshot.topics].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  for (const topic of topics) {
    const name = topic.name ?? '?';
    if (topic.errorCode !== 0) {
      problems.push({ kind: 'topic-error', subject: name,
        message: `topic ${name}: broker error code ${topic.errorCode}; run \`pado topic ` +
          `describe ${name}\`` });
      continue;
    }
    const partitions = [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
    for (const p of partitions) {
      const problem = partitionProblem(name, p, live, missing, minInsyncReplicas.get(name),
        damaged.get(`${name}-${p.partitionIndex}`) ?? []);
      if (problem !== null && isInternalTopic(topic)) problem.message += groupsConsequence(problem.kind);
      if (problem !== null) problems.push(problem);
    }
  }
  return problems;
}

/** Kafka's internal topics Pado keeps (`__consumer_offsets`); Metadata marks them internal. */
function isInternalTopic(topic: { name: string | null; isInternal?: boolean }): boolean {
  return topic.isInternal === true || topic.name === '__consumer_offsets';
}

/** What a partition problem of `__consumer_offsets` means for the groups coordinated there. */
function groupsConsequence(kind: HealthProblemKind): string {
  if (kind === 'offline' || kind === 'leaderless') {
    return ' (an internal partition: the consumer groups it coordinates cannot join, sync or ' +
      'commit until it has a leader)';
  }
  if (kind === 'under-min-isr') {
    return ' (an internal partition: the consumer groups it coordinates cannot commit offsets)';
  }
  if (kind === 'under-replicated') {
    return ' (an internal partition: its consumer groups still commit, on fewer copies)';
  }
  return '';
}

/** The replicas the controller gives internal topics (Kafka's offsets.topic.replication.factor). */
export const internalTopicReplicationFactor = 3;

/**
 * An internal topic with fewer replicas than min(3, live brokers): a cluster that started with
 * one node and grew, until the controller adds replicas (controller/internal-topics.ts, when a
 * broker is unfenced and every 30 s). One problem per topic, not one per partition.
 */
export function internalTopicProblems(snapshot: ClusterSnapshot): HealthProblem[] {
  const target = Math.min(internalTopicReplicationFactor, snapshot.brokers.length);
  const problems: HealthProblem[] = [];
  for (const topic of snapshot.topics) {
    if (!isInternalTopic(topic) || topic.errorCode !== 0 || topic.name === null) continue;
    const short = topic.partitions.filter((p) => p.replicaNodes.length < target);
    if (short.length === 0) continue;
    const fewest = Math.min(...short.map((p) => p.replicaNodes.length));
    problems.push({ kind: 'internal-topic-under-replicated', subject: topic.name,
      message: `internal topic ${topic.name}: ${short.length} of ${topic.partitions.length} ` +
        `partitions have fewer than ${target} replicas (as few as ${fewest}), so one broker's ` +
        "loss can lose consumer groups' committed offsets; the controller adds replicas on live " +
        'brokers when a broker joins and every 30 s: if this lasts over a minute, run `pado ' +
        "cluster info` to check the controller and look for 'internal topic' in its log " +
        '(unless offsetsTopicReplicationFactor is set lower on purpose)' });
  }
  return problems;
}

interface PartitionView {
  partitionIndex: number;
  leaderId: number;
  replicaNodes: readonly number[];
  isrNodes: readonly number[];
}

/**
 * At most one problem per partition, the worst: offline > leaderless > damaged > under-min-isr >
 * under-replicated. Offline: no leader and no election will give it one, because every replica is
 * down or because the live ones are all outside the ISR. Only ISR members are known to hold every
 * acknowledged record; the controller keeps the last of them in the ISR when it goes down (KIP-966
 * "last replica standing") and elects no other replica unless the topic sets
 * unclean.leader.election.enable=true. Leaderless: no live leader but an ISR member is up, so an
 * election is due. Damaged: a broker reports its own copy damaged (a batch failing its CRC, a
 * missing range), which it is repairing from the leader. Under min ISR: fewer in sync than the
 * topic's min.insync.replicas (`minIsr`, when known), so acks=all produces are refused.
 * Under-replicated: ISR smaller than the replicas.
 */
export function partitionProblem(
  topic: string, p: PartitionView, live: ReadonlySet<number>, missing: ReadonlySet<number>,
  minIsr?: number, damaged: readonly number[] = [],
): HealthProblem | null {
  const subject = `${topic}-${p.partitionIndex}`;
  const down = p.replicaNodes.filter((id) => !live.has(id));
  const hasLeader = p.leaderId >= 0 && live.has(p.leaderId);
  if (!hasLeader && down.length === p.replicaNodes.length) {
    return { kind: 'offline', subject, message: `partition ${subject} has no leader: ` +
      `${replicasPhrase(p.replicaNodes)} down; start ${brokersPhrase(down)}` };
  }
  if (!hasLeader) return noLeaderProblem(topic, subject, p, live);
  if (damaged.length > 0) return damagedProblem(subject, p, damaged);
  const outOfSync = p.replicaNodes.filter((id) => !p.isrNodes.includes(id));
  const stopped = outOfSync.filter((id) => missing.has(id) || !live.has(id));
  const next = stopped.length > 0 ? `start ${brokersPhrase(stopped)}`
    : `check that ${brokersPhrase(outOfSync)} can fetch from broker ${p.leaderId}`;
  const inSync = `${p.isrNodes.length} of ${p.replicaNodes.length} replicas in sync`;
  if (minIsr !== undefined && p.isrNodes.length < minIsr) {
    const n = p.replicaNodes.length;
    const fix = outOfSync.length > 0 ? next : `it has only ${n} replica${n === 1 ? '' : 's'}: ` +
      `run \`pado topic alter-config ${topic} --set min.insync.replicas=${n}\``;
    return { kind: 'under-min-isr', subject, message: `partition ${subject}: ${inSync}, fewer ` +
      `than min.insync.replicas=${minIsr}: acks=all produces are refused ` +
      `(NOT_ENOUGH_REPLICAS); ${fix}` };
  }
  if (outOfSync.length === 0) return null;
  return { kind: 'under-replicated', subject, message: `partition ${subject}: ` +
    `${inSync} (behind: ${outOfSync.join(',')}); ${next}` };
}

/**
 * Copies their brokers report damaged: normally out of the ISR and refetching from the leader;
 * a damaged leader alone in the ISR cannot be healed by replication, so it needs the operator.
 */
function damagedProblem(subject: string, p: PartitionView, damaged: readonly number[]):
  HealthProblem {
  const which = damaged.length === 1 ? `broker ${damaged[0]}'s copy is`
    : `the copies of brokers ${damaged.join(',')} are`;
  const what = `partition ${subject}: ${which} damaged (a batch fails its CRC32C or a range is ` +
    'missing; never served)';
  const logHint = `the "damaged partition data" line in the log of ${brokersPhrase(damaged)} ` +
    'names the offset and file';
  if (damaged.includes(p.leaderId) && p.isrNodes.length === 1) {
    return { kind: 'damaged-replica', subject, message: `${what}, and broker ${p.leaderId} ` +
      'leads it as the only in-sync replica: consumers stop at the damaged offset. Start the ' +
      `other replicas so one can take over, or restore the data; ${logHint}` };
  }
  if (damaged.includes(p.leaderId)) {
    return { kind: 'damaged-replica', subject, message: `${what}; its leader, broker ` +
      `${p.leaderId}, is handing leadership to another in-sync replica and will then refetch ` +
      `from it; if this persists, ${logHint}` };
  }
  return { kind: 'damaged-replica', subject, message: `${what}: ${damaged.length === 1 ? 'it' :
    'they'} left the ISR and ${damaged.length === 1 ? 'is' : 'are'} refetching from the leader, ` +
    `broker ${p.leaderId}, and rejoin${damaged.length === 1 ? 's' : ''} when caught up; if this ` +
    `persists, ${logHint}` };
}

/** No live leader though a replica is up: leaderless when an ISR member is up, else offline. */
function noLeaderProblem(
  topic: string, subject: string, p: PartitionView, live: ReadonlySet<number>,
): HealthProblem {
  const why = p.leaderId >= 0 ? `its leader, broker ${p.leaderId}, is down` : 'none elected';
  const liveIsr = p.isrNodes.filter((id) => live.has(id));
  if (liveIsr.length > 0) {
    return { kind: 'leaderless', subject, message: `partition ${subject} has no leader (${why}) ` +
      `although in-sync ${brokersPhrase(liveIsr)} ${liveIsr.length === 1 ? 'is' : 'are'} up; ` +
      'the controller elects one from the ISR within seconds: if this persists, run ' +
      '`pado cluster info` to check the controller' };
  }
  const up = p.replicaNodes.filter((id) => live.has(id));
  const unclean = 'accepting the loss of acknowledged records, run `pado topic alter-config ' +
    `${topic} --set unclean.leader.election.enable=true\` to let ${brokersPhrase(up)} lead`;
  const isrDown = p.isrNodes.filter((id) => !live.has(id));
  const start = isrDown.length === 0
    ? 'no in-sync replica is known (empty ISR); '
    : `start ${brokersPhrase(isrDown)}, or, `;
  const behind = `${brokersPhrase(up)} ${up.length === 1 ? 'is' : 'are'} up but not in sync`;
  return { kind: 'offline', subject, message: `partition ${subject} has no leader (${why}) and ` +
    `no replica holding every acknowledged record is up: ${behind}; ${start}${unclean}` };
}

function replicasPhrase(ids: readonly number[]): string {
  if (ids.length === 0) return 'it has no replicas, so it is';
  if (ids.length === 1) return `its only replica, broker ${ids[0]}, is`;
  return `all its replicas, brokers ${ids.join(',')}, are`;
}

function brokersPhrase(ids: readonly number[]): string {
  return ids.length === 1 ? `broker ${ids[0]}` : `brokers ${ids.join(',')}`;
}

/** Raft needs a majority of voters caught up to commit; each voter behind is one problem. */
export function quorumProblems(quorum: QuorumDescription): HealthProblem[] {
  if (quorum.errorCode !== 0) {
    return [{ kind: 'quorum-error', subject: 'quorum', message: `the broker could not describe ` +
      `the quorum (error ${quorum.errorCode}${quorum.errorMessage ? `: ${quorum.errorMessage}`
        : ''}); retry, or ask another broker with --bootstrap` }];
  }
  if (quorum.leaderId < 0) {
    return [{ kind: 'quorum-no-leader', subject: 'quorum', message: 'the metadata quorum has no ' +
      `leader (epoch ${quorum.leaderEpoch}); start stopped voters until a majority ` +
      `(${Math.floor(quorum.voters.length / 2) + 1} of ${quorum.voters.length}) runs` }];
  }
  const problems: HealthProblem[] = [];
  // The leader's own end unknown: a follower answered, which cannot know the voters' progress.
  const leader = quorum.voters.find((v) => v.replicaId === quorum.leaderId);
  if ((leader?.logEndOffset ?? -1) < 0) return problems;
  for (const voter of quorum.voters) {
    const lag = quorumLag(quorum, voter.logEndOffset);
    if (lag !== null && lag <= quorumLagRecordsMax) continue;
    const how = lag === null ? 'has not fetched from the leader'
      : `is ${lag} records behind the leader`;
    problems.push({ kind: 'quorum-voter-behind', subject: `voter ${voter.replicaId}`,
      message: `metadata voter ${voter.replicaId} ${how}; start node ${voter.replicaId} or ` +
        `check that it can reach node ${quorum.leaderId}` });
  }
  return problems;
}

/**
 * Every topic's min.insync.replicas in one DescribeConfigs; a topic the broker does not describe
 * (or a broker without DescribeConfigs) is left out, and its partitions are not checked for it.
 */
export async function fetchMinInsyncReplicas(client: KafkaClient,
  snapshot: ClusterSnapshot): Promise<MinInsyncReplicas> {
  const names = snapshot.topics.flatMap((t) =>
    (t.name === null || t.errorCode !== 0 ? [] : [t.name]));
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  try {
    const described = await client.describeConfigs(names.map((name) =>
      ({ type: ResourceType.topic, name, keys: ['min.insync.replicas'] })));
    for (const r of described.results) {
      const value = r.configs.find((c) => c.name === 'min.insync.replicas')?.value;
      const n = value === undefined || value === null ? NaN : Number(value);
      if (r.errorCode === 0 && Number.isInteger(n) && n > 0) out.set(r.resourceName, n);
    }
  } catch {
    // Not served here: the partitions are checked without it.
  }
  return out;
}

/**
 * What `pado cluster health`, `pado doctor` and the console evaluate: one broker's snapshot, the
 * copies every live broker reports damaged, the disks the cluster's events say are low or full,
 * and the topics' min.insync.replicas.
 */
export async function fetchHealth(client: KafkaClient):
  Promise<{ snapshot: ClusterSnapshot; report: HealthReport }> {
  const fetched = await fetchClusterSnapshot(client);
  const damagedReplicas = await fetchDamagedReplicas(client.io, fetched.brokers);
  const snapshot = { ...fetched, damagedReplicas, diskStates: await fetchDiskStates(client) };
  return { snapshot, report: evaluateHealth(snapshot, await fetchMinInsyncReplicas(client, snapshot)) };
}
