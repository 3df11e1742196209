/**
 * What an ACL and an ACL filter may say, and Kafka's names for the ACL codes. CreateAcls checks
 * each new ACL with `validateNewAcl` (Kafka's AclControlManager.validateNewAcl and the broker's
 * AclApis checks) and DescribeAcls/DeleteAcls each filter with `checkAclFilter` (Kafka refuses a
 * filter with an UNKNOWN field); the CLI uses both before it sends anything. Pure: no node:net,
 * IP literals are checked by hand.
 *
 * Two checks go beyond Kafka's broker, which stores what it is given:
 * - The operation must be one the resource type has (Kafka's AclEntry.supportedOperations, which
 *   only its kafka-acls tool enforces): an ACL that can never apply is a mistake, not a policy.
 * - The host must be `*` or an IP address in the form the broker sees clients in: IPv4 dotted
 *   decimal without leading zeros, IPv6 lower case and compressed as RFC 5952 writes it (`::1`,
 *   not `0:0:0:0:0:0:0:1`), an IPv4-mapped address as plain IPv4. Hosts are matched as strings
 *   (as Kafka does), so an address in another spelling would never match: a DENY for it would
 *   silently deny nothing.
 */
import { limits } from '../common/index.js';
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType,
} from '../protocol/index.js';
import { parsePrincipal } from './principal.js';

/** One stored ACL: a resource pattern, and who may (or may not) do what from where. */
export interface AclEntry {
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  /** `<type>:<name>`, e.g. `User:alice`; `User:*` is every user. */
  readonly principal: string;
  /** `*` or one IP address. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** An ACL as a request states it: any codes, to be checked. */
export type AclCandidate = { readonly [K in keyof AclEntry]: AclEntry[K] extends string ? string
  : number };

/**
 * A DescribeAcls request or a DeleteAcls filter (the wire's field names): ANY matches every
 * value of a code, null every name, principal or host; pattern type MATCH matches the ACLs that
 * would apply to the named resource (KIP-290).
 */
export interface AclFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** Kafka's resource name of the one CLUSTER resource (CLUSTER_NAME). */
export const clusterResourceName = 'kafka-cluster';
export const wildcardResourceName = '*';
export const wildcardHost = '*';
/** Every user (Kafka's WILDCARD_KAFKA_PRINCIPAL); no other wildcard principal exists. */
export const wildcardPrincipal = 'User:*';

const o = AclOperation;
const ops = (...codes: number[]): ReadonlySet<number> => new Set(codes);
/** Kafka's AclEntry.supportedOperations, plus ALL for every type. */
export const aclOperationsByResourceType: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [AclResourceType.topic, ops(o.read, o.write, o.create, o.delete, o.alter, o.describe,
    o.describeConfigs, o.alterConfigs, o.all)],
  [AclResourceType.group, ops(o.read, o.describe, o.delete, o.all)],
  [AclResourceType.cluster, ops(o.create, o.clusterAction, o.describeConfigs, o.alterConfigs,
    o.idempotentWrite, o.alter, o.describe, o.all)],
  [AclResourceType.transactionalId, ops(o.describe, o.write, o.all)],
  [AclResourceType.delegationToken, ops(o.describe, o.all)],
  [AclResourceType.user, ops(o.createTokens, o.describeTokens, o.all)],
]);

