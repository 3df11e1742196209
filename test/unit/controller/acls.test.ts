// Proves controller/acls.ts decides CreateAcls and DeleteAcls as Kafka's AclControlManager does:
// each creation is validated alone and answered in order, an ACL that exists (or repeats within
// the request) succeeds without a record, ids are fresh (a clashing draw is drawn again); each
// delete filter is validated alone, lists what it matches (ANY, LITERAL, PREFIXED and MATCH
// semantics), and an ACL matched twice is removed once. The records are applied to a real image,
// so a decision the image would refuse (a repeated id, removing an absent ACL) fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAcls, deleteAcls } from '../../../src/controller/index.js';
import { applyRecords, emptyImage, type MetadataImage } from '../../../src/metadata/index.js';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Permission,
  AclResourceType as Resource, KafkaError, zeroUuid, type CreateAclsRequestAclCreation,
  type DeleteAclsRequestFilter,
} from '../../../src/protocol/index.js';

function creation(fields: Partial<CreateAclsRequestAclCreation> = {}):
  CreateAclsRequestAclCreation {
  return { resourceType: Resource.topic, resourceName: 'orders',
    resourcePatternType: Pattern.literal, principal: 'User:alice', host: '*',
    operation: Op.read, permissionType: Permission.allow, ...fields };
}

function filter(fields: Partial<DeleteAclsRequestFilter> = {}): DeleteAclsRequestFilter {
  return { resourceTypeFilter: Resource.any, resourceNameFilter: null,
    patternTypeFilter: Pattern.any, principalFilter: null, hostFilter: null, operation: Op.any,
    permissionType: Permission.any, ...fields };
}

/** Ids 22 base64url characters, counting up (what randomUuid looks like). */
function ids(start = 1): () => string {
  let n = start;
  return () => Buffer.alloc(16, n++ % 256).toString('base64url');
}

function create(image: MetadataImage, creations: CreateAclsRequestAclCreation[],
  newId = ids()): MetadataImage {
  const { records, results } = createAcls(image, creations, newId);
  assert.ok(results.every((r) => r.errorCode === 0), JSON.stringify(results));
  return applyRecords(image, records);
}

const invalidRequest = KafkaError.invalidRequest.code;

