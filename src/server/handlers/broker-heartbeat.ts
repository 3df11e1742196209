/**
 * BrokerHeartbeat (key 63), v0–v1 (KIP-631). Renews a registered broker's session with the
 * active controller; unfences it once its metadata offset has reached its registration; with
 * wantShutDown, fences it and moves its leaderships, then answers shouldShutDown (controlled
 * shutdown). A non-controller answers NOT_CONTROLLER. Version notes: v1+ offlineLogDirs (tagged,
 * ignored: Pado has one log dir per node).
 */
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../protocol/index.js';
import type { ControllerService } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function brokerHeartbeatHandler(
  controller: ControllerService,
): Handler<BrokerHeartbeatRequest, BrokerHeartbeatResponse> {
  // Per connection (its close signal), the brokers that heartbeated on it: told once when it closes.
  const watched = new WeakMap<AbortSignal, Set<number>>();
  const watch = (signal: AbortSignal, brokerId: number) => {
    let ids = watched.get(signal);
    if (ids === undefined) {
      ids = new Set();
      watched.set(signal, ids);
      const seen = ids;
      signal.addEventListener('abort', () => {
        for (const id of seen) controller.brokerConnectionClosed?.(id);
      }, { once: true });
    }
    ids.add(brokerId);
  };
  return {
    apiKey: 63,
    minVersion: 0,
    maxVersion: 1,
    async handle(ctx, req) {
      const r = await controller.brokerHeartbeat({
        brokerId: req.brokerId,
        brokerEpoch: req.brokerEpoch,
        currentMetadataOffset: req.currentMetadataOffset,
        wantFence: req.wantFence,
        wantShutdown: req.wantShutDown,
      });
      if (r.errorCode === 0 && !req.wantShutDown) watch(ctx.signal, req.brokerId);
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        isCaughtUp: r.isCaughtUp,
        isFenced: r.isFenced,
        shouldShutDown: r.shouldShutdown,
      };
    },
  };
}
