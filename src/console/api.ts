/**
 * What the console's pages show and do, as a Kafka client of the cluster (client/): the same
 * requests, the same health evaluation and the same group offsets as the `pado` CLI, through a
 * `ClusterClient` that acts as the logged-in user (so the cluster's ACLs apply). Each function is
 * one API call; the caller bounds its time and drops the connections after a failure.
 */
import {
  checkBrokerError, checkGroupError, commitGroupOffsets, describeGroupAt, describeOne,
  fetchHealth, findGroupCoordinator, listGroups, missingBrokerIds, offsetsAt, OffsetSpec, quorumLag,
  ResourceType, TopicReader, decodeFetchedRecords, topicPartitions,
  type ClusterClient, type GroupDescription, type HealthReport, type KafkaClient,
} from '../client/index.js';
import { limits } from '../common/index.js';
import type { MetadataResponseTopic } from '../protocol/index.js';
import {
  resetOffset, showRecord, type BrowseInput, type NewTopicInput, type ResetInput,
  type ShownRecord,
} from './inputs.js';
import { ConsoleRequestError } from './http.js';

/** A partition's leader may be moving: the console asks, it does not wait the CLI's 60 s. */
const leaderWaitMs = 3_000;
/** Fetch rounds one browse makes at most (each asks for up to consoleBrowseBytesMax). */
const browseRoundsMax = 8;

export interface Overview {
  clusterId: string | null;
  controllerId: number;
  brokers: { id: number; host: string | null; port: number | null; rack: string | null;
    state: 'live' | 'down'; controller: boolean }[];
  quorum: { leaderId: number; leaderEpoch: number; highWatermark: number;
    voters: { id: number; logEndOffset: number; lag: number | null }[];
    observers: { id: number; logEndOffset: number; lag: number | null }[] } | null;
  health: HealthReport;
}

export async function overview(cluster: ClusterClient): Promise<Overview> {
  const client = await cluster.any();
  const { snapshot, report: health } = await fetchHealth(client);
  const live = snapshot.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port,
    rack: b.rack, state: 'live' as const, controller: b.brokerId === snapshot.controllerId }));
  const down = missingBrokerIds(snapshot).map((id) => ({ id, host: null, port: null, rack: null,
    state: 'down' as const, controller: false }));
  const q = snapshot.quorum;
  const member = (r: { replicaId: number; logEndOffset: number }) => ({ id: r.replicaId,
    logEndOffset: r.logEndOffset, lag: q === null ? null : quorumLag(q, r.logEndOffset) });
  return {
    clusterId: snapshot.clusterId,
    controllerId: snapshot.controllerId,
    brokers: [...live, ...down].sort((a, b) => a.id - b.id),
    quorum: q === null ? null : { leaderId: q.leaderId, leaderEpoch: q.leaderEpoch,
      highWatermark: q.highWatermark, voters: q.voters.map(member),
      observers: q.observers.map(member) },
    health,
  };
}

export interface TopicRow {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  underReplicated: number;
  offline: number;
}

export async function topics(cluster: ClusterClient): Promise<{ topics: TopicRow[];
  truncated: boolean }> {
  const metadata = await cluster.metadata(null);
  const live = new Set(metadata.brokers.map((b) => b.nodeId));
  const rows = metadata.topics.filter((t) => t.errorCode === 0 && t.name !== null)
    .map((t) => topicRow(t, live)).sort((a, b) => a.name.localeCompare(b.name));
  return { topics: rows.slice(0, limits.consoleListRowsMax),
    truncated: rows.length > limits.consoleListRowsMax };
}

function topicRow(t: MetadataResponseTopic, live: ReadonlySet<number>): TopicRow {
  return {
    name: t.name ?? '',
    internal: t.isInternal,
    partitions: t.partitions.length,
    replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicaNodes.length)),
    underReplicated: t.partitions.filter((p) => p.isrNodes.length < p.replicaNodes.length).length,
    offline: t.partitions.filter((p) => !live.has(p.leaderId)).length,
  };
}

export interface TopicDetail {
  name: string;
  internal: boolean;
  partitions: { partition: number; leader: number | null; replicas: number[]; isr: number[];
    offline: number[]; logStartOffset: number | null; logEndOffset: number | null;
    sizeBytes: number | null }[];
  configs: { name: string; value: string | null; isDefault: boolean; readOnly: boolean;
    sensitive: boolean }[];
}

