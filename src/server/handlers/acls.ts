/**
 * DescribeAcls (key 29), CreateAcls (key 30) and DeleteAcls (key 31), v0–v3 (flexible from v2;
 * pattern types from v1, KIP-290).
 * - DescribeAcls answers from this broker's image: the ACLs its one filter matches
 *   (security/'s `aclFilterMatches`), grouped by resource pattern (type, name, pattern type) as
 *   Kafka's DescribeAclsResponse groups them, sorted so the answer is stable. A filter with an
 *   UNKNOWN code is INVALID_REQUEST with a message and no resources.
 * - CreateAcls and DeleteAcls are decided by the controller (forwarded from any broker,
 *   server/forwarding.ts): controller/acls.ts validates each creation and filter on its own.
 * - v0 has no pattern type: its requests decode with LITERAL (the schema's default), so a v0
 *   creation is LITERAL and a v0 filter selects LITERAL ACLs only — what Kafka makes of v0 (it
 *   turns a v0 filter's ANY into LITERAL), and so a v0 response never holds an ACL whose
 *   pattern type it cannot carry.
 * Who may call these (Kafka: ALTER on the cluster for Create/Delete, DESCRIBE for Describe) is
 * the authorizer's to check, not these handlers'.
 */
import { createAcls, deleteAcls } from '../../controller/index.js';
import {
  ApiKey, KafkaError,
  type CreateAclsRequest, type CreateAclsResponse, type DeleteAclsRequest,
  type DeleteAclsResponse, type DescribeAclsRequest, type DescribeAclsResponse,
  type DescribeAclsResponseResource,
} from '../../protocol/index.js';
import {
  aclFilterMatches, checkAclFilter, type AclEntry,
} from '../../security/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export function describeAclsHandler(broker: Broker):
  Handler<DescribeAclsRequest, DescribeAclsResponse> {
  return {
    apiKey: ApiKey.describeAcls,
    minVersion: 0,
    maxVersion: 3,
    handle(_ctx, req) {
      const problem = checkAclFilter(req);
      if (problem !== undefined) {
        return { throttleTimeMs: 0, errorCode: KafkaError.invalidRequest.code,
          errorMessage: problem, resources: [] };
      }
      const matching = [...broker.image().acls.values()]
        .filter((acl) => aclFilterMatches(req, acl));
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null,
        resources: aclResources(matching) };
    },
  };
}

/** ACLs grouped by resource pattern: by type, pattern type, then name; ACLs sorted within. */
export function aclResources(acls: readonly AclEntry[]): DescribeAclsResponseResource[] {
  const groups = new Map<string, DescribeAclsResponseResource>();
  for (const acl of acls) {
    const key = JSON.stringify([acl.resourceType, acl.patternType, acl.resourceName]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { resourceType: acl.resourceType, resourceName: acl.resourceName,
        patternType: acl.patternType, acls: [] };
      groups.set(key, group);
    }
    group.acls.push({ principal: acl.principal, host: acl.host, operation: acl.operation,
      permissionType: acl.permissionType });
  }
  const resources = [...groups.values()].sort((a, b) => a.resourceType - b.resourceType
    || a.patternType - b.patternType || compareText(a.resourceName, b.resourceName));
  for (const r of resources) {
    r.acls.sort((a, b) => compareText(a.principal, b.principal) || compareText(a.host, b.host)
      || a.operation - b.operation || a.permissionType - b.permissionType);
  }
  return resources;
}

/** Code-unit order: the same on every node, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createAclsHandler(broker: Broker):
  Handler<CreateAclsRequest, CreateAclsResponse> {
  return {
    apiKey: ApiKey.createAcls,
    minVersion: 0,
    maxVersion: 3,
    async handle(_ctx, req) {
      // A fresh random Kafka uuid from the node's Random, as topic ids are drawn.
      const newId = (): string => broker.controllerContext.newTopicId();
      const results = await broker.propose((image) => {
        const { records, results: result } = createAcls(image, req.creations, newId);
        return { records, result };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}

export function deleteAclsHandler(broker: Broker):
  Handler<DeleteAclsRequest, DeleteAclsResponse> {
  return {
    apiKey: ApiKey.deleteAcls,
    minVersion: 0,
    maxVersion: 3,
    async handle(_ctx, req) {
      const filterResults = await broker.propose((image) => {
        const { records, filterResults: result } = deleteAcls(image, req.filters);
        return { records, result };
      });
      return { throttleTimeMs: 0, filterResults };
    },
  };
}
