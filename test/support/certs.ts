/**
 * Test certificates made with the openssl command (Debian's openssl): a CA, a server certificate
 * for 127.0.0.1 and localhost, client certificates signed by the CA, one signed by another CA
 * (untrusted) and one that expired in 2020. Everything lives in a temp directory the caller
 * removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  /** PEM of the CA that signed the server and the good client certificates. */
  readonly caPem: string;
  /** Key + certificate chain, as ssl.keystore.location takes it. */
  readonly serverKeystore: string;
  /** The same for 127.0.0.1, signed by the other CA (`rogueCaPem`): a renewed certificate. */
  readonly otherServerKeystore: string;
  readonly rogueCaPem: string;
  readonly client: { readonly cert: string; readonly key: string };
  readonly untrusted: { readonly cert: string; readonly key: string };
  readonly expired: { readonly cert: string; readonly key: string };
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${name}`]);
}

/** A key and a certificate for `cn`, signed by `caName`, valid from `start` to `end` (openssl ca). */
function leaf(dir: string, name: string, cn: string, caName: string,
  dates: { start: string; end: string } | null, san?: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out',
    `${name}.csr`, '-subj', `/O=pado-test/CN=${cn}`]);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, san === undefined ? 'basicConstraints=CA:FALSE\n' : `subjectAltName=${san}\n`);
  if (dates === null) {
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey',
      `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '30', '-extfile', ext]);
    return;
  }
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'ca.cnf'), ['[ca]', 'default_ca = test', '[test]', `dir = ${dir}`,
    'database = $dir/index.txt', 'new_certs_dir = $dir', 'serial = $dir/serial',
    'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]',
    'commonName = supplied', 'organizationName = optional', ''].join('\n'));
  writeFileSync(join(dir, 'serial'), '01\n');
  openssl(dir, ['ca', '-config', 'ca.cnf', '-batch', '-notext', '-in', `${name}.csr`, '-out',
    `${name}.crt`, '-keyfile', `${caName}.key`, '-cert', `${caName}.pem`, '-startdate',
    dates.start, '-enddate', dates.end, '-extfile', ext]);
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'pado-certs-'));
  ca(dir, 'ca');
  ca(dir, 'rogue-ca');
  leaf(dir, 'server', '127.0.0.1', 'ca', null, 'IP:127.0.0.1,DNS:localhost');
  leaf(dir, 'server2', '127.0.0.1', 'rogue-ca', null, 'IP:127.0.0.1,DNS:localhost');
  leaf(dir, 'client', 'alice-client', 'ca', null);
  leaf(dir, 'untrusted', 'mallory-client', 'rogue-ca', null);
  leaf(dir, 'expired', 'old-client', 'ca', { start: '20200101000000Z', end: '20200201000000Z' });
  const serverKeystore = join(dir, 'server-keystore.pem');
  writeFileSync(serverKeystore, readFileSync(join(dir, 'server.key'), 'utf8') +
    readFileSync(join(dir, 'server.crt'), 'utf8'));
  const otherServerKeystore = join(dir, 'server2-keystore.pem');
  writeFileSync(otherServerKeystore, readFileSync(join(dir, 'server2.key'), 'utf8') +
    readFileSync(join(dir, 'server2.crt'), 'utf8'));
  const pair = (name: string) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    dir, caPem: join(dir, 'ca.pem'), serverKeystore, otherServerKeystore,
    rogueCaPem: join(dir, 'rogue-ca.pem'),
    client: pair('client'), untrusted: pair('untrusted'), expired: pair('expired'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