/** `transactionalId` → `TRANSACTIONAL_ID`: Kafka's enum constant names. */
function kafkaName(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

function namer(table: Readonly<Record<string, number>>): (code: number) => string {
  const names = new Map(Object.entries(table).map(([k, v]) => [v, kafkaName(k)]));
  return (code) => names.get(code) ?? `UNKNOWN(${code})`;
}

function parser<T extends number>(table: Readonly<Record<string, T>>):
  (name: string) => T | undefined {
  const codes = new Map(Object.entries(table).map(([k, v]) => [kafkaName(k), v]));
  return (name) => codes.get(name.trim().toUpperCase().replace(/-/g, '_'));
}

/** Kafka's names: `TOPIC`, `PREFIXED`, `DESCRIBE_CONFIGS`, `ALLOW`; `UNKNOWN(99)` for others. */
export const aclResourceTypeName = namer(AclResourceType);
export const aclPatternTypeName = namer(AclPatternType);
export const aclOperationName = namer(AclOperation);
export const aclPermissionTypeName = namer(AclPermissionType);
/** Case-insensitive, `-` for `_`: `describe-configs` → DESCRIBE_CONFIGS; undefined if unknown. */
export const aclResourceTypeFromName = parser(AclResourceType);
export const aclPatternTypeFromName = parser(AclPatternType);
export const aclOperationFromName = parser(AclOperation);
export const aclPermissionTypeFromName = parser(AclPermissionType);

const isIn = (table: Readonly<Record<string, number>>, code: number): boolean =>
  Object.values(table).includes(code);

/**
 * The ACL as stored, or why CreateAcls refuses it (Kafka answers INVALID_REQUEST). Checks, in
 * order: a concrete resource type, LITERAL or PREFIXED, a concrete operation the type has, ALLOW
 * or DENY, strings within what every DescribeAcls version can return, a non-empty name
 * (`kafka-cluster` for CLUSTER), a `<type>:<name>` principal and a host.
 */
export function validateNewAcl(acl: AclCandidate): AclEntry | string {
  const { resourceType, patternType, operation, permissionType } = acl;
  if (!isIn(AclResourceType, resourceType) || resourceType <= AclResourceType.any) {
    return `resource type ${aclResourceTypeName(resourceType)}: an ACL names one type (TOPIC, ` +
      'GROUP, CLUSTER, TRANSACTIONAL_ID, DELEGATION_TOKEN or USER)';
  }
  if (patternType !== AclPatternType.literal && patternType !== AclPatternType.prefixed) {
    return `pattern type ${aclPatternTypeName(patternType)}: an ACL is LITERAL or PREFIXED`;
  }
  const allowed = aclOperationsByResourceType.get(resourceType);
  if (allowed === undefined || !allowed.has(operation)) {
    return `operation ${aclOperationName(operation)} is not one of ` +
      `${aclResourceTypeName(resourceType)}'s: ${[...allowed ?? []].map(aclOperationName)
        .join(', ')}`;
  }
  if (permissionType !== AclPermissionType.allow && permissionType !== AclPermissionType.deny) {
    return `permission type ${aclPermissionTypeName(permissionType)}: an ACL is ALLOW or DENY`;
  }
  const problem = checkAclStrings(acl);
  if (problem !== undefined) return problem;
  return acl as AclEntry; // every code checked above
}

function checkAclStrings(acl: AclCandidate): string | undefined {
  // Lengths first: the messages below quote the strings.
  for (const [what, text] of [['resource name', acl.resourceName], ['principal', acl.principal],
    ['host', acl.host]] as const) {
    if (Buffer.byteLength(text, 'utf8') > limits.aclStringBytesMax) {
      return `the ${what} has more than ${limits.aclStringBytesMax} bytes`;
    }
  }
  if (acl.resourceName === '') return 'the resource name is empty';
  if (acl.resourceType === AclResourceType.cluster && acl.resourceName !== clusterResourceName) {
    return `the only CLUSTER resource is named ${clusterResourceName}, not '${acl.resourceName}'`;
  }
  if (parsePrincipal(acl.principal) === undefined) {
    return `principal '${acl.principal}' is not <type>:<name>, e.g. User:alice (or User:*)`;
  }
  const host = checkAclHost(acl.host);
  if (host !== undefined) return host;
  return undefined;
}

/** Why `host` cannot be an ACL's host, or undefined when it is `*` or a canonical IP address. */
export function checkAclHost(host: string): string | undefined {
  if (host === wildcardHost) return undefined;
  const canonical = canonicalIp(host);
  if (canonical === undefined) {
    return `host '${host}' is not * or an IP address (e.g. 192.168.1.20 or fd00::20)`;
  }
  if (canonical !== host) {
    return `host '${host}': write it as ${canonical}, the form the broker sees clients' ` +
      'addresses in (hosts are compared as text)';
  }
  return undefined;
}

/**
 * Why a DescribeAcls/DeleteAcls filter is refused (INVALID_REQUEST), or undefined: Kafka's
 * AclBindingFilter.isUnknown — a code it does not know, or UNKNOWN itself, in any field. (MATCH
 * exists only among pattern types, so only a pattern filter can say it.)
 */
export function checkAclFilter(filter: AclFilter): string | undefined {
  const fields: [string, number, Readonly<Record<string, number>>, (c: number) => string][] = [
    ['resource type', filter.resourceTypeFilter, AclResourceType, aclResourceTypeName],
    ['pattern type', filter.patternTypeFilter, AclPatternType, aclPatternTypeName],
    ['operation', filter.operation, AclOperation, aclOperationName],
    ['permission type', filter.permissionType, AclPermissionType, aclPermissionTypeName],
  ];
  for (const [what, code, table, name] of fields) {
    if (code === 0 || !isIn(table, code)) return `the filter's ${what} is ${name(code)}`;
  }
  return undefined;
}

/**
 * The canonical spelling of an IPv4 or IPv6 literal (RFC 5952 for IPv6; an IPv4-mapped address
 * as its IPv4 address, as Java's InetAddress and so Kafka see it), or undefined if `text` is
 * neither. No zone ids, no leading zeros in IPv4 octets (`010.0.0.1` is octal to some parsers).
 */
export function canonicalIp(text: string): string | undefined {
  if (text.length > 45) return undefined; // the longest IPv6 literal with an IPv4 tail
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return v4.join('.');
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    return [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff].join('.');
  }
  return formatIpv6(v6);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** Eight 16-bit groups; `::` stands for one or more zero groups; an IPv4 tail for the last two. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  if (halves.length === 1) {
    const groups = ipv6Groups(text);
    return groups?.length === 8 ? groups : undefined;
  }
  const head = ipv6Groups(halves[0]!, false);
  const tail = ipv6Groups(halves[1]!);
  if (head === undefined || tail === undefined || head.length + tail.length > 7) {
    return undefined;
  }
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function ipv6Groups(text: string, ipv4Tail = true): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (const [i, p] of parts.entries()) {
    const v4 = ipv4Tail && i === parts.length - 1 && p.includes('.') ? parseIpv4(p) : undefined;
    if (v4 !== undefined) {
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** RFC 5952 §4: lower case, no leading zeros, `::` for the first longest run of ≥ 2 zeros. */
function formatIpv6(groups: readonly number[]): string {
  let best = { start: -1, length: 1 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::` +
    hex.slice(best.start + best.length).join(':');
}
