/**
 * FindCoordinator (key 10), v0–v5. This single broker coordinates every group, so a group key
 * (keyType 0) is answered with this broker's id and advertised address from the metadata image.
 * Behaviour:
 * - Transaction keys (keyType 1) get INVALID_REQUEST with a message: transactions are not served,
 *   and COORDINATOR_NOT_AVAILABLE would make clients retry forever. Other key types likewise.
 * - An empty group id gets INVALID_REQUEST (Kafka: a group coordinator needs a key).
 * - While this broker is not yet in the image it answers COORDINATOR_NOT_AVAILABLE (retriable).
 * Version notes: v1+ keyType, errorMessage, throttleTimeMs; v3+ flexible; v4+ batched
 * `coordinatorKeys` answered in `coordinators` (KIP-699).
 */
import {
  KafkaError, type FindCoordinatorRequest, type FindCoordinatorResponse,
} from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

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
        const coordinators = req.coordinatorKeys.map((key) => findOne(broker, key, req.keyType));
        return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '',
          port: -1, coordinators };
      }
      const c = findOne(broker, req.key, ctx.apiVersion >= 1 ? req.keyType : keyTypeGroup);
      return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage,
        nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
    },
  };
}

function findOne(broker: Broker, key: string, keyType: number): Coordinator {
  if (keyType === keyTypeTransaction) {
    return failed(key, KafkaError.invalidRequest.code,
      'transactions are not supported by this broker, so there is no transaction coordinator');
  }
  if (keyType !== keyTypeGroup) {
    return failed(key, KafkaError.invalidRequest.code, `unknown coordinator key type ${keyType}`);
  }
  if (key === '') return failed(key, KafkaError.invalidRequest.code, 'the group id is empty');
  const self = broker.image().brokers.get(broker.nodeId);
  if (self === undefined) {
    const code = KafkaError.coordinatorNotAvailable.code;
    return failed(key, code, 'this broker is not registered yet');
  }
  return { key, nodeId: broker.nodeId, host: self.host, port: self.port, errorCode: 0,
    errorMessage: null };
}

function failed(key: string, errorCode: number, errorMessage: string): Coordinator {
  return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}
