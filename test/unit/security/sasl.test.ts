// Proves the surface the broker's connection code uses (src/security/sasl.ts, principal.ts,
// sasl-types.ts): saslServer builds each mechanism in saslMechanisms and nothing else, draws the
// SCRAM nonce from the Random it is given (same seed, same challenge), and drives a whole exchange
// through the common `step` shape; failure texts never tell unknown users from wrong passwords;
// principals print and parse as Kafka's "User:<name>". Seeded Random; no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng, seededRandom } from '../../../src/common/index.js';
import {
  anonymousPrincipal, formatPrincipal, parsePrincipal, plainClientMessage, samePrincipal,
  saslFailureText, saslMechanisms, saslServer, scramCredential, ScramClient, scramNonce,
  userPrincipal, PlainVerifyCache,
  type SaslServerDeps, type ScramCredential, type ScramMechanism,
} from '../../../src/security/index.js';

const store: Record<string, Partial<Record<ScramMechanism, ScramCredential>>> = {
  alice: {
    'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'pw', Buffer.alloc(32, 1), 4096),
    'SCRAM-SHA-512': scramCredential('SCRAM-SHA-512', 'pw', Buffer.alloc(32, 2), 4096),
  },
};

function deps(seed: number, extra: Partial<SaslServerDeps> = {}): SaslServerDeps {
  return {
    credentials: (user, m) => (user === 'alice' ? store.alice?.[m] : undefined),
    random: seededRandom(new Prng(seed)),
    secret: Buffer.alloc(32, 9),
    ...extra,
  };
}

test('saslServer serves exactly saslMechanisms, by their exact names', () => {
  assert.deepEqual([...saslMechanisms], ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  for (const name of saslMechanisms) assert.equal(saslServer(name, deps(1))?.mechanism, name);
  for (const name of ['GSSAPI', 'OAUTHBEARER', 'plain', 'SCRAM-SHA-1', '']) {
    assert.equal(saslServer(name, deps(1)), undefined, name);
  }
});

test('the SCRAM nonce comes from the given Random: same seed, same challenge', () => {
  const challengeOf = (seed: number): string =>
    saslServer('SCRAM-SHA-512', deps(seed))?.step(Buffer.from('n,,n=alice,r=c'))
      .message?.toString() ?? '';
  assert.equal(challengeOf(3), challengeOf(3));
  assert.notEqual(challengeOf(3), challengeOf(4));
  const expected = `r=c${scramNonce(seededRandom(new Prng(3)))},`;
  assert.ok(challengeOf(3).startsWith(expected), challengeOf(3));
});

test('a whole exchange through the common step shape, each mechanism', () => {
  const random = seededRandom(new Prng(5));
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const server = saslServer(mechanism, deps(6));
    assert.ok(server !== undefined);
    const client = new ScramClient({ mechanism, user: 'alice', password: 'pw',
      nonce: scramNonce(random) });
    const first = server.step(client.firstMessage());
    assert.equal(first.kind, 'challenge');
    const final = client.serverFirst(first.message ?? Buffer.alloc(0));
    assert.ok(final.ok);
    const done = server.step(final.message);
    assert.equal(done.kind, 'done');
    assert.ok(client.serverFinal(done.message ?? Buffer.alloc(0)).ok);
  }
  const plain = saslServer('PLAIN', deps(7, { plainCache: new PlainVerifyCache() }));
  const step = plain?.step(plainClientMessage('alice', 'pw'));
  assert.equal(step?.kind, 'done');
  if (step?.kind === 'done') assert.ok(samePrincipal(step.principal, userPrincipal('alice')));
});

test('failure texts: credentials failures read alike; each other reason says what', () => {
  const alike = ['unknown-user', 'bad-proof', 'bad-password', 'invalid-credential'] as const;
  const texts = new Set(alike.map((e) => saslFailureText(e, 'SCRAM-SHA-256')));
  assert.equal(texts.size, 1);
  assert.match([...texts][0] ?? '', /invalid credentials with SASL mechanism SCRAM-SHA-256/);
  assert.match(saslFailureText('token-auth', 'SCRAM-SHA-512'), /delegation tokens/);
  assert.match(saslFailureText('channel-binding', 'SCRAM-SHA-512'), /channel binding/);
});

test('principals print and parse as Kafka\'s "User:<name>"', () => {
  assert.equal(formatPrincipal(userPrincipal('alice')), 'User:alice');
  assert.equal(formatPrincipal(anonymousPrincipal), 'User:ANONYMOUS');
  assert.deepEqual(parsePrincipal('User:alice'), { type: 'User', name: 'alice' });
  assert.deepEqual(parsePrincipal('User:a:b'), { type: 'User', name: 'a:b' });
  assert.deepEqual(parsePrincipal('User:*'), { type: 'User', name: '*' });
  for (const bad of ['', 'alice', ':alice', 'User:']) assert.equal(parsePrincipal(bad), undefined);
  assert.ok(!samePrincipal(userPrincipal('a'), { type: 'Group', name: 'a' }));
});
