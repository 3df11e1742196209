/**
 * CreateAcls and DeleteAcls decided (Kafka's AclControlManager, KIP-801), as the records that
 * make them:
 * - Each creation is checked alone (security/'s `validateNewAcl`, INVALID_REQUEST with a
 *   message) and answered in request order. An ACL equal to one that exists, or to an earlier
 *   one of the same request, succeeds without a record: ACLs form a set, and a retried
 *   CreateAcls must not add a second copy that a later delete would have to find twice.
 * - Each filter is checked alone (an UNKNOWN code: INVALID_REQUEST) and lists every ACL it
 *   matches (Kafka's response shape: the ACL's fields, each with error code 0). An ACL matched by
 *   several filters is listed by each and removed once.
 * Ids come from the caller (`newId`, the node's Random: Kafka draws them with Uuid.randomUuid),
 * so the decision stays pure; one already in use, or the zero uuid, is drawn again.
 */
import { assert } from '../common/index.js';
import {
  KafkaError, zeroUuid,
  type CreateAclsRequestAclCreation, type CreateAclsResponseAclCreationResult,
  type DeleteAclsResponseFilterResult, type DeleteAclsResponseMatchingAcl,
} from '../protocol/index.js';
import type {
  AccessControlEntryRecord, MetadataImage, RemoveAccessControlEntryRecord,
} from '../metadata/index.js';
import {
  aclFilterMatches, checkAclFilter, validateNewAcl, type AclEntry, type AclFilter,
} from '../security/index.js';

/**
 * Bytes of new ACLs one CreateAcls may write (names, principals and hosts, plus 64 a record for
 * the rest). Up to 64 decisions share one Raft entry (node/raft-metadata.ts), so this keeps an
 * entry of CreateAcls far below the 100 MiB request bound; at the ~100 bytes of a typical ACL it
 * still takes about ten thousand in one request (Kafka's own cap is 10,000 records per request).
 */
export const aclCreationBytesMax = 1024 * 1024;
const recordOverheadBytes = 64;
/** Draws of `newId` before a clash is taken for a broken generator. */
const idDrawsMax = 16;

const ok: CreateAclsResponseAclCreationResult = { errorCode: 0, errorMessage: null };
const invalid = (errorMessage: string) =>
  ({ errorCode: KafkaError.invalidRequest.code, errorMessage });

/** The identity of an ACL: every field but the id (Kafka's StandardAcl equality). */
function aclKey(acl: AclEntry): string {
  return JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType, acl.principal,
    acl.host, acl.operation, acl.permissionType]);
}

function recordBytes(acl: AclEntry): number {
  return Buffer.byteLength(acl.resourceName, 'utf8') + Buffer.byteLength(acl.principal, 'utf8')
    + Buffer.byteLength(acl.host, 'utf8') + recordOverheadBytes;
}

export function createAcls(image: MetadataImage,
  creations: readonly CreateAclsRequestAclCreation[], newId: () => string):
  { records: AccessControlEntryRecord[]; results: CreateAclsResponseAclCreationResult[] } {
  const held = new Set<string>();
  for (const acl of image.acls.values()) held.add(aclKey(acl));
  const usedIds = new Set<string>();
  const records: AccessControlEntryRecord[] = [];
  let bytes = 0;
  const results = creations.map((c): CreateAclsResponseAclCreationResult => {
    const acl = validateNewAcl({ resourceType: c.resourceType, resourceName: c.resourceName,
      patternType: c.resourcePatternType, principal: c.principal, host: c.host,
      operation: c.operation, permissionType: c.permissionType });
    if (typeof acl === 'string') return invalid(acl);
    const key = aclKey(acl);
    if (held.has(key)) return ok;
    if (bytes + recordBytes(acl) > aclCreationBytesMax) {
      return invalid(`this request's new ACLs exceed ${aclCreationBytesMax} bytes: ` +
        'send the rest in another request');
    }
    bytes += recordBytes(acl);
    held.add(key);
    const id = freshId(image, usedIds, newId);
    records.push({ type: 'accessControlEntry', id, ...aclFields(acl) });
    return ok;
  });
  return { records, results };
}

function aclFields(acl: AclEntry): AclEntry {
  const { resourceType, resourceName, patternType, principal, host, operation,
    permissionType } = acl;
  return { resourceType, resourceName, patternType, principal, host, operation, permissionType };
}

function freshId(image: MetadataImage, used: Set<string>, newId: () => string): string {
  for (let draw = 0; draw < idDrawsMax; draw++) {
    const id = newId();
    if (id === zeroUuid || image.acls.has(id) || used.has(id)) continue;
    used.add(id);
    return id;
  }
  assert(false, `ACL ids: ${idDrawsMax} draws all clashed; the id source is broken`);
}

export function deleteAcls(image: MetadataImage, filters: readonly AclFilter[]):
  { records: RemoveAccessControlEntryRecord[]; filterResults: DeleteAclsResponseFilterResult[] } {
  const removed = new Set<string>();
  const records: RemoveAccessControlEntryRecord[] = [];
  const filterResults = filters.map((filter): DeleteAclsResponseFilterResult => {
    const problem = checkAclFilter(filter);
    if (problem !== undefined) return { ...invalid(problem), matchingAcls: [] };
    const matchingAcls: DeleteAclsResponseMatchingAcl[] = [];
    for (const [id, acl] of image.acls) {
      if (!aclFilterMatches(filter, acl)) continue;
      matchingAcls.push({ errorCode: 0, errorMessage: null, ...aclFields(acl) });
      if (removed.has(id)) continue;
      removed.add(id);
      records.push({ type: 'removeAccessControlEntry', id });
    }
    return { errorCode: 0, errorMessage: null, matchingAcls };
  });
  return { records, filterResults };
}
