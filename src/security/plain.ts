/**
 * SASL PLAIN (RFC 4616; Kafka's PlainSaslServer): one message "authzid NUL authcid NUL passwd",
 * checked against the SCRAM credential store — Pado has ONE user store (SCRAM credentials in the
 * metadata log) and no plaintext password anywhere. The password is salted with the stored salt
 * and iterations, and H(HMAC(SaltedPassword, "Client Key")) compared with the StoredKey.
 *
 * Which credential: SCRAM-SHA-512's when the user has one, else SCRAM-SHA-256's. One rule, so a
 * login costs one PBKDF2 and the answer never depends on the order of a search; SHA-512 because
 * it is the stronger, and because an operator who changes a password with the SHA-512 tooling
 * and forgets the SHA-256 credential should not keep the old password working for PLAIN.
 *
 * Cost: PBKDF2 with 4096–16384 iterations per login, some milliseconds of CPU on a Raspberry Pi
 * (SCRAM costs the broker only a few HMACs: the client does the PBKDF2). A client that reconnects
 * often with PLAIN pays it each time; PlainVerifyCache (below) remembers recent successes.
 * Unknown users cost the same PBKDF2 (against a fake credential), so timing does not tell them
 * from wrong passwords.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { assert, PadoError, PadoErrorCode } from '../common/index.js';
import {
  passwordBytesMax, plainCacheEntriesMax, plainMessageBytesMax, saslNameBytesMax,
  scramIterationsMax, scramIterationsMin, scramSecretBytesMin,
} from './limits.js';
import { userPrincipal } from './principal.js';
import {
  fakeScramCredential, isUsableCredential, saltPassword, scramHash, scramHmac,
  type ScramCredential, type ScramMechanism,
} from './scram-credential.js';
import { decodeUtf8 } from './scram-messages.js';
import {
  saslFailed, type SaslFailure, type SaslServerMechanism, type SaslStep,
} from './sasl-types.js';

/** A user's credential for a mechanism, or undefined: the one user store. */
export type ScramCredentialLookup =
  (user: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** Does `password` give `credential`'s StoredKey? One PBKDF2 and two hashes. */
function passwordMatches(
  mechanism: ScramMechanism, password: Buffer, credential: ScramCredential,
): boolean {
  const salted = saltPassword(mechanism, password, credential.salt, credential.iterations);
  const storedKey = scramHash(mechanism, scramHmac(mechanism, salted, 'Client Key'));
  return storedKey.length === credential.storedKey.length &&
    timingSafeEqual(storedKey, credential.storedKey);
}

/**
 * The last `entriesMax` successful PLAIN verifications, shared by a broker's connections. A key is
 * SHA-256 over (mechanism, user, salt, iterations, password) and its value the StoredKey that
 * password gave: an entry is a memo of PBKDF2, and a hit still compares with the credential
 * stored now, so a changed or deleted credential never matches a stale entry (a new salt gives a
 * new key; a new password under the same salt a different StoredKey). Only successes are kept,
 * so guessing never gets cheaper. Trade-off: the keys are fast hashes of recent passwords; a
 * memory dump of the broker could brute-force them faster than PBKDF2 — but such a dump also
 * holds those passwords as they arrive. Pass no cache to avoid it.
 */
export class PlainVerifyCache {
  private readonly entries = new Map<string, Buffer>();
  private readonly entriesMax: number;

  constructor(entriesMax: number = plainCacheEntriesMax) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax > 0, 'a cache holds at least one entry');
    this.entriesMax = entriesMax;
  }

  get size(): number {
    return this.entries.size;
  }

  verify(
    mechanism: ScramMechanism, user: string, password: Buffer, credential: ScramCredential,
  ): boolean {
    const key = cacheKey(mechanism, user, password, credential);
    const known = this.entries.get(key);
    if (known !== undefined && known.length === credential.storedKey.length &&
      timingSafeEqual(known, credential.storedKey)) {
      this.entries.delete(key); // most recently used goes last
      this.entries.set(key, known);
      return true;
    }
    this.entries.delete(key);
    if (!passwordMatches(mechanism, password, credential)) return false;
    this.entries.set(key, Buffer.from(credential.storedKey));
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.entriesMax) break;
      this.entries.delete(oldest);
    }
    return true;
  }
}

function cacheKey(
  mechanism: ScramMechanism, user: string, password: Buffer, credential: ScramCredential,
): string {
  const h = createHash('sha256');
  const part = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    h.update(length).update(bytes);
  };
  part(Buffer.from(mechanism, 'utf8'));
  part(Buffer.from(user, 'utf8'));
  part(credential.salt);
  part(Buffer.from(String(credential.iterations), 'utf8'));
  part(password);
  return h.digest('hex');
}

