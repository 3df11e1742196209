/**
 * security/: SASL mechanisms (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) server and client side, the
 * SCRAM credential math, and Kafka principals. No I/O: hashing from node:crypto, randomness
 * from the caller's Random.
 */
export {
  saslMechanisms, SaslFailure, saslFailureText,
  type SaslMechanism, type SaslStep, type SaslServerMechanism,
} from './sasl-types.js';
export { saslServer, type SaslServerDeps } from './sasl.js';
export {
  ScramMechanism, scramMechanisms, isScramMechanism, scramMechanismCode, scramMechanismFromCode,
  scramHashBytes, normalizePassword, checkScramParameters, isUsableCredential,
  scramSaltedPassword, credentialFromSaltedPassword, scramCredential,
  type ScramCredential,
} from './scram-credential.js';
export { ScramServer, scramNonce, type ScramServerOptions } from './scram-server.js';
export {
  ScramClient, ScramClientFailure, type ScramClientOptions, type ScramClientResult,
} from './scram-client.js';
export {
  PlainServer, PlainVerifyCache, plainClientMessage,
  type PlainServerOptions, type ScramCredentialLookup,
} from './plain.js';
export { escapeSaslName, unescapeSaslName } from './scram-messages.js';
export {
  anonymousPrincipal, formatPrincipal, parsePrincipal, samePrincipal, userPrincipal,
  userPrincipalType, type KafkaPrincipal,
} from './principal.js';
export {
  passwordBytesMax, saslNameBytesMax, scramIterationsMax, scramIterationsMin,
  scramSaltBytesDefault, scramSaltBytesMax,
} from './limits.js';
