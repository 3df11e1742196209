// Proves the per-connection authentication state machine (server/session.ts) with the real SASL
// mechanisms: a SASL listener serves only ApiVersions and SaslHandshake before authentication,
// only SaslAuthenticate after a v1 handshake and raw tokens after a v0 one; a failed exchange is
// answered and closes; a session ends after connections.max.reauth.ms unless the client
// re-authenticates as the same principal (KIP-368); every refusal is reported for the log, with
// the user the client claimed. Plus the client-listener table: no peer-only API is listed or served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng, seededRandom } from '../../../src/common/index.js';
import {
  ConnectionSession, clientListenerHandlers, closeConnection, handlerTable, peerOnlyApiKeys,
  type AuthRefusal, type Handler, type ListenerSecurity, type RequestContext,
} from '../../../src/server/index.js';
import {
  ScramClient, plainClientMessage, saslServer, scramCredential, type SaslMechanism,
  type ScramCredential,
} from '../../../src/security/index.js';
import { ApiKey } from '../../../src/protocol/index.js';

const random = seededRandom(new Prng(7));
const alice: Record<string, ScramCredential> = {
  'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'pw', Buffer.alloc(32, 1), 4096),
  'SCRAM-SHA-512': scramCredential('SCRAM-SHA-512', 'pw', Buffer.alloc(32, 2), 4096),
};

function security(overrides: Partial<ListenerSecurity> = {}) {
  const refusals: AuthRefusal[] = [];
  let nowMs = 1000;
  const s: ListenerSecurity = {
    listenerName: 'CLIENT', securityProtocol: 'SASL_SSL',
    saslMechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'],
    newSaslServer: (m: SaslMechanism) => saslServer(m, {
      credentials: (user, mechanism) => (user === 'alice' ? alice[mechanism] : undefined),
      random, secret: Buffer.alloc(32, 9),
    }),
    reauthMs: 0, now: () => nowMs, onRefused: (r) => refusals.push(r), ...overrides,
  };
  return { s, refusals, advance: (ms: number) => { nowMs += ms; } };
}

function scramLogin(session: ConnectionSession, user: string, password: string) {
  assert.equal(session.handshake('SCRAM-SHA-512', 1).errorCode, 'none');
  const client = new ScramClient({ mechanism: 'SCRAM-SHA-512', user, password,
    nonce: 'clientnonce' });
  const first = session.authenticate(client.firstMessage());
  if (first.error !== null) return first;
  const final = client.serverFirst(first.authBytes);
  assert.ok(final.ok);
  return session.authenticate(final.message);
}

test('a SASL connection is served only the handshake until it authenticates', () => {
  const { s, refusals } = security();
  const session = new ConnectionSession(s, '127.0.0.1:5000', null);
  assert.equal(session.principal, null);
  assert.equal(session.admits(ApiKey.apiVersions), 'serve');
  assert.equal(session.admits(ApiKey.saslHandshake), 'serve');
  assert.equal(session.admits(ApiKey.metadata), 'refuse');
  assert.equal(session.admits(ApiKey.raftMessage), 'refuse');
  assert.equal(refusals.length, 2);
  assert.equal(session.handshake('GSSAPI', 1).errorCode, 'unsupportedSaslMechanism');
  assert.equal(session.handshake('SCRAM-SHA-512', 1).errorCode, 'none');
  assert.equal(session.admits(ApiKey.apiVersions), 'refuse', 'after v1: SaslAuthenticate only');
  assert.equal(session.admits(ApiKey.saslAuthenticate), 'serve');
});

test('SCRAM via SaslAuthenticate: the right password authenticates, a wrong one closes', () => {
  const { s, refusals } = security();
  const good = new ConnectionSession(s, 'r:1', null);
  const done = scramLogin(good, 'alice', 'pw');
  assert.equal(done.error, null);
  assert.equal(done.close, false);
  assert.deepEqual(good.principal, { type: 'User', name: 'alice' });
  assert.equal(good.admits(ApiKey.produce), 'serve');
  for (const [user, password, reason] of [['alice', 'bad', 'bad-proof'],
    ['mallory', 'pw', 'unknown-user']] as const) {
    const bad = new ConnectionSession(s, 'r:2', null);
    const answer = scramLogin(bad, user, password);
    assert.equal(answer.close, true);
    assert.match(answer.error ?? '', /invalid credentials with SASL mechanism SCRAM-SHA-512/);
    assert.equal(bad.principal, null);
    assert.deepEqual(refusals.at(-1), { listenerName: 'CLIENT', remote: 'r:2',
      mechanism: 'SCRAM-SHA-512', reason, principal: `User:${user}` });
  }
});

