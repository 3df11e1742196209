/**
 * What each API needs (Kafka's KafkaApis; authorization.ts applies it). Per-resource APIs split
 * the request: the allowed part is served, the rest answered with the resource's authorization
 * error; cluster APIs are all or nothing. Codes: TOPIC_AUTHORIZATION_FAILED (29),
 * GROUP_AUTHORIZATION_FAILED (30), CLUSTER_AUTHORIZATION_FAILED (31),
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53).
 */
import {
  AclOperation as Op, AclResourceType as R, zeroUuid,
  type FetchRequest, type FetchResponse, type ListOffsetsRequest, type ListOffsetsResponse,
  type MetadataRequest, type MetadataResponse, type OffsetCommitRequest,
  type OffsetCommitResponse, type OffsetFetchRequest, type OffsetFetchResponse,
  type ProduceRequest, type ProduceResponse,
} from '../protocol/index.js';
import { closeConnection, type RequestContext } from './handler.js';
import type { Access } from './authorization.js';
import { clusterRules } from './authorization-admin.js';
import {
  cluster, groupDenied, rule, topicDenied, deniedMessage, type Rule,
} from './authorization-common.js';

/** Splits `items` by whether the principal may do `op` on each one's topic. */
function byTopic<T>(ctx: RequestContext, a: Access, items: readonly T[], name: (t: T) => string,
  op: number): { allowed: T[]; denied: T[] } {
  const allowed: T[] = [];
  const denied: T[] = [];
  for (const t of items) (a.allowed(ctx, R.topic, name(t), op as Op) ? allowed : denied).push(t);
  return { allowed, denied };
}

const passThrough = (r: unknown): boolean => r === null || r === closeConnection;

const produce = rule<ProduceRequest>(async (ctx, req, next, a) => {
  const { allowed, denied } = byTopic(ctx, a, req.topicData, (t) => t.name, Op.write);
  if (denied.length === 0) return next(req);
  const served = allowed.length === 0 ? null : await next({ ...req, topicData: allowed });
  if (req.acks === 0 || served === closeConnection) return served;
  const base = (served as ProduceResponse | null) ??
    { responses: [], throttleTimeMs: 0, nodeEndpoints: [] };
  return { ...base, responses: [...base.responses, ...denied.map((t) => ({ name: t.name,
    partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: topicDenied,
      baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [],
      errorMessage: deniedMessage, currentLeader: { leaderId: -1, leaderEpoch: -1 } })) }))] };
});

const fetch = rule<FetchRequest>(async (ctx, req, next, a) => {
  const name = (t: FetchRequest['topics'][number]) =>
    ctx.apiVersion >= 13 ? a.topicName(t.topicId) ?? '' : t.topic;
  const known = req.topics.filter((t) => name(t) !== '');
  const { denied } = byTopic(ctx, a, known, name, Op.read);
  if (denied.length === 0) return next(req);
  const rest = req.topics.filter((t) => !denied.includes(t));
  const served = rest.length === 0 ? null : await next({ ...req, topics: rest });
  if (served === closeConnection) return served;
  const base = (served as FetchResponse | null) ??
    { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [] };
  return { ...base, responses: [...base.responses, ...denied.map((t) => ({ topic: t.topic,
    topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition,
      errorCode: topicDenied, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
      divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
      snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: null,
      preferredReadReplica: -1, records: null })) }))] };
});

const listOffsets = rule<ListOffsetsRequest>(async (ctx, req, next, a) => {
  const { allowed, denied } = byTopic(ctx, a, req.topics, (t) => t.name, Op.describe);
  if (denied.length === 0) return next(req);
  const served = allowed.length === 0 ? null : await next({ ...req, topics: allowed });
  if (served === closeConnection) return served;
  const base = (served as ListOffsetsResponse | null) ?? { throttleTimeMs: 0, topics: [] };
  return { ...base, topics: [...base.topics, ...denied.map((t) => ({ name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex,
      errorCode: topicDenied, oldStyleOffsets: [], timestamp: -1, offset: -1,
      leaderEpoch: -1 })) }))] };
});

