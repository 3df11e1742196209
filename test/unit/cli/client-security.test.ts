// Proves how the CLI finds its TLS and SASL settings (cli/client-security.ts): a Kafka client
// properties file as Kafka's tools and librdkafka write it, then the environment, then flags
// (later wins); the protocol follows from what is given; a missing password or a certificate
// without its key is a usage error that says what to set. Files are read through a fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientSecurity, parseProperties } from '../../../src/cli/client-security.js';
import { isPadoError } from '../../../src/common/index.js';

const files: Record<string, string> = {
  'java.properties': [
    '# Kafka tools', 'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-256',
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required ' +
      'username="alice" password="s3cret";', 'ssl.truststore.location=/ca.pem',
  ].join('\n'),
  'rdkafka.properties': 'security.protocol: SSL\nssl.ca.location=/ca.pem\n' +
    'ssl.certificate.location=/me.crt\nssl.key.location=/me.key\n',
  '/ca.pem': 'CA', '/me.crt': 'CERT', '/me.key': 'KEY',
};
const read = (path: string): Buffer => {
  const text = files[path];
  if (text === undefined) throw new Error('ENOENT');
  return Buffer.from(text);
};

test('a Kafka client properties file gives TLS and SASL', () => {
  assert.deepEqual(parseProperties(files['java.properties'] as string, 'f'), {
    protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', user: 'alice', password: 's3cret',
    ca: '/ca.pem' });
  assert.deepEqual(clientSecurity({ clientConfig: 'java.properties' }, {}, read), {
    tls: { ca: Buffer.from('CA') },
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 's3cret' } });
  assert.deepEqual(clientSecurity({}, { PADO_CLIENT_CONFIG: 'rdkafka.properties' }, read), {
    tls: { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') } });
});

test('flags beat the environment, which beats the file; nothing set is PLAINTEXT', () => {
  assert.equal(clientSecurity({}, {}, read), undefined);
  const s = clientSecurity({ clientConfig: 'java.properties', user: 'bob',
    saslMechanism: 'plain' }, { PADO_SASL_USERNAME: 'carol', PADO_SASL_PASSWORD: 'env-pw' }, read);
  assert.deepEqual(s?.sasl, { mechanism: 'PLAIN', username: 'bob', password: 'env-pw' });
  assert.deepEqual(clientSecurity({ user: 'dave' }, { PADO_SASL_PASSWORD: 'pw' }, read),
    { tls: {}, sasl: { mechanism: 'SCRAM-SHA-512', username: 'dave', password: 'pw' } },
    'a user alone means SASL_SSL with the system CAs');
});

test('mistakes are usage errors that say what to set', () => {
  const refused = (options: Record<string, string>, env: Record<string, string>, re: RegExp) =>
    assert.throws(() => clientSecurity(options, env, read),
      (e: unknown) => isPadoError(e) && re.test(e.message));
  refused({ user: 'alice' }, {}, /no password for alice: set PADO_SASL_PASSWORD/);
  refused({ securityProtocol: 'SASL_SSL' }, {}, /SASL needs a user/);
  refused({ securityProtocol: 'TLS' }, {}, /'TLS' is not one of PLAINTEXT, SSL/);
  refused({ tlsCert: '/me.crt' }, {}, /--tls-cert and --tls-key go together/);
  refused({ tlsCa: '/nope.pem' }, {}, /--tls-ca: cannot read \/nope.pem/);
  refused({ user: 'a', saslMechanism: 'GSSAPI' }, { PADO_SASL_PASSWORD: 'x' }, /is not one of/);
});
