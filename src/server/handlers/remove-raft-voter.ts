/**
 * RemoveRaftVoter (key 81, KIP-853), v0. Demotes a voter of the metadata quorum to an observer:
 * removed from the voters (one change), then added back as a learner so that it keeps following
 * the metadata log as every broker must. The active controller cannot remove itself (stop it, or
 * remove another voter). Any broker accepts it and forwards it to the controller.
 */
import type { RemoveRaftVoterRequest, RemoveRaftVoterResponse } from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import type { MembershipService } from '../membership-service.js';

export function removeRaftVoterHandler(
  membership: MembershipService,
): Handler<RemoveRaftVoterRequest, RemoveRaftVoterResponse> {
  return {
    apiKey: 81,
    minVersion: 0,
    maxVersion: 0,
    async handle(ctx, req) {
      const result = await membership.removeVoter(req, ctx.signal);
      return { throttleTimeMs: 0, ...result };
    },
  };
}
