/**
 * What the `pado acl` verbs share: the flags (rpk's `rpk security acl create` is the model:
 * `--allow-principal`, `--deny-principal`, `--operation`, `--topic`, `--group`, `--cluster`,
 * `--transactional-id`, `--resource-pattern-type`, `--host`, each repeatable), their parsing
 * into Kafka's ACL codes, filters as DescribeAcls/DeleteAcls take them, and the ACL table.
 * Several values of several flags mean every combination, as in rpk and kafka-acls.
 */
import { PadoError, PadoErrorCode } from '../../common/index.js';
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType,
  type DescribeAclsRequest, type DescribeAclsResponseResource,
} from '../../protocol/index.js';
import {
  aclOperationFromName, aclOperationName, aclPatternTypeName, aclPermissionTypeName,
  aclResourceTypeName, checkAclHost, clusterResourceName, parsePrincipal,
  type AclCandidate, type AclFilter,
} from '../../security/index.js';
import {
  argumentError, booleanOption, listOption, stringOption, type RawOptions,
} from '../args.js';
import { describeBrokerError } from '../broker-errors.js';
import type { OptionSpec } from '../verb.js';
import type { Row } from '../output.js';

/** More ACLs than one command should make: a typo in a loop, not a policy. */
export const aclsPerCommandMax = 1000;

export interface AclResource {
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
}

export interface AclPrincipal {
  readonly permissionType: AclPermissionType;
  readonly principal: string;
}

const operationNames = 'read, write, create, delete, alter, describe, cluster-action, ' +
  'describe-configs, alter-configs, idempotent-write, create-tokens, describe-tokens, all';

export const aclOptions: readonly OptionSpec[] = [
  { flags: '--allow-principal <principal>', description: 'Principal to allow: User:alice, ' +
    'alice, or \'User:*\' for every user (repeatable)' },
  { flags: '--deny-principal <principal>', description: 'Principal to deny (repeatable)' },
  { flags: '--operation <op>', description: `Operation (repeatable): ${operationNames}` },
  { flags: '--topic <name>', description: 'Topic (repeatable; * for every topic)' },
  { flags: '--group <name>', description: 'Consumer group (repeatable; * for every group)' },
  { flags: '--cluster', description: 'The cluster itself (create topics, cluster configs, …)' },
  { flags: '--transactional-id <id>', description: 'Transactional id (repeatable)' },
  { flags: '--host <ip>', description: 'Client IP address the ACL is for (repeatable)' },
];

/** `alice` → `User:alice`, as rpk reads a principal without a type. */
export function parseAclPrincipal(text: string, flag: string): string {
  const principal = text.includes(':') ? text : `User:${text}`;
  if (parsePrincipal(principal) === undefined) {
    throw argumentError(`${flag}: '${text}' is not a principal; write e.g. ${flag} User:alice`);
  }
  return principal;
}

export function parsePrincipals(options: RawOptions): AclPrincipal[] {
  const of = (name: string, flag: string, permissionType: AclPermissionType) =>
    listOption(options, name).map((p) => ({ permissionType,
      principal: parseAclPrincipal(p, flag) }));
  return [...of('allowPrincipal', '--allow-principal', AclPermissionType.allow),
    ...of('denyPrincipal', '--deny-principal', AclPermissionType.deny)];
}

export function parseOperations(options: RawOptions): AclOperation[] {
  return unique(listOption(options, 'operation').map((name) => {
    const op = aclOperationFromName(name);
    if (op === undefined || op === AclOperation.unknown || op === AclOperation.any) {
      throw argumentError(`--operation: '${name}' is not one of ${operationNames}`);
    }
    return op;
  }));
}

export function parseResources(options: RawOptions): AclResource[] {
  const of = (name: string, flag: string, resourceType: AclResourceType) =>
    listOption(options, name).map((resourceName) => {
      if (resourceName === '') throw argumentError(`${flag}: the name is empty`);
      return { resourceType, resourceName };
    });
  return [
    ...of('topic', '--topic', AclResourceType.topic),
    ...of('group', '--group', AclResourceType.group),
    ...(booleanOption(options, 'cluster')
      ? [{ resourceType: AclResourceType.cluster, resourceName: clusterResourceName }] : []),
    ...of('transactionalId', '--transactional-id', AclResourceType.transactionalId),
  ];
}

export function parseHosts(options: RawOptions): string[] {
  return unique(listOption(options, 'host').map((host) => {
    const problem = checkAclHost(host);
    if (problem !== undefined) throw argumentError(`--host: ${problem}`);
    return host;
  }));
}

