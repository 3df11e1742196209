/**
 * JoinGroup (key 11), v0–v9. The answer waits until the rebalance completes: every known member
 * rejoined, or the rebalance timeout expired (see groups/membership.ts for the semantics).
 * Behaviour:
 * - v4+: a new member without an id gets MEMBER_ID_REQUIRED and its id, and joins again (KIP-394).
 * - v5+: static members (groupInstanceId, KIP-345); a stale one gets FENCED_INSTANCE_ID.
 * - Session timeout outside group.min/max.session.timeout.ms → INVALID_SESSION_TIMEOUT.
 * - A static leader rejoining is answered with a full rebalance (skipAssignment stays false).
 * Version notes: v0 has no rebalanceTimeoutMs (the session timeout is used, as Kafka does); v1+
 * rebalanceTimeoutMs; v2+ throttleTimeMs; v5+ groupInstanceId; v6+ flexible; v7+ protocolType in
 * the response and protocolName nullable; v8+ reason; v9+ skipAssignment.
 */
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function joinGroupHandler(
  groups: GroupService,
): Handler<JoinGroupRequest, JoinGroupResponse> {
  return {
    apiKey: 11,
    minVersion: 0,
    maxVersion: 9,
    async handle(ctx, req) {
      const v = ctx.apiVersion;
      const result = await groups.joinGroup({
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: v >= 5 ? req.groupInstanceId : null,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        requireKnownMemberId: v >= 4,
        clientId: ctx.clientId ?? '',
        clientHost: ctx.clientHost,
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        // Before v7 the name is a non-nullable string: Kafka sends '' for "none".
        protocolName: v >= 7 ? result.protocolName : (result.protocolName ?? ''),
        leader: result.leader,
        skipAssignment: result.skipAssignment,
        memberId: result.memberId,
        members: result.members.map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata,
        })),
      };
    },
  };
}
