// Proves SCRAM-SHA-256/512 (src/security) against RFC 7677 §3 and by exchanges between our own
// ScramClient and ScramServer: the RFC's example is reproduced byte for byte with its nonces
// injected (client and server separately, and together); a SHA-512 round trip with seeded
// nonces and salts; wrong passwords, unknown users (a challenge of the same shape, the same salt
// twice, the same final message as a wrong password), tampered nonces, channel binding, delegation
// tokens, authzids, mandatory extensions, oversized messages and bad stored credentials fail with
// their reason; the client refuses weak or hostile servers. Credential math is checked against its
// bounds. All inputs are fixed or drawn from a seeded Prng.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { isPadoError, Prng, seededRandom } from '../../../src/common/index.js';
import {
  checkScramParameters, credentialFromSaltedPassword, formatPrincipal, scramCredential,
  ScramClient, scramMechanismCode, scramMechanismFromCode, scramNonce, scramSaltedPassword,
  ScramServer, type ScramCredential, type ScramMechanism, type SaslStep,
} from '../../../src/security/index.js';

const secret = Buffer.alloc(32, 7);
const text = (b: Buffer | undefined): string => (b === undefined ? '' : b.toString('utf8'));

function serverFor(
  mechanism: ScramMechanism, users: Record<string, ScramCredential>, nonce = 'SERVERNONCE',
): ScramServer {
  return new ScramServer({ mechanism, lookup: (u) => users[u], nonce, secret });
}

function challenge(step: SaslStep): Buffer {
  assert.equal(step.kind, 'challenge', JSON.stringify(step));
  return step.kind === 'challenge' ? step.message : Buffer.alloc(0);
}

/** A whole exchange; returns the server's last step and the client's view of it. */
function exchange(client: ScramClient, server: ScramServer): { last: SaslStep; verified: boolean } {
  const first = challenge(server.step(client.firstMessage()));
  const final = client.serverFirst(first);
  assert.ok(final.ok, JSON.stringify(final));
  const last = server.step(final.message);
  const verified = last.message !== undefined && client.serverFinal(last.message).ok;
  return { last, verified };
}

// RFC 7677 §3.
const rfc = {
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,' +
    'i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
    'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const rfcCredential = scramCredential('SCRAM-SHA-256', 'pencil', rfc.salt, 4096);

test('RFC 7677 §3: the server answers the RFC client byte for byte', () => {
  const server = serverFor('SCRAM-SHA-256', { user: rfcCredential }, rfc.serverNonce);
  assert.equal(text(challenge(server.step(Buffer.from(rfc.clientFirst)))), rfc.serverFirst);
  const done = server.step(Buffer.from(rfc.clientFinal));
  assert.equal(done.kind, 'done');
  assert.equal(text(done.message), rfc.serverFinal);
  if (done.kind === 'done') assert.equal(formatPrincipal(done.principal), 'User:user');
});

test('RFC 7677 §3: the client answers the RFC server byte for byte', () => {
  const client = new ScramClient({
    mechanism: 'SCRAM-SHA-256', user: 'user', password: 'pencil', nonce: rfc.clientNonce,
  });
  assert.equal(text(client.firstMessage()), rfc.clientFirst);
  const final = client.serverFirst(Buffer.from(rfc.serverFirst));
  assert.ok(final.ok);
  assert.equal(text(final.message), rfc.clientFinal);
  assert.deepEqual(client.serverFinal(Buffer.from(rfc.serverFinal)),
    { ok: true, message: Buffer.alloc(0) });
});

test('RFC 7677 §3: ScramClient and ScramServer together, with the RFC nonces', () => {
  const client = new ScramClient({
    mechanism: 'SCRAM-SHA-256', user: 'user', password: 'pencil', nonce: rfc.clientNonce,
  });
  const server = serverFor('SCRAM-SHA-256', { user: rfcCredential }, rfc.serverNonce);
  const { last, verified } = exchange(client, server);
  assert.equal(text(last.message), rfc.serverFinal);
  assert.ok(verified);
});

test('SCRAM-SHA-512 and SHA-256 round trips with seeded nonces and salts, escaped names', () => {
  const random = seededRandom(new Prng(42));
  for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
    for (const user of ['alice', 'a,b=c', 'ünïcødé']) {
      const password = `pw of ${user} ✓`;
      const credential = scramCredential(mechanism, password, random.bytes(32), 4096 + 17);
      const client = new ScramClient({ mechanism, user, password, nonce: scramNonce(random) });
      const server = serverFor(mechanism, { [user]: credential }, scramNonce(random));
      const { last, verified } = exchange(client, server);
      assert.equal(last.kind, 'done', `${mechanism} ${user}`);
      if (last.kind === 'done') assert.equal(last.principal.name, user);
      assert.ok(verified, `${mechanism} ${user}: server signature verified`);
    }
  }
  const escaped = new ScramClient({ mechanism: 'SCRAM-SHA-512', user: 'a,b=c', password: 'x',
    nonce: 'abc' }).firstMessage();
  assert.equal(text(escaped), 'n,,n=a=2Cb=3Dc,r=abc');
});