/** `--resource-pattern-type` among `choices` (Kafka's names in lower case). */
export function parsePatternType(options: RawOptions, choices: readonly AclPatternType[],
  fallback: AclPatternType): AclPatternType {
  const text = stringOption(options, 'resourcePatternType');
  if (text === undefined) return fallback;
  const found = choices.find((c) => aclPatternTypeName(c).toLowerCase() === text.toLowerCase());
  if (found === undefined) {
    const names = choices.map((c) => aclPatternTypeName(c).toLowerCase());
    throw argumentError(`--resource-pattern-type: '${text}' is not one of ${names.join(', ')}`);
  }
  return found;
}

export function patternOption(choices: readonly AclPatternType[], fallback: AclPatternType):
  OptionSpec {
  const names = choices.map((c) => aclPatternTypeName(c).toLowerCase());
  return { flags: '--resource-pattern-type <type>', description: `${names.join(', ')} ` +
    `(default ${aclPatternTypeName(fallback).toLowerCase()})` };
}

/**
 * Filters for DescribeAcls/DeleteAcls: every combination of the given principals, hosts,
 * resources and operations; a flag not given matches anything.
 */
export function aclFilters(options: RawOptions, patternType: AclPatternType): AclFilter[] {
  const principals = parsePrincipals(options);
  const hosts = parseHosts(options);
  const resources = parseResources(options);
  const operations = parseOperations(options);
  const filters: AclFilter[] = [];
  for (const p of principals.length > 0 ? principals : [undefined]) {
    for (const host of hosts.length > 0 ? hosts : [null]) {
      for (const r of resources.length > 0 ? resources : [undefined]) {
        for (const operation of operations.length > 0 ? operations : [AclOperation.any]) {
          filters.push({
            resourceTypeFilter: r?.resourceType ?? AclResourceType.any,
            resourceNameFilter: r?.resourceName ?? null, patternTypeFilter: patternType,
            principalFilter: p?.principal ?? null, hostFilter: host, operation,
            permissionType: p?.permissionType ?? AclPermissionType.any,
          });
        }
      }
    }
  }
  checkCount(filters.length, 'filters');
  return filters;
}

export function checkCount(n: number, what: string): void {
  if (n > aclsPerCommandMax) {
    throw argumentError(`these flags make ${n} ${what}; one command makes at most ` +
      `${aclsPerCommandMax} (every combination of principals, hosts, resources and operations)`);
  }
}

/** A filter as DescribeAclsRequest (the same fields). */
export const describeRequest = (f: AclFilter): DescribeAclsRequest => ({ ...f });

export const aclColumns = [
  { key: 'principal', title: 'PRINCIPAL' }, { key: 'host', title: 'HOST' },
  { key: 'resourceType', title: 'RESOURCE-TYPE' }, { key: 'resourceName', title: 'RESOURCE-NAME' },
  { key: 'patternType', title: 'PATTERN' }, { key: 'operation', title: 'OPERATION' },
  { key: 'permission', title: 'PERMISSION' },
] as const;

/** One table row per ACL, with Kafka's names for the codes. */
export function aclRow(acl: AclCandidate): Row {
  return {
    principal: acl.principal, host: acl.host,
    resourceType: aclResourceTypeName(acl.resourceType), resourceName: acl.resourceName,
    patternType: aclPatternTypeName(acl.patternType),
    operation: aclOperationName(acl.operation),
    permission: aclPermissionTypeName(acl.permissionType),
  };
}

export function rowsOfResources(resources: readonly DescribeAclsResponseResource[]): Row[] {
  return resources.flatMap((r) => r.acls.map((a) => aclRow({ ...a,
    resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType })));
}

/** "User:alice ALLOW READ on TOPIC orders (LITERAL) from *", for messages. */
export function describeAcl(acl: AclCandidate): string {
  return `${acl.principal} ${aclPermissionTypeName(acl.permissionType)} ` +
    `${aclOperationName(acl.operation)} on ${aclResourceTypeName(acl.resourceType)} ` +
    `${acl.resourceName} (${aclPatternTypeName(acl.patternType)}) from ${acl.host}`;
}

/** A broker's refusal of one ACL or filter; INVALID_REQUEST carries our own explanation. */
export function aclBrokerError(code: number, what: string, message: string | null): PadoError {
  const detail = code === 42 && message !== null ? message
    : describeBrokerError(code, {}, message).replace(/^topic '\?': /, '');
  return new PadoError(PadoErrorCode.invalidArgument, `${what}: ${detail}`);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
