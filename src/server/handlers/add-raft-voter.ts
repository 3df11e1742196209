/**
 * AddRaftVoter (key 80, KIP-853), v0. Adds a node to the metadata quorum: the controller checks
 * that it can connect back to the node's advertised address (the first listener), adds it as a
 * learner, waits until it has caught up with the log, then promotes it to voter — or leaves it an
 * observer when the quorum already has votersMax voters. One change at a time. Any broker accepts
 * it and forwards it to the controller. Answered once done; errors carry a message saying what
 * to fix (INVALID_REQUEST for an unreachable or loopback address, NOT_CONTROLLER while there is no
 * controller, REQUEST_TIMED_OUT when the node did not catch up in time or another change runs).
 */
import type { AddRaftVoterRequest, AddRaftVoterResponse } from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import type { MembershipService } from '../membership-service.js';

export function addRaftVoterHandler(
  membership: MembershipService,
): Handler<AddRaftVoterRequest, AddRaftVoterResponse> {
  return {
    apiKey: 80,
    minVersion: 0,
    maxVersion: 0,
    async handle(ctx, req) {
      const result = await membership.addVoter(req, ctx.signal);
      return { throttleTimeMs: 0, ...result };
    },
  };
}
