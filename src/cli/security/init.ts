/**
 * `pado security init`: the TLS files of a home cluster in one command (issue 15), on Linux and
 * Windows alike (certs.ts makes them with node:crypto; no openssl binary). In --dir it writes the
 * cluster's CA (ca.pem for every node and client to trust; ca-key.pem, 0600, to keep offline) and
 * per node `node<id>.pem` (0600): the key and the certificate chain in one PEM, what
 * ssl.keystore.location takes, used by the node as server and as client of its peers (mutual TLS,
 * so serverAuth + clientAuth). Run again with the same --dir, it adds only the nodes not yet
 * there, signed by the same CA; --force makes a new CA and new files for everything named.
 *
 * `--client <name>` makes `client-<name>.pem` (clientAuth only) from the same CA, with a warning:
 * a node has one truststore for every listener, so whatever a mutual-TLS client listener accepts
 * the inter-broker listener accepts too, as a node. A second CA would not change that.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync }
  from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { argumentError, booleanOption, intOption, listOption, stringOption } from '../args.js';
import type { TextSink } from '../output.js';
import { defineVerb, ExitCode } from '../verb.js';
import {
  issueLeaf, loadAuthority, makeAuthority, type Authority, type KeyPurpose, type Validity,
} from './certs.js';

export interface NodeNames {
  id: number;
  /** subjectAltName entries as given: host names (lower case) and IP addresses, no repeats. */
  names: string[];
}

export interface SecurityInitArgs {
  dir: string;
  /** Where the files will be on the nodes, for the printed config; null: --dir, absolute. */
  targetDir: string | null;
  nodes: NodeNames[];
  clients: string[];
  days: number;
  caDays: number;
  loopback: boolean;
  force: boolean;
}

export const certificateDaysDefault = 825;
export const caDaysDefault = 3650;
const certificateDaysMax = 3650;
const caDaysMax = 36500;
const nodeIdMax = 2 ** 31 - 1;
/**
 * notBefore is set back an hour: a Pi has no real-time clock, and a node whose clock is a little
 * behind the machine that ran init must not find its certificate "not yet valid".
 */
const backdateMs = 3_600_000;
const dayMs = 86_400_000;

const nodeExample = '--node 1=pi.local,192.168.1.10';
/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
const label = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const hostName = new RegExp(`^(?=.{1,253}$)${label}(\\.${label})*$`);
const clientName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const securityInit = defineVerb<SecurityInitArgs>({
  command: 'security init',
  description: 'Make a CA and per-node TLS certificates for a cluster (no openssl needed)',
  options: [
    { flags: '--dir <path>', description: 'Where to write the files (default ./pado-certs)' },
    { flags: '--node <id=names>', description: 'A node and the names and IP addresses it is ' +
      `reached at (repeat): ${nodeExample}` },
    { flags: '--loopback', description: 'Also name localhost, 127.0.0.1 and ::1 in each ' +
      'node certificate' },
    { flags: '--client <name>', description: 'Also a client certificate client-<name>.pem ' +
      '(CN=<name>); the inter-broker listener accepts it as a node' },
    { flags: '--days <n>', description: `Node and client certificates' validity in days ` +
      `(default ${certificateDaysDefault})` },
    { flags: '--ca-days <n>', description: `A new CA's validity in days ` +
      `(default ${caDaysDefault})` },
    { flags: '--target-dir <path>', description: 'Where the files will be on the nodes, for the ' +
      'printed config (default: --dir)' },
    { flags: '--force', description: 'Make a new CA even if --dir has one, and new files for ' +
      'every node and client named' },
  ],
  examples: ['pado security init --dir ./pado-certs --node 1=pi.local,192.168.1.10 ' +
    '--node 2=desktop.local,192.168.1.20'],
  parse(_positionals, options) {
    const nodes = listOption(options, 'node').map(parseNode);
    const seen = new Set<number>();
    for (const node of nodes) {
      if (seen.has(node.id)) {
        throw argumentError(`--node: node ${node.id} is given twice; give each node once with ` +
          `all its names (${nodeExample})`);
      }
      seen.add(node.id);
    }
    const clients = [...new Set(listOption(options, 'client').map(parseClientName))];
    if (nodes.length === 0 && clients.length === 0) {
      throw argumentError('nothing to make: name each node and the addresses it is reached at, ' +
        `e.g. ${nodeExample}`);
    }
    const loopback = booleanOption(options, 'loopback');
    return {
      dir: stringOption(options, 'dir') ?? 'pado-certs',
      targetDir: stringOption(options, 'targetDir') ?? null,
      nodes: loopback ? nodes.map(withLoopback) : nodes,
      clients,
      days: intOption(options, 'days', '--days', 1, certificateDaysMax, '--days 825') ??
        certificateDaysDefault,
      caDays: intOption(options, 'caDays', '--ca-days', 1, caDaysMax, '--ca-days 3650') ??
        caDaysDefault,
      loopback,
      force: booleanOption(options, 'force'),
    };
  },
  async run(args, ctx) {
    const report = initSecurity(args, new Date());
    printReport(ctx.stdout, report, args);
    for (const warning of report.warnings) ctx.stderr.write(`warning: ${warning}\n`);
    return ExitCode.ok;
  },
});

