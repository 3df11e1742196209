/**
 * ReportClusterEvent (key 1004, Pado private), v0: a broker's report of what it found on its own
 * machine (disk low, corrupt data), recorded by the active controller as a cluster event
 * (issue 16). Peer-only. Answered once committed; NOT_CONTROLLER elsewhere, STALE_BROKER_EPOCH
 * for a broker not registered at that epoch, INVALID_REQUEST for a kind brokers do not report,
 * THROTTLING_QUOTA_EXCEEDED past the per-broker rate.
 */
import type { ReportClusterEventRequest, ReportClusterEventResponse } from '../../protocol/index.js';
import type { PartitionControllerService } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function reportClusterEventHandler(
  controller: PartitionControllerService,
): Handler<ReportClusterEventRequest, ReportClusterEventResponse> {
  return {
    apiKey: 1004,
    minVersion: 0,
    maxVersion: 0,
    handle(_ctx, req) {
      return controller.reportEvent(req);
    },
  };
}
