/**
 * X.509 certificates for `pado security init`, with node:crypto alone: no openssl binary (Windows
 * has none) and no dependency. Node makes the keys and the signatures and parses the result
 * (X509Certificate); this file lays out the DER of the two shapes Pado needs (RFC 5280 §4.1): a
 * self-signed CA, and a leaf for a node (serverAuth + clientAuth) or a client (clientAuth). It
 * also reads back the two fields of an existing CA certificate a leaf must copy byte for byte:
 * the subject (the leaf's issuer) and the subjectKeyIdentifier (the leaf's authorityKeyIdentifier,
 * which OpenSSL matches when it builds a chain).
 *
 * Keys are ECDSA P-256 (fast to make and to use on a Pi; Node's TLS, librdkafka and kafkajs take
 * them); signatures ecdsa-with-SHA256. An existing CA with an RSA key can sign too.
 */
import {
  createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** A CA able to sign: its certificate, key, and the fields each leaf copies. */
export interface Authority {
  readonly cert: X509Certificate;
  readonly certPem: string;
  readonly key: KeyObject;
  /** DER of the CA's subject Name: every leaf's issuer, byte for byte (RFC 5280 §7.1). */
  readonly subject: Buffer;
  /** The CA's subjectKeyIdentifier: every leaf's authorityKeyIdentifier. */
  readonly keyId: Buffer;
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export type KeyPurpose = 'serverAuth' | 'clientAuth';

export interface LeafRequest extends Validity {
  readonly commonName: string;
  /** subjectAltName dNSName entries. */
  readonly dns: readonly string[];
  /** subjectAltName iPAddress entries, IPv4 or IPv6 text. */
  readonly ips: readonly string[];
  readonly purposes: readonly KeyPurpose[];
}

export interface Issued {
  readonly cert: X509Certificate;
  readonly certPem: string;
  /** PKCS#8 PEM (BEGIN PRIVATE KEY): what Node, OpenSSL and librdkafka all read. */
  readonly keyPem: string;
}

// ---- DER writing (X.690 §8, distinguished rules) -------------------------------------------

function tlv(tag: number, ...content: readonly Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...content: readonly Buffer[]): Buffer => tlv(0x30, ...content);
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const explicit = (n: number, ...content: readonly Buffer[]): Buffer => tlv(0xa0 + n, ...content);
const derTrue = tlv(0x01, Buffer.from([0xff]));

function objectId(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift((v % 128) | (groups.length === 0 ? 0 : 0x80));
      if (v < 128) break;
    }
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0 byte if the top bit is set. */
function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed])
    : trimmed);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; seconds, in UTC. */
function derTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-05-01T12:00:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** A Name with one attribute, CN (RFC 5280 §4.1.2.4; UTF8String as §4.1.2.6 asks of new CAs). */
function commonNameDer(commonName: string): Buffer {
  return sequence(tlv(0x31, sequence(objectId(oids.commonName),
    tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

const oids = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectId(id), ...(critical ? [derTrue] : []), octetString(value));
}

// ---- DER reading: just enough to find fields in a certificate Node has already parsed -------

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function readTlv(der: Buffer, at: number, limit: number): Tlv {
  const tag = der[at];
  let lengthByte = der[at + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER');
  let contentStart = at + 2;
  let length = lengthByte;
  if (lengthByte >= 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[contentStart + i];
      if (lengthByte === undefined) throw new Error('truncated DER');
      length = length * 256 + lengthByte;
    }
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new Error('truncated DER');
  return { tag, start: at, contentStart, end };
}

function childrenOf(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; at = out[out.length - 1]!.end) {
    out.push(readTlv(der, at, parent.end));
  }
  return out;
}

const bytesOf = (der: Buffer, t: Tlv): Buffer => der.subarray(t.start, t.end);
const contentOf = (der: Buffer, t: Tlv): Buffer => der.subarray(t.contentStart, t.end);

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (what OpenSSL writes). */
function keyIdOf(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const [, bits] = childrenOf(spki, readTlv(spki, 0, spki.length));
  if (bits === undefined || bits.tag !== 0x03) throw new Error('no public key bits');
  return createHash('sha1').update(contentOf(spki, bits).subarray(1)).digest();
}

/** The subject Name and subjectKeyIdentifier (if the certificate has one) of a certificate. */
function certificateFields(cert: X509Certificate): { subject: Buffer; keyId?: Buffer } {
  const der = cert.raw;
  const [tbs] = childrenOf(der, readTlv(der, 0, der.length));
  if (tbs === undefined) throw new Error('no tbsCertificate');
  const fields = childrenOf(der, tbs);
  const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields; // [0] version
  const subject = rest[4]; // serial, signature, issuer, validity, subject
  if (subject === undefined) throw new Error('no subject');
  const extensions = rest.find((f) => f.tag === 0xa3);
  const skiOid = objectId(oids.subjectKeyIdentifier);
  for (const ext of extensions === undefined ? [] : childrenOf(der, childrenOf(der,
    extensions)[0]!)) {
    const parts = childrenOf(der, ext);
    if (parts[0] === undefined || !bytesOf(der, parts[0]).equals(skiOid)) continue;
    const wrapped = parts[parts.length - 1]!;
    const inner = readTlv(der, wrapped.contentStart, wrapped.end);
    return { subject: Buffer.from(bytesOf(der, subject)),
      keyId: Buffer.from(contentOf(der, inner)) };
  }
  return { subject: Buffer.from(bytesOf(der, subject)) };
}

// ---- Certificates ---------------------------------------------------------------------------

/** 127 random bits, positive and minimal (RFC 5280 §4.1.2.2: at most 20 bytes, unique per CA). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(objectId(oids.ecdsaWithSha256));
  if (key.asymmetricKeyType === 'rsa') {
    return sequence(objectId(oids.sha256WithRsa), Buffer.from([0x05, 0x00]));
  }
  throw new Error(`a ${key.asymmetricKeyType ?? 'secret'} key cannot sign here (EC or RSA only)`);
}

interface TbsFields extends Validity {
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly publicKey: KeyObject;
  readonly extensions: readonly Buffer[];
}

function signCertificate(fields: TbsFields, signer: KeyObject): X509Certificate {
  const algorithm = signatureAlgorithm(signer);
  const tbs = sequence(
    explicit(0, tlv(0x02, Buffer.from([2]))), // v3
    unsignedInteger(serialNumber()),
    algorithm,
    fields.issuer,
    sequence(derTime(fields.notBefore), derTime(fields.notAfter)),
    fields.subject,
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...fields.extensions)),
  );
  const signature = sign('sha256', tbs, signer); // ECDSA: DER Ecdsa-Sig-Value, as X.509 wants
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
  return new X509Certificate(der);
}

function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const pkcs8Pem = (key: KeyObject): string =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A new self-signed CA: basicConstraints CA with pathLen 0, keyCertSign + cRLSign. */
export function makeAuthority(commonName: string, validity: Validity):
  { authority: Authority; keyPem: string } {
  const { privateKey, publicKey } = newKeyPair();
  const name = commonNameDer(commonName);
  const keyId = keyIdOf(publicKey);
  const cert = signCertificate({
    ...validity, issuer: name, subject: name, publicKey,
    extensions: [
      extension(oids.basicConstraints, true, sequence(derTrue, tlv(0x02, Buffer.from([0])))),
      extension(oids.keyUsage, true, tlv(0x03, Buffer.from([0x01, 0x06]))), // bits 5, 6
      extension(oids.subjectKeyIdentifier, false, octetString(keyId)),
    ],
  }, privateKey);
  return { authority: { cert, certPem: cert.toString(), key: privateKey, subject: name, keyId },
    keyPem: pkcs8Pem(privateKey) };
}

/**
 * An existing CA from its PEM files; throws (with what is wrong) unless the certificate is a CA
 * and the key is its own.
 */
export function loadAuthority(certPem: string, keyPem: string): Authority {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!cert.ca) throw new Error('the certificate is not a CA (basicConstraints CA:TRUE)');
  if (!cert.checkPrivateKey(key)) throw new Error('the key is not the certificate\'s own');
  signatureAlgorithm(key);
  const fields = certificateFields(cert);
  return { cert, certPem: cert.toString(), key, subject: fields.subject,
    keyId: fields.keyId ?? keyIdOf(cert.publicKey) };
}

/** A new key and a certificate for it signed by `ca`: digitalSignature, the purposes, the SANs. */
export function issueLeaf(ca: Authority, request: LeafRequest): Issued {
  const { privateKey, publicKey } = newKeyPair();
  const names = [
    ...request.dns.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...request.ips.map((ip) => tlv(0x87, ipAddressBytes(ip))),
  ];
  const cert = signCertificate({
    notBefore: request.notBefore, notAfter: request.notAfter,
    issuer: ca.subject, subject: commonNameDer(request.commonName), publicKey,
    extensions: [
      extension(oids.basicConstraints, true, sequence()),
      extension(oids.keyUsage, true, tlv(0x03, Buffer.from([0x07, 0x80]))), // bit 0
      extension(oids.extKeyUsage, false, sequence(...request.purposes.map((p) =>
        objectId(oids[p])))),
      ...(names.length === 0 ? [] : [extension(oids.subjectAltName, false, sequence(...names))]),
      extension(oids.subjectKeyIdentifier, false, octetString(keyIdOf(publicKey))),
      extension(oids.authorityKeyIdentifier, false, sequence(tlv(0x80, ca.keyId))),
    ],
  }, ca.key);
  return { cert, certPem: cert.toString(), keyPem: pkcs8Pem(privateKey) };
}

/** An IP address as the 4 or 16 bytes of an iPAddress name; throws on anything else. */
export function ipAddressBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) throw new Error(`${text} is not an IP address`);
  let body = text;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted !== null) { // ::ffff:10.0.0.1
    tail.push(...dotted[1]!.split('.').map(Number));
    body = `${body.slice(0, dotted.index)}:0:0`;
  }
  const [head = '', rest] = body.split('::');
  const groups = (part: string) => part === '' ? [] : part.split(':');
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(parseInt(w, 16), i * 2));
  if (tail.length === 4) Buffer.from(tail).copy(out, 12);
  return out;
}