/** `localSizes`: bytes of this node's own replicas ("topic/partition" → bytes). */
export async function topicDetail(cluster: ClusterClient, name: string,
  localSizes: ReadonlyMap<string, number>): Promise<TopicDetail> {
  const metadata = await cluster.metadata([name]);
  const t = metadata.topics.find((x) => x.name === name);
  checkBrokerError(t === undefined ? 3 : t.errorCode, { topic: name });
  const topic = t as MetadataResponseTopic;
  const live = new Set(metadata.brokers.map((b) => b.nodeId));
  const led = topic.partitions.filter((p) => live.has(p.leaderId)).map((p) => p.partitionIndex)
    .slice(0, limits.consoleListRowsMax);
  // Partitions without a live leader are shown without offsets rather than waited for.
  const [starts, ends] = led.length === 0 ? [new Map<number, number>(), new Map<number, number>()]
    : await Promise.all([OffsetSpec.earliest, OffsetSpec.latest].map((spec) =>
      offsetsAt(cluster, name, led, spec).catch(() => new Map<number, number>())));
  const described = await (await cluster.any()).describeConfigs([
    { type: ResourceType.topic, name, keys: null }]);
  const result = described.results[0];
  const configs = result === undefined || result.errorCode !== 0 ? [] : result.configs.map((c) =>
    ({ name: c.name, value: c.isSensitive ? null : c.value, isDefault: c.isDefault,
      readOnly: c.readOnly, sensitive: c.isSensitive }));
  return {
    name,
    internal: topic.isInternal,
    partitions: [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)
      .slice(0, limits.consoleListRowsMax).map((p) => ({
        partition: p.partitionIndex,
        leader: live.has(p.leaderId) ? p.leaderId : null,
        replicas: p.replicaNodes, isr: p.isrNodes,
        offline: p.replicaNodes.filter((id) => !live.has(id)),
        logStartOffset: starts?.get(p.partitionIndex) ?? null,
        logEndOffset: ends?.get(p.partitionIndex) ?? null,
        sizeBytes: localSizes.get(`${name}/${p.partitionIndex}`) ?? null,
      })),
    configs: configs.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export async function createTopic(cluster: ClusterClient, input: NewTopicInput): Promise<void> {
  const r = await (await cluster.any()).createTopics([{ name: input.name,
    numPartitions: input.partitions, replicationFactor: input.replicationFactor,
    configs: input.configs }], limits.consoleCallMsMax - 1_000);
  const t = r.topics[0];
  checkBrokerError(t?.errorCode ?? 0, { topic: input.name }, t?.errorMessage);
}

export async function deleteTopic(cluster: ClusterClient, name: string): Promise<void> {
  const r = await (await cluster.any()).deleteTopics([name], limits.consoleCallMsMax - 1_000);
  const t = r.responses[0];
  checkBrokerError(t?.errorCode ?? 0, { topic: name }, t?.errorMessage);
}

export interface GroupRow {
  group: string;
  state: string | null;
  protocolType: string;
  coordinator: number;
}

/** ListGroups at every broker: each lists the groups it coordinates. */
export async function groups(cluster: ClusterClient): Promise<{ groups: GroupRow[];
  truncated: boolean }> {
  const metadata = await cluster.metadata([]);
  const rows: GroupRow[] = [];
  await Promise.all(metadata.brokers.map(async (b) => {
    const r = await listGroups(await cluster.broker(b.nodeId));
    checkBrokerError(r.errorCode, {});
    for (const g of r.groups) {
      rows.push({ group: g.groupId, state: g.groupState === '' ? null : g.groupState,
        protocolType: g.protocolType, coordinator: b.nodeId });
    }
  }));
  rows.sort((a, b) => a.group.localeCompare(b.group));
  return { groups: rows.slice(0, limits.consoleListRowsMax),
    truncated: rows.length > limits.consoleListRowsMax };
}

async function coordinatorOf(cluster: ClusterClient, group: string): Promise<KafkaClient> {
  const c = await findGroupCoordinator(await cluster.any(), group);
  checkGroupError(c.errorCode, group, c.errorMessage);
  try {
    return await cluster.broker(c.nodeId);
  } catch {
    await cluster.metadata([]);
    return cluster.broker(c.nodeId);
  }
}

export async function group(cluster: ClusterClient, id: string): Promise<GroupDescription> {
  return describeGroupAt(await coordinatorOf(cluster, id), cluster, id);
}

export interface ResetRow {
  topic: string;
  partition: number;
  previous: number | null;
  offset: number;
}

/** Commits new offsets for an Empty group (Kafka refuses it while members are active). */
export async function resetGroup(cluster: ClusterClient, id: string, input: ResetInput):
  Promise<ResetRow[]> {
  const coordinator = await coordinatorOf(cluster, id);
  const described = await describeOne(coordinator, id);
  if (described.members.length > 0) {
    throw new ConsoleRequestError(409, `group '${id}' has ${described.members.length} active ` +
      `member(s) (state ${described.groupState}); offsets can be reset only while it is ` +
      'empty: stop its consumers first');
  }
  const all = await topicPartitions(cluster, input.topic);
  const missing = (input.partitions ?? []).filter((p) => !all.includes(p));
  if (missing.length > 0) {
    throw new ConsoleRequestError(400, `topic '${input.topic}' has no partition ` +
      `${missing.join(', ')} (it has ${all.length})`);
  }
  const partitions = input.partitions ?? all;
  const starts = await offsetsAt(cluster, input.topic, partitions, OffsetSpec.earliest);
  const ends = await offsetsAt(cluster, input.topic, partitions, OffsetSpec.latest);
  const previous = await group(cluster, id);
  const plan = partitions.map((partition) => ({ topic: input.topic, partition,
    previous: previous.offsets.find((o) => o.topic === input.topic && o.partition === partition)
      ?.committedOffset ?? null,
    offset: resetOffset(input.to, starts.get(partition) ?? 0, ends.get(partition) ?? 0) }));
  await commitGroupOffsets(coordinator, id, plan);
  return plan;
}

export interface Browsed {
  topic: string;
  partition: number;
  /** Where the browse began (after resolving a timestamp). */
  startOffset: number;
  records: ShownRecord[];
  /** The offset after the last record shown (to page on). */
  nextOffset: number;
  highWatermark: number | null;
  /** More records were there than shown (limit or byte budget). */
  more: boolean;
}

export async function browse(cluster: ClusterClient, input: BrowseInput): Promise<Browsed> {
  const { topic, partition } = input;
  const all = await topicPartitions(cluster, topic);
  if (!all.includes(partition)) {
    throw new ConsoleRequestError(400, `topic '${topic}' has no partition ${partition} ` +
      `(it has ${all.length})`);
  }
  const at = async (spec: number): Promise<number> =>
    (await offsetsAt(cluster, topic, [partition], spec)).get(partition) ?? 0;
  let offset: number;
  switch (input.from.kind) {
    case 'start': offset = await at(OffsetSpec.earliest); break;
    case 'offset': offset = input.from.offset; break;
    case 'timestamp': {
      const found = await at(input.from.timestampMs);
      offset = found >= 0 ? found : await at(OffsetSpec.latest);
    }
  }
  return { topic, partition, startOffset: offset,
    ...await fetchRecords(cluster, topic, partition, offset, input.limit) };
}

async function fetchRecords(cluster: ClusterClient, topic: string, partition: number,
  start: number, limit: number): Promise<Omit<Browsed, 'topic' | 'partition' | 'startOffset'>> {
  const reader = new TopicReader(cluster, topic, { leaderWaitMs });
  const records: ShownRecord[] = [];
  let offset = start;
  let highWatermark: number | null = null;
  // Bounded: browseRoundsMax fetches of at most consoleBrowseBytesMax each.
  for (let round = 0; round < browseRoundsMax && records.length < limit; round++) {
    const answers = await reader.fetch([{ partition, offset }],
      { maxWaitMs: 0, maxBytes: limits.consoleBrowseBytesMax });
    const data = answers.find((a) => a.partitionIndex === partition);
    if (data === undefined) continue;
    checkBrokerError(data.errorCode, { topic, partition });
    highWatermark = data.highWatermark;
    const fetched = decodeFetchedRecords(data.records);
    for (const r of fetched.records) {
      if (r.offset < offset || records.length >= limit) continue;
      records.push(showRecord(r));
    }
    const last = records.at(-1);
    offset = last === undefined ? Math.max(offset, fetched.nextOffset ?? offset) : last.offset + 1;
    if (fetched.nextOffset === null || offset >= data.highWatermark) break;
  }
  return { records, nextOffset: offset, highWatermark,
    more: highWatermark !== null && offset < highWatermark };
}
