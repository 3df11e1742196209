/**
 * UnregisterBroker (key 64), v0 (KIP-631): removes a broker's registration (decommissioning).
 * The broker is fenced and its leaderships move in the same batch. An unknown id gets
 * BROKER_ID_NOT_REGISTERED; a non-controller NOT_CONTROLLER.
 */
import type { UnregisterBrokerRequest, UnregisterBrokerResponse } from '../../protocol/index.js';
import type { ControllerService } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function unregisterBrokerHandler(
  controller: ControllerService,
): Handler<UnregisterBrokerRequest, UnregisterBrokerResponse> {
  return {
    apiKey: 64,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const { errorCode, errorMessage } = await controller.unregisterBroker(req.brokerId);
      return { throttleTimeMs: 0, errorCode, errorMessage };
    },
  };
}
