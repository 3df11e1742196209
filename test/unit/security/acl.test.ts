// Proves security/acl.ts decides as Kafka's StandardAuthorizer does, by table: each row is a set
// of ACLs, a request and the expected decision (allowed, reason) — literal, prefixed and wildcard
// patterns, DENY over ALLOW, operations implied by ALLOW only, ALL, hosts (IPv4-mapped clients
// included), User:*, super users and allow.everyone.if.no.acl.found. Also that the index is built
// once per collection, that filters select as Kafka's AclBindingFilter (ANY, MATCH, LITERAL,
// PREFIXED, null fields), and that validateNewAcl/checkAclFilter/canonicalIp refuse what Kafka's
// rules refuse (operations per resource type, cluster name, principal, host syntax).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Permission,
  AclResourceType as Resource,
} from '../../../src/protocol/index.js';
import {
  aclFilterMatches, aclIndexOf, authorize, canonicalIp, checkAclFilter, userPrincipal,
  validateNewAcl, type AclEntry, type AclFilter, type AuthorizeReason,
} from '../../../src/security/index.js';

function acl(fields: Partial<AclEntry> = {}): AclEntry {
  return { resourceType: Resource.topic, resourceName: 'orders', patternType: Pattern.literal,
    principal: 'User:alice', host: '*', operation: Op.read, permissionType: Permission.allow,
    ...fields };
}

const deny = (fields: Partial<AclEntry> = {}) =>
  acl({ permissionType: Permission.deny, ...fields });

interface Row {
  name: string;
  acls: AclEntry[];
  /** Defaults: alice from 10.0.0.5 reads topic orders. */
  request?: { user?: string; host?: string; type?: Resource; resource?: string; op?: Op };
  options?: { superUsers?: string[]; allowEveryone?: boolean };
  expect: [boolean, AuthorizeReason];
}

