/**
 * SCRAM message syntax (RFC 5802 §7), parsed and formatted; no hashing here. Every parser
 * returns a value or a failure and never throws; callers bound the length first.
 *
 * What we accept, as Kafka's ScramMessages does: GS2 header "n," only (no channel binding), an
 * authzid "a=" only if it names the user, extensions as ",key=value" with an alphabetic key and
 * an ASCII value (Kafka's "tokenauth"). Unlike Kafka we accept UTF-8 user names, not only ASCII
 * (RFC 5802 §7: saslname is UTF-8).
 */
import { isUtf8 } from 'node:buffer';
import { saslNameBytesMax, scramClientNonceCharsMax, scramSaltBytesMax } from './limits.js';
import type { SaslFailure } from './sasl-types.js';

export type Parsed<T, E = SaslFailure> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}
function fail<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** The bytes as a string, or undefined if they are not UTF-8. */
export function decodeUtf8(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

// RFC 5802 §7 saslname: value-safe-char (UTF-8 but NUL, "=" and ",") or "=2C" or "=3D".
const saslNameRe = /^(?:[^\0=,]|=2C|=3D)+$/;
// printable = %x21-2B / %x2D-7E (no comma).
const nonceRe = /^[\x21-\x2b\x2d-\x7e]+$/;
const extensionRe = /^([A-Za-z]+)=([\x01-\x7f]+)$/;
const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const iterationsRe = /^[1-9][0-9]{0,8}$/;

/** "a=b,c" → "a=3Db=2Cc" (RFC 5802 §5.1). */
export function escapeSaslName(name: string): string {
  return name.replace(/[=,]/g, (c) => (c === '=' ? '=3D' : '=2C'));
}

/** The name behind an escaped saslname, or undefined if malformed, empty or too long. */
export function unescapeSaslName(text: string): string | undefined {
  if (!saslNameRe.test(text)) return undefined;
  const name = text.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
  return Buffer.byteLength(name, 'utf8') <= saslNameBytesMax ? name : undefined;
}

export function isScramNonce(text: string): boolean {
  return nonceRe.test(text);
}

/** Canonical base64 only (padding, no stray bits), so one value has one spelling. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!base64Re.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function attribute(part: string | undefined, key: string): string | undefined {
  return part !== undefined && part.startsWith(`${key}=`) ? part.slice(key.length + 1) : undefined;
}

/** ",key=value" extensions; undefined if one is malformed or repeated. */
function parseExtensions(parts: readonly string[]): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const part of parts) {
    const m = extensionRe.exec(part);
    if (m === null || out.has(m[1] ?? '')) return undefined;
    out.set(m[1] ?? '', m[2] ?? '');
  }
  return out;
}

export interface ClientFirst {
  /** "n,," or "n,a=<authzid>,": the client-final's c= must be its base64. */
  readonly gs2Header: string;
  /** client-first-message-bare, the first part of AuthMessage. */
  readonly bare: string;
  readonly user: string;
  readonly nonce: string;
  readonly extensions: ReadonlyMap<string, string>;
}

export function parseClientFirst(text: string): Parsed<ClientFirst> {
  if (text.startsWith('p=') || text.startsWith('y,')) return fail('channel-binding');
  if (!text.startsWith('n,')) return fail('malformed');
  const end = text.indexOf(',', 2);
  if (end < 0) return fail('malformed');
  const authzidPart = text.slice(2, end);
  let authzid: string | undefined;
  if (authzidPart !== '') {
    authzid = unescapeSaslName(attribute(authzidPart, 'a') ?? '');
    if (authzid === undefined) return fail('malformed');
  }
  const bare = text.slice(end + 1);
  const parts = bare.split(',');
  if (parts[0]?.startsWith('m=') === true) return fail('extension-unsupported');
  const user = unescapeSaslName(attribute(parts[0], 'n') ?? '');
  const nonce = attribute(parts[1], 'r') ?? '';
  if (user === undefined || !isScramNonce(nonce) || nonce.length > scramClientNonceCharsMax) {
    return fail('malformed');
  }
  const extensions = parseExtensions(parts.slice(2));
  if (extensions === undefined) return fail('malformed');
  if (authzid !== undefined && authzid !== user) return fail('authzid-mismatch');
  // Kafka reads it with Boolean.parseBoolean: "true" in any case.
  if (extensions.get('tokenauth')?.toLowerCase() === 'true') return fail('token-auth');
  return ok({ gs2Header: text.slice(0, end + 1), bare, user, nonce, extensions });
}

export interface ClientFinal {
  /** c=: base64 of the GS2 header ("biws" for "n,,"). */
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Buffer;
  /** client-final-message-without-proof, the last part of AuthMessage. */
  readonly withoutProof: string;
}

export function parseClientFinal(text: string): Parsed<ClientFinal> {
  const parts = text.split(',');
  if (parts.length < 3) return fail('malformed');
  const channelBinding = attribute(parts[0], 'c');
  const nonce = attribute(parts[1], 'r');
  const proof = decodeBase64(attribute(parts[parts.length - 1], 'p') ?? '');
  if (channelBinding === undefined || nonce === undefined || proof === undefined ||
    proof.length === 0 || parseExtensions(parts.slice(2, -1)) === undefined) {
    return fail('malformed');
  }
  return ok({ channelBinding, nonce, proof, withoutProof: parts.slice(0, -1).join(',') });
}

export interface ServerFirst {
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
}

export function parseServerFirst(text: string): Parsed<ServerFirst> {
  const parts = text.split(',');
  if (parts[0]?.startsWith('m=') === true) return fail('extension-unsupported');
  const nonce = attribute(parts[0], 'r') ?? '';
  const salt = decodeBase64(attribute(parts[1], 's') ?? '');
  const iterations = attribute(parts[2], 'i') ?? '';
  if (!isScramNonce(nonce) || salt === undefined || salt.length === 0 ||
    salt.length > scramSaltBytesMax || !iterationsRe.test(iterations) ||
    parseExtensions(parts.slice(3)) === undefined) {
    return fail('malformed');
  }
  return ok({ nonce, salt, iterations: Number(iterations) });
}

/** server-final-message: a verifier "v=", or a server-error "e=". */
export type ServerFinal =
  | { readonly kind: 'verifier'; readonly signature: Buffer }
  | { readonly kind: 'error'; readonly error: string };

export function parseServerFinal(text: string): Parsed<ServerFinal> {
  const parts = text.split(',');
  if (parseExtensions(parts.slice(1)) === undefined) return fail('malformed');
  const error = attribute(parts[0], 'e');
  if (error !== undefined) {
    return /^[\x01-\x7f]+$/.test(error) ? ok({ kind: 'error', error }) : fail('malformed');
  }
  const signature = decodeBase64(attribute(parts[0], 'v') ?? '');
  if (signature === undefined || signature.length === 0) return fail('malformed');
  return ok({ kind: 'verifier', signature });
}

export function formatClientFirstBare(user: string, nonce: string): string {
  return `n=${escapeSaslName(user)},r=${nonce}`;
}

export function formatServerFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

export function formatClientFinalWithoutProof(gs2Header: string, nonce: string): string {
  return `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${nonce}`;
}