export interface PlainServerOptions {
  readonly lookup: ScramCredentialLookup;
  /** As ScramServerOptions.secret: behind the fake credential of an unknown user. */
  readonly secret: Buffer;
  readonly cache?: PlainVerifyCache;
  /** Iterations of the fake credential (default 4096). */
  readonly fakeIterations?: number;
}

interface PlainMessage {
  readonly user: string;
  readonly password: Buffer;
}

/** "authzid\0authcid\0passwd": exactly two NULs, each field bounded, authzid empty or authcid. */
function parsePlain(
  token: Buffer,
): { ok: true; value: PlainMessage } | { ok: false; error: SaslFailure } {
  const first = token.indexOf(0);
  const second = first < 0 ? -1 : token.indexOf(0, first + 1);
  if (second < 0 || token.indexOf(0, second + 1) >= 0) return { ok: false, error: 'malformed' };
  const authzid = decodeUtf8(token.subarray(0, first));
  const user = decodeUtf8(token.subarray(first + 1, second));
  const password = token.subarray(second + 1);
  if (authzid === undefined || user === undefined || decodeUtf8(password) === undefined ||
    user.length === 0 || password.length === 0 || first > saslNameBytesMax ||
    second - first - 1 > saslNameBytesMax || password.length > passwordBytesMax) {
    return { ok: false, error: 'malformed' };
  }
  // Kafka: "Client requested an authorization id that is different from username".
  if (authzid !== '' && authzid !== user) return { ok: false, error: 'authzid-mismatch' };
  return { ok: true, value: { user, password: Buffer.from(password) } };
}

export class PlainServer implements SaslServerMechanism {
  readonly mechanism = 'PLAIN';
  private readonly options: PlainServerOptions;
  private readonly fakeIterations: number;
  private ended = false;
  claimedUser: string | null = null;

  constructor(options: PlainServerOptions) {
    assert(options.secret.length >= scramSecretBytesMin, 'a SASL secret has at least 16 bytes');
    this.fakeIterations = options.fakeIterations ?? scramIterationsMin;
    assert(this.fakeIterations >= scramIterationsMin && this.fakeIterations <= scramIterationsMax,
      'fake iterations within Kafka\'s bounds');
    this.options = options;
  }

  step(token: Buffer): SaslStep {
    if (this.ended) return saslFailed('unexpected-message');
    this.ended = true;
    if (token.length > plainMessageBytesMax) return saslFailed('too-long');
    const parsed = parsePlain(token);
    if (!parsed.ok) return saslFailed(parsed.error);
    const { user, password } = parsed.value;
    this.claimedUser = user;
    const { lookup, cache, secret } = this.options;
    const mechanism: ScramMechanism = lookup(user, 'SCRAM-SHA-512') !== undefined ?
      'SCRAM-SHA-512' : 'SCRAM-SHA-256';
    const found = lookup(user, mechanism);
    if (found === undefined || !isUsableCredential(mechanism, found)) {
      // Spend what a real check would, then fail: timing must not tell who exists.
      const fake = fakeScramCredential(mechanism, user, secret, this.fakeIterations);
      passwordMatches(mechanism, password, fake);
      return saslFailed(found === undefined ? 'unknown-user' : 'invalid-credential');
    }
    const ok = cache !== undefined ? cache.verify(mechanism, user, password, found) :
      passwordMatches(mechanism, password, found);
    if (!ok) return saslFailed('bad-password');
    return { kind: 'done', message: Buffer.alloc(0), principal: userPrincipal(user) };
  }
}

/**
 * What a PLAIN client sends: "\0user\0password" (no authzid). Throws PadoError
 * (PADO_INVALID_ARGUMENT) for an empty or too long name or password, or one holding a NUL.
 */
export function plainClientMessage(user: string, password: string): Buffer {
  const name = Buffer.from(user, 'utf8');
  const secret = Buffer.from(password, 'utf8');
  const bad = (b: Buffer, max: number): boolean =>
    b.length === 0 || b.length > max || b.includes(0);
  if (bad(name, saslNameBytesMax) || bad(secret, passwordBytesMax)) {
    throw new PadoError(PadoErrorCode.invalidArgument,
      `PLAIN user name (${name.length} bytes) and password (${secret.length} bytes) need ` +
      `1–${saslNameBytesMax} and 1–${passwordBytesMax} bytes, no NUL`);
  }
  return Buffer.concat([Buffer.from([0]), name, Buffer.from([0]), secret]);
}
