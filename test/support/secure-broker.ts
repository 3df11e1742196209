/**
 * One `pado start` with security and ACLs, as issue 15's tests and the console's use it: an SSL
 * inter-broker listener (BROKER), a SASL_SSL client listener (CLIENT), an authorizer with
 * `User:admin` as super user, and SCRAM users made with the node's certificate (the first user
 * can only be made so). The caller stops the broker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { listenerPort, mainJs, startBroker, tempDir, type BrokerProcess } from './broker.js';
import type { TestCerts } from './certs.js';
import { run } from './run.js';

export interface AclBroker {
  readonly broker: BrokerProcess;
  /** host:port of the SASL_SSL client listener. */
  readonly client: string;
}

export async function startAclBroker(certs: TestCerts, users: Readonly<Record<string, string>>,
  authorizer = 'acl'): Promise<AclBroker> {
  const config = join(tempDir(), 'pado.json');
  writeFileSync(config, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': certs.serverKeystore, 'ssl.truststore.location': certs.caPem,
    'authorizer.class.name': authorizer,
    'super.users': 'User:admin',
  }));
  const broker = await startBroker({ omitListen: true, args: ['--config', config] });
  try {
    const nodeCert = ['--bootstrap', `127.0.0.1:${listenerPort(broker, 'BROKER')}`, '--tls-ca',
      certs.caPem, '--tls-cert', certs.serverKeystore, '--tls-key', certs.serverKeystore];
    for (const [user, pw] of Object.entries(users)) {
      const r = await run(process.execPath, [mainJs, 'user', 'create', user, '--password-stdin',
        ...nodeCert], { input: `${pw}\n` });
      assert.equal(r.code, 0, r.stderr);
    }
  } catch (e) {
    await broker.stop();
    throw e;
  }
  return { broker, client: `127.0.0.1:${listenerPort(broker, 'CLIENT')}` };
}