/**
 * Metadata: a listing of every topic shows only those the principal may describe; a named topic
 * it may not is TOPIC_AUTHORIZATION_FAILED. Auto-creation needs CREATE (cluster or topic).
 */
const metadata = rule<MetadataRequest>(async (ctx, req, next, a) => {
  // v0 asks for every topic with an empty list, later versions with null.
  const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
  const name = (t: { name: string | null; topicId: string }) =>
    t.name ?? a.topicName(t.topicId) ?? '';
  const { allowed, denied } = all ? { allowed: [], denied: [] }
    : byTopic(ctx, a, req.topics ?? [], name, Op.describe);
  const create = req.allowAutoTopicCreation && (a.permits(ctx, R.cluster, cluster, Op.create) ||
    allowed.every((t) => a.permits(ctx, R.topic, name(t), Op.create)));
  const served = await next(all ? req
    : { ...req, topics: allowed, allowAutoTopicCreation: create });
  if (passThrough(served)) return served;
  const r = served as MetadataResponse;
  // Also when a v0 request named only denied topics (its empty list then reads "all topics").
  const asked = new Set(allowed.map(name));
  const visible = r.topics.filter((t) => (all || asked.has(t.name ?? '')) &&
    a.permits(ctx, R.topic, t.name ?? '', Op.describe));
  return { ...r, topics: [...visible, ...denied.map((t) => ({ errorCode: topicDenied,
    name: t.name, topicId: zeroUuid, isInternal: false, partitions: [],
    topicAuthorizedOperations: -2147483648 }))] };
});

const offsetCommit = rule<OffsetCommitRequest>(async (ctx, req, next, a) => {
  const all = (code: number, topics: OffsetCommitRequest['topics']) => topics.map((t) => ({
    name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex,
      errorCode: code })) }));
  if (!a.allowed(ctx, R.group, req.groupId, Op.read)) {
    return { throttleTimeMs: 0, topics: all(groupDenied, req.topics) };
  }
  const { allowed, denied } = byTopic(ctx, a, req.topics, (t) => t.name, Op.read);
  if (denied.length === 0) return next(req);
  const served = allowed.length === 0 ? null : await next({ ...req, topics: allowed });
  if (served === closeConnection) return served;
  const base = (served as OffsetCommitResponse | null) ?? { throttleTimeMs: 0, topics: [] };
  return { ...base, topics: [...base.topics, ...all(topicDenied, denied)] };
});

/** OffsetFetch: the group needs DESCRIBE; topics the principal may not describe are left out. */
const offsetFetch = rule<OffsetFetchRequest>(async (ctx, req, next, a) => {
  const visible = <T extends { name: string }>(topics: T[]) =>
    topics.filter((t) => a.permits(ctx, R.topic, t.name, Op.describe));
  if (ctx.apiVersion < 8) {
    if (!a.allowed(ctx, R.group, req.groupId, Op.describe)) {
      return { throttleTimeMs: 0, topics: [], errorCode: groupDenied, groups: [] };
    }
    const served = await next(req);
    if (passThrough(served)) return served;
    const r = served as OffsetFetchResponse;
    return { ...r, topics: visible(r.topics) };
  }
  const allowed = req.groups.filter((g) => a.allowed(ctx, R.group, g.groupId, Op.describe));
  const denied = req.groups.filter((g) => !allowed.includes(g))
    .map((g) => ({ groupId: g.groupId, topics: [], errorCode: groupDenied }));
  const served = allowed.length === 0 ? null : await next({ ...req, groups: allowed });
  if (served === closeConnection) return served;
  const base = (served as OffsetFetchResponse | null) ??
    { throttleTimeMs: 0, topics: [], errorCode: 0, groups: [] };
  return { ...base, groups: [...base.groups.map((g) => ({ ...g, topics: visible(g.topics) })),
    ...denied] };
});

export const authorizationRules: ReadonlyMap<number, Rule> = new Map<number, Rule>([
  [0, produce], [1, fetch], [2, listOffsets], [3, metadata], [8, offsetCommit],
  [9, offsetFetch], ...clusterRules,
]);
