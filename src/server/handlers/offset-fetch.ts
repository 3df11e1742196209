/**
 * OffsetFetch (key 9), v0–v9. Returns committed offsets; -1 (with no error) where nothing is
 * committed or the group is unknown, as Kafka does.
 * Behaviour: a broker that is not (or not yet) the group's coordinator answers NOT_COORDINATOR
 * (or COORDINATOR_LOAD_IN_PROGRESS): at the top from v2, on every partition before. v2+ topics
 * null = every committed partition of the group; v8+ several groups per
 * request (KIP-709), each answered in `groups`. requireStable (v7+) changes nothing: without
 * transactions no offset is ever pending.
 * Version notes: v2+ top-level errorCode; v3+ throttleTimeMs; v5+ committedLeaderEpoch; v6+
 * flexible; v9 memberId/memberEpoch (KIP-848 groups; classic groups ignore them).
 */
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function offsetFetchHandler(
  groups: GroupService,
): Handler<OffsetFetchRequest, OffsetFetchResponse> {
  return {
    apiKey: 9,
    minVersion: 0,
    maxVersion: 9,
    async handle(ctx, req) {
      if (ctx.apiVersion >= 8) {
        const answered = await Promise.all(req.groups.map(async (g) => ({
          groupId: g.groupId, ...await groups.fetchOffsets(g.groupId, g.topics),
        })));
        return { throttleTimeMs: 0, topics: [], errorCode: 0, groups: answered };
      }
      // v0–v1 cannot send null topics; the decoder gives [] there, which asks for nothing.
      const { errorCode, topics } = await groups.fetchOffsets(req.groupId, req.topics);
      if (errorCode === 0 || ctx.apiVersion >= 2) {
        return { throttleTimeMs: 0, topics, errorCode, groups: [] };
      }
      return { throttleTimeMs: 0, topics: partitionErrors(req.topics, errorCode), errorCode,
        groups: [] };
    },
  };
}

/** Before v2 there is no top-level error: Kafka puts it on every requested partition. */
function partitionErrors(topics: OffsetFetchRequest['topics'], errorCode: number) {
  return (topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex,
      committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
  }));
}