test('creations are checked one by one, answered in order, and written as records', () => {
  const { records, results } = createAcls(emptyImage('c'), [
    creation(),
    creation({ operation: Op.clusterAction }),
    creation({ resourcePatternType: Pattern.prefixed, resourceName: 'ord' }),
    creation({ principal: 'alice' }),
    creation({ resourceType: Resource.cluster, resourceName: 'kafka-cluster',
      operation: Op.alter, permissionType: Permission.deny }),
  ], ids());
  assert.deepEqual(results.map((r) => r.errorCode), [0, invalidRequest, 0, invalidRequest, 0]);
  assert.match(results[1]?.errorMessage ?? '', /CLUSTER_ACTION is not one of TOPIC's/);
  assert.match(results[3]?.errorMessage ?? '', /principal 'alice'/);
  assert.equal(records.length, 3);
  const image = applyRecords(emptyImage('c'), records);
  assert.deepEqual([...image.acls.values()].map((a) => [a.resourceName, a.patternType]),
    [['orders', Pattern.literal], ['ord', Pattern.prefixed], ['kafka-cluster', Pattern.literal]]);
  const first = [...image.acls.values()][0];
  assert.deepEqual(first, { id: records[0]?.id, resourceType: Resource.topic,
    resourceName: 'orders', patternType: Pattern.literal, principal: 'User:alice', host: '*',
    operation: Op.read, permissionType: Permission.allow });
});

test('an ACL that exists, or repeats in the request, succeeds without a second record', () => {
  const image = create(emptyImage('c'), [creation()]);
  const again = createAcls(image, [creation(), creation({ host: '10.0.0.1' }),
    creation({ host: '10.0.0.1' })], ids(50));
  assert.deepEqual(again.results, [{ errorCode: 0, errorMessage: null },
    { errorCode: 0, errorMessage: null }, { errorCode: 0, errorMessage: null }]);
  assert.equal(again.records.length, 1);
  assert.equal(applyRecords(image, again.records).acls.size, 2);
});

test('an id in use, or the zero uuid, is drawn again', () => {
  const image = create(emptyImage('c'), [creation()], ids(7));
  const used = [...image.acls.keys()][0] ?? '';
  const draws = [used, zeroUuid, used, 'AQEBAQEBAQEBAQEBAQEBAQ', 'AQEBAQEBAQEBAQEBAQEBAQ',
    'AgICAgICAgICAgICAgICAg'];
  const { records } = createAcls(image, [creation({ operation: Op.write }),
    creation({ operation: Op.delete })], () => draws.shift() ?? '');
  assert.deepEqual(records.map((r) => r.id), ['AQEBAQEBAQEBAQEBAQEBAQ', 'AgICAgICAgICAgICAgICAg']);
  assert.equal(applyRecords(image, records).acls.size, 3);
  assert.throws(() => createAcls(image, [creation({ operation: Op.alter })], () => used),
    /draws all clashed/);
});

test('a request whose new ACLs are too large refuses the rest, not what fits', () => {
  const big = (i: number) => creation({ resourceName: `${i}`.padEnd(30_000, 'x') });
  const { records, results } = createAcls(emptyImage('c'),
    Array.from({ length: 40 }, (_, i) => big(i)), ids());
  const accepted = results.filter((r) => r.errorCode === 0).length;
  assert.equal(records.length, accepted);
  assert.ok(accepted > 30 && accepted < 40, `${accepted}`);
  assert.match(results[39]?.errorMessage ?? '', /send the rest in another request/);
});

function sampleImage(): MetadataImage {
  return create(emptyImage('c'), [
    creation(),
    creation({ resourceName: '*' }),
    creation({ resourceName: 'ord', resourcePatternType: Pattern.prefixed }),
    creation({ principal: 'User:bob', permissionType: Permission.deny, operation: Op.write }),
    creation({ resourceType: Resource.group, resourceName: 'app', operation: Op.read }),
  ]);
}

test('delete filters select as Kafka\'s AclBindingFilter and list what they removed', () => {
  const image = sampleImage();
  const names = (f: Partial<DeleteAclsRequestFilter>): string[] =>
    (deleteAcls(image, [filter(f)]).filterResults[0]?.matchingAcls ?? [])
      .map((a) => `${a.resourceName}/${a.principal}/${a.operation}`);
  assert.deepEqual(names({ resourceTypeFilter: Resource.group }), ['app/User:alice/3']);
  assert.deepEqual(names({ resourceNameFilter: 'orders' }),
    ['orders/User:alice/3', 'orders/User:bob/4']);
  assert.deepEqual(names({ resourceNameFilter: 'orders', patternTypeFilter: Pattern.match,
    resourceTypeFilter: Resource.topic }),
  ['orders/User:alice/3', '*/User:alice/3', 'ord/User:alice/3', 'orders/User:bob/4']);
  assert.deepEqual(names({ patternTypeFilter: Pattern.prefixed }), ['ord/User:alice/3']);
  assert.deepEqual(names({ permissionType: Permission.deny }), ['orders/User:bob/4']);
  assert.deepEqual(names({ principalFilter: 'User:carol' }), []);

  const { records, filterResults } = deleteAcls(image, [filter({ principalFilter: 'User:bob' })]);
  assert.deepEqual(filterResults, [{ errorCode: 0, errorMessage: null, matchingAcls: [{
    errorCode: 0, errorMessage: null, resourceType: Resource.topic, resourceName: 'orders',
    patternType: Pattern.literal, principal: 'User:bob', host: '*', operation: Op.write,
    permissionType: Permission.deny }] }]);
  const after = applyRecords(image, records);
  assert.equal(after.acls.size, 4);
  assert.ok([...after.acls.values()].every((a) => a.principal !== 'User:bob'));
});

test('an ACL two filters match is listed by both, removed once; a bad filter fails alone', () => {
  const image = sampleImage();
  const { records, filterResults } = deleteAcls(image, [
    filter({ resourceNameFilter: 'orders' }),
    filter({ operation: 0 }),
    filter({ principalFilter: 'User:bob' }),
    filter({ resourceTypeFilter: 99 }),
  ]);
  assert.deepEqual(filterResults.map((r) => [r.errorCode, r.matchingAcls.length]),
    [[0, 2], [invalidRequest, 0], [0, 1], [invalidRequest, 0]]);
  assert.match(filterResults[1]?.errorMessage ?? '', /operation is UNKNOWN/);
  assert.equal(records.length, 2);
  assert.equal(applyRecords(image, records).acls.size, 3);
  assert.deepEqual(deleteAcls(image, []), { records: [], filterResults: [] });
  const everything = deleteAcls(image, [filter(), filter()]);
  assert.equal(everything.records.length, 5);
  assert.equal(applyRecords(image, everything.records).acls.size, 0);
});