/** `1=pi.local,192.168.1.10` → node 1 with its names; a usage error says what to write. */
export function parseNode(item: string): NodeNames {
  const eq = item.indexOf('=');
  const idText = eq < 0 ? '' : item.slice(0, eq).trim();
  if (eq < 0 || !/^\d+$/.test(idText)) {
    throw argumentError(`--node: '${item}' is not <id>=<name>[,<name>…]; write e.g. ` +
      nodeExample);
  }
  const id = Number(idText);
  if (!Number.isSafeInteger(id) || id > nodeIdMax) {
    throw argumentError(`--node: '${idText}' is not a node id (0–${nodeIdMax}); write e.g. ` +
      nodeExample);
  }
  const names = item.slice(eq + 1).split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) {
    throw argumentError(`--node ${item}: no names; give the host names and IP addresses ` +
      `node ${id} is reached at, e.g. --node ${id}=pi.local,192.168.1.10`);
  }
  const node: NodeNames = { id, names: [] };
  for (const name of names) addName(node, name, item);
  return node;
}

function addName(node: NodeNames, name: string, item: string): void {
  const ip = isIP(name) !== 0 && !name.includes('%');
  const dns = name.toLowerCase().replace(/\.$/, '');
  if (!ip && !hostName.test(dns)) {
    throw argumentError(`--node ${item}: '${name}' is not a host name or an IP address; give ` +
      `the names node ${node.id} is reached at, without ports or wildcards (${nodeExample})`);
  }
  const value = ip ? name.toLowerCase() : dns;
  if (!node.names.includes(value)) node.names.push(value);
}

function withLoopback(node: NodeNames): NodeNames {
  const out: NodeNames = { id: node.id, names: [...node.names] };
  for (const name of ['localhost', '127.0.0.1', '::1']) addName(out, name, 'loopback');
  return out;
}

function parseClientName(name: string): string {
  if (!clientName.test(name)) {
    throw argumentError(`--client: '${name}' is not a name for a certificate; use letters, ` +
      'digits, ".", "_" and "-" (at most 64), e.g. --client admin');
  }
  return name;
}

// ---- Making the files -----------------------------------------------------------------------

export type FileOutcome = 'written' | 'kept';

export interface InitReport {
  readonly dir: string;
  readonly ca: { readonly outcome: FileOutcome; readonly validTo: Date };
  readonly nodes: readonly { readonly id: number; readonly file: string;
    readonly outcome: FileOutcome; readonly validTo: Date | null }[];
  readonly clients: readonly { readonly name: string; readonly file: string;
    readonly outcome: FileOutcome }[];
  readonly warnings: readonly string[];
}

export const caFile = 'ca.pem';
export const caKeyFile = 'ca-key.pem';
export const nodeFile = (id: number): string => `node${id}.pem`;
export const clientFile = (name: string): string => `client-${name}.pem`;