test('a wrong password fails at the proof: bad-proof, e=invalid-proof', () => {
  const credential = scramCredential('SCRAM-SHA-512', 'right', Buffer.alloc(32, 1), 4096);
  const client = new ScramClient({
    mechanism: 'SCRAM-SHA-512', user: 'bob', password: 'wrong', nonce: 'cnonce',
  });
  const { last, verified } = exchange(client, serverFor('SCRAM-SHA-512', { bob: credential }));
  assert.deepEqual(last, {
    kind: 'failed', error: 'bad-proof', message: Buffer.from('e=invalid-proof'),
  });
  assert.equal(verified, false);
});

/** server-first's attributes: r=, s= (decoded) and i=. */
function shape(message: Buffer): { nonce: string; salt: Buffer; iterations: string } {
  const [r, s, i] = text(message).split(',');
  return { nonce: r ?? '', salt: Buffer.from((s ?? '').slice(2), 'base64'), iterations: i ?? '' };
}

test('an unknown user gets a challenge of the same shape, the same salt each time', () => {
  const random = seededRandom(new Prng(7));
  const users = { alice: scramCredential('SCRAM-SHA-256', 'pw', random.bytes(32), 4096) };
  const first = (user: string): ReturnType<typeof shape> => {
    const server = serverFor('SCRAM-SHA-256', users, scramNonce(random));
    return shape(challenge(server.step(Buffer.from(`n,,n=${user},r=${scramNonce(random)}`))));
  };
  const known = first('alice');
  const unknown = first('mallory');
  assert.equal(unknown.salt.length, known.salt.length);
  assert.equal(unknown.iterations, known.iterations);
  assert.equal(unknown.nonce.length, known.nonce.length);
  assert.deepEqual(first('mallory').salt, unknown.salt, 'same name, same salt');
  assert.notDeepEqual(first('mallet').salt, unknown.salt, 'another name, another salt');
});

test('an unknown user fails at the proof with the wrong-password message', () => {
  const client = new ScramClient({
    mechanism: 'SCRAM-SHA-512', user: 'mallory', password: 'guess', nonce: 'cnonce',
  });
  const { last } = exchange(client, serverFor('SCRAM-SHA-512', {}));
  assert.deepEqual(last, {
    kind: 'failed', error: 'unknown-user', message: Buffer.from('e=invalid-proof'),
  });
});

test('a stored credential out of bounds is used like an unknown user: invalid-credential', () => {
  const good = scramCredential('SCRAM-SHA-256', 'pw', Buffer.alloc(16, 3), 4096);
  const client = new ScramClient({
    mechanism: 'SCRAM-SHA-256', user: 'carol', password: 'pw', nonce: 'cnonce',
  });
  const server = serverFor('SCRAM-SHA-256', { carol: { ...good, iterations: 100_000 } });
  const first = challenge(server.step(client.firstMessage()));
  assert.equal(shape(first).iterations, 'i=4096', 'the stored count is not handed out');
  const final = client.serverFirst(first);
  assert.ok(final.ok);
  const last = server.step(final.message);
  assert.equal(last.kind === 'failed' ? last.error : last.kind, 'invalid-credential');
});

