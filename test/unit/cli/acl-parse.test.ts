// Proves the `pado acl add|remove|list` argv parsing at unit level (no broker), through parseArgv
// as `pado` runs it: rpk's flags become Kafka ACL codes, several values make every combination,
// defaults apply (host *, LITERAL for add/remove, ANY for list, principals without a type are
// users), each ACL is checked by the broker's own rules before anything is sent, and bad usage is
// a PADO_INVALID_ARGUMENT that says what to write instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv } from '../../../src/cli/index.js';
import { isPadoError } from '../../../src/common/index.js';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Permission,
  AclResourceType as Resource,
} from '../../../src/protocol/index.js';

const local = [{ host: '127.0.0.1', port: 9092 }];

function parse(line: string): { name: string; args: unknown } {
  const { name, args } = parseArgv(line.split(' ').filter((w) => w !== ''), {});
  return { name, args };
}

function usageError(line: string, message: RegExp): void {
  assert.throws(() => parse(line), (e: unknown) => {
    assert.ok(isPadoError(e, 'PADO_INVALID_ARGUMENT'), `not a usage error: ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

const acl = (fields: Record<string, unknown>) => ({ resourceType: Resource.topic,
  resourceName: 'orders', patternType: Pattern.literal, principal: 'User:alice', host: '*',
  operation: Op.read, permissionType: Permission.allow, ...fields });

test('acl add: one ACL per combination, host * by default', () => {
  assert.deepEqual(parse('acl add --allow-principal User:alice --operation read --topic orders'),
    { name: 'acl add', args: { bootstrap: local, acls: [acl({})], format: 'table' } });
  const { args } = parse('acl add --allow-principal alice --deny-principal User:bob ' +
    '--operation READ --operation describe --topic orders --group app --host 10.0.0.1 ' +
    '--format json');
  const acls = (args as { acls: Record<string, unknown>[] }).acls;
  assert.equal(acls.length, 8); // 2 principals × 1 host × 2 resources × 2 operations
  assert.deepEqual(acls[0], acl({ host: '10.0.0.1' }));
  assert.deepEqual(acls[3], acl({ host: '10.0.0.1', resourceType: Resource.group,
    resourceName: 'app', operation: Op.describe }));
  assert.deepEqual(acls[7], acl({ host: '10.0.0.1', resourceType: Resource.group,
    resourceName: 'app', operation: Op.describe, principal: 'User:bob',
    permissionType: Permission.deny }));
  assert.deepEqual(parse('acl add --allow-principal User:etl --operation write --topic raw. ' +
    '--resource-pattern-type prefixed').args, { bootstrap: local, format: 'table',
    acls: [acl({ principal: 'User:etl', operation: Op.write, resourceName: 'raw.',
      patternType: Pattern.prefixed })] });
  assert.deepEqual(parse('acl add --allow-principal User:* --operation idempotent-write ' +
    '--cluster --operation describe_configs').args, { bootstrap: local, format: 'table', acls: [
    acl({ principal: 'User:*', resourceType: Resource.cluster, resourceName: 'kafka-cluster',
      operation: Op.idempotentWrite }),
    acl({ principal: 'User:*', resourceType: Resource.cluster, resourceName: 'kafka-cluster',
      operation: Op.describeConfigs }),
  ] });
  assert.deepEqual((parse('acl add --allow-principal a --operation write ' +
    '--transactional-id tx-1').args as { acls: unknown[] }).acls,
  [acl({ principal: 'User:a', operation: Op.write, resourceType: Resource.transactionalId,
    resourceName: 'tx-1' })]);
});

test('acl add: refusals say what to write', () => {
  usageError('acl add --operation read --topic t', /^no principal: give --allow-principal/);
  usageError('acl add --allow-principal a --topic t', /^no operation: give e.g. --operation read/);
  usageError('acl add --allow-principal a --operation read', /^no resource: give --topic/);
  usageError('acl add --allow-principal a --operation reed --topic t',
    /^--operation: 'reed' is not one of read, write/);
  usageError('acl add --allow-principal a --operation any --topic t', /'any' is not one of/);
  usageError('acl add --allow-principal a --operation write --group g',
    /^operation WRITE is not one of GROUP's: READ, DESCRIBE, DELETE, ALL/);
  usageError('acl add --allow-principal a --operation read --topic t --host localhost',
    /^--host: host 'localhost' is not \* or an IP address/);
  usageError('acl add --allow-principal a --operation read --topic t --host 0:0:0:0:0:0:0:1',
    /write it as ::1/);
  usageError('acl add --allow-principal a --operation read --topic t ' +
    '--resource-pattern-type match',
  /^--resource-pattern-type: 'match' is not one of literal, prefixed/);
  usageError('acl add --allow-principal :x --operation read --topic t',
    /^--allow-principal: ':x' is not a principal; write e.g. --allow-principal User:alice/);
  const topics = Array.from({ length: 40 }, (_, i) => `--topic t${i}`).join(' ');
  const ops = '--operation read --operation write --operation describe';
  const users = Array.from({ length: 9 }, (_, i) => `--allow-principal u${i}`).join(' ');
  usageError(`acl add ${users} ${ops} ${topics}`, /make 1080 ACLs; one command makes at most 1000/);
});

const any = { resourceTypeFilter: Resource.any, resourceNameFilter: null,
  patternTypeFilter: Pattern.any, principalFilter: null, hostFilter: null, operation: Op.any,
  permissionType: Permission.any };

test('acl list: everything by default; flags narrow; pattern ANY unless told', () => {
  assert.deepEqual(parse('acl list'), { name: 'acl list',
    args: { bootstrap: local, filters: [any], format: 'table' } });
  assert.deepEqual(parse('acl list --topic orders --resource-pattern-type match ' +
    '--deny-principal bob --format json').args, { bootstrap: local, format: 'json', filters: [{
    ...any, resourceTypeFilter: Resource.topic, resourceNameFilter: 'orders',
    patternTypeFilter: Pattern.match, principalFilter: 'User:bob',
    permissionType: Permission.deny }] });
  const { filters } = parse('acl list --group a --group b --operation read').args as
    { filters: { resourceNameFilter: string }[] };
  assert.deepEqual(filters.map((f) => f.resourceNameFilter), ['a', 'b']);
  usageError('acl list --resource-pattern-type regex', /not one of literal, prefixed, any, match/);
});

test('acl remove: needs a resource; LITERAL unless told', () => {
  assert.deepEqual(parse('acl remove --topic orders --allow-principal User:alice ' +
    '--operation read --host 10.0.0.1'), { name: 'acl remove', args: { bootstrap: local,
    format: 'table', filters: [{ resourceTypeFilter: Resource.topic,
      resourceNameFilter: 'orders', patternTypeFilter: Pattern.literal,
      principalFilter: 'User:alice', hostFilter: '10.0.0.1', operation: Op.read,
      permissionType: Permission.allow }] } });
  assert.deepEqual(parse('acl remove --cluster --resource-pattern-type any').args, {
    bootstrap: local, format: 'table', filters: [{ ...any, resourceTypeFilter: Resource.cluster,
      resourceNameFilter: 'kafka-cluster' }] });
  usageError('acl remove --allow-principal User:alice', /^no resource: give --topic/);
});
