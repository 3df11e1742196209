/**
 * LeaveGroup (key 13), v0–v5. The member leaves at once (no wait for its session timeout) and the
 * group rebalances without it.
 * Behaviour: v0–v2 name one member by id and carry its error at the top level; v3+ batch members
 * identified by member id and/or group.instance.id (KIP-345), each with its own error.
 * Version notes: v1+ throttleTimeMs; v3+ members; v4+ flexible; v5+ per-member reason (logged by
 * Kafka only; ignored here).
 */
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function leaveGroupHandler(
  groups: GroupService,
): Handler<LeaveGroupRequest, LeaveGroupResponse> {
  return {
    apiKey: 13,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, req) {
      const batched = ctx.apiVersion >= 3;
      const members = batched
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: req.memberId, groupInstanceId: null }];
      const result = await groups.leaveGroup({ groupId: req.groupId, members });
      if (batched) {
        return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
      }
      const single = result.members[0]?.errorCode ?? 0;
      return { throttleTimeMs: 0, errorCode: result.errorCode || single, members: [] };
    },
  };
}
