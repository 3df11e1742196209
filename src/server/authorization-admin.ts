/**
 * Authorization rules of the group, admin and cluster APIs (authorization.ts applies them):
 * groups need READ (join, sync, heartbeat, leave, commit) or DESCRIBE / DELETE; topics CREATE,
 * DELETE, ALTER, DESCRIBE_CONFIGS, ALTER_CONFIGS; the cluster DESCRIBE or ALTER for ACLs, users,
 * the quorum and brokers; an idempotent producer IDEMPOTENT_WRITE on the cluster or WRITE on some
 * topic (KIP-679).
 */
import {
  AclOperation as Op, AclResourceType as R, KafkaError, zeroUuid,
  type AlterConfigsRequest, type AlterUserScramCredentialsRequest, type CreateAclsRequest,
  type CreatePartitionsRequest, type CreateTopicsRequest, type DeleteAclsRequest,
  type DeleteGroupsRequest, type DeleteRecordsRequest, type DeleteTopicsRequest,
  type DescribeClusterRequest, type DescribeConfigsRequest, type DescribeGroupsRequest,
  type FindCoordinatorRequest, type InitProducerIdRequest, type JoinGroupRequest,
  type ListGroupsResponse, type OffsetDeleteRequest, type OffsetForLeaderEpochRequest,
  type AlterBrokerMaintenanceRequest, type ElectLeadersRequest, type ReplicationThrottleRequest,
} from '../protocol/index.js';
import { closeConnection, type RequestContext } from './handler.js';
import type { Access } from './authorization.js';
import {
  cluster, clusterDenied, deniedMessage, groupDenied, rule, topicDenied, type Next, type Rule,
} from './authorization-common.js';

/** Kafka's ConfigResource types: 2 topic, 4 broker (a cluster config). */
const configTopic = 2;

/** Serves the allowed items and answers the others with `refuse`, keeping the response's shape. */
async function split<T, Out>(req: Record<string, unknown>, key: string, items: readonly T[],
  ok: (t: T) => boolean, refuse: (t: T) => Out, next: Next, resultKey: string,
  empty: Record<string, unknown>): Promise<unknown> {
  const allowed = items.filter(ok);
  if (allowed.length === items.length) return next(req);
  const served = allowed.length === 0 ? null : await next({ ...req, [key]: allowed });
  if (served === closeConnection || (served === null && allowed.length > 0)) return served;
  const base = (served ?? empty) as Record<string, unknown>;
  const earlier = (base[resultKey] ?? []) as unknown[];
  return { ...base, [resultKey]: [...earlier, ...items.filter((t) => !allowed.includes(t))
    .map(refuse)] };
}

/** All or nothing on the cluster resource. */
function onCluster(op: Op, refusal: (req: never, ctx: RequestContext) => unknown): Rule {
  return rule<never>((ctx, req, next, a) => a.allowed(ctx, R.cluster, cluster, op)
    ? next(req) : refusal(req, ctx));
}

const groupRead = (refusal: (req: never) => unknown): Rule =>
  rule<{ groupId: string }>((ctx, req, next, a) =>
    a.allowed(ctx, R.group, req.groupId, Op.read) ? next(req) : refusal(req as never));

const clusterError = { throttleTimeMs: 0, errorCode: clusterDenied, errorMessage: deniedMessage };

const findCoordinator = rule<FindCoordinatorRequest>(async (ctx, req, next, a) => {
  const type = req.keyType === 1 ? R.transactionalId : R.group;
  const ok = (key: string) => a.allowed(ctx, type, key, Op.describe);
  const code = type === R.group ? groupDenied : KafkaError.transactionalIdAuthorizationFailed.code;
  const refuse = (key: string) => ({ key, nodeId: -1, host: '', port: -1, errorCode: code,
    errorMessage: deniedMessage });
  if (ctx.apiVersion < 4) {
    return ok(req.key) ? next(req) : { throttleTimeMs: 0, ...refuse(req.key), coordinators: [] };
  }
  return split(req as never, 'coordinatorKeys', req.coordinatorKeys, ok, refuse, next,
    'coordinators', { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '',
      port: -1 });
});

const createTopics = rule<CreateTopicsRequest>((ctx, req, next, a) => {
  const anyTopic = a.permits(ctx, R.cluster, cluster, Op.create);
  return split(req as never, 'topics', req.topics,
    (t) => anyTopic || a.allowed(ctx, R.topic, t.name, Op.create),
    (t) => ({ name: t.name, topicId: zeroUuid, errorCode: topicDenied, errorMessage: deniedMessage,
      topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null }),
    next, 'topics', { throttleTimeMs: 0 });
});

