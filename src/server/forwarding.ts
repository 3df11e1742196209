/**
 * Admin requests may arrive at any broker (DESIGN.md, Data flow: Admin). The controller — the Raft
 * leader — decides; every other broker forwards the request unchanged, at the client's version, to
 * the controller and relays its answer. When no controller can be reached the client gets
 * NOT_CONTROLLER (retriable) for every resource it named, so it retries after refreshing metadata.
 * InitProducerId is not forwarded: every broker serves it from its own block of producer ids.
 */
import {
  KafkaError,
  type AlterConfigsRequest,
  type CreatePartitionsRequest,
  type CreateTopicsRequest,
  type DeleteTopicsRequest,
  type IncrementalAlterConfigsRequest, zeroUuid,
  type AlterUserScramCredentialsRequest, type CreateAclsRequest, type DeleteAclsRequest,
  type AlterBrokerMaintenanceRequest, type AlterPartitionReassignmentsRequest,
  type ElectLeadersRequest,
} from '../protocol/index.js';
import type { Broker } from './broker.js';
import type { Handler, HandlerTable, RequestContext } from './handler.js';

const notController = KafkaError.notController.code;
const message = 'no controller could be reached: a majority of the metadata quorum must be running; ' +
  'retry shortly, and check `pado cluster health`';

type Refusal = (req: unknown, version: number) => unknown;

/** Typed at the definition, stored untyped: each API's request type is only known inside it. */
function refusal<R>(f: (req: R, version: number) => unknown): Refusal {
  return f as unknown as Refusal;
}

/** Per forwarded API: the answer that says "not the controller" for each resource of the request. */
const refusals: ReadonlyMap<number, Refusal> = new Map<number, Refusal>([
  [19, refusal((req: CreateTopicsRequest) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name, topicId: zeroUuid, errorCode: notController, errorMessage: message,
      topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null,
    })),
  }))],
  [20, refusal((req: DeleteTopicsRequest, version: number) => ({
    throttleTimeMs: 0,
    responses: (version >= 6 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
      : req.topicNames.map((name) => ({ name, topicId: zeroUuid })))
      .map((t) => ({ ...t, errorCode: notController, errorMessage: message })),
  }))],
  [37, refusal((req: CreatePartitionsRequest) => ({
    throttleTimeMs: 0,
    results: req.topics.map((t) => ({ name: t.name, errorCode: notController, errorMessage: message })),
  }))],
  [33, refusal((req: AlterConfigsRequest) => ({
    throttleTimeMs: 0,
    responses: req.resources.map((r) => ({ errorCode: notController, errorMessage: message,
      resourceType: r.resourceType, resourceName: r.resourceName })),
  }))],
  [44, refusal((req: IncrementalAlterConfigsRequest) => ({
    throttleTimeMs: 0,
    responses: req.resources.map((r) => ({ errorCode: notController, errorMessage: message,
      resourceType: r.resourceType, resourceName: r.resourceName })),
  }))],
  [51, refusal((req: AlterUserScramCredentialsRequest) => ({
    throttleTimeMs: 0,
    results: [...new Set([...req.deletions, ...req.upsertions].map((c) => c.name))]
      .map((user) => ({ user, errorCode: notController, errorMessage: message })),
  }))],
  [30, refusal((req: CreateAclsRequest) => ({
    throttleTimeMs: 0,
    results: req.creations.map(() => ({ errorCode: notController, errorMessage: message })),
  }))],
  [31, refusal((req: DeleteAclsRequest) => ({
    throttleTimeMs: 0,
    filterResults: req.filters.map(() => ({ errorCode: notController, errorMessage: message,
      matchingAcls: [] })),
  }))],
  [43, refusal((req: ElectLeadersRequest) => ({
    throttleTimeMs: 0, errorCode: notController,
    replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({ topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: notController,
        errorMessage: message })) })),
  }))],
  [45, refusal((req: AlterPartitionReassignmentsRequest) => ({
    throttleTimeMs: 0, errorCode: notController, errorMessage: message,
    responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex, errorCode: notController, errorMessage: message })) })),
  }))],
  [1010, refusal((req: AlterBrokerMaintenanceRequest) => ({
    throttleTimeMs: 0,
    results: req.brokers.map((b) => ({ brokerId: b.brokerId, errorCode: notController,
      errorMessage: message })),
  }))],
  [1012, refusal(() => ({ throttleTimeMs: 0, errorCode: notController, errorMessage: message,
    rateBytesPerSec: -1 }))],
]);

export const forwardedApiKeys: ReadonlySet<number> = new Set(refusals.keys());

/** Wraps the admin handlers of `table` so that non-controllers forward them. */
export function withForwarding(table: HandlerTable, broker: Broker): HandlerTable {
  const out = new Map(table);
  for (const [key, refuse] of refusals) {
    const inner = table.get(key);
    if (inner === undefined) continue;
    out.set(key, forwarding(inner, broker, refuse));
  }
  return out;
}

function forwarding(
  inner: Handler,
  broker: Broker,
  refuse: Refusal,
): Handler {
  return {
    apiKey: inner.apiKey,
    minVersion: inner.minVersion,
    maxVersion: inner.maxVersion,
    async handle(ctx: RequestContext, req: unknown) {
      if (broker.isController()) {
        try {
          return await inner.handle(ctx, req);
        } catch (err) {
          // Leadership moved during the decision: the client retries and finds the new controller.
          ctx.log.debug({ err }, 'admin request refused: controller changed');
          return refuse(req, ctx.apiVersion);
        }
      }
      try {
        return await broker.forwardToController(inner.apiKey, ctx.apiVersion, req);
      } catch (err) {
        ctx.log.debug({ err, apiKey: inner.apiKey }, 'forwarding to the controller failed');
        return refuse(req, ctx.apiVersion);
      }
    },
  };
}
