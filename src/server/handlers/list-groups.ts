/**
 * ListGroups (key 16), v0–v5. Every group this broker coordinates (all of them, on one node).
 * Behaviour: v4+ statesFilter (case-insensitive state names; empty = all, KIP-518); v5+
 * typesFilter (KIP-848): every group here is "classic", so a filter without it lists nothing.
 * Version notes: v1+ throttleTimeMs; v3+ flexible; v4+ groupState; v5+ groupType.
 */
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function listGroupsHandler(
  groups: GroupService,
): Handler<ListGroupsRequest, ListGroupsResponse> {
  return {
    apiKey: 16,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, req) {
      const states = ctx.apiVersion >= 4 ? req.statesFilter : [];
      const types = ctx.apiVersion >= 5 ? req.typesFilter.map((t) => t.toLowerCase()) : [];
      if (types.length > 0 && !types.includes('classic')) {
        return { throttleTimeMs: 0, errorCode: 0, groups: [] };
      }
      const listed = await groups.listGroups(states);
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        groups: listed.map((g) => ({ ...g, groupType: 'classic' })),
      };
    },
  };
}
