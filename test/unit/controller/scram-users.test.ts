// Proves AlterUserScramCredentials' rules (controller/scram-users.ts, KIP-554): the stored form
// is StoredKey/ServerKey derived from the salted password (a login with the password then works),
// each user's changes are all-or-nothing, and each kind of bad request gets Kafka's error code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alterUserScramCredentials } from '../../../src/controller/index.js';
import { applyRecords, emptyImage } from '../../../src/metadata/index.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { ScramClient, saslServer, scramSaltedPassword } from '../../../src/security/index.js';
import { Prng, seededRandom } from '../../../src/common/index.js';

const salt = Buffer.alloc(32, 3);
/** `iterations` is what the request claims; the salted password is always a valid one. */
const upsert = (name: string, mechanism = 2, iterations = 4096, password = 'pw') => ({
  name, mechanism, iterations, salt,
  saltedPassword: scramSaltedPassword(mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512',
    password, salt, 4096),
});

test('an upsert stores keys a login can check, never the salted password', () => {
  const { records, results } = alterUserScramCredentials(emptyImage('c'),
    { deletions: [], upsertions: [upsert('alice'), upsert('alice', 1)] });
  assert.deepEqual(results, [{ user: 'alice', errorCode: 0, errorMessage: null }]);
  assert.equal(records.length, 2);
  const image = applyRecords(emptyImage('c'), records);
  const stored = image.scramCredentials.get('alice')?.get(2);
  assert.ok(stored !== undefined);
  assert.ok(!stored.storedKey.equals(upsert('alice').saltedPassword));
  const server = saslServer('SCRAM-SHA-512', { random: seededRandom(new Prng(1)),
    secret: Buffer.alloc(32), credentials: (u, m) => {
      const c = image.scramCredentials.get(u)?.get(m === 'SCRAM-SHA-512' ? 2 : 1);
      return c === undefined ? undefined : c;
    } });
  assert.ok(server !== undefined);
  const client = new ScramClient({ mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'pw',
    nonce: 'n1' });
  const first = server.step(client.firstMessage());
  assert.equal(first.kind, 'challenge');
  const final = client.serverFirst(first.kind === 'challenge' ? first.message : Buffer.alloc(0));
  assert.ok(final.ok);
  assert.equal(server.step(final.message).kind, 'done');
});

test('bad changes get Kafka\'s codes, and a user with one bad change changes nothing', () => {
  const base = applyRecords(emptyImage('c'),
    alterUserScramCredentials(emptyImage('c'), { deletions: [], upsertions: [upsert('bob')] })
      .records);
  const cases: [string, Parameters<typeof alterUserScramCredentials>[1], number][] = [
    ['unknown mechanism', { deletions: [], upsertions: [upsert('x', 3)] },
      KafkaError.unsupportedSaslMechanism.code],
    ['iterations too low', { deletions: [], upsertions: [upsert('x', 2, 1000)] },
      KafkaError.unacceptableCredential.code],
    ['empty name', { deletions: [], upsertions: [upsert('')] },
      KafkaError.unacceptableCredential.code],
    ['salted password of the wrong size', { deletions: [], upsertions: [{ ...upsert('x'),
      saltedPassword: Buffer.alloc(5) }] }, KafkaError.unacceptableCredential.code],
    ['same mechanism twice', { deletions: [{ name: 'bob', mechanism: 2 }],
      upsertions: [upsert('bob')] }, KafkaError.duplicateResource.code],
    ['delete what is not there', { deletions: [{ name: 'bob', mechanism: 1 }], upsertions: [] },
      KafkaError.resourceNotFound.code],
  ];
  for (const [what, req, code] of cases) {
    const { records, results } = alterUserScramCredentials(base, req);
    assert.equal(results[0]?.errorCode, code, what);
    assert.deepEqual(records, [], what);
  }
  const mixed = alterUserScramCredentials(base, { deletions: [{ name: 'bob', mechanism: 2 }],
    upsertions: [upsert('carol', 1, 10)] });
  assert.deepEqual(mixed.results.map((r) => [r.user, r.errorCode]),
    [['bob', 0], ['carol', KafkaError.unacceptableCredential.code]]);
  assert.deepEqual(mixed.records.map((r) => r.type), ['removeUserScramCredential']);
  assert.equal(applyRecords(base, mixed.records).scramCredentials.has('bob'), false);
});
