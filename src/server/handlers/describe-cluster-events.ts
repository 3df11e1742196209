/**
 * DescribeClusterEvents (key 1003, Pado private), v0: the cluster events in this node's metadata
 * image after `afterId` (issue 16: `pado cluster events [--follow]`). A long poll waits for a new
 * event up to min(maxWaitMs, fetchWaitMsMax), as a Fetch does for records.
 */
import { limits } from '../../common/index.js';
import type {
  DescribeClusterEventsRequest, DescribeClusterEventsResponse,
} from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

/** Events per answer at most (a person reads them; the image keeps 256). */
export const clusterEventsPerAnswerMax = 256;

export function describeClusterEventsHandler(
  broker: Broker,
): Handler<DescribeClusterEventsRequest, DescribeClusterEventsResponse> {
  return {
    apiKey: 1003,
    minVersion: 0,
    maxVersion: 0,
    async handle(ctx, req) {
      const waitMs = Math.min(Math.max(req.maxWaitMs, 0), limits.fetchWaitMsMax);
      if (waitMs > 0 && broker.image().eventSeq <= req.afterId) {
        await broker.waitForEvents(req.afterId, waitMs, ctx.signal);
      }
      const image = broker.image();
      const max = Math.min(Math.max(req.maxEvents, 0), clusterEventsPerAnswerMax);
      const events = image.events.filter((e) => e.id > req.afterId).slice(0, max);
      return { errorCode: 0, errorMessage: null, lastId: image.eventSeq, events };
    },
  };
}
