/**
 * InitProducerId (key 22), v0–v5, for idempotent producers (KIP-98): a new producer id with epoch
 * 0, committed to the metadata log before the reply so no id is ever handed out twice, even
 * across a crash. A v3+ request that names its old id and epoch (KIP-360) also gets a fresh id.
 * Transactions are not served yet: a transactional id gets UNSUPPORTED_VERSION (not retriable),
 * so the client fails at once with a clear error instead of retrying.
 */
import { allocateProducerId } from '../../controller/index.js';
import {
  KafkaError,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export function initProducerIdHandler(broker: Broker): Handler<InitProducerIdRequest, InitProducerIdResponse> {
  return {
    apiKey: 22,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, req) {
      if (req.transactionalId !== null) {
        ctx.log.debug({ clientId: ctx.clientId }, 'refused transactional InitProducerId');
        return { throttleTimeMs: 0, errorCode: KafkaError.unsupportedVersion.code, producerId: -1, producerEpoch: -1 };
      }
      const producerId = await broker.propose((image) => {
        const { producerId, records } = allocateProducerId(image);
        return { records, result: producerId };
      });
      return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
    },
  };
}
