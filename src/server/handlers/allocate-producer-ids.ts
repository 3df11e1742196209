/**
 * AllocateProducerIds (key 67), v0 (KIP-730): a broker asks the active controller for its next
 * block of producer ids. Answered once the block's record is committed. A non-controller answers
 * NOT_CONTROLLER; an unregistered broker BROKER_ID_NOT_REGISTERED; a stale epoch
 * STALE_BROKER_EPOCH.
 */
import type {
  AllocateProducerIdsRequest, AllocateProducerIdsResponse,
} from '../../protocol/index.js';
import type { PartitionControllerService } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function allocateProducerIdsHandler(
  controller: PartitionControllerService,
): Handler<AllocateProducerIdsRequest, AllocateProducerIdsResponse> {
  return {
    apiKey: 67,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const r = await controller.allocateProducerIds(req.brokerId, req.brokerEpoch);
      return { throttleTimeMs: 0, errorCode: r.errorCode, producerIdStart: r.firstProducerId,
        producerIdLen: r.count };
    },
  };
}