const rows: Row[] = [
  { name: 'no ACL: denied', acls: [], expect: [false, 'no-acl'] },
  { name: 'no ACL, allow.everyone.if.no.acl.found', acls: [], options: { allowEveryone: true },
    expect: [true, 'no-acl'] },
  { name: 'an ACL for someone else on the resource: allow.everyone does not apply',
    acls: [acl({ principal: 'User:bob' })], options: { allowEveryone: true },
    expect: [false, 'no-matching-allow'] },
  { name: 'ACLs on other resources only: allow.everyone applies',
    acls: [acl({ resourceName: 'payments' }), acl({ resourceType: Resource.group })],
    options: { allowEveryone: true }, expect: [true, 'no-acl'] },
  { name: 'literal allow', acls: [acl()], expect: [true, 'allow-acl'] },
  { name: 'literal names one resource', acls: [acl({ resourceName: 'order' })],
    expect: [false, 'no-acl'] },
  { name: 'wildcard name', acls: [acl({ resourceName: '*' })], expect: [true, 'allow-acl'] },
  { name: 'prefixed', acls: [acl({ resourceName: 'ord', patternType: Pattern.prefixed })],
    expect: [true, 'allow-acl'] },
  { name: 'prefixed equal to the name',
    acls: [acl({ resourceName: 'orders', patternType: Pattern.prefixed })],
    expect: [true, 'allow-acl'] },
  { name: 'prefixed longer than the name',
    acls: [acl({ resourceName: 'orders-eu', patternType: Pattern.prefixed })],
    expect: [false, 'no-acl'] },
  { name: 'prefixed "*" is a literal star prefix, not a wildcard',
    acls: [acl({ resourceName: '*', patternType: Pattern.prefixed })], expect: [false, 'no-acl'] },
  { name: 'other resource type', acls: [acl({ resourceType: Resource.group })],
    expect: [false, 'no-acl'] },
  { name: 'deny wins over allow', acls: [acl(), deny()], expect: [false, 'deny-acl'] },
  { name: 'wildcard deny wins over literal allow', acls: [acl(), deny({ resourceName: '*' })],
    expect: [false, 'deny-acl'] },
  { name: 'prefixed deny wins', acls: [acl(), deny({ resourceName: 'o',
    patternType: Pattern.prefixed })], expect: [false, 'deny-acl'] },
  { name: 'deny for another principal does not apply', acls: [acl(),
    deny({ principal: 'User:bob' })], expect: [true, 'allow-acl'] },
  { name: 'User:* matches every user', acls: [acl({ principal: 'User:*' })],
    expect: [true, 'allow-acl'] },
  { name: 'User:* deny', acls: [acl(), deny({ principal: 'User:*' })],
    expect: [false, 'deny-acl'] },
  { name: 'principal type must match', acls: [acl({ principal: 'Group:alice' })],
    expect: [false, 'no-matching-allow'] },
  { name: 'wrong operation', acls: [acl({ operation: Op.write })],
    expect: [false, 'no-matching-allow'] },
  { name: 'ALL allows every operation', acls: [acl({ operation: Op.all })],
    request: { op: Op.alterConfigs }, expect: [true, 'allow-acl'] },
  { name: 'ALL denies every operation', acls: [acl(), deny({ operation: Op.all })],
    expect: [false, 'deny-acl'] },
  ...[Op.read, Op.write, Op.delete, Op.alter].map((op): Row => ({
    name: `ALLOW op ${op} implies DESCRIBE`, acls: [acl({ operation: op })],
    request: { op: Op.describe }, expect: [true, 'allow-acl'] })),
  { name: 'ALLOW CREATE does not imply DESCRIBE', acls: [acl({ operation: Op.create })],
    request: { op: Op.describe }, expect: [false, 'no-matching-allow'] },
  { name: 'ALLOW ALTER_CONFIGS implies DESCRIBE_CONFIGS',
    acls: [acl({ operation: Op.alterConfigs })],
    request: { op: Op.describeConfigs }, expect: [true, 'allow-acl'] },
  { name: 'ALLOW DESCRIBE_CONFIGS does not imply ALTER_CONFIGS',
    acls: [acl({ operation: Op.describeConfigs })], request: { op: Op.alterConfigs },
    expect: [false, 'no-matching-allow'] },
  { name: 'DENY READ does not deny DESCRIBE', acls: [acl({ operation: Op.describe }),
    deny({ operation: Op.read })], request: { op: Op.describe }, expect: [true, 'allow-acl'] },
  { name: 'READ does not imply WRITE', acls: [acl()], request: { op: Op.write },
    expect: [false, 'no-matching-allow'] },
  { name: 'host must match', acls: [acl({ host: '10.0.0.6' })],
    expect: [false, 'no-matching-allow'] },
  { name: 'host equal', acls: [acl({ host: '10.0.0.5' })], expect: [true, 'allow-acl'] },
  { name: 'IPv4-mapped client address matches the IPv4 ACL', acls: [acl({ host: '10.0.0.5' })],
    request: { host: '::ffff:10.0.0.5' }, expect: [true, 'allow-acl'] },
  { name: 'IPv6 host', acls: [deny({ host: 'fd00::5' }), acl()], request: { host: 'fd00::5' },
    expect: [false, 'deny-acl'] },
  { name: 'super user skips the ACLs', acls: [deny({ principal: 'User:*', operation: Op.all })],
    options: { superUsers: ['User:alice'] }, expect: [true, 'super-user'] },
  { name: 'super users are principals, not names', acls: [],
    options: { superUsers: ['alice'] }, expect: [false, 'no-acl'] },
  { name: 'the cluster resource', acls: [acl({ resourceType: Resource.cluster,
    resourceName: 'kafka-cluster', operation: Op.create })],
  request: { type: Resource.cluster, resource: 'kafka-cluster', op: Op.create },
  expect: [true, 'allow-acl'] },
  { name: 'a resource named "*" meets the wildcard once', acls: [deny({ resourceName: '*' })],
    request: { resource: '*' }, expect: [false, 'deny-acl'] },
];

test('authorize decides as Kafka\'s StandardAuthorizer', () => {
  for (const row of rows) {
    const r = row.request ?? {};
    const decision = authorize(row.acls, {
      principal: userPrincipal(r.user ?? 'alice'), host: r.host ?? '10.0.0.5',
      resourceType: r.type ?? Resource.topic, resourceName: r.resource ?? 'orders',
      operation: r.op ?? Op.read,
    }, { superUsers: new Set(row.options?.superUsers ?? []),
      allowEveryoneIfNoAclFound: row.options?.allowEveryone ?? false });
    assert.deepEqual([decision.allowed, decision.reason], row.expect, row.name);
    const decided = decision.reason === 'allow-acl' || decision.reason === 'deny-acl';
    assert.equal(decision.acl !== undefined, decided, `${row.name}: acl named iff it decided`);
    if (decision.acl !== undefined) assert.ok(row.acls.includes(decision.acl), row.name);
  }
});

