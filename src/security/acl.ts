/**
 * Kafka's authorization decision, as its StandardAuthorizer makes it (KIP-801; prefixed patterns
 * KIP-290), as a pure function of the ACLs in the metadata image:
 * - a super user (`super.users`, "User:admin") may do anything;
 * - an ACL applies to a resource of its type when its pattern is LITERAL and names the resource
 *   or is the wildcard `*`, or is PREFIXED and the name starts with it;
 * - among those, one matches the request when its principal is the caller's or `User:*`, its
 *   host is `*` or the caller's address, and its operation is the one asked for or ALL; an
 *   ALLOW of READ, WRITE, DELETE or ALTER also allows DESCRIBE, and of ALTER_CONFIGS
 *   DESCRIBE_CONFIGS (a DENY implies nothing);
 * - a matching DENY wins over any ALLOW; with neither the answer is no, unless no ACL at all
 *   applies to the resource and `allow.everyone.if.no.acl.found` is on (Kafka's option,
 *   default false).
 *
 * Cost: the ACLs are indexed once per collection (the image's `acls` map is never mutated, so a
 * WeakMap keyed by it holds one index per image), by resource type, then literal names in a Map
 * and prefixed names in a Map per distinct prefix length. A decision then costs one lookup for
 * the name, one for `*`, and one per distinct prefix length of that resource type (a slice of
 * the name each), plus the ACLs that apply to the resource: microseconds at the hundreds of ACLs
 * a home cluster has, whatever their total.
 */
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType,
} from '../protocol/index.js';
import {
  wildcardHost, wildcardPrincipal, wildcardResourceName, type AclEntry, type AclFilter,
} from './acl-validation.js';
import { formatPrincipal, type KafkaPrincipal } from './principal.js';

export interface AuthorizeRequest {
  readonly principal: KafkaPrincipal;
  /**
   * The client's IP address as the socket reports it; an IPv4-mapped IPv6 address
   * (`::ffff:10.0.0.5`) counts as its IPv4 address, as it does for Kafka (Java's InetAddress).
   */
  readonly host: string;
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly operation: AclOperation;
}

export interface AuthorizerOptions {
  /** Principals allowed everything, as "User:admin" (Kafka's `super.users`). */
  readonly superUsers: ReadonlySet<string>;
  /** Kafka's `allow.everyone.if.no.acl.found` (default false). */
  readonly allowEveryoneIfNoAclFound: boolean;
}

export type AuthorizeReason =
  | 'super-user' | 'allow-acl' | 'deny-acl' | 'no-acl' | 'no-matching-allow';

export interface AuthorizeDecision<E extends AclEntry = AclEntry> {
  readonly allowed: boolean;
  readonly reason: AuthorizeReason;
  /** The ACL that decided ('allow-acl', 'deny-acl'). */
  readonly acl?: E;
}

/** ACLs as the image holds them (id → ACL), any iterable of ACLs, or an index built before. */
export type AclSource<E extends AclEntry> = AclIndex<E> | ReadonlyMap<string, E> | Iterable<E>;

interface TypeIndex<E> {
  readonly literal: Map<string, E[]>;
  readonly prefixed: Map<string, E[]>;
  /** The distinct lengths of the prefixed names, longest first. */
  readonly prefixLengths: number[];
}

/** ACLs by resource type and name, for `authorize`. Immutable once built. */
export class AclIndex<E extends AclEntry = AclEntry> {
  private readonly byType = new Map<number, TypeIndex<E>>();
  readonly size: number;

  constructor(acls: Iterable<E>) {
    let size = 0;
    for (const acl of acls) {
      let t = this.byType.get(acl.resourceType);
      if (t === undefined) {
        t = { literal: new Map(), prefixed: new Map(), prefixLengths: [] };
        this.byType.set(acl.resourceType, t);
      }
      const prefixed = acl.patternType === AclPatternType.prefixed;
      const names = prefixed ? t.prefixed : t.literal;
      const list = names.get(acl.resourceName);
      if (list !== undefined) list.push(acl);
      else names.set(acl.resourceName, [acl]);
      if (prefixed && !t.prefixLengths.includes(acl.resourceName.length)) {
        t.prefixLengths.push(acl.resourceName.length);
      }
      size++;
    }
    for (const t of this.byType.values()) t.prefixLengths.sort((a, b) => b - a);
    this.size = size;
  }

  /**
   * The lists of ACLs whose pattern applies to the resource: the literal name, the longest
   * prefixes first, then the wildcard.
   */
  applicable(resourceType: number, resourceName: string): (readonly E[])[] {
    const t = this.byType.get(resourceType);
    if (t === undefined) return [];
    const out: (readonly E[])[] = [];
    const literal = t.literal.get(resourceName);
    if (literal !== undefined) out.push(literal);
    for (const length of t.prefixLengths) {
      if (length > resourceName.length) continue;
      const prefixed = t.prefixed.get(resourceName.slice(0, length));
      if (prefixed !== undefined) out.push(prefixed);
    }
    const wildcard = resourceName === wildcardResourceName ? undefined
      : t.literal.get(wildcardResourceName);
    if (wildcard !== undefined) out.push(wildcard);
    return out;
  }
}

