/**
 * Proves the ACL handlers (server/handlers/acls.ts) at every version they serve, on a fake broker
 * whose `propose` applies the decision's records to its image: CreateAcls writes the ACLs,
 * DescribeAcls answers from the image grouped by resource pattern (sorted, so stable), a v0
 * request (no pattern type on the wire) creates and selects LITERAL ACLs only, a filter with an
 * UNKNOWN code is INVALID_REQUEST, DeleteAcls removes what its filters match and lists it, and
 * the forwarding refusal (not the controller) names every creation and filter. Each response is
 * encoded and decoded at its version (the listener's path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { applyRecords, emptyImage, type MetadataImage } from '../../../src/metadata/index.js';
import {
  AclOperation as Op, AclPatternType as Pattern, AclPermissionType as Permission,
  AclResourceType as Resource, apiTable, decodeRequestHeader, decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame, KafkaError, Reader, type CreateAclsResponse, type DeleteAclsResponse,
  type DescribeAclsRequest, type DescribeAclsResponse,
} from '../../../src/protocol/index.js';
import {
  brokerHandlers, withForwarding, type Broker, type RequestContext,
} from '../../../src/server/index.js';

let image: MetadataImage = emptyImage('c');
let controller = true;
let idCount = 0;
const broker = {
  nodeId: 1,
  controllerContext: { newTopicId: () => Buffer.alloc(16, ++idCount).toString('base64url') },
  image: () => image,
  isController: () => controller,
  propose: <T>(decide: (i: MetadataImage) => { records: readonly never[]; result: T }) => {
    const { records, result } = decide(image);
    image = applyRecords(image, records);
    return Promise.resolve(result);
  },
  forwardToController: () => Promise.reject(new Error('no controller')),
} as unknown as Broker;
const handlers = withForwarding(brokerHandlers(broker), broker);

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 't', clientHost: '127.0.0.1', connectionId: 1,
    log: pino({ level: 'silent' }), signal: new AbortController().signal };
}

/** The request as the wire carries it at `version`, handled, the response as a client reads it. */
async function call<T>(apiKey: number, version: number, req: unknown): Promise<T> {
  const h = handlers.get(apiKey);
  assert.ok(h !== undefined && version >= h.minVersion && version <= h.maxVersion);
  const frame = Buffer.concat(encodeRequestFrame(apiKey, version, 1, 't', req));
  const r = new Reader(frame.subarray(4));
  decodeRequestHeader(r);
  const decoded = apiTable.get(apiKey)?.decodeRequest(r, version);
  assert.ok(!r.failed && decoded !== undefined);
  const res = await h.handle(ctx(version), decoded);
  const out = Buffer.concat(encodeResponseFrame(apiKey, version, 1, res));
  const { body } = decodeResponseFrame(apiKey, version, out.subarray(4));
  assert.ok(body !== null);
  return body as T;
}

const creation = (fields: Record<string, unknown> = {}) => ({ resourceType: Resource.topic,
  resourceName: 'orders', resourcePatternType: Pattern.literal, principal: 'User:alice',
  host: '*', operation: Op.read, permissionType: Permission.allow, ...fields });

const describeAll: DescribeAclsRequest = { resourceTypeFilter: Resource.any,
  resourceNameFilter: null, patternTypeFilter: Pattern.any, principalFilter: null,
  hostFilter: null, operation: Op.any, permissionType: Permission.any };

test('create, describe and delete at every version', async () => {
  for (let v = 0; v <= 3; v++) {
    image = emptyImage('c');
    const created = await call<CreateAclsResponse>(30, v, { creations: [
      creation({ principal: 'User:bob' }), creation(),
      creation({ resourceName: 'ord', resourcePatternType: Pattern.prefixed }),
      creation({ resourceType: Resource.group, resourceName: 'app' }),
      creation({ operation: Op.any }),
    ] });
    assert.deepEqual(created.results.map((r) => r.errorCode),
      [0, 0, 0, 0, KafkaError.invalidRequest.code], `v${v}`);
    // v0 carries no pattern type: the prefixed creation arrives as LITERAL "ord".
    assert.deepEqual([...image.acls.values()].map((a) => a.patternType),
      [3, 3, v === 0 ? 3 : 4, 3], `v${v}`);
    const described = await call<DescribeAclsResponse>(29, v, describeAll);
    assert.equal(described.errorCode, 0);
    assert.deepEqual(described.resources.map((r) =>
      [r.resourceType, r.resourceName, r.patternType, r.acls.map((a) => a.principal)]),
    v === 0
      ? [[2, 'ord', 3, ['User:alice']], [2, 'orders', 3, ['User:alice', 'User:bob']],
        [3, 'app', 3, ['User:alice']]]
      : [[2, 'orders', 3, ['User:alice', 'User:bob']], [2, 'ord', 4, ['User:alice']],
        [3, 'app', 3, ['User:alice']]], `v${v}`);
    const deleted = await call<DeleteAclsResponse>(31, v, { filters: [
      { ...describeAll, resourceTypeFilter: Resource.topic, resourceNameFilter: 'orders' },
      { ...describeAll, operation: 0 },
    ] });
    assert.deepEqual(deleted.filterResults.map((r) => [r.errorCode, r.matchingAcls.length]),
      [[0, 2], [KafkaError.invalidRequest.code, 0]], `v${v}`);
    assert.equal(image.acls.size, 2, `v${v}`);
  }
});

test('a v0 filter selects LITERAL ACLs only; UNKNOWN codes are INVALID_REQUEST', async () => {
  image = emptyImage('c');
  await call(30, 1, { creations: [creation(), creation({ resourceName: 'o',
    resourcePatternType: Pattern.prefixed })] });
  const v0 = await call<DescribeAclsResponse>(29, 0, describeAll);
  assert.deepEqual(v0.resources.map((r) => r.resourceName), ['orders']);
  const v1 = await call<DescribeAclsResponse>(29, 1, describeAll);
  assert.deepEqual(v1.resources.map((r) => r.resourceName), ['orders', 'o']);
  const bad = await call<DescribeAclsResponse>(29, 2, { ...describeAll, permissionType: 9 });
  assert.equal(bad.errorCode, KafkaError.invalidRequest.code);
  assert.equal(bad.errorMessage, 'the filter\'s permission type is UNKNOWN(9)');
  assert.deepEqual(bad.resources, []);
});

test('a broker that cannot reach the controller refuses each creation and filter', async () => {
  controller = false;
  try {
    const created = await call<CreateAclsResponse>(30, 2, { creations: [creation(), creation()] });
    assert.deepEqual(created.results.map((r) => r.errorCode),
      [KafkaError.notController.code, KafkaError.notController.code]);
    const deleted = await call<DeleteAclsResponse>(31, 2, { filters: [describeAll] });
    assert.deepEqual(deleted.filterResults.map((r) => [r.errorCode, r.matchingAcls.length]),
      [[KafkaError.notController.code, 0]]);
  } finally {
    controller = true;
  }
});