test('the index is built once per collection and kept for it', () => {
  const acls = new Map([['a', acl()], ['b', acl({ resourceName: 'ord',
    patternType: Pattern.prefixed })]]);
  const index = aclIndexOf(acls);
  assert.equal(aclIndexOf(acls), index);
  assert.equal(index.size, 2);
  assert.equal(aclIndexOf(index), index);
  assert.notEqual(aclIndexOf(new Map(acls)), index);
  const request = { principal: userPrincipal('alice'), host: '1.2.3.4',
    resourceType: Resource.topic, resourceName: 'orders', operation: Op.read } as const;
  const options = { superUsers: new Set<string>(), allowEveryoneIfNoAclFound: false };
  assert.equal(authorize(acls, request, options).acl, acls.get('a'));
  assert.equal(authorize(index, request, options).acl, acls.get('a'));
  // Many prefixes of many lengths: only the ones that are prefixes of the name apply.
  const many = Array.from({ length: 300 }, (_, i) => acl({ resourceName: `t${i}`,
    patternType: Pattern.prefixed }));
  const got = authorize(many, { ...request, resourceName: 't29-x' }, options);
  assert.equal(got.acl?.resourceName, 't29');
  assert.equal(authorize(many, { ...request, resourceName: 'u1' }, options).reason, 'no-acl');
});

function filter(fields: Partial<AclFilter> = {}): AclFilter {
  return { resourceTypeFilter: Resource.any, resourceNameFilter: null,
    patternTypeFilter: Pattern.any, principalFilter: null, hostFilter: null, operation: Op.any,
    permissionType: Permission.any, ...fields };
}

test('filters select as Kafka\'s AclBindingFilter', () => {
  const literal = acl();
  const wildcard = acl({ resourceName: '*' });
  const prefixed = acl({ resourceName: 'ord', patternType: Pattern.prefixed });
  const other = acl({ resourceName: 'payments', resourceType: Resource.group,
    principal: 'User:bob', host: '10.0.0.1', operation: Op.describe,
    permissionType: Permission.deny });
  const all = [literal, wildcard, prefixed, other];
  const cases: [string, Partial<AclFilter>, AclEntry[]][] = [
    ['match all', {}, all],
    ['resource type', { resourceTypeFilter: Resource.group }, [other]],
    ['name with ANY: exact names only', { resourceNameFilter: 'orders' }, [literal]],
    ['name with LITERAL', { resourceNameFilter: 'orders', patternTypeFilter: Pattern.literal },
      [literal]],
    ['"*" with LITERAL is the wildcard ACL', { resourceNameFilter: '*',
      patternTypeFilter: Pattern.literal }, [wildcard]],
    ['PREFIXED', { patternTypeFilter: Pattern.prefixed }, [prefixed]],
    ['PREFIXED name is exact', { patternTypeFilter: Pattern.prefixed,
      resourceNameFilter: 'orders' }, []],
    ['MATCH: what applies to orders', { patternTypeFilter: Pattern.match,
      resourceNameFilter: 'orders', resourceTypeFilter: Resource.topic },
    [literal, wildcard, prefixed]],
    ['MATCH without a name: everything', { patternTypeFilter: Pattern.match }, all],
    ['principal', { principalFilter: 'User:bob' }, [other]],
    ['host', { hostFilter: '10.0.0.1' }, [other]],
    ['operation', { operation: Op.describe }, [other]],
    ['permission', { permissionType: Permission.allow }, [literal, wildcard, prefixed]],
  ];
  for (const [name, fields, expected] of cases) {
    assert.deepEqual(all.filter((a) => aclFilterMatches(filter(fields), a)), expected, name);
  }
});

test('checkAclFilter refuses UNKNOWN and unknown codes in any field', () => {
  assert.equal(checkAclFilter(filter()), undefined);
  assert.equal(checkAclFilter(filter({ patternTypeFilter: Pattern.match })), undefined);
  for (const bad of [{ resourceTypeFilter: 0 }, { resourceTypeFilter: 99 },
    { patternTypeFilter: 0 }, { patternTypeFilter: 5 }, { operation: 0 }, { operation: 15 },
    { permissionType: 0 }, { permissionType: 4 }]) {
    assert.ok(checkAclFilter(filter(bad)) !== undefined, JSON.stringify(bad));
  }
  assert.equal(checkAclFilter(filter({ resourceTypeFilter: 42 })),
    'the filter\'s resource type is UNKNOWN(42)');
});

