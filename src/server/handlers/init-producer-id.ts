/**
 * InitProducerId (key 22), v0–v5, for idempotent producers (KIP-98): a new producer id with epoch
 * 0. Every broker serves ids from a block the controller committed to the metadata log before
 * granting it (AllocateProducerIds, KIP-730), so no id is ever handed out twice, even across a
 * crash or on two brokers. A v3+ request that names its old id and epoch (KIP-360) also gets a
 * fresh id. While no block can be had (no controller) the answer is COORDINATOR_LOAD_IN_PROGRESS,
 * which clients retry, as Kafka's broker answers then. Transactions are not served yet: a
 * transactional id gets UNSUPPORTED_VERSION (not retriable), so the client fails at once with a
 * clear error instead of retrying.
 */
import {
  KafkaError,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from '../../protocol/index.js';
import type { ProducerIdSource } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function initProducerIdHandler(
  producerIds: ProducerIdSource,
): Handler<InitProducerIdRequest, InitProducerIdResponse> {
  return {
    apiKey: 22,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, req) {
      if (req.transactionalId !== null) {
        ctx.log.debug({ clientId: ctx.clientId }, 'refused transactional InitProducerId');
        return { throttleTimeMs: 0, errorCode: KafkaError.unsupportedVersion.code,
          producerId: -1, producerEpoch: -1 };
      }
      const { errorCode, producerId } = await producerIds.nextProducerId();
      return { throttleTimeMs: 0, errorCode, producerId, producerEpoch: errorCode === 0 ? 0 : -1 };
    },
  };
}
