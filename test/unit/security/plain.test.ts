// Proves SASL PLAIN (src/security/plain.ts) against the one SCRAM credential store: the right
// password authenticates (with either mechanism's credential, SCRAM-SHA-512's preferred when both
// exist), a wrong password, an unknown user and a broken credential fail with their reasons, and
// malformed messages (missing or extra NULs, fields too long, not UTF-8, an authzid naming someone
// else) fail before any hashing. The verification cache only remembers successes, is bounded, and
// never lets a changed credential accept the old password. Fixed inputs; no randomness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPadoError } from '../../../src/common/index.js';
import {
  formatPrincipal, PlainServer, PlainVerifyCache, plainClientMessage, scramCredential,
  type SaslStep, type ScramCredential, type ScramMechanism,
} from '../../../src/security/index.js';

const secret = Buffer.alloc(32, 5);
type Store = Record<string, Partial<Record<ScramMechanism, ScramCredential>>>;

function credential(mechanism: ScramMechanism, password: string, saltByte = 1): ScramCredential {
  return scramCredential(mechanism, password, Buffer.alloc(32, saltByte), 4096);
}

function plain(store: Store, message: Buffer, cache?: PlainVerifyCache): SaslStep {
  const lookup = (user: string, m: ScramMechanism): ScramCredential | undefined =>
    Object.hasOwn(store, user) ? store[user]?.[m] : undefined;
  const options = cache === undefined ? { lookup, secret } : { lookup, secret, cache };
  return new PlainServer(options).step(message);
}

const failed = (error: string): SaslStep => ({ kind: 'failed', error } as SaslStep);

test('the right password authenticates against either SCRAM credential', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const step = plain({ alice: { [mechanism]: credential(mechanism, 'wonder land') } },
      plainClientMessage('alice', 'wonder land'));
    assert.equal(step.kind, 'done', mechanism);
    assert.deepEqual(step.message, Buffer.alloc(0));
    if (step.kind === 'done') assert.equal(formatPrincipal(step.principal), 'User:alice');
  }
  const withAuthzid = Buffer.from('alice\0alice\0wonder land');
  const store = { alice: { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'wonder land') } };
  assert.equal(plain(store, withAuthzid).kind, 'done');
});

test('SCRAM-SHA-512 wins when both exist: a password changed only there is the only one', () => {
  const store = { bob: {
    'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'old'),
    'SCRAM-SHA-512': credential('SCRAM-SHA-512', 'new'),
  } };
  assert.equal(plain(store, plainClientMessage('bob', 'new')).kind, 'done');
  assert.deepEqual(plain(store, plainClientMessage('bob', 'old')), failed('bad-password'));
});

test('wrong password, unknown user and broken credential fail with their reasons', () => {
  const store: Store = {
    alice: { 'SCRAM-SHA-512': credential('SCRAM-SHA-512', 'right') },
    carol: { 'SCRAM-SHA-512': { ...credential('SCRAM-SHA-512', 'right'), iterations: 1000 } },
  };
  assert.deepEqual(plain(store, plainClientMessage('alice', 'wrong')), failed('bad-password'));
  assert.deepEqual(plain(store, plainClientMessage('mallory', 'x')), failed('unknown-user'));
  assert.deepEqual(plain(store, plainClientMessage('carol', 'right')),
    failed('invalid-credential'));
  assert.deepEqual(plain(store, plainClientMessage('constructor', 'x')), failed('unknown-user'));
});

test('malformed messages fail: NULs, lengths, UTF-8, authzid', () => {
  const store = { alice: { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'pw') } };
  const cases: Array<[Buffer, string]> = [
    [Buffer.from(''), 'malformed'],
    [Buffer.from('alice pw'), 'malformed'],
    [Buffer.from('\0alice pw'), 'malformed'],
    [Buffer.from('\0alice\0pw\0'), 'malformed'],
    [Buffer.from('\0\0pw'), 'malformed'],
    [Buffer.from('\0alice\0'), 'malformed'],
    [Buffer.concat([Buffer.from('\0alice\0'), Buffer.from([0xff, 0xfe])]), 'malformed'],
    [Buffer.from(`\0${'a'.repeat(256)}\0pw`), 'malformed'],
    [Buffer.from(`${'a'.repeat(256)}\0alice\0pw`), 'malformed'],
    [Buffer.from(`\0alice\0${'p'.repeat(256)}`), 'malformed'],
    [Buffer.from(`${'a'.repeat(255)}\0${'b'.repeat(255)}\0${'c'.repeat(256)}`), 'too-long'],
    [Buffer.alloc(1024 * 1024, 'a'), 'too-long'],
    [Buffer.from('bob\0alice\0pw'), 'authzid-mismatch'],
  ];
  for (const [message, error] of cases) {
    assert.deepEqual(plain(store, message), failed(error), JSON.stringify(message.toString()));
  }
});

test('one step per exchange; the client message refuses bad input', () => {
  const store: Store = { alice: { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'pw') } };
  const server = new PlainServer({ lookup: (u, m) => (u === 'alice' ? store.alice?.[m] : undefined),
    secret });
  assert.equal(server.step(plainClientMessage('alice', 'pw')).kind, 'done');
  assert.deepEqual(server.step(plainClientMessage('alice', 'pw')), failed('unexpected-message'));
  assert.deepEqual(plainClientMessage('ü', 'p'), Buffer.from('\0ü\0p'));
  for (const [user, password] of [['', 'p'], ['u', ''], ['u\0', 'p'], ['u', 'x'.repeat(256)]]) {
    assert.throws(() => plainClientMessage(user ?? '', password ?? ''),
      (e) => isPadoError(e, 'PADO_INVALID_ARGUMENT'));
  }
});

test('the cache remembers successes only, is bounded, and follows credential changes', () => {
  const cache = new PlainVerifyCache(2);
  const store: Store = { alice: { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'one') } };
  const login = (user: string, pw: string): string => plain(store, plainClientMessage(user, pw),
    cache).kind;
  assert.equal(login('alice', 'two'), 'failed');
  assert.equal(cache.size, 0, 'failures are not remembered');
  assert.equal(login('alice', 'one'), 'done');
  assert.equal(login('alice', 'one'), 'done');
  assert.equal(cache.size, 1);
  // New password under the same salt: the cached StoredKey no longer matches.
  store.alice = { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'two') };
  assert.equal(login('alice', 'one'), 'failed');
  assert.equal(login('alice', 'two'), 'done');
  // New salt: a new key, the old entry is never consulted.
  store.alice = { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'three', 9) };
  assert.equal(login('alice', 'two'), 'failed');
  assert.equal(login('alice', 'three'), 'done');
  store.bob = { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'b') };
  store.carol = { 'SCRAM-SHA-256': credential('SCRAM-SHA-256', 'c') };
  assert.equal(login('bob', 'b'), 'done');
  assert.equal(login('carol', 'c'), 'done');
  assert.equal(cache.size, 2, 'bounded');
  delete store.bob;
  assert.equal(login('bob', 'b'), 'failed', 'a deleted user is unknown, cached or not');
});
