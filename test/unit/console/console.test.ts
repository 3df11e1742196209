/**
 * The web console's pure parts (console/): API routes, the CSRF rule, the session cookie and
 * store (expiry, bound, eviction), input checks (new topic, offset reset, browse), how record
 * bytes are shown (text vs hex, cut), the asset table and the CSP hash of index.html's import
 * map; then the mount itself on fakes: redirects, headers, 404/405, CSRF 403, login required.
 * No broker: the cluster calls are covered by test/integration/console.test.ts in a browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  apiRoute, assets, crossSiteRefusal, importMapSha256, parseBrowse, parseNewTopic, parseReset,
  parseTimestamp, resetOffset, sessionCookie, sessionToken, SessionStore, showBytes, WebConsole,
  type ConsoleTarget,
} from '../../../src/console/index.js';
import type { Net, Random } from '../../../src/common/index.js';
import type { HttpAnswer, HttpRequest } from '../../../src/observability/index.js';
import { ManualClock } from '../../support/manual-clock.js';

function request(method: string, path: string, headers: Record<string, string> = {},
  body = ''): HttpRequest {
  const [p, q = ''] = path.split('?');
  return { method, path: p ?? path, query: new URLSearchParams(q), headers,
    body: Buffer.from(body) };
}

let counter = 0;
const random: Random = { bytes: (n) => Buffer.alloc(n, ++counter) };

test('API routes: names are decoded once; unknown paths are null', () => {
  assert.deepEqual(apiRoute('/console/api/overview'), { kind: 'overview' });
  assert.deepEqual(apiRoute('/console/api/topics/a%2Fb'), { kind: 'topic', topic: 'a/b' });
  assert.deepEqual(apiRoute('/console/api/groups/g%20one/reset'), { kind: 'group-reset', group: 'g one' });
  assert.deepEqual(apiRoute('/console/api/groups/g'), { kind: 'group', group: 'g' });
  for (const bad of ['/console/api/', '/console/api/nope', '/console/api/topics/', '/console/api/topics/%E0%A4%A',
    '/console/api/groups/g/other', '/console/other', '/console/api/topics/a/b']) {
    assert.equal(apiRoute(bad), null, bad);
  }
});

test('CSRF: a change needs the console header and, when the browser says, the same origin', () => {
  assert.equal(crossSiteRefusal(request('GET', '/console/api/topics')), null);
  assert.match(crossSiteRefusal(request('POST', '/console/api/topics')) ?? '', /x-pado-console/);
  const ok = { 'x-pado-console': '1', host: '127.0.0.1:9644' };
  assert.equal(crossSiteRefusal(request('POST', '/x', ok)), null);
  assert.equal(crossSiteRefusal(request('DELETE', '/x', { ...ok, origin: 'http://127.0.0.1:9644',
    'sec-fetch-site': 'same-origin' })), null);
  assert.match(crossSiteRefusal(request('POST', '/x', { ...ok, origin: 'http://evil.example' })) ?? '',
    /cross-origin/);
  assert.match(crossSiteRefusal(request('POST', '/x', { ...ok, origin: 'null' })) ?? '', /origin null/);
  assert.match(crossSiteRefusal(request('POST', '/x', { ...ok, 'sec-fetch-site': 'cross-site' })) ?? '',
    /cross-site/);
});

test('the session cookie: HttpOnly, SameSite=Strict, scoped to /console; read back from Cookie', () => {
  const cookie = sessionCookie('tok', 60);
  for (const part of ['pado_console=tok', 'HttpOnly', 'SameSite=Strict', 'Path=/console', 'Max-Age=60']) {
    assert.ok(cookie.includes(part), part);
  }
  assert.equal(sessionToken(request('GET', '/', { cookie: 'a=1; pado_console=xyz ; b=2' })), 'xyz');
  assert.equal(sessionToken(request('GET', '/', { cookie: 'a=1' })), undefined);
  assert.equal(sessionToken(request('GET', '/')), undefined);
});

test('sessions expire when idle and at their end, are bounded, and evict the least recently used', () => {
  const ended: string[] = [];
  const store = new SessionStore<string>(random, (s) => ended.push(s.state),
    { sessionsMax: 2, idleMsMax: 1_000, sessionMsMax: 5_000 });
  const a = store.create('alice', 'a', 0);
  assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(store.use(a.token, 900)?.user, 'alice');
  assert.equal(store.use(a.token, 1_800)?.user, 'alice', 'idle time restarts on use');
  assert.equal(store.use(a.token, 2_900), undefined, 'idle too long');
  assert.deepEqual(ended, ['a']);
  const b = store.create('bob', 'b', 3_000);
  const c = store.create('carol', 'c', 3_100);
  store.use(b.token, 3_200);
  store.create('dave', 'd', 3_300);
  assert.deepEqual(ended, ['a', 'c'], 'carol was used least recently');
  assert.equal(store.size, 2);
  for (let ms = 3_900; ms < 8_000; ms += 900) store.use(b.token, ms);
  assert.equal(store.use(b.token, 8_100), undefined, 'ends 5 s after login however busy');
  assert.equal(store.use('not a token', 0), undefined);
  assert.equal(store.use(undefined, 0), undefined);
  store.endAll();
  assert.equal(store.size, 0);
});

test('a new topic: name checked, counts bounded, configs as strings', () => {
  assert.deepEqual(parseNewTopic({ name: 'orders', partitions: 3, replicationFactor: '3',
    configs: { 'retention.ms': 1000 } }),
  { name: 'orders', partitions: 3, replicationFactor: 3, configs: { 'retention.ms': '1000' } });
  assert.deepEqual(parseNewTopic({ name: 'o' }), { name: 'o', partitions: -1, replicationFactor: -1, configs: {} });
  for (const bad of [{}, { name: '..' }, { name: 'a b' }, { name: 'o', partitions: 0 },
    { name: 'o', partitions: 1.5 }, { name: 'o', replicationFactor: 99 }, { name: 'o', configs: [] },
    { name: 'o', configs: { x: {} } }]) {
    assert.throws(() => parseNewTopic(bad), (e: { status?: number }) => e.status === 400, JSON.stringify(bad));
  }
});

test('an offset reset: start, end or a clamped offset', () => {
  assert.deepEqual(parseReset({ topic: 't', to: 'start' }), { topic: 't', partitions: null, to: { kind: 'start' } });
  assert.deepEqual(parseReset({ topic: 't', to: 'offset', offset: '7', partitions: [2, 0, 2] }),
    { topic: 't', partitions: [0, 2], to: { kind: 'offset', offset: 7 } });
  assert.throws(() => parseReset({ topic: 't', to: 'later' }), /start.*end.*offset/);
  assert.throws(() => parseReset({ topic: 't', to: 'offset' }), /offset/);
  assert.equal(resetOffset({ kind: 'start' }, 5, 9), 5);
  assert.equal(resetOffset({ kind: 'end' }, 5, 9), 9);
  assert.equal(resetOffset({ kind: 'offset', offset: 2 }, 5, 9), 5);
  assert.equal(resetOffset({ kind: 'offset', offset: 7 }, 5, 9), 7);
  assert.equal(resetOffset({ kind: 'offset', offset: 70 }, 5, 9), 9);
});

test('a browse: from the start, an offset or a time; limit bounded', () => {
  const q = (s: string) => parseBrowse(new URLSearchParams(s));
  assert.deepEqual(q('topic=t'), { topic: 't', partition: 0, from: { kind: 'start' }, limit: 50 });
  assert.deepEqual(q('topic=t&partition=2&offset=10&limit=5'),
    { topic: 't', partition: 2, from: { kind: 'offset', offset: 10 }, limit: 5 });
  assert.deepEqual(q('topic=t&timestamp=2024-05-01T12:00:00Z').from,
    { kind: 'timestamp', timestampMs: Date.UTC(2024, 4, 1, 12) });
  assert.equal(parseTimestamp('2024-05-01T12:00'), Date.UTC(2024, 4, 1, 12), 'no zone: UTC');
  assert.equal(parseTimestamp('2024-05-01'), Date.UTC(2024, 4, 1));
  assert.equal(parseTimestamp('1714564800000'), 1714564800000);
  for (const bad of ['', 'topic=t&limit=201', 'topic=t&limit=0', 'topic=t&offset=-1',
    'topic=t&offset=1&timestamp=2', 'topic=t&timestamp=yesterday', 'topic=t&partition=x']) {
    assert.throws(() => q(bad), (e: { status?: number }) => e.status === 400, bad);
  }
});

test('record bytes: printable UTF-8 as text, anything else as hex, cut at the bound', () => {
  assert.deepEqual(showBytes(Buffer.from('héllo <b>\n')),
    { encoding: 'text', data: 'héllo <b>\n', sizeBytes: 11, truncated: false });
  assert.deepEqual(showBytes(Buffer.from([0x00, 0x41])),
    { encoding: 'hex', data: '0041', sizeBytes: 2, truncated: false });
  assert.equal(showBytes(Buffer.from([0xc3, 0x28])).encoding, 'hex', 'invalid UTF-8');
  assert.equal(showBytes(Buffer.from('\u001b[31m')).encoding, 'hex', 'terminal escapes');
  assert.equal(showBytes(Buffer.from('\u0085')).encoding, 'hex', 'C1 control');
  const long = showBytes(Buffer.from('é'.repeat(10)), 5);
  assert.deepEqual([long.encoding, long.truncated, long.sizeBytes], ['text', true, 20],
    'a cut inside a character stays text');
  assert.equal(showBytes(Buffer.alloc(10, 0xff), 4).data, 'ffffffff');
});

test('assets: the console\'s files exist, the packages resolve, the CSP hash is the import map\'s', () => {
  const web = new URL('../../../../src/console/web/', import.meta.url);
  for (const [url, asset] of assets) {
    const file = asset.file.from === 'console' ? fileURLToPath(new URL(asset.file.name, web))
      : fileURLToPath(import.meta.resolve(asset.file.specifier));
    assert.ok(existsSync(file), `${url}: ${file}`);
  }
  const html = readFileSync(new URL('index.html', web), 'utf8');
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  assert.equal(createHash('sha256').update(map).digest('base64'), importMapSha256);
  const imports = (JSON.parse(map) as { imports: Record<string, string> }).imports;
  for (const path of Object.values(imports)) assert.ok(assets.has(path), path);
});

const noNet: Net = {
  listen: () => Promise.reject(new Error('no listening in this test')),
  connect: () => { throw new Error('no connecting in this test'); },
};

function webConsole(target: ConsoleTarget): WebConsole {
  return new WebConsole({ clock: new ManualClock(), random, net: noNet, target: () => target,
    readAsset: async (file) => Buffer.from(file.from === 'console' ? `<${file.name}>` : file.specifier),
    localSizes: () => new Map(), log: pino({ level: 'silent' }) });
}

const body = (a: HttpAnswer): unknown => JSON.parse(String(a.body));

test('the mount: page and modules with their types and headers, 404, 405, CSRF, login', async () => {
  const open = webConsole({ host: '127.0.0.1', port: 9092, sasl: null });
  const handle = (r: HttpRequest) => open.mount.handle(r) as Promise<HttpAnswer>;
  const redirect = await handle(request('GET', '/console'));
  assert.deepEqual([redirect.status, redirect.headers?.['location']], [302, '/console/']);
  const page = await handle(request('GET', '/console/'));
  assert.equal(page.status, 200);
  assert.match(page.contentType, /^text\/html/);
  assert.match(page.headers?.['content-security-policy'] ?? '', /script-src 'self' 'sha256-/);
  assert.equal(page.headers?.['x-frame-options'], 'DENY');
  const preact = await handle(request('GET', '/console/vendor/preact.mjs'));
  assert.deepEqual([preact.status, preact.contentType, String(preact.body)],
    [200, 'text/javascript; charset=utf-8', 'preact']);
  assert.equal((await handle(request('GET', '/console/../../etc/passwd'))).status, 404);
  assert.equal((await handle(request('POST', '/console/'))).status, 405);
  assert.equal((await handle(request('GET', '/console/api/nope'))).status, 404);
  assert.equal((await handle(request('PUT', '/console/api/topics'))).status, 405);
  const forged = await handle(request('POST', '/console/api/topics', {}, '{"name":"x"}'));
  assert.equal(forged.status, 403);
  assert.deepEqual(body(await handle(request('GET', '/console/api/session'))),
    { security: false, user: null, mechanism: null });
  const login = await handle(request('POST', '/console/api/login', { 'x-pado-console': '1' }, '{}'));
  assert.equal(login.status, 400, 'no login with security off');
  const bad = await handle(request('POST', '/console/api/topics', { 'x-pado-console': '1' }, 'nope'));
  assert.deepEqual([bad.status, body(bad)], [400, { error: 'the request body is not JSON' }]);

  const secured = webConsole({ host: '127.0.0.1', port: 9093, sasl: 'SCRAM-SHA-512' });
  const s = (r: HttpRequest) => secured.mount.handle(r) as Promise<HttpAnswer>;
  assert.deepEqual(body(await s(request('GET', '/console/api/session'))),
    { security: true, user: null, mechanism: 'SCRAM-SHA-512' });
  assert.equal((await s(request('GET', '/console/api/overview'))).status, 401);
  assert.equal((await s(request('GET', '/console/api/topics', { cookie: 'pado_console=forged' }))).status, 401);
  const empty = await s(request('POST', '/console/api/login', { 'x-pado-console': '1' },
    '{"username":"alice"}'));
  assert.equal(empty.status, 400);
  await open.close();
  await secured.close();
});
