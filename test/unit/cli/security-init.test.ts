// Proves `pado security init` (issue 15 item 6) without a broker: the argv parsing (--node
// syntax, defaults, usage errors that say what to write), and the files it writes into a temp
// dir, read back with Node's own X509Certificate: the CA is a CA and signed itself, each node
// certificate chains to it (verify, checkIssued), names exactly the asked subjectAltNames, has
// serverAuth + clientAuth (a client certificate clientAuth only), the asked validity, a key that
// is its own (checkPrivateKey), and files holding keys are mode 0600. A second run adds only the
// missing nodes with the same CA; --force replaces it; a half CA is refused. Where the openssl
// command exists, `openssl verify -x509_strict` checks the DER as OpenSSL's strictest mode does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgv, runCli, type CliContext } from '../../../src/cli/index.js';
import { clientIo } from '../../support/client-io.js';
import { isPadoError } from '../../../src/common/index.js';
import { ipAddressBytes } from '../../../src/cli/security/certs.js';
import {
  initSecurity, type InitReport, type SecurityInitArgs,
} from '../../../src/cli/security/init.js';

function parse(line: string): SecurityInitArgs {
  const { name, args } = parseArgv(line.split(' ').filter((w) => w !== ''), {});
  assert.equal(name, 'security init');
  return args as SecurityInitArgs;
}

