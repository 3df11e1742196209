/**
 * FindCoordinator (key 10), v0–v5. A group's coordinator is the leader of its partition of
 * `__consumer_offsets` (groups/placement.ts), answered with that broker's id and advertised address
 * from the metadata image; on a single node that is always this broker.
 * Behaviour:
 * - Transaction keys (keyType 1) get INVALID_REQUEST with a message: transactions are not served,
 *   and COORDINATOR_NOT_AVAILABLE would make clients retry forever. Other key types likewise.
 * - An empty group id gets INVALID_REQUEST (Kafka: a group coordinator needs a key).
 * - While the partition has no live leader it answers COORDINATOR_NOT_AVAILABLE (retriable), and
 *   so does a broker naming itself while it holds no lease from the controller (cut off).
 * Version notes: v1+ keyType, errorMessage, throttleTimeMs; v3+ flexible; v4+ batched
 * `coordinatorKeys` answered in `coordinators` (KIP-699).
 */
import {
  KafkaError, type FindCoordinatorRequest, type FindCoordinatorResponse,
} from '../../protocol/index.js';
import { offsetsTopicName, partitionForGroup } from '../../groups/index.js';
import type { Broker } from '../broker.js';
import type { Handler, RequestContext } from '../handler.js';
import { endpointFor } from '../endpoints.js';

type Coordinator = FindCoordinatorResponse['coordinators'][number];

const keyTypeGroup = 0;
const keyTypeTransaction = 1;

export function findCoordinatorHandler(
  broker: Broker,
): Handler<FindCoordinatorRequest, FindCoordinatorResponse> {
  return {
    apiKey: 10,
    minVersion: 0,
    maxVersion: 5,
    handle(ctx, req) {
      if (ctx.apiVersion >= 4) {
        const coordinators = req.coordinatorKeys.map((key) =>
          findOne(broker, key, req.keyType, ctx));
        return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '',
          port: -1, coordinators };
      }
      const c = findOne(broker, req.key, ctx.apiVersion >= 1 ? req.keyType : keyTypeGroup, ctx);
      return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage,
        nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
    },
  };
}

function findOne(broker: Broker, key: string, keyType: number,
  ctx: RequestContext): Coordinator {
  if (keyType === keyTypeTransaction) {
    return failed(key, KafkaError.invalidRequest.code,
      'transactions are not supported by this broker, so there is no transaction coordinator');
  }
  if (keyType !== keyTypeGroup) {
    return failed(key, KafkaError.invalidRequest.code, `unknown coordinator key type ${keyType}`);
  }
  if (key === '') return failed(key, KafkaError.invalidRequest.code, 'the group id is empty');
  const image = broker.image();
  const topic = image.topicsByName.get(offsetsTopicName);
  const partition = topic?.partitions[partitionForGroup(key, topic.partitions.length)];
  // Without its lease this broker's image may be old and its leaderships moved (issue 13).
  const stale = partition?.leader === broker.nodeId && !broker.holdsLease();
  const leader = partition === undefined || stale ? undefined : image.brokers.get(partition.leader);
  if (leader === undefined) {
    const code = KafkaError.coordinatorNotAvailable.code;
    return failed(key, code, `the ${offsetsTopicName} partition of this group has no leader yet`);
  }
  const at = endpointFor(leader, ctx);
  if (at === undefined) {
    return failed(key, KafkaError.coordinatorNotAvailable.code,
      `broker ${leader.brokerId} coordinates this group but has no listener of this name`);
  }
  return { key, nodeId: leader.brokerId, host: at.host, port: at.port, errorCode: 0,
    errorMessage: null };
}

function failed(key: string, errorCode: number, errorMessage: string): Coordinator {
  return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}
