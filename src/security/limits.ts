/**
 * Bounds of the SASL mechanisms (STYLE.md §2: a limit on everything). They live here rather than
 * in common/limits.ts because nothing outside security/ needs them; relations asserted at load.
 */
import { assert } from '../common/index.js';

/** Kafka's ScramMechanism.minIterations: fewer is refused when set and distrusted when read. */
export const scramIterationsMin = 4096;
/** Kafka's ScramMechanism.maxIterations; also caps what a server may make our client compute. */
export const scramIterationsMax = 16384;
/** Salt bytes Pado's own tools draw for a new credential, and the length of a fake salt. */
export const scramSaltBytesDefault = 32;
/** Largest salt we store or accept (Kafka's own salts are about 26 bytes). */
export const scramSaltBytesMax = 128;
/** Random bytes behind a nonce (base64: 32 printable characters). */
export const scramNonceBytes = 24;
/** Characters of the client's nonce; the server's is scramNonceBytes in base64. */
export const scramClientNonceCharsMax = 255;
/** Bytes of any one SCRAM message; a larger one is refused before it is decoded. */
export const scramMessageBytesMax = 4096;
/** UTF-8 bytes of a user name or authorization id (RFC 4616 §2 bounds PLAIN's at 255). */
export const saslNameBytesMax = 255;
/**
 * UTF-8 bytes of a password (RFC 4616 §2: 255 for PLAIN). The same bound for SCRAM credentials,
 * so every user Pado creates can also log in with PLAIN.
 */
export const passwordBytesMax = 255;
/** authzid NUL authcid NUL passwd, each at most 255 bytes (RFC 4616 §2). */
export const plainMessageBytesMax = saslNameBytesMax * 2 + passwordBytesMax + 2;
/** Successful PLAIN verifications remembered (plain.ts PlainVerifyCache). */
export const plainCacheEntriesMax = 64;
/** Bytes of the server secret behind the fake credentials of unknown users. */
export const scramSecretBytesMin = 16;

assert(scramIterationsMin <= scramIterationsMax, 'iteration bounds in order');
assert(scramSaltBytesDefault <= scramSaltBytesMax, 'default salt within the bound');
assert(scramSaltBytesDefault <= 32, 'a fake salt is cut from one SHA-256 HMAC');
assert(
  saslNameBytesMax * 3 * 2 + scramClientNonceCharsMax + 64 < scramMessageBytesMax,
  'a client-first message with the longest escaped names and nonce fits',
);