test('validateNewAcl applies Kafka\'s rules and says what is wrong', () => {
  assert.deepEqual(validateNewAcl(acl()), acl());
  const refused: [Partial<AclEntry> | Record<string, unknown>, RegExp][] = [
    [{ resourceType: Resource.any }, /^resource type ANY/],
    [{ resourceType: 0 }, /^resource type UNKNOWN/],
    [{ resourceType: 99 }, /^resource type UNKNOWN\(99\)/],
    [{ patternType: Pattern.match }, /^pattern type MATCH: an ACL is LITERAL or PREFIXED/],
    [{ patternType: Pattern.any }, /pattern type ANY/],
    [{ operation: Op.any }, /^operation ANY is not one of TOPIC's/],
    [{ operation: Op.clusterAction }, /^operation CLUSTER_ACTION is not one of TOPIC's: READ/],
    [{ resourceType: Resource.group, operation: Op.write }, /WRITE is not one of GROUP's/],
    [{ resourceType: Resource.transactionalId, operation: Op.read }, /TRANSACTIONAL_ID's/],
    [{ resourceType: Resource.user, operation: Op.read }, /USER's: CREATE_TOKENS/],
    [{ resourceType: Resource.delegationToken, operation: Op.write }, /DELEGATION_TOKEN/],
    [{ permissionType: Permission.any }, /^permission type ANY/],
    [{ resourceName: '' }, /^the resource name is empty/],
    [{ resourceType: Resource.cluster, resourceName: 'mycluster', operation: Op.create },
      /only CLUSTER resource is named kafka-cluster/],
    [{ principal: 'alice' }, /^principal 'alice' is not <type>:<name>/],
    [{ principal: 'User:' }, /is not <type>:<name>/],
    [{ host: 'localhost' }, /^host 'localhost' is not \* or an IP address/],
    [{ host: '10.0.0.256' }, /is not \* or an IP address/],
    [{ host: '0:0:0:0:0:0:0:1' }, /^host '0:0:0:0:0:0:0:1': write it as ::1/],
    [{ host: 'FD00::1' }, /write it as fd00::1/],
    [{ host: '::ffff:10.0.0.1' }, /write it as 10.0.0.1/],
    [{ resourceName: 'x'.repeat(0x8000) }, /resource name has more than 32767 bytes/],
  ];
  for (const [fields, message] of refused) {
    const got = validateNewAcl({ ...acl(), ...fields } as AclEntry);
    assert.equal(typeof got, 'string', JSON.stringify(fields).slice(0, 80));
    assert.match(got as string, message);
  }
  const ok: Partial<AclEntry>[] = [
    { resourceType: Resource.cluster, resourceName: 'kafka-cluster',
      operation: Op.idempotentWrite },
    { resourceType: Resource.group, operation: Op.all }, { patternType: Pattern.prefixed },
    { permissionType: Permission.deny }, { principal: 'User:*' }, { host: 'fd00::1' },
    { host: '192.168.1.20' }, { principal: 'User:CN=a,O=b:c' },
  ];
  for (const fields of ok) assert.equal(typeof validateNewAcl(acl(fields)), 'object',
    JSON.stringify(fields));
});

test('canonicalIp parses IP literals by hand and spells them as RFC 5952 does', () => {
  const cases: [string, string | undefined][] = [
    ['10.0.0.1', '10.0.0.1'], ['0.0.0.0', '0.0.0.0'], ['255.255.255.255', '255.255.255.255'],
    ['256.0.0.1', undefined], ['1.2.3', undefined], ['1.2.3.4.5', undefined],
    ['01.2.3.4', undefined], ['1.2.3.', undefined], ['a.b.c.d', undefined],
    ['::', '::'], ['::1', '::1'], ['0:0:0:0:0:0:0:1', '::1'], ['1::', '1::'],
    ['2001:DB8::0001', '2001:db8::1'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:1.2.3.4', '1.2.3.4'], ['::ffff:0102:0304', '1.2.3.4'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ['1:2:3:4:5:6:7', undefined], ['1:2:3:4:5:6:7:8:9', undefined], [':::', undefined],
    ['1::2::3', undefined], [':1::', undefined], ['1:::2', undefined], ['12345::', undefined],
    ['fe80::1%eth0', undefined], ['g::1', undefined], ['', undefined], ['*', undefined],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'], ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ];
  for (const [text, expected] of cases) assert.equal(canonicalIp(text), expected, text);
});
