// Proves Kafka's listener keys (listeners, listener.security.protocol.map, advertised.listeners,
// inter.broker.listener.name) and ssl.*/sasl.* keys resolve into one list of listeners with their
// protocols, that `listen` becomes the inter-broker listener's address, and that each kind of
// mistake yields one PADO_CONFIG_INVALID message naming the key and what to write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeBrokerConfig, parseConfigFile, plainInTheClear, resolveNodeConfig,
} from '../../../src/config/index.js';
import { isPadoError } from '../../../src/common/index.js';

const resolve = (file: Record<string, unknown>, ...more: Record<string, unknown>[]) =>
  resolveNodeConfig([parseConfigFile(JSON.stringify(file), 'pado.json'), ...more]);

function refused(file: Record<string, unknown>, pattern: RegExp,
  ...more: Record<string, unknown>[]): void {
  assert.throws(() => resolve(file, ...more), (e: unknown) => {
    assert.ok(isPadoError(e) && e.code === 'PADO_CONFIG_INVALID', String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

const ssl = { 'ssl.keystore.location': '/etc/pado/node1.pem' };

test('Kafka\'s listener keys become listeners with protocols; listen is the inter-broker one', () => {
  const config = resolve({
    listeners: 'client://0.0.0.0:9093,BROKER://127.0.0.1:9092',
    'listener.security.protocol.map': 'CLIENT:SASL_SSL,BROKER:PLAINTEXT',
    'advertised.listeners': 'CLIENT://pi.local:9093',
    'inter.broker.listener.name': 'BROKER',
    'sasl.enabled.mechanisms': 'scram-sha-512,PLAIN',
    'ssl.client.auth': 'requested',
    ...ssl,
  });
  assert.deepEqual(config.listeners, [
    { name: 'CLIENT', host: '0.0.0.0', port: 9093, securityProtocol: 'SASL_SSL',
      advertised: { host: 'pi.local', port: 9093 } },
    { name: 'BROKER', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' },
  ]);
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9092 });
  assert.equal(config.advertised, undefined);
  assert.deepEqual(config.ssl, { keystoreLocation: '/etc/pado/node1.pem', keystoreType: 'PEM',
    clientAuth: 'requested', endpointIdentificationAlgorithm: 'https' });
  assert.deepEqual(config.saslEnabledMechanisms, ['SCRAM-SHA-512', 'PLAIN']);
  const listed = describeBrokerConfig(config).find((e) => e.name === 'advertised.listeners');
  assert.equal(listed?.value, 'CLIENT://pi.local:9093,BROKER://127.0.0.1:9092');
});

test('a listener named after its protocol needs no map; the first is the inter-broker one', () => {
  const config = resolve({ listeners: 'PLAINTEXT://:9092,SASL_PLAINTEXT://:9094' });
  assert.deepEqual(config.listeners?.map((l) => [l.name, l.securityProtocol, l.port]),
    [['PLAINTEXT', 'PLAINTEXT', 9092], ['SASL_PLAINTEXT', 'SASL_PLAINTEXT', 9094]]);
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9092 });
  assert.deepEqual(plainInTheClear(config), ['SASL_PLAINTEXT'],
    'PLAIN on a listener without TLS is worth a warning');
});

test('without listeners the node keeps one PLAINTEXT listener at listen', () => {
  const config = resolve({ listen: '127.0.0.1:9099' });
  assert.equal(config.listeners, undefined);
  assert.deepEqual(config.saslEnabledMechanisms, ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN']);
  assert.equal(config.connectionsMaxReauthMs, 0);
});

test('each listener mistake gets a message naming the key and the fix', () => {
  refused({ listeners: 'CLIENT://:9093' }, /listener CLIENT has no security protocol.*CLIENT:SASL_SSL/);
  refused({ listeners: 'CLIENT:9093' }, /config listeners: 'CLIENT:9093' is not NAME:\/\/host:port/);
  refused({ listeners: 'PLAINTEXT://:9092', 'listener.security.protocol.map': 'PLAINTEXT' },
    /listener.security.protocol.map: 'PLAINTEXT' is not NAME:PROTOCOL/);
  refused({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'CLIENT://x:1' },
    /CLIENT is not one of the listeners \(PLAINTEXT\)/);
  refused({ 'advertised.listeners': 'PLAINTEXT://x:1' }, /needs "listeners"/);
  refused({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }, /PLAINTEXT is listed twice/);
  refused({ listeners: 'PLAINTEXT://:9092', 'inter.broker.listener.name': 'BROKER' },
    /BROKER is not one of the listeners/);
  refused({ listeners: 'SSL://:9093,PLAINTEXT://:9092', 'inter.broker.listener.name': 'PLAINTEXT' },
    /listener SSL uses SSL and needs a certificate.*pado security init/);
  refused({ listeners: 'SASL_SSL://:9093', ...ssl },
    /SASL_SSL; nodes prove who they are with certificates: make the inter-broker listener SSL/);
  refused({ listeners: 'SSL://:9093', ...ssl },
    /the SSL inter-broker listener SSL checks each node's certificate against it/);
  refused({ listeners: 'PLAINTEXT://:9092' }, /remove listen \(or --listen\)/,
    { listen: { host: '127.0.0.1', port: 9000 } });
  refused({ 'sasl.enabled.mechanisms': 'GSSAPI' }, /saslEnabledMechanisms.0: "GSSAPI" is not a/);
  refused({ ...ssl, 'ssl.keystore.type': 'JKS' }, /ssl.keystoreType: "JKS" is not PEM or PKCS12/);
  refused({ ...ssl, 'ssl.truststore.type': 'JKS' }, /give the CA certificates as a PEM file/);
  refused({ ...ssl, 'ssl.client.auth': 'always' }, /one of none, requested, required/);
  refused({ 'ssl.client.auth': 'required' }, /ssl: "keystoreLocation" is missing/);
});

test('an SSL inter-broker listener with a truststore is accepted (mutual TLS between nodes)', () => {
  const config = resolve({ listeners: 'BROKER://:9092,CLIENT://:9093',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL', ...ssl,
    'ssl.truststore.location': '/etc/pado/ca.pem', 'ssl.endpoint.identification.algorithm': '' });
  assert.equal(config.listeners?.[0]?.securityProtocol, 'SSL');
  assert.equal(config.ssl?.endpointIdentificationAlgorithm, '');
});

test('an authorizer needs an SSL inter-broker listener; Kafka\'s class name and super.users work', () => {
  const secure = { listeners: 'BROKER://:9092,CLIENT://:9093',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL', ...ssl,
    'ssl.truststore.location': '/etc/pado/ca.pem' };
  const config = resolve({ ...secure,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin; User:CN=ops,O=home' });
  assert.equal(config.authorizer, 'acl');
  assert.deepEqual(config.superUsers, ['User:admin', 'User:CN=ops,O=home']);
  assert.equal(config.allowEveryoneIfNoAclFound, false);
  refused({ 'authorizer.class.name': 'acl' }, /ACLs need authenticated clients and nodes/);
  refused({ listeners: 'PLAINTEXT://:9092', 'authorizer.class.name': 'acl' },
    /ACLs protect nothing while the inter-broker listener PLAINTEXT is PLAINTEXT/);
  refused({ ...secure, 'authorizer.class.name': 'com.example.Mine' }, /authorizer: "com.example.Mine"/);
  refused({ ...secure, 'super.users': 'admin' }, /superUsers.0: "admin" is not principals/);
});
