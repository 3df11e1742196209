/**
 * OffsetCommit (key 8), v0–v9. Stores consumed positions in the group coordinator; answered once
 * the commit is durable.
 * Behaviour: a member commits with its generation (wrong one → ILLEGAL_GENERATION, unknown member →
 * UNKNOWN_MEMBER_ID, during CompletingRebalance → REBALANCE_IN_PROGRESS); generation -1 is a
 * commit from outside group management and is accepted only while the group is Empty. Metadata
 * over offset.metadata.max.bytes → OFFSET_METADATA_TOO_LARGE. The topic is not checked against
 * the metadata image (Kafka checks only authorization here).
 * Version notes: v0 has no generation (served as -1: Kafka kept v0 commits in ZooKeeper, we keep
 * them with the others); v1 commitTimestamp (ignored: the broker's clock stamps commits); v2–v4
 * retentionTimeMs; v3+ throttleTimeMs; v6+ committedLeaderEpoch; v7+ groupInstanceId; v8+
 * flexible; v9 names the generation "member epoch" (KIP-848), the same field for classic groups.
 */
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function offsetCommitHandler(
  groups: GroupService,
): Handler<OffsetCommitRequest, OffsetCommitResponse> {
  return {
    apiKey: 8,
    minVersion: 0,
    maxVersion: 9,
    async handle(ctx, req) {
      const v = ctx.apiVersion;
      const topics = await groups.commitOffsets({
        groupId: req.groupId,
        generationIdOrMemberEpoch: v >= 1 ? req.generationIdOrMemberEpoch : -1,
        memberId: req.memberId,
        groupInstanceId: v >= 7 ? req.groupInstanceId : null,
        retentionTimeMs: v >= 2 && v <= 4 ? req.retentionTimeMs : -1,
        topics: req.topics,
      });
      return { throttleTimeMs: 0, topics };
    },
  };
}
