/**
 * SCRAM credential math (RFC 5802 §3, RFC 7677; Kafka's use: KIP-84, KIP-554):
 *   SaltedPassword = Hi(Normalize(password), salt, i)   (PBKDF2 with HMAC-H)
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")
 *   StoredKey      = H(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 * The store keeps { salt, storedKey, serverKey, iterations } per user and mechanism, never a
 * password. Deterministic: salts come from the caller.
 *
 * Normalize: Kafka does no SASLprep (ScramFormatter.normalize is the UTF-8 bytes of the string),
 * and the salted password a client computes must equal the one the store was made from, so we do
 * the same: the password's UTF-8 bytes, unchanged. Two spellings of one accented letter (NFC, NFD)
 * are two different passwords, as in Kafka.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { PadoError, PadoErrorCode } from '../common/index.js';
import {
  passwordBytesMax, scramIterationsMax, scramIterationsMin, scramSaltBytesDefault,
  scramSaltBytesMax,
} from './limits.js';

export const ScramMechanism = { sha256: 'SCRAM-SHA-256', sha512: 'SCRAM-SHA-512' } as const;
export type ScramMechanism = (typeof ScramMechanism)[keyof typeof ScramMechanism];
export const scramMechanisms: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Hash, its output size, and Kafka's numeric code (ScramMechanism.type, in metadata records). */
const spec = {
  'SCRAM-SHA-256': { hash: 'sha256', bytes: 32, code: 1 },
  'SCRAM-SHA-512': { hash: 'sha512', bytes: 64, code: 2 },
} as const;

export function isScramMechanism(name: string): name is ScramMechanism {
  return name === ScramMechanism.sha256 || name === ScramMechanism.sha512;
}
/** Kafka's code: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512 (0 is Kafka's UNKNOWN). */
export function scramMechanismCode(mechanism: ScramMechanism): number {
  return spec[mechanism].code;
}
export function scramMechanismFromCode(code: number): ScramMechanism | undefined {
  return scramMechanisms.find((m) => spec[m].code === code);
}
/** Bytes of the mechanism's hash: the length of StoredKey, ServerKey, proofs and signatures. */
export function scramHashBytes(mechanism: ScramMechanism): number {
  return spec[mechanism].bytes;
}

export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** The password as SCRAM hashes it: its UTF-8 bytes, no SASLprep (as Kafka; see above). */
export function normalizePassword(password: string): Buffer {
  return Buffer.from(password, 'utf8');
}

/**
 * Why (salt, iterations, saltedPassword) cannot make a credential, or undefined when they can.
 * For input off the wire (AlterUserScramCredentials: UNACCEPTABLE_CREDENTIAL), which is a result
 * value rather than an exception.
 */
export function checkScramParameters(
  mechanism: ScramMechanism, salt: Buffer, iterations: number, saltedPassword?: Buffer,
): string | undefined {
  if (!Number.isSafeInteger(iterations) || iterations < scramIterationsMin ||
    iterations > scramIterationsMax) {
    return `${mechanism} iterations ${iterations} is outside ` +
      `${scramIterationsMin}–${scramIterationsMax}`;
  }
  if (salt.length === 0 || salt.length > scramSaltBytesMax) {
    return `${mechanism} salt of ${salt.length} bytes is outside 1–${scramSaltBytesMax}`;
  }
  if (saltedPassword !== undefined && saltedPassword.length !== scramHashBytes(mechanism)) {
    return `${mechanism} salted password of ${saltedPassword.length} bytes is not ` +
      `${scramHashBytes(mechanism)} bytes`;
  }
  return undefined;
}

/** A stored credential we may use: iterations in bounds, salt and keys of the right sizes. */
export function isUsableCredential(mechanism: ScramMechanism, c: ScramCredential): boolean {
  const bytes = scramHashBytes(mechanism);
  return checkScramParameters(mechanism, c.salt, c.iterations) === undefined &&
    c.storedKey.length === bytes && c.serverKey.length === bytes;
}

function refuse(reason: string | undefined): void {
  if (reason !== undefined) {
    throw new PadoError(PadoErrorCode.invalidArgument, `${reason}: choose values within bounds`);
  }
}

function checkPassword(password: string): Buffer {
  const bytes = normalizePassword(password);
  if (bytes.length === 0 || bytes.length > passwordBytesMax) {
    throw new PadoError(PadoErrorCode.invalidArgument,
      `a password of ${bytes.length} bytes is outside 1–${passwordBytesMax} bytes (UTF-8)`);
  }
  return bytes;
}

/** Hi(password, salt, i), what a Kafka client sends in AlterUserScramCredentials (KIP-554). */
export function scramSaltedPassword(
  mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number,
): Buffer {
  refuse(checkScramParameters(mechanism, salt, iterations));
  return saltPassword(mechanism, checkPassword(password), salt, iterations);
}

/** The stored form of a salted password (the broker's side of AlterUserScramCredentials). */
export function credentialFromSaltedPassword(
  mechanism: ScramMechanism, saltedPassword: Buffer, salt: Buffer, iterations: number,
): ScramCredential {
  refuse(checkScramParameters(mechanism, salt, iterations, saltedPassword));
  const clientKey = scramHmac(mechanism, saltedPassword, 'Client Key');
  return {
    salt: Buffer.from(salt),
    storedKey: scramHash(mechanism, clientKey),
    serverKey: scramHmac(mechanism, saltedPassword, 'Server Key'),
    iterations,
  };
}

/** A credential for `password`; the salt is the caller's (scramSaltBytesDefault from Random). */
export function scramCredential(
  mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number,
): ScramCredential {
  const salted = scramSaltedPassword(mechanism, password, salt, iterations);
  return credentialFromSaltedPassword(mechanism, salted, salt, iterations);
}

// ---- Unchecked primitives, for this folder only (callers have checked every bound). ----

export function saltPassword(
  mechanism: ScramMechanism, password: Buffer, salt: Buffer, iterations: number,
): Buffer {
  const { hash, bytes } = spec[mechanism];
  return pbkdf2Sync(password, salt, iterations, bytes, hash);
}

export function scramHmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(spec[mechanism].hash, key).update(data).digest();
}

export function scramHash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(spec[mechanism].hash).update(data).digest();
}

export function xorBytes(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/**
 * The credential an unknown user seems to have (RFC 5802 §5.1: a server SHOULD answer an unknown
 * user with a made-up salt and iterations, so a probe cannot tell unknown users from wrong
 * passwords). Derived from the user name and a server secret, so the same name always gets the
 * same salt; the keys match no password anyone can know.
 */
export function fakeScramCredential(
  mechanism: ScramMechanism, user: string, secret: Buffer, iterations: number,
): ScramCredential {
  const derive = (label: string): Buffer => createHmac('sha256', secret)
    .update(`pado scram fake ${label}\0${mechanism}\0`).update(user, 'utf8').digest();
  const keyOf = (label: string): Buffer => scramHmac(mechanism, derive(label), label);
  return {
    salt: derive('salt').subarray(0, scramSaltBytesDefault),
    storedKey: keyOf('stored key'),
    serverKey: keyOf('server key'),
    iterations,
  };
}
