/**
 * DeleteGroups (key 42), v0–v2. Removes Empty groups and their committed offsets (written as
 * tombstones). A group with members → NON_EMPTY_GROUP; an unknown one → GROUP_ID_NOT_FOUND.
 * Version notes: v2+ flexible.
 */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

export function deleteGroupsHandler(
  groups: GroupService,
): Handler<DeleteGroupsRequest, DeleteGroupsResponse> {
  return {
    apiKey: 42,
    minVersion: 0,
    maxVersion: 2,
    async handle(_ctx, req) {
      const results = await groups.deleteGroups(req.groupsNames);
      return { throttleTimeMs: 0, results };
    },
  };
}
