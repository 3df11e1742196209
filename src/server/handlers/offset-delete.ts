/**
 * OffsetDelete (key 47), v0 (KIP-496). Deletes committed offsets of a group. Allowed for an Empty
 * group; for a consuming ("consumer" protocol) group only for topics none of its members
 * subscribes to, others get GROUP_SUBSCRIBED_TO_TOPIC; any other non-empty group →
 * NON_EMPTY_GROUP; unknown group → GROUP_ID_NOT_FOUND.
 */
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function offsetDeleteHandler(
  groups: GroupService,
): Handler<OffsetDeleteRequest, OffsetDeleteResponse> {
  return {
    apiKey: 47,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const topics = req.topics.map((t) => ({
        name: t.name,
        partitionIndexes: t.partitions.map((p) => p.partitionIndex),
      }));
      const result = await groups.deleteOffsets(req.groupId, topics);
      return { errorCode: result.errorCode, throttleTimeMs: 0, topics: result.topics };
    },
  };
}
