/**
 * Heartbeat (key 12), v0–v4. Keeps a member's session alive. During a rebalance the answer is
 * REBALANCE_IN_PROGRESS (the member must rejoin); a wrong generation is ILLEGAL_GENERATION; a
 * member the group does not know is UNKNOWN_MEMBER_ID; a stale static member FENCED_INSTANCE_ID.
 * Version notes: v1+ throttleTimeMs; v3+ groupInstanceId; v4+ flexible.
 */
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function heartbeatHandler(
  groups: GroupService,
): Handler<HeartbeatRequest, HeartbeatResponse> {
  return {
    apiKey: 12,
    minVersion: 0,
    maxVersion: 4,
    async handle(ctx, req) {
      const errorCode = await groups.heartbeat({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      });
      return { throttleTimeMs: 0, errorCode };
    },
  };
}
