// Proves how ACLs wrap the handlers (server/authorization*.ts) on a fake table: a Produce is
// split by topic (the allowed part served, the rest TOPIC_AUTHORIZATION_FAILED per partition), a
// Metadata listing drops what the principal may not describe and a named topic it may not gets
// 29, group APIs get GROUP_AUTHORIZATION_FAILED, cluster APIs CLUSTER_AUTHORIZATION_FAILED, a
// super user passes everything, an API without a rule closes the connection, and every refusal is
// logged with principal, operation and resource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { applyRecords, emptyImage, type MetadataRecord } from '../../../src/metadata/index.js';
import { ApiKey } from '../../../src/protocol/index.js';
import {
  accessControl, closeConnection, handlerTable, withAuthorization, type Handler,
  type RequestContext,
} from '../../../src/server/index.js';
import type { Clock } from '../../../src/common/index.js';

const acl = (id: string, resourceType: 2 | 3 | 4, resourceName: string, operation: number):
  MetadataRecord => ({ type: 'accessControlEntry', id, resourceType, resourceName,
  patternType: 3, principal: 'User:alice', host: '*', operation: operation as 3,
  permissionType: 3 });
const image = applyRecords(emptyImage('c'), [
  acl('AAAAAAAAAAAAAAAAAAAAAQ', 2, 'orders', 4), acl('AAAAAAAAAAAAAAAAAAAAAg', 2, 'orders', 3),
  acl('AAAAAAAAAAAAAAAAAAAAAw', 3, 'g1', 3),
]);
const lines: Record<string, unknown>[] = [];
const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(JSON.parse(l)) });
const clock = { now: () => 0 } as unknown as Clock;
const access = accessControl(() => image, { superUsers: new Set(['User:admin']),
  allowEveryoneIfNoAclFound: false }, log, clock);
const ctx = (user: string, apiVersion = 9): RequestContext => ({ apiVersion, correlationId: 1,
  clientId: 'c', clientHost: '/10.0.0.2', connectionId: 1, log, signal: new AbortController().signal,
  session: { principal: { type: 'User', name: user } } } as unknown as RequestContext);

const seen: unknown[] = [];
const echo = (apiKey: number, answer: (req: never) => unknown): Handler => ({ apiKey,
  minVersion: 0, maxVersion: 20, handle: (_c, req) => { seen.push(req); return answer(req as never); } });
const table = withAuthorization(handlerTable([
  echo(ApiKey.produce, (req: { topicData: { name: string }[] }) => ({ throttleTimeMs: 0,
    nodeEndpoints: [], responses: req.topicData.map((t) => ({ name: t.name, partitionResponses: [
      { index: 0, errorCode: 0 }] })) })),
  echo(ApiKey.metadata, () => ({ topics: [{ name: 'orders' }, { name: 'secret' }] })),
  echo(ApiKey.heartbeat, () => ({ throttleTimeMs: 0, errorCode: 0 })),
  echo(ApiKey.describeCluster, () => ({ errorCode: 0 })),
  echo(ApiKey.describeLogDirs, () => ({ throttleTimeMs: 0, errorCode: 0, results: [{ logDir: '/d' }] })),
  echo(4242, () => ({})),
]), access, () => undefined);

const call = async (key: number, c: RequestContext, req: unknown) =>
  (table.get(key) as Handler).handle(c, req);

test('a produce is split: the allowed topic is served, the other refused per partition', async () => {
  const req = { acks: -1, topicData: [{ name: 'orders', partitionData: [{ index: 0 }] },
    { name: 'secret', partitionData: [{ index: 0 }, { index: 1 }] }] };
  const res = await call(ApiKey.produce, ctx('alice'), req) as
    { responses: { name: string; partitionResponses: { errorCode: number }[] }[] };
  assert.deepEqual(res.responses.map((r) => [r.name, r.partitionResponses.map((p) => p.errorCode)]),
    [['orders', [0]], ['secret', [29, 29]]]);
  assert.deepEqual((seen.at(-1) as { topicData: { name: string }[] }).topicData.map((t) => t.name),
    ['orders'], 'the denied topic never reached the handler');
  assert.ok(lines.some((l) => l['principal'] === 'User:alice' && l['operation'] === 'WRITE' &&
    l['resourceType'] === 'TOPIC' && l['resource'] === 'secret'));
});

test('metadata shows only what the principal may describe; a named one it may not is 29', async () => {
  const all = await call(ApiKey.metadata, ctx('alice'), { topics: null,
    allowAutoTopicCreation: false }) as { topics: { name: string }[] };
  assert.deepEqual(all.topics.map((t) => t.name), ['orders'], 'READ/WRITE imply DESCRIBE');
  const named = await call(ApiKey.metadata, ctx('bob'), { topics: [{ name: 'orders',
    topicId: '' }], allowAutoTopicCreation: true }) as { topics: { name: string;
      errorCode: number }[] };
  assert.deepEqual(named.topics.slice(-1).map((t) => [t.name, t.errorCode]), [['orders', 29]]);
  const admin = await call(ApiKey.metadata, ctx('admin'), { topics: null,
    allowAutoTopicCreation: false }) as { topics: unknown[] };
  assert.equal(admin.topics.length, 2, 'a super user sees everything');
});

test('groups, the cluster, and an API without a rule', async () => {
  assert.deepEqual(await call(ApiKey.heartbeat, ctx('alice'), { groupId: 'g1' }),
    { throttleTimeMs: 0, errorCode: 0 });
  assert.equal((await call(ApiKey.heartbeat, ctx('alice'), { groupId: 'g2' }) as
    { errorCode: number }).errorCode, 30);
  assert.equal((await call(ApiKey.describeCluster, ctx('alice'), { endpointType: 1 }) as
    { errorCode: number }).errorCode, 31);
  assert.equal((await call(ApiKey.describeCluster, ctx('admin'), { endpointType: 1 }) as
    { errorCode: number }).errorCode, 0);
  assert.equal(await call(4242, ctx('admin'), {}), closeConnection,
    'an API nobody wrote a rule for is closed, even to a super user');
});

test('Metadata v0 (an empty list means every topic) shows only what the principal may describe', async () => {
  const all = await call(ApiKey.metadata, ctx('alice', 0), { topics: [],
    allowAutoTopicCreation: true }) as { topics: { name: string }[] };
  assert.deepEqual(all.topics.map((t) => t.name), ['orders']);
  const denied = await call(ApiKey.metadata, ctx('bob', 0), { topics: [{ name: 'secret',
    topicId: '' }], allowAutoTopicCreation: true }) as { topics: { name: string;
      errorCode: number }[] };
  assert.deepEqual(denied.topics.map((t) => [t.name, t.errorCode]), [['secret', 29]],
    'a v0 request naming only a denied topic does not read as "every topic"');
});

test('DescribeLogDirs needs DESCRIBE on the cluster: refused with no results, as Kafka does', async () => {
  assert.deepEqual(await call(ApiKey.describeLogDirs, ctx('alice'), { topics: null }),
    { throttleTimeMs: 0, errorCode: 31, results: [] });
  assert.deepEqual(await call(ApiKey.describeLogDirs, ctx('admin'), { topics: null }),
    { throttleTimeMs: 0, errorCode: 0, results: [{ logDir: '/d' }] });
});
