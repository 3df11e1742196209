/**
 * SyncGroup (key 14), v0–v5. The leader sends the assignment; it is persisted, the generation
 * becomes Stable, and every member waiting here gets its share. Followers wait for the leader (up
 * to the rebalance timeout, after which members that never synced are removed).
 * Behaviour: wrong generation → ILLEGAL_GENERATION; during a new rebalance → REBALANCE_IN_PROGRESS;
 * unknown member → UNKNOWN_MEMBER_ID; stale static member → FENCED_INSTANCE_ID.
 * Version notes: v1+ throttleTimeMs; v3+ groupInstanceId; v4+ flexible; v5+ protocolType and
 * protocolName in both directions (a mismatch → INCONSISTENT_GROUP_PROTOCOL).
 */
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function syncGroupHandler(
  groups: GroupService,
): Handler<SyncGroupRequest, SyncGroupResponse> {
  return {
    apiKey: 14,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, req) {
      const v5 = ctx.apiVersion >= 5;
      const result = await groups.syncGroup({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
        protocolType: v5 ? req.protocolType : null,
        protocolName: v5 ? req.protocolName : null,
        assignments: req.assignments,
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        protocolType: result.protocolType,
        protocolName: result.protocolName,
        assignment: result.assignment,
      };
    },
  };
}