const deleteTopics = rule<DeleteTopicsRequest>((ctx, req, next, a) => {
  const refuse = (name: string | null, topicId: string) => ({ name, topicId,
    errorCode: topicDenied, errorMessage: deniedMessage });
  if (ctx.apiVersion < 6) {
    return split(req as never, 'topicNames', req.topicNames,
      (n) => a.allowed(ctx, R.topic, n, Op.delete), (n) => refuse(n, zeroUuid), next,
      'responses', { throttleTimeMs: 0 });
  }
  const name = (t: { name: string | null; topicId: string }) =>
    t.name ?? a.topicName(t.topicId) ?? '';
  return split(req as never, 'topics', req.topics, (t) => a.allowed(ctx, R.topic, name(t),
    Op.delete), (t) => refuse(t.name, t.topicId), next, 'responses', { throttleTimeMs: 0 });
});

const deleteRecords = rule<DeleteRecordsRequest>((ctx, req, next, a) =>
  split(req as never, 'topics', req.topics, (t) => a.allowed(ctx, R.topic, t.name, Op.delete),
    (t) => ({ name: t.name, partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: topicDenied })) }),
    next, 'topics', { throttleTimeMs: 0 }));

const initProducerId = rule<InitProducerIdRequest>((ctx, req, next, a) => {
  const refuse = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1,
    producerEpoch: -1 });
  if (req.transactionalId !== null) {
    return a.allowed(ctx, R.transactionalId, req.transactionalId, Op.write) ? next(req)
      : refuse(KafkaError.transactionalIdAuthorizationFailed.code);
  }
  return a.permits(ctx, R.cluster, cluster, Op.idempotentWrite) ||
    a.anyAllowed(ctx, R.topic, Op.write) ? next(req)
    : (a.allowed(ctx, R.cluster, cluster, Op.idempotentWrite), refuse(clusterDenied));
});

const offsetForLeaderEpoch = rule<OffsetForLeaderEpochRequest>((ctx, req, next, a) =>
  split(req as never, 'topics', req.topics, (t) => a.allowed(ctx, R.topic, t.topic, Op.describe),
    (t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode: topicDenied,
      partition: p.partition, leaderEpoch: -1, endOffset: -1 })) }),
    next, 'topics', { throttleTimeMs: 0 }));

function configRule(op: Op, resultKey: string, withConfigs: boolean): Rule {
  return rule<DescribeConfigsRequest | AlterConfigsRequest>((ctx, req, next, a) =>
    split(req as never, 'resources', req.resources as { resourceType: number;
      resourceName: string }[], (r) => r.resourceType === configTopic
      ? a.allowed(ctx, R.topic, r.resourceName, op) : a.allowed(ctx, R.cluster, cluster, op),
    (r) => ({ errorCode: r.resourceType === configTopic ? topicDenied : clusterDenied,
      errorMessage: deniedMessage, resourceType: r.resourceType, resourceName: r.resourceName,
      ...(withConfigs ? { configs: [] } : {}) }), next, resultKey, { throttleTimeMs: 0 }));
}

const createPartitions = rule<CreatePartitionsRequest>((ctx, req, next, a) =>
  split(req as never, 'topics', req.topics, (t) => a.allowed(ctx, R.topic, t.name, Op.alter),
    (t) => ({ name: t.name, errorCode: topicDenied, errorMessage: deniedMessage }),
    next, 'results', { throttleTimeMs: 0 }));

const describeGroups = rule<DescribeGroupsRequest>((ctx, req, next, a) =>
  split(req as never, 'groups', req.groups, (g) => a.allowed(ctx, R.group, g, Op.describe),
    (g) => ({ errorCode: groupDenied, groupId: g, groupState: '', protocolType: '',
      protocolData: '', members: [], authorizedOperations: -2147483648 }),
    next, 'groups', { throttleTimeMs: 0 }));

const listGroups = rule<unknown>(async (ctx, req, next, a) => {
  if (a.permits(ctx, R.cluster, cluster, Op.describe)) return next(req);
  const served = await next(req);
  if (served === null || served === closeConnection) return served;
  const r = served as ListGroupsResponse;
  return { ...r, groups: r.groups.filter((g) => a.permits(ctx, R.group, g.groupId,
    Op.describe)) };
});

const deleteGroups = rule<DeleteGroupsRequest>((ctx, req, next, a) =>
  split(req as never, 'groupsNames', req.groupsNames,
    (g) => a.allowed(ctx, R.group, g, Op.delete), (g) => ({ groupId: g, errorCode: groupDenied }),
    next, 'results', { throttleTimeMs: 0 }));

