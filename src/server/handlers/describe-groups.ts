/**
 * DescribeGroups (key 15), v0–v5. State, protocol and members of each named group. Member
 * metadata, assignment and the protocol name are filled only while the group is Stable, as
 * Kafka does; an unknown group is reported as Dead with no error (v0–v5 have no
 * GROUP_ID_NOT_FOUND here).
 * Version notes: v1+ throttleTimeMs; v3+ authorizedOperations (no ACLs here: reported as "not
 * requested", INT32_MIN); v4+ groupInstanceId; v5+ flexible. Client host is not known to handlers
 * yet and is sent empty.
 */
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/index.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';

const operationsNotRequested = -2147483648;

export function describeGroupsHandler(
  groups: GroupService,
): Handler<DescribeGroupsRequest, DescribeGroupsResponse> {
  return {
    apiKey: 15,
    minVersion: 0,
    maxVersion: 5,
    async handle(_ctx, req) {
      const described = await groups.describeGroups(req.groups);
      return {
        throttleTimeMs: 0,
        groups: described.map((g) => ({ ...g, authorizedOperations: operationsNotRequested })),
      };
    },
  };
}