test('SaslHandshake v0 (kafka-python): raw tokens; PLAIN answers an empty token', () => {
  const { s } = security();
  const session = new ConnectionSession(s, 'r:1', null);
  assert.equal(session.handshake('PLAIN', 0).errorCode, 'none');
  assert.equal(session.rawTokens, true);
  assert.equal(session.admits(ApiKey.metadata), 'refuse', 'a token was due');
  assert.deepEqual(session.rawToken(plainClientMessage('alice', 'pw')), Buffer.alloc(0));
  assert.equal(session.rawTokens, false);
  assert.deepEqual(session.principal, { type: 'User', name: 'alice' });
  const wrong = new ConnectionSession(s, 'r:2', null);
  wrong.handshake('PLAIN', 0);
  assert.equal(wrong.rawToken(plainClientMessage('alice', 'nope')), null, 'null: close');
});

test('connections.max.reauth.ms: the session ends unless the client re-authenticates as itself', () => {
  const { s, advance } = security({ reauthMs: 60_000 });
  const session = new ConnectionSession(s, 'r:1', null);
  assert.equal(scramLogin(session, 'alice', 'pw').sessionLifetimeMs, 60_000);
  advance(59_999);
  assert.equal(session.admits(ApiKey.fetch), 'serve');
  assert.equal(scramLogin(session, 'alice', 'pw').error, null, 're-authenticated');
  advance(59_999);
  assert.equal(session.admits(ApiKey.fetch), 'serve', 'the new session counts from now');
  advance(1);
  assert.equal(session.admits(ApiKey.fetch), 'expired');
  const other = new ConnectionSession(s, 'r:2', null);
  scramLogin(other, 'alice', 'pw');
  assert.equal(other.handshake('SCRAM-SHA-512', 0).errorCode, 'illegalSaslState',
    'v0 cannot re-authenticate');
});

test('PLAINTEXT and SSL connections are authenticated from the start', () => {
  const { s } = security({ securityProtocol: 'SSL', saslMechanisms: [] });
  const anonymous = new ConnectionSession(s, 'r:1', null);
  assert.deepEqual(anonymous.principal, { type: 'User', name: 'ANONYMOUS' });
  assert.equal(anonymous.admits(ApiKey.produce), 'serve');
  assert.equal(anonymous.handshake('PLAIN', 1).errorCode, 'illegalSaslState');
  const byCert = new ConnectionSession(s, 'r:2', { type: 'User', name: 'CN=node2,O=pado' });
  assert.deepEqual(byCert.principal, { type: 'User', name: 'CN=node2,O=pado' });
});

test('a client listener neither lists nor serves the peer-only APIs', async () => {
  const served: number[] = [];
  const handler = (apiKey: number): Handler => ({ apiKey, minVersion: 0, maxVersion: 15,
    handle: () => { served.push(apiKey); return {}; } });
  const keys = [ApiKey.apiVersions, ApiKey.produce, ApiKey.fetch, ApiKey.offsetForLeaderEpoch,
    ApiKey.describeQuorum, ...peerOnlyApiKeys];
  const refused: number[] = [];
  const table = clientListenerHandlers(handlerTable(keys.map(handler)), (k) => refused.push(k));
  for (const key of peerOnlyApiKeys) assert.equal(table.has(key), false, `key ${key}`);
  const ctx = (apiVersion: number) => ({ apiVersion }) as RequestContext;
  const fetch = table.get(ApiKey.fetch) as Handler;
  assert.equal(fetch.handle(ctx(12), { replicaId: 2 }), closeConnection, 'a follower fetch');
  assert.notEqual(fetch.handle(ctx(12), { replicaId: -1 }), closeConnection, 'a consumer fetch');
  assert.equal(fetch.handle(ctx(15), { replicaState: { replicaId: 3 } }), closeConnection);
  const epochs = table.get(ApiKey.offsetForLeaderEpoch) as Handler;
  assert.equal(epochs.handle(ctx(4), { replicaId: 1 }), closeConnection);
  assert.deepEqual(refused, [ApiKey.fetch, ApiKey.fetch, ApiKey.offsetForLeaderEpoch]);
  const versions = await (table.get(ApiKey.apiVersions) as Handler).handle(ctx(3), {}) as
    { apiKeys: { apiKey: number }[] };
  assert.deepEqual(versions.apiKeys.map((k) => k.apiKey).sort((a, b) => a - b),
    [ApiKey.produce, ApiKey.fetch, ApiKey.apiVersions, ApiKey.offsetForLeaderEpoch,
      ApiKey.describeQuorum].sort((a, b) => a - b));
});