/** Writes what `args` asks for into args.dir (creating it) and says what it did. */
export function initSecurity(args: SecurityInitArgs, now: Date): InitReport {
  const dir = resolve(args.dir);
  ensureDir(dir);
  const warnings: string[] = [];
  const { authority, outcome } = obtainAuthority(dir, args, now);
  const caEnd = dateOf(authority.cert.validTo);
  if (caEnd !== null && caEnd.getTime() <= now.getTime()) {
    throw new PadoError(PadoErrorCode.invalidArgument, `${join(dir, caFile)} expired on ` +
      `${caEnd.toISOString()}; make a new CA with --force (every node then needs its new file)`);
  }
  const validity = leafValidity(now, args.days, caEnd);
  const nodes = args.nodes.map((node) => {
    const file = join(dir, nodeFile(node.id));
    const made = writeLeaf(file, args.force, () => issueLeaf(authority, {
      ...validity, commonName: `pado-node-${node.id}`,
      dns: node.names.filter((n) => isIP(n) === 0), ips: node.names.filter((n) => isIP(n) !== 0),
      purposes: ['serverAuth', 'clientAuth'] }), authority);
    return { id: node.id, file, outcome: made,
      validTo: made === 'kept' ? null : validity.notAfter };
  });
  const clients = args.clients.map((name) => {
    const file = join(dir, clientFile(name));
    const purposes: KeyPurpose[] = ['clientAuth'];
    const made = writeLeaf(file, args.force, () => issueLeaf(authority, {
      ...validity, commonName: name, dns: [], ips: [], purposes }), authority);
    warnings.push(`${file} is signed by the cluster's CA: the inter-broker listener accepts it ` +
      'as a node (Raft, replication, every API). Keep it as safe as a node\'s own file; for ' +
      'everyday use log in with a SASL user (pado user create)');
    return { name, file, outcome: made };
  });
  const wrote = [...nodes, ...clients].some((f) => f.outcome === 'written');
  if (wrote && validity.notAfter.getTime() < now.getTime() + args.days * dayMs) {
    warnings.push(`the CA expires on ${validity.notAfter.toISOString()}: the new certificates ` +
      'end then too, before --days; make a new CA (--force) well before that');
  }
  if (outcome === 'written') warnings.push(...staleFiles(dir, args));
  return { dir, ca: { outcome, validTo: caEnd ?? now }, nodes, clients, warnings };
}

function obtainAuthority(dir: string, args: SecurityInitArgs, now: Date):
  { authority: Authority; outcome: FileOutcome } {
  const certPath = join(dir, caFile);
  const keyPath = join(dir, caKeyFile);
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  if (!args.force && haveCert && haveKey) {
    try {
      return { authority: loadAuthority(readFileSync(certPath, 'utf8'),
        readFileSync(keyPath, 'utf8')), outcome: 'kept' };
    } catch (e) {
      throw new PadoError(PadoErrorCode.invalidArgument, `${certPath} and ${keyPath} cannot ` +
        `sign (${(e as Error).message}); put the CA's own files there, or make a new CA with ` +
        '--force (every node then needs its new file)', { cause: e });
    }
  }
  if (!args.force && (haveCert || haveKey)) {
    const [present, missing] = haveCert ? [certPath, keyPath] : [keyPath, certPath];
    throw new PadoError(PadoErrorCode.invalidArgument, `${present} is there but ${missing} is ` +
      'not: new certificates need both; copy the missing one back from where you keep it, ' +
      'or make a new CA with --force (every node then needs its new file)');
  }
  const orphans = args.force ? [] : leafFiles(args).filter((f) => existsSync(join(dir, f)));
  if (orphans.length > 0) {
    throw new PadoError(PadoErrorCode.invalidArgument, `${dir} has ${orphans.join(', ')} but no ` +
      'CA: a new CA cannot vouch for them; copy ca.pem and ca-key.pem back into --dir, or ' +
      'make a new CA and new files with --force');
  }
  const { authority, keyPem } = makeAuthority(`pado-ca-${randomSuffix()}`, {
    notBefore: new Date(now.getTime() - backdateMs),
    notAfter: new Date(now.getTime() + args.caDays * dayMs),
  });
  writeSecret(keyPath, keyPem, args.force);
  writeFile(certPath, authority.certPem, 0o644, args.force);
  return { authority, outcome: 'written' };
}

const leafFiles = (args: SecurityInitArgs): string[] =>
  [...args.nodes.map((n) => nodeFile(n.id)), ...args.clients.map(clientFile)];

/** A CA name unlike any other cluster's, so two clusters' CAs are never taken for each other. */
function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

function leafValidity(now: Date, days: number, caEnd: Date | null): Validity {
  const wanted = now.getTime() + days * dayMs;
  const end = caEnd === null ? wanted : Math.min(wanted, caEnd.getTime());
  return { notBefore: new Date(now.getTime() - backdateMs), notAfter: new Date(end) };
}

/** Key, certificate and the CA's certificate in one PEM (ssl.keystore.location); mode 0600. */
function writeLeaf(file: string, force: boolean, make: () => { keyPem: string;
  certPem: string }, ca: Authority): FileOutcome {
  if (!force && existsSync(file)) return 'kept';
  const { keyPem, certPem } = make();
  writeSecret(file, keyPem + certPem + ca.certPem, force);
  return 'written';
}

function writeSecret(file: string, text: string, force: boolean): void {
  writeFile(file, text, 0o600, force);
}