const indexes = new WeakMap<object, AclIndex<AclEntry>>();

/**
 * The index of `acls`, built on first use and kept while `acls` lives. The collection must not
 * change afterwards (the image's `acls` map never does: a new image has a new map).
 */
export function aclIndexOf<E extends AclEntry>(acls: AclSource<E>): AclIndex<E> {
  if (acls instanceof AclIndex) return acls;
  const cached = indexes.get(acls);
  if (cached !== undefined) return cached as AclIndex<E>;
  const built = new AclIndex<E>(acls instanceof Map ? acls.values() : acls as Iterable<E>);
  indexes.set(acls, built);
  return built;
}

/** Kafka's decision for one request (StandardAuthorizerData.authorize). */
export function authorize<E extends AclEntry>(acls: AclSource<E>, request: AuthorizeRequest,
  options: AuthorizerOptions): AuthorizeDecision<E> {
  const principal = formatPrincipal(request.principal);
  if (options.superUsers.has(principal)) return { allowed: true, reason: 'super-user' };
  const host = aclClientHost(request.host);
  let found = false;
  let allow: E | undefined;
  for (const list of aclIndexOf(acls).applicable(request.resourceType, request.resourceName)) {
    for (const acl of list) {
      found = true;
      const result = aclResult(acl, principal, host, request.operation);
      if (result === AclPermissionType.deny) return { allowed: false, reason: 'deny-acl', acl };
      if (result === AclPermissionType.allow) allow ??= acl;
    }
  }
  if (allow !== undefined) return { allowed: true, reason: 'allow-acl', acl: allow };
  if (!found) return { allowed: options.allowEveryoneIfNoAclFound, reason: 'no-acl' };
  return { allowed: false, reason: 'no-matching-allow' };
}

/** `::ffff:10.0.0.5` → `10.0.0.5`; any other address as given. */
export function aclClientHost(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped === null ? address : mapped[1]!;
}

const impliesDescribe: ReadonlySet<number> = new Set([AclOperation.describe, AclOperation.read,
  AclOperation.write, AclOperation.delete, AclOperation.alter]);
const impliesDescribeConfigs: ReadonlySet<number> = new Set([AclOperation.describeConfigs,
  AclOperation.alterConfigs]);

/** The ACL's permission if it matches the caller and operation, else undefined (findResult). */
function aclResult(acl: AclEntry, principal: string, host: string,
  operation: AclOperation): AclPermissionType | undefined {
  if (acl.principal !== principal && acl.principal !== wildcardPrincipal) return undefined;
  if (acl.host !== wildcardHost && acl.host !== host) return undefined;
  if (acl.operation !== AclOperation.all && acl.operation !== operation) {
    // Implied operations come from ALLOW ACLs only: a DENY of READ does not deny DESCRIBE.
    if (acl.permissionType !== AclPermissionType.allow) return undefined;
    if (operation === AclOperation.describe) {
      if (!impliesDescribe.has(acl.operation)) return undefined;
    } else if (operation === AclOperation.describeConfigs) {
      if (!impliesDescribeConfigs.has(acl.operation)) return undefined;
    } else {
      return undefined;
    }
  }
  return acl.permissionType;
}

/**
 * Whether a DescribeAcls/DeleteAcls filter selects `acl` (Kafka's AclBindingFilter.matches).
 * With pattern type ANY, LITERAL or PREFIXED a name filter must equal the ACL's name; with MATCH
 * it selects the ACLs that apply to that resource: literal of that name or `*`, prefixed with a
 * prefix of it. Call `checkAclFilter` first: UNKNOWN codes match nothing here.
 */
export function aclFilterMatches(filter: AclFilter, acl: AclEntry): boolean {
  return patternMatches(filter, acl)
    && (filter.principalFilter === null || filter.principalFilter === acl.principal)
    && (filter.hostFilter === null || filter.hostFilter === acl.host)
    && (filter.operation === AclOperation.any || filter.operation === acl.operation)
    && (filter.permissionType === AclPermissionType.any
      || filter.permissionType === acl.permissionType);
}

function patternMatches(filter: AclFilter, acl: AclEntry): boolean {
  const type = filter.resourceTypeFilter;
  if (type !== AclResourceType.any && type !== acl.resourceType) return false;
  const pattern = filter.patternTypeFilter;
  const isAny = pattern === AclPatternType.any;
  if (!isAny && pattern !== AclPatternType.match && pattern !== acl.patternType) return false;
  const name = filter.resourceNameFilter;
  if (name === null) return true;
  if (pattern !== AclPatternType.match) return name === acl.resourceName;
  return acl.patternType === AclPatternType.prefixed ? name.startsWith(acl.resourceName)
    : name === acl.resourceName || acl.resourceName === wildcardResourceName;
}