test('a tampered nonce fails: nonce-mismatch at the server, at the client', () => {
  const credential = scramCredential('SCRAM-SHA-256', 'pencil', rfc.salt, 4096);
  const server = serverFor('SCRAM-SHA-256', { user: credential }, rfc.serverNonce);
  challenge(server.step(Buffer.from(rfc.clientFirst)));
  const tampered = rfc.clientFinal.replace('k0,p=', 'k1,p=');
  assert.deepEqual(server.step(Buffer.from(tampered)), {
    kind: 'failed', error: 'nonce-mismatch', message: Buffer.from('e=other-error'),
  });
  for (const serverFirst of ['r=XrOprNGfwEbeRWgbNEkqOabc', 'r=rOprNGfwEbeRWgbNEkqO']) {
    const client = new ScramClient({
      mechanism: 'SCRAM-SHA-256', user: 'user', password: 'pencil', nonce: rfc.clientNonce,
    });
    client.firstMessage();
    const salted = `${serverFirst},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
    const answer = client.serverFirst(Buffer.from(salted));
    assert.deepEqual(answer, { ok: false, error: 'nonce-mismatch' });
  }
});

function firstStep(message: string, users: Record<string, ScramCredential> = {}): SaslStep {
  return serverFor('SCRAM-SHA-256', users).step(Buffer.from(message));
}

test('channel binding is refused: "p=", "y", and a c= that does not echo the header', () => {
  assert.deepEqual(firstStep('p=tls-unique,,n=user,r=abc'),
    { kind: 'failed', error: 'channel-binding' });
  assert.deepEqual(firstStep('y,,n=user,r=abc'), { kind: 'failed', error: 'channel-binding' });
  const server = serverFor('SCRAM-SHA-256', { user: rfcCredential }, rfc.serverNonce);
  challenge(server.step(Buffer.from(rfc.clientFirst)));
  const final = rfc.clientFinal.replace('c=biws', 'c=eSws'); // base64("y,,")
  assert.deepEqual(server.step(Buffer.from(final)), {
    kind: 'failed', error: 'channel-binding', message: Buffer.from('e=channel-bindings-dont-match'),
  });
});

test('delegation tokens (tokenauth=true, any case) are refused; other extensions ignored', () => {
  for (const value of ['true', 'TRUE', 'True']) {
    assert.deepEqual(firstStep(`n,,n=user,r=abc,tokenauth=${value}`),
      { kind: 'failed', error: 'token-auth' });
  }
  assert.equal(firstStep('n,,n=user,r=abc,tokenauth=false').kind, 'challenge');
  assert.equal(firstStep('n,,n=user,r=abc,foo=bar').kind, 'challenge');
  assert.deepEqual(firstStep('n,,m=must,n=user,r=abc'),
    { kind: 'failed', error: 'extension-unsupported' });
});

/** A client-final for any GS2 header, computed from the RFC's definitions (not our client). */
function clientFinalFor(
  gs2Header: string, bare: string, serverFirst: string, password: string, salt: Buffer,
): string {
  const salted = scramSaltedPassword('SCRAM-SHA-256', password, salt, 4096);
  const hmac = (key: Buffer, data: string): Buffer =>
    createHmac('sha256', key).update(data).digest();
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const nonce = serverFirst.split(',')[0] ?? '';
  const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},${nonce}`;
  const signature = hmac(storedKey, `${bare},${serverFirst},${withoutProof}`);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

test('an authzid is accepted only when it names the user', () => {
  assert.deepEqual(firstStep('n,a=admin,n=user,r=abc'),
    { kind: 'failed', error: 'authzid-mismatch' });
  const server = serverFor('SCRAM-SHA-256', { 'a=b': rfcCredential });
  const header = 'n,a=a=3Db,';
  const serverFirst = text(challenge(server.step(Buffer.from(`${header}n=a=3Db,r=abc`))));
  const final = clientFinalFor(header, 'n=a=3Db,r=abc', serverFirst, 'pencil', rfc.salt);
  const done = server.step(Buffer.from(final));
  assert.equal(done.kind, 'done');
  if (done.kind === 'done') assert.equal(formatPrincipal(done.principal), 'User:a=b');
});

test('oversized, non-UTF-8 and out-of-order messages fail without work', () => {
  const huge = Buffer.alloc(1024 * 1024, 'a');
  huge.write('n,,n=');
  assert.deepEqual(firstStep(huge.toString()), { kind: 'failed', error: 'too-long' });
  assert.deepEqual(serverFor('SCRAM-SHA-256', {}).step(Buffer.from([0x6e, 0x2c, 0x2c, 0xff])),
    { kind: 'failed', error: 'malformed' });
  const server = serverFor('SCRAM-SHA-256', { user: rfcCredential }, rfc.serverNonce);
  challenge(server.step(Buffer.from(rfc.clientFirst)));
  assert.equal(server.step(Buffer.from(rfc.clientFinal)).kind, 'done');
  assert.deepEqual(server.step(Buffer.from(rfc.clientFinal)),
    { kind: 'failed', error: 'unexpected-message' });
  const failed = serverFor('SCRAM-SHA-256', {});
  failed.step(Buffer.from('garbage'));
  assert.deepEqual(failed.step(Buffer.from(rfc.clientFirst)),
    { kind: 'failed', error: 'unexpected-message' });
});

test('malformed client-first messages fail as malformed', () => {
  const cases = [
    '', 'n', 'n,', 'n,,', 'n,,n=', 'n,,n=user', 'n,,n=user,r=', 'n,,r=abc,n=user', 'x,,n=u,r=a',
    'n,,n=us=er,r=abc', 'n,,n=us=2cer,r=abc', 'n,,n=user,r=a b', 'n,,n=user,r=abc,=x',
    'n,,n=user,r=abc,k=', 'n,,n=user,r=abc,a=1,a=2', 'n,b=x,n=user,r=abc', 'n,a=,n=user,r=abc',
    `n,,n=${'x'.repeat(256)},r=abc`, `n,,n=user,r=${'x'.repeat(256)}`, 'n,,n=u\0,r=abc',
  ];
  for (const message of cases) {
    assert.deepEqual(firstStep(message), { kind: 'failed', error: 'malformed' }, message);
  }
});

test('malformed client-final messages fail with e=invalid-encoding', () => {
  const base = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const cases = [
    '', base, `${base},p=`, `${base},p=abc`,
    `${base},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVR=`, // stray bits: not canonical
    `${base},p=AAAA`, `r=x,${base.slice(0, 6)},p=AAAA`, `${base},x,p=AAAA`,
  ];
  for (const message of cases) {
    const server = serverFor('SCRAM-SHA-256', { user: rfcCredential }, rfc.serverNonce);
    challenge(server.step(Buffer.from(rfc.clientFirst)));
    assert.deepEqual(server.step(Buffer.from(message)),
      { kind: 'failed', error: 'malformed', message: Buffer.from('e=invalid-encoding') }, message);
  }
});

test('the client refuses weak or hostile servers', () => {
  const start = (): ScramClient => {
    const c = new ScramClient({ mechanism: 'SCRAM-SHA-256', user: 'user', password: 'pencil',
      nonce: rfc.clientNonce });
    c.firstMessage();
    return c;
  };
  const iterations = (i: number): Buffer =>
    Buffer.from(rfc.serverFirst.replace('i=4096', `i=${i}`));
  assert.deepEqual(start().serverFirst(iterations(4095)),
    { ok: false, error: 'iterations-out-of-range', detail: '4095' });
  assert.deepEqual(start().serverFirst(iterations(16385)),
    { ok: false, error: 'iterations-out-of-range', detail: '16385' });
  assert.deepEqual(start().serverFirst(Buffer.from(`m=x,${rfc.serverFirst}`)),
    { ok: false, error: 'extension-unsupported' });
  assert.deepEqual(start().serverFirst(Buffer.alloc(8192, 'r')), { ok: false, error: 'too-long' });
  const signed = (serverFinal: string): unknown => {
    const c = start();
    assert.ok(c.serverFirst(Buffer.from(rfc.serverFirst)).ok);
    return c.serverFinal(Buffer.from(serverFinal));
  };
  assert.deepEqual(signed('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5='), {
    ok: false, error: 'malformed',
  }, 'non-canonical base64');
  assert.deepEqual(signed('v=AAAA'), { ok: false, error: 'bad-server-signature' });
  assert.deepEqual(signed('e=invalid-proof'),
    { ok: false, error: 'server-error', detail: 'invalid-proof' });
});

test('credential math: Kafka codes, bounds, salted password and credential agree', () => {
  assert.equal(scramMechanismCode('SCRAM-SHA-256'), 1);
  assert.equal(scramMechanismCode('SCRAM-SHA-512'), 2);
  assert.equal(scramMechanismFromCode(2), 'SCRAM-SHA-512');
  assert.equal(scramMechanismFromCode(0), undefined);
  const salt = Buffer.alloc(32, 9);
  const salted = scramSaltedPassword('SCRAM-SHA-512', 'pw', salt, 8192);
  assert.equal(salted.length, 64);
  assert.deepEqual(credentialFromSaltedPassword('SCRAM-SHA-512', salted, salt, 8192),
    scramCredential('SCRAM-SHA-512', 'pw', salt, 8192));
  const refused = (f: () => unknown): void => {
    assert.throws(f, (e) => isPadoError(e, 'PADO_INVALID_ARGUMENT'));
  };
  refused(() => scramCredential('SCRAM-SHA-256', 'pw', salt, 4095));
  refused(() => scramCredential('SCRAM-SHA-256', 'pw', salt, 16385));
  refused(() => scramCredential('SCRAM-SHA-256', 'pw', Buffer.alloc(0), 4096));
  refused(() => scramCredential('SCRAM-SHA-256', '', salt, 4096));
  refused(() => scramCredential('SCRAM-SHA-256', 'é'.repeat(128), salt, 4096));
  refused(() => credentialFromSaltedPassword('SCRAM-SHA-512', salted.subarray(1), salt, 4096));
  refused(() => new ScramClient({
    mechanism: 'SCRAM-SHA-256', user: '', password: 'p', nonce: 'n',
  }));
  assert.equal(checkScramParameters('SCRAM-SHA-256', salt, 4096), undefined);
  assert.match(checkScramParameters('SCRAM-SHA-256', salt, 1.5) ?? '', /iterations 1.5/);
  assert.match(checkScramParameters('SCRAM-SHA-256', Buffer.alloc(129), 4096) ?? '', /salt/);
});

/** A client-final as librdkafka writes it: its client nonce again in front of the combined one. */
function librdkafkaFinal(hash: 'sha256' | 'sha512', password: string, clientFirstBare: string,
  serverFirst: string, clientNonce: string): string {
  const attr = (k: string) => new RegExp(`(?:^|,)${k}=([^,]*)`).exec(serverFirst)?.[1] ?? '';
  const bytes = hash === 'sha256' ? 32 : 64;
  const salted = pbkdf2Sync(password, Buffer.from(attr('s'), 'base64'), Number(attr('i')),
    bytes, hash);
  const hmac = (k: Buffer, d: string) => createHmac(hash, k).update(d).digest();
  const clientKey = hmac(salted, 'Client Key');
  const withoutProof = `c=biws,r=${clientNonce}${attr('r')}`;
  const signature = hmac(createHash(hash).update(clientKey).digest(),
    `${clientFirstBare},${serverFirst},${withoutProof}`);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

test('librdkafka\'s doubled client nonce is accepted, as Kafka accepts it; a missing server part is not', () => {
  const credential = scramCredential('SCRAM-SHA-512', 'pw', Buffer.alloc(32, 7), 4096);
  for (const [prefix, expected] of [['', 'done'], ['extra', 'done'], ['-cut', 'failed']] as const) {
    const server = serverFor('SCRAM-SHA-512', { alice: credential }, 'SRVNONCE');
    const first = challenge(server.step(Buffer.from('n,,n=alice,r=CLIENTNONCE'))).toString();
    const serverFirst = prefix === '-cut' ? first.replace('SRVNONCE', '') : first;
    const final = librdkafkaFinal('sha512', 'pw', 'n=alice,r=CLIENTNONCE', serverFirst,
      prefix === '-cut' ? '' : `CLIENTNONCE${prefix}`);
    assert.equal(server.step(Buffer.from(final)).kind, expected, prefix);
  }
});