function usageError(line: string, message: RegExp): void {
  assert.throws(() => parse(line), (e: unknown) => {
    assert.ok(isPadoError(e, 'PADO_INVALID_ARGUMENT'), `not a usage error: ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

test('parse: nodes with names and addresses, defaults', () => {
  assert.deepEqual(parse('security init --node 1=pi.local,192.168.1.10 ' +
    '--node 2=Desktop.Local.,192.168.1.20,fe80::1,desktop.local'), {
    dir: 'pado-certs', targetDir: null, clients: [], days: 825, caDays: 3650, loopback: false,
    force: false, nodes: [{ id: 1, names: ['pi.local', '192.168.1.10'] },
      { id: 2, names: ['desktop.local', '192.168.1.20', 'fe80::1'] }],
  });
  const args = parse('security init --dir /tmp/x --node 0=a --loopback --client admin ' +
    '--client ops --days 30 --ca-days 60 --force --target-dir /etc/pado');
  assert.deepEqual(args, { dir: '/tmp/x', targetDir: '/etc/pado', clients: ['admin', 'ops'],
    days: 30, caDays: 60, loopback: true, force: true,
    nodes: [{ id: 0, names: ['a', 'localhost', '127.0.0.1', '::1'] }] });
  assert.deepEqual(parse('security init --client admin').nodes, []);
});

test('parse: bad --node, --client and numbers are usage errors that show what to write', () => {
  const example = /--node 1=pi\.local,192\.168\.1\.10/;
  usageError('security init --node pi.local', example);
  usageError('security init --node =pi.local', /is not <id>=<name>/);
  usageError('security init --node x=pi.local', /is not <id>=<name>/);
  usageError('security init --node 1', /is not <id>=<name>/);
  usageError('security init --node 99999999999=a', /not a node id \(0–2147483647\)/);
  usageError('security init --node 1=', /no names; give the host names and IP addresses/);
  usageError('security init --node 1=,', /no names/);
  usageError('security init --node 1=pi.local:9092',
    /'pi\.local:9092' is not a host name.*without ports/);
  usageError('security init --node 1=*.local', /'\*\.local' is not a host name/);
  usageError('security init --node 1=fe80::1%eth0', /is not a host name or an IP address/);
  usageError('security init --node 1=a --node 1=b', /node 1 is given twice/);
  usageError('security init', /nothing to make: name each node/);
  usageError('security init --node', /value is missing/);
  usageError('security init --client ../x', /is not a name for a certificate/);
  usageError('security init --node 1=a --days 0', /--days: '0' is not an integer in 1–3650/);
  usageError('security init --node 1=a --ca-days x', /--ca-days: 'x'/);
});

test('ipAddressBytes: IPv4, IPv6 with ::, and IPv4-mapped forms', () => {
  assert.deepEqual([...ipAddressBytes('192.168.1.10')], [192, 168, 1, 10]);
  assert.equal(ipAddressBytes('::1').toString('hex'), '0'.repeat(31) + '1');
  assert.equal(ipAddressBytes('fe80::1:2').toString('hex'), `fe80${'0'.repeat(20)}00010002`);
  assert.equal(ipAddressBytes('1:2:3:4:5:6:7:8').toString('hex'),
    '00010002000300040005000600070008');
  assert.equal(ipAddressBytes('::ffff:10.0.0.1').toString('hex'),
    `${'0'.repeat(20)}ffff0a000001`);
  assert.throws(() => ipAddressBytes('pi.local'), /not an IP address/);
});

const now = new Date('2026-05-01T12:00:00Z');
const dayMs = 86_400_000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pado-security-init-'));
}

function args(dir: string, fields: Partial<SecurityInitArgs> = {}): SecurityInitArgs {
  return { dir, targetDir: null, clients: [], days: 825, caDays: 3650, loopback: false,
    force: false, nodes: [{ id: 1, names: ['pi.local', '192.168.1.10'] },
      { id: 2, names: ['desktop.local', '192.168.1.20', 'fe80::1'] }], ...fields };
}

/** The certificates of a PEM file in order: leaf first, then the CA. */
function certsIn(file: string): X509Certificate[] {
  const pem = readFileSync(file, 'utf8');
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [])
    .map((c) => new X509Certificate(c));
}

const mode = (file: string) => statSync(file).mode & 0o777;

test('init writes a CA and node certificates that chain, name the nodes and match their keys',
  (t) => {
    const dir = tempDir();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const report = initSecurity(args(dir), now);
    assert.deepEqual(report.nodes.map((n) => [n.id, n.outcome]), [[1, 'written'], [2, 'written']]);
    assert.equal(report.ca.outcome, 'written');
    assert.deepEqual(report.warnings, []);
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
    assert.ok(ca.ca);
    assert.match(ca.subject, /^CN=pado-ca-[0-9a-f]{8}$/);
    assert.equal(ca.issuer, ca.subject);
    assert.ok(ca.verify(ca.publicKey), 'self-signed');
    assert.ok(ca.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'ca-key.pem')))));
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(new Date(ca.validTo).getTime(), now.getTime() + 3650 * dayMs);
    assert.equal(new Date(ca.validFrom).toISOString(), '2026-05-01T11:00:00.000Z');
    if (process.platform !== 'win32') {
      assert.equal(mode(join(dir, 'ca-key.pem')), 0o600);
      assert.equal(mode(join(dir, 'node1.pem')), 0o600);
      assert.equal(mode(join(dir, 'node2.pem')), 0o600);
    }
    const node2 = join(dir, 'node2.pem');
    const [leaf, chainCa] = certsIn(node2);
    assert.ok(leaf !== undefined && chainCa !== undefined, 'key, certificate and CA in one PEM');
    assert.match(readFileSync(node2, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(chainCa.fingerprint256, ca.fingerprint256);
    assert.equal(leaf.subject, 'CN=pado-node-2');
    assert.equal(leaf.issuer, ca.subject);
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    assert.ok(leaf.checkPrivateKey(createPrivateKey(readFileSync(node2))));
    assert.ok(!leaf.ca);
    assert.equal(leaf.subjectAltName,
      'DNS:desktop.local, IP Address:192.168.1.20, IP Address:FE80:0:0:0:0:0:0:1');
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // EKU
    assert.equal(new Date(leaf.validFrom).toISOString(), '2026-05-01T11:00:00.000Z');
    assert.equal(new Date(leaf.validTo).getTime(), now.getTime() + 825 * dayMs);
    assert.equal(leaf.checkIP('192.168.1.20'), '192.168.1.20');
    assert.equal(leaf.checkHost('desktop.local'), 'desktop.local');
    assert.equal(leaf.checkHost('localhost'), undefined, 'loopback only with --loopback');
    assert.equal(certsIn(join(dir, 'node1.pem'))[0]?.subjectAltName,
      'DNS:pi.local, IP Address:192.168.1.10');
    opensslVerify(dir, 'sslserver', 'node1.pem');
    opensslVerify(dir, 'sslclient', 'node2.pem');
  });

test('a client certificate is clientAuth only, and comes with the node warning', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = initSecurity(args(dir, { nodes: [], clients: ['admin'], days: 10 }), now);
  const [cert] = certsIn(join(dir, 'client-admin.pem'));
  assert.equal(cert?.subject, 'CN=admin');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.subjectAltName, undefined);
  assert.equal(new Date(cert.validTo).toISOString(), '2026-05-11T12:00:00.000Z');
  if (process.platform !== 'win32') assert.equal(mode(join(dir, 'client-admin.pem')), 0o600);
  assert.match(report.warnings.join('\n'), /inter-broker listener accepts it as a node/);
  opensslVerify(dir, 'sslclient', 'client-admin.pem');
});

test('--loopback names localhost, 127.0.0.1 and ::1', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const parsed = parse(`security init --dir ${dir} --node 1=pi.local --loopback`);
  initSecurity(parsed, now);
  const [leaf] = certsIn(join(dir, 'node1.pem'));
  assert.equal(leaf?.subjectAltName, 'DNS:pi.local, DNS:localhost, IP Address:127.0.0.1, ' +
    'IP Address:0:0:0:0:0:0:0:1');
});

test('a second run keeps the CA and adds only new nodes; --force replaces the CA', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  initSecurity(args(dir, { nodes: [{ id: 1, names: ['pi.local'] }] }), now);
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const node1 = readFileSync(join(dir, 'node1.pem'), 'utf8');
  const again: InitReport = initSecurity(args(dir, { caDays: 1 }), now);
  assert.equal(again.ca.outcome, 'kept');
  assert.deepEqual(again.nodes.map((n) => n.outcome), ['kept', 'written']);
  assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), caPem, 'the CA is not replaced');
  assert.equal(readFileSync(join(dir, 'node1.pem'), 'utf8'), node1, 'node 1 is kept');
  const ca = new X509Certificate(caPem);
  assert.ok(certsIn(join(dir, 'node2.pem'))[0]?.checkIssued(ca), 'node 2 from the same CA');
  // --force: a new CA, node 1 made again; node 2's file is left but reported as stale.
  const forced = initSecurity(args(dir, { force: true, nodes: [{ id: 1, names: ['pi.local'] }] }),
    now);
  assert.equal(forced.ca.outcome, 'written');
  const newCa = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  assert.notEqual(newCa.fingerprint256, ca.fingerprint256);
  assert.ok(certsIn(join(dir, 'node1.pem'))[0]?.checkIssued(newCa));
  assert.match(forced.warnings.join('\n'), /node2\.pem is from the previous CA/);
  if (process.platform !== 'win32') assert.equal(mode(join(dir, 'ca-key.pem')), 0o600);
});

test('a CA that expires first caps new certificates; half a CA or an expired one is refused',
  (t) => {
    const dir = tempDir();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    initSecurity(args(dir, { caDays: 100, nodes: [{ id: 1, names: ['a'] }] }), now);
    const capped = initSecurity(args(dir, { nodes: [{ id: 2, names: ['b'] }] }), now);
    assert.match(capped.warnings.join('\n'), /the CA expires on 2026-08-09/);
    assert.equal(new Date(certsIn(join(dir, 'node2.pem'))[0]!.validTo).toISOString(),
      '2026-08-09T12:00:00.000Z');
    const later = new Date('2027-01-01T00:00:00Z');
    assert.throws(() => initSecurity(args(dir), later),
      /ca\.pem expired on 2026-08-09.*make a new CA with --force/);
    unlinkSync(join(dir, 'ca-key.pem'));
    assert.throws(() => initSecurity(args(dir), now), (e: unknown) => {
      assert.ok(isPadoError(e));
      assert.match(e.message, /ca\.pem is there but .*ca-key\.pem is not: .*--force/);
      return true;
    });
    unlinkSync(join(dir, 'ca.pem'));
    assert.throws(() => initSecurity(args(dir), now),
      /has node1\.pem, node2\.pem but no CA: a new CA cannot vouch for them.*--force/);
  });

test('run prints each node\'s config with the target paths, the join and the first user',
  async (t) => {
    const dir = tempDir();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) },
      stdin: (async function* empty() {})(), env: {}, stdoutIsTty: false,
      connect: () => Promise.reject(new Error('no network in this test')), clientIo,
      signals: { next: () => new Promise(() => undefined) },
      exitNow: () => undefined as never,
    };
    const code = await runCli(['security', 'init', '--dir', dir, '--node', '1=pi.local',
      '--node', '2=desktop.local,192.168.1.20', '--target-dir', 'C:\\pado'], ctx);
    assert.equal(code, 0, err.join(''));
    assert.deepEqual(err, []);
    const text = out.join('');
    assert.match(text, /CA: wrote .*ca\.pem .*ca-key\.pem: keep it offline/);
    assert.match(text, /"ssl\.keystore\.location": "C:\\\\pado\\\\node2\.pem"/);
    assert.match(text, /"ssl\.truststore\.location": "C:\\\\pado\\\\ca\.pem"/);
    assert.match(text, /"inter\.broker\.listener\.name": "BROKER"/);
    assert.match(text, /start: pado start --node-id 1 --config pado\.json\n/);
    assert.match(text, /start: pado start --node-id 2 --config pado\.json --join pi\.local:9092/);
    assert.match(text, /pado user create alice --password-stdin --bootstrap pi\.local:9092 /);
  });

test('an existing CA made elsewhere (openssl, RSA) signs new nodes, matched by its key id',
  { skip: !haveOpenssl() && 'no openssl command' }, (t) => {
    const dir = tempDir();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
      'ca-key.pem', '-out', 'ca.pem', '-days', '30', '-subj', '/O=home/CN=my-ca'],
    { cwd: dir, stdio: 'ignore' });
    const at = new Date();
    const report = initSecurity(args(dir), at);
    assert.equal(report.ca.outcome, 'kept');
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
    const [leaf] = certsIn(join(dir, 'node1.pem'));
    assert.equal(leaf?.issuer, ca.subject);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    assert.equal(new Date(leaf.validTo).toISOString().slice(0, 10),
      new Date(ca.validTo).toISOString().slice(0, 10), 'capped at the CA\'s end');
    // Not -x509_strict: openssl's own default CA has no keyUsage, which strict mode wants.
    opensslVerify(dir, 'sslserver', 'node1.pem', at, false);
  });

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** OpenSSL's strict checks (RFC 5280 profile, purpose), where the openssl command exists. */
function opensslVerify(dir: string, purpose: string, file: string, at = now, strict = true):
  void {
  if (!haveOpenssl()) return;
  const out = execFileSync('openssl', ['verify', ...(strict ? ['-x509_strict'] : []), '-purpose',
    purpose,
    '-attime', String(Math.floor(at.getTime() / 1000) + 3600), '-CAfile', join(dir, 'ca.pem'),
    join(dir, file)], { encoding: 'utf8' });
  assert.match(out, /: OK/);
}