/** Created with its mode (never widened after), refusing to follow a file that appeared. */
function writeFile(file: string, text: string, mode: number, replace: boolean): void {
  try {
    if (replace && existsSync(file)) unlinkSync(file);
    writeFileSync(file, text, { mode, flag: 'wx' });
  } catch (e) {
    throw new PadoError(PadoErrorCode.storageIo, `cannot write ${file} ` +
      `(${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a --dir you can ` +
      'write to', { cause: e });
  }
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new PadoError(PadoErrorCode.storageIo, `cannot create ${dir} ` +
      `(${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a --dir you can ` +
      'write to', { cause: e });
  }
}

/** Node and client files a new CA did not sign again: they no longer get in. */
function staleFiles(dir: string, args: SecurityInitArgs): string[] {
  const named = new Set(leafFiles(args));
  return readdirSync(dir).filter((f) => /^(node\d+|client-.+)\.pem$/.test(f) && !named.has(f))
    .map((f) => `${join(dir, f)} is from the previous CA: name it again (--node or --client) ` +
      'with --force, or delete it');
}

function dateOf(text: string): Date | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

// ---- Telling the user what to do next ------------------------------------------------------

const brokerPort = 9092;
const clientPort = 9093;

function printReport(out: TextSink, report: InitReport, args: SecurityInitArgs): void {
  const target = args.targetDir ?? report.dir;
  const at = (file: string) => joinTarget(target, file);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const caPath = join(report.dir, caFile);
  out.write(report.ca.outcome === 'written'
    ? `CA: wrote ${caPath} (give it to every node and client; valid until ` +
      `${day(report.ca.validTo)}) and ${join(report.dir, caKeyFile)}: keep it offline, off ` +
      'the nodes — whoever has it can make a node of the cluster\n'
    : `CA: using ${caPath} (valid until ${day(report.ca.validTo)})\n`);
  for (const n of report.nodes) {
    out.write(n.outcome === 'written'
      ? `node ${n.id}: wrote ${n.file} (valid until ${day(n.validTo!)})\n`
      : `node ${n.id}: kept ${n.file} (it exists; delete it and run again for a new one)\n`);
  }
  for (const c of report.clients) {
    out.write(`client ${c.name}: ${c.outcome === 'written' ? 'wrote' : 'kept'} ${c.file} ` +
      `(principal User:CN=${c.name}; use it with --tls-cert and --tls-key)\n`);
  }
  const first = args.nodes[0];
  const firstName = first?.names[0];
  const firstAddress = firstName === undefined ? undefined
    : `${isIP(firstName) === 6 ? `[${firstName}]` : firstName}:${brokerPort}`;
  for (const node of args.nodes) {
    printNodeConfig(out, node.id, at, node === first ? undefined : firstAddress);
  }
  if (firstAddress !== undefined) printNextSteps(out, first!.id, firstAddress, at);
}

function printNodeConfig(out: TextSink, id: number, at: (file: string) => string,
  joinAddress: string | undefined): void {
  const config = {
    listeners: `BROKER://0.0.0.0:${brokerPort},CLIENT://0.0.0.0:${clientPort}`,
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': at(nodeFile(id)),
    'ssl.truststore.location': at(caFile),
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
  };
  out.write(`\nnode ${id}: copy ${caFile} and ${nodeFile(id)} to ${at('')} on it; its config ` +
    `file (pado.json):\n${JSON.stringify(config, null, 2)}\n`);
  out.write(`  start: pado start --node-id ${id} --config pado.json` +
    `${joinAddress === undefined ? '' : ` --join ${joinAddress}`}\n`);
}

function printNextSteps(out: TextSink, firstId: number, firstAddress: string,
  at: (file: string) => string): void {
  const host = firstAddress.slice(0, firstAddress.lastIndexOf(':'));
  const node = at(nodeFile(firstId));
  out.write('\nnext: create the first user on the inter-broker listener with a node\'s file ' +
    `(on node ${firstId}):\n  echo "$PASSWORD" | pado user create alice --password-stdin ` +
    `--bootstrap ${firstAddress} --tls-ca ${at(caFile)} --tls-cert ${node} --tls-key ${node}\n` +
    `then clients log in on port ${clientPort} with ${caFile}, e.g.\n` +
    `  kcat -b ${host}:${clientPort} -X security.protocol=SASL_SSL -X ssl.ca.location=${caFile} ` +
    '-X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=alice -X sasl.password=… -L\n' +
    `  pado topic list --bootstrap ${host}:${clientPort} --user alice --tls-ca ${caFile} ` +
    '(password in PADO_SASL_PASSWORD)\n');
}

/** The target directory may be another OS's (C:\pado for a Windows desktop): keep its style. */
function joinTarget(dir: string, file: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) || dir === '' ? `${dir}${file}` : `${dir}${sep}${file}`;
}
