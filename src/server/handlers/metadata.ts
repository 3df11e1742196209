/**
 * Metadata (key 3), v0–v12. Lists the brokers, the controller and the requested topics with their
 * partitions (leader, epoch, replicas, ISR, offline replicas). Topics: null (v1+) or empty (v0)
 * means all; an unknown topic is created when both the broker (auto.create.topics.enable) and,
 * from v4, the request allow it, otherwise UNKNOWN_TOPIC_OR_PARTITION. v10+ carries topic ids,
 * v12 may ask by id only. Authorized-operations fields are -2147483648 (not computed).
 */
import {
  KafkaError,
  zeroUuid,
  type MetadataRequest,
  type MetadataResponse,
} from '../../protocol/index.js';
import { validateTopicName } from '../../config/index.js';
import {
  internalTopics, liveBrokers, type MetadataImage, type TopicImage,
} from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';
import { endpointFor } from '../endpoints.js';

type TopicOut = MetadataResponse['topics'][number];
const operationsUnknown = -2147483648;

export function metadataHandler(broker: Broker): Handler<MetadataRequest, MetadataResponse> {
  return {
    apiKey: 3,
    minVersion: 0,
    maxVersion: 12,
    async handle(ctx, req) {
      const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
      let image = broker.image();
      if (!all && req.topics !== null) {
        const allowed = broker.autoCreateTopics && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
        const missing = req.topics
          .map((t) => t.name)
          .filter((n): n is string => n !== null && !image.topicsByName.has(n));
        if (missing.length > 0) {
          // A topic just created through another broker may not be applied here yet: catch up
          // with the controller's commit first, so "created anywhere" means "visible everywhere".
          await broker.catchUp();
          image = broker.image();
        }
        const stillMissing = missing.filter((n) => !image.topicsByName.has(n));
        if (allowed && stillMissing.length > 0) {
          await broker.autoCreate(stillMissing);
          image = broker.image();
        }
      }
      const view: View = { self: broker.holdsLease() ? -1 : broker.nodeId,
        nodeId: broker.nodeId, damaged: (topic, p) => broker.replicaDamaged(topic, p) };
      const topics = all
        ? [...image.topicsByName.values()].map((t) => describeTopic(t, image, view))
        : (req.topics ?? []).map((t) => lookupTopic(image, t.name, t.topicId, view));
      return {
        throttleTimeMs: 0,
        brokers: liveBrokers(image).flatMap((b) => {
          const at = endpointFor(b, ctx);
          return at === undefined ? [] : [{ nodeId: b.brokerId, ...at, rack: b.rack }];
        }),
        clusterId: image.clusterId,
        controllerId: broker.controllerId(),
        topics,
        clusterAuthorizedOperations: operationsUnknown,
      };
    },
  };
}

/** Who answers: `self` (see describeTopic), and which of its own copies are damaged. */
interface View {
  readonly self: number;
  readonly nodeId: number;
  readonly damaged: (topic: string, partition: number) => boolean;
}

function lookupTopic(image: MetadataImage, name: string | null, topicId: string, view: View):
  TopicOut {
  const topic =
    name !== null ? image.topicsByName.get(name)
    : topicId !== zeroUuid ? image.topicsById.get(topicId)
    : undefined;
  if (topic !== undefined) return describeTopic(topic, image, view);
  const invalid = name !== null && validateTopicName(name) !== null;
  const error =
    invalid ? KafkaError.invalidTopicException
    : name === null ? KafkaError.unknownTopicId
    : KafkaError.unknownTopicOrPartition;
  return {
    errorCode: error.code,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: operationsUnknown,
  };
}

/**
 * A partition whose leader is not a live broker is reported with LEADER_NOT_AVAILABLE (clients
 * retry), and replicas on fenced or unregistered brokers as offline. `self` is this broker's id
 * while it holds no lease (cut off from the controller: its image may be old and its leaderships
 * moved): it does not name itself leader, so clients ask another broker (issue 13, break 6).
 * This broker also lists itself as offline for a partition whose local copy is damaged (a batch
 * failing its CRC, a missing range) until it is repaired and back in the ISR — Kafka's meaning of
 * an offline replica on a live broker (its log directory failed); `pado cluster health` asks each
 * broker for its own (issue 13, break 4).
 */
function describeTopic(topic: TopicImage, image: MetadataImage, view: View): TopicOut {
  const self = view.self;
  const live = (id: number) => id !== self && image.brokers.get(id)?.fenced === false;
  const damaged = (id: number, partition: number) =>
    id === view.nodeId && view.damaged(topic.name, partition);
  return {
    errorCode: 0,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: internalTopics.has(topic.name),
    partitions: topic.partitions.map((p) => ({
      errorCode: live(p.leader) ? 0 : KafkaError.leaderNotAvailable.code,
      partitionIndex: p.partition,
      leaderId: live(p.leader) ? p.leader : -1,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas as number[],
      isrNodes: p.isr as number[],
      offlineReplicas: p.replicas.filter((id) => !live(id) || damaged(id, p.partition)),
    })),
    topicAuthorizedOperations: operationsUnknown,
  };
}
