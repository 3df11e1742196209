/**
 * BrokerRegistration (key 62), v0–v4 (KIP-631). A broker announces itself to the active
 * controller once per process start and gets its broker epoch; it stays fenced until a heartbeat
 * shows it has caught up. Answered once the registration record is committed. A non-controller
 * answers NOT_CONTROLLER (Kafka's brokers send this to the controller only).
 * The first listener is the inter-broker one (the address peers use); with more than one, every
 * listener is registered, and Metadata answers each client with the endpoints of the listener it
 * came in on (issue 15). Features and log dirs are not used. Version notes: v1+ isMigratingZkBroker, v2+ logDirs, v3+
 * previousBrokerEpoch (all ignored).
 */
import {
  KafkaError, type BrokerRegistrationRequest, type BrokerRegistrationResponse,
} from '../../protocol/index.js';
import type { ControllerService } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function brokerRegistrationHandler(
  controller: ControllerService,
): Handler<BrokerRegistrationRequest, BrokerRegistrationResponse> {
  return {
    apiKey: 62,
    minVersion: 0,
    maxVersion: 4,
    async handle(_ctx, req) {
      const listener = req.listeners[0];
      if (listener === undefined) {
        return { throttleTimeMs: 0, errorCode: KafkaError.invalidRequest.code, brokerEpoch: -1 };
      }
      const { errorCode, brokerEpoch } = await controller.registerBroker({
        brokerId: req.brokerId,
        clusterId: req.clusterId,
        incarnationId: req.incarnationId,
        host: listener.host,
        port: listener.port,
        rack: req.rack,
        ...(req.listeners.length > 1 ? { endpoints: req.listeners } : {}),
      });
      return { throttleTimeMs: 0, errorCode, brokerEpoch };
    },
  };
}