const offsetDelete = rule<OffsetDeleteRequest>((ctx, req, next, a) => {
  if (!a.allowed(ctx, R.group, req.groupId, Op.delete)) {
    return { errorCode: groupDenied, throttleTimeMs: 0, topics: [] };
  }
  return split(req as never, 'topics', req.topics, (t) => a.allowed(ctx, R.topic, t.name, Op.read),
    (t) => ({ name: t.name, partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex, errorCode: topicDenied })) }),
    next, 'topics', { errorCode: 0, throttleTimeMs: 0 });
});

export const clusterRules: readonly (readonly [number, Rule])[] = [
  [10, findCoordinator],
  [11, groupRead((req: JoinGroupRequest) => ({ throttleTimeMs: 0, errorCode: groupDenied,
    generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false,
    memberId: req.memberId, members: [] }))],
  [12, groupRead(() => ({ throttleTimeMs: 0, errorCode: groupDenied }))],
  [13, groupRead(() => ({ throttleTimeMs: 0, errorCode: groupDenied, members: [] }))],
  [14, groupRead(() => ({ throttleTimeMs: 0, errorCode: groupDenied, protocolType: null,
    protocolName: null, assignment: Buffer.alloc(0) }))],
  [15, describeGroups], [16, listGroups], [19, createTopics], [20, deleteTopics],
  [21, deleteRecords], [22, initProducerId], [23, offsetForLeaderEpoch],
  [29, onCluster(Op.describe, () => ({ ...clusterError, resources: [] }))],
  [30, onCluster(Op.alter, (req: CreateAclsRequest) => ({ throttleTimeMs: 0,
    results: req.creations.map(() => ({ errorCode: clusterDenied, errorMessage: deniedMessage })) }))],
  [31, onCluster(Op.alter, (req: DeleteAclsRequest) => ({ throttleTimeMs: 0,
    filterResults: req.filters.map(() => ({ errorCode: clusterDenied,
      errorMessage: deniedMessage, matchingAcls: [] })) }))],
  [32, configRule(Op.describeConfigs, 'results', true)],
  [33, configRule(Op.alterConfigs, 'responses', false)],
  [37, createPartitions], [42, deleteGroups],
  [44, configRule(Op.alterConfigs, 'responses', false)],
  [47, offsetDelete],
  [50, onCluster(Op.describe, () => ({ ...clusterError, results: [] }))],
  [51, onCluster(Op.alter, (req: AlterUserScramCredentialsRequest) => ({ throttleTimeMs: 0,
    results: [...new Set([...req.deletions, ...req.upsertions].map((c) => c.name))]
      .map((user) => ({ user, errorCode: clusterDenied, errorMessage: deniedMessage })) }))],
  [55, onCluster(Op.describe, () => ({ errorCode: clusterDenied, errorMessage: deniedMessage,
    topics: [], nodes: [] }))],
  [60, onCluster(Op.describe, (req: DescribeClusterRequest) => ({ ...clusterError,
    endpointType: req.endpointType, clusterId: '', controllerId: -1, brokers: [],
    clusterAuthorizedOperations: -2147483648 }))],
  [64, onCluster(Op.alter, () => clusterError)],
  [1003, onCluster(Op.describe, () => ({ errorCode: clusterDenied, errorMessage: deniedMessage,
    lastId: -1, events: [] }))],
  [80, onCluster(Op.alter, () => clusterError)],
  // DescribeLogDirs: Kafka answers a refusal with no results (and, v3+, the error code).
  [35, onCluster(Op.describe, () => ({ throttleTimeMs: 0, errorCode: clusterDenied, results: [] }))],
  [81, onCluster(Op.alter, () => clusterError)],
  // Reassignment, elections and maintenance (issue 16): ALTER on the cluster, as Kafka's
  // ElectLeaders and AlterPartitionReassignments; their listings DESCRIBE.
  [43, onCluster(Op.alter, (req: ElectLeadersRequest) => ({ throttleTimeMs: 0,
    errorCode: clusterDenied, replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
      topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId,
        errorCode: clusterDenied, errorMessage: deniedMessage })) })) }))],
  [45, onCluster(Op.alter, () => ({ ...clusterError, responses: [] }))],
  [46, onCluster(Op.describe, () => ({ ...clusterError, topics: [] }))],
  [1010, onCluster(Op.alter, (req: AlterBrokerMaintenanceRequest) => ({ throttleTimeMs: 0,
    results: req.brokers.map((b) => ({ brokerId: b.brokerId, errorCode: clusterDenied,
      errorMessage: deniedMessage })) }))],
  [1011, onCluster(Op.describe, () => ({ ...clusterError, brokers: [] }))],
  [1012, rule<ReplicationThrottleRequest>((ctx, req, next, a) =>
    a.allowed(ctx, R.cluster, cluster, req.set ? Op.alter : Op.describe) ? next(req)
      : { ...clusterError, rateBytesPerSec: -1 })],
];

