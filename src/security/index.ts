/**
 * security/: SASL mechanisms (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) server and client side, the
 * SCRAM credential math, Kafka principals, and ACLs: Kafka's authorization decision and the
 * rules for ACLs and ACL filters; encryption at rest (master and data keys, key files, encrypted
 * batches and values). No I/O: hashing and ciphers from node:crypto, randomness from the caller's
 * Random.
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
export {
  aclClientHost, aclFilterMatches, aclIndexOf, authorize, AclIndex,
  type AclSource, type AuthorizeDecision, type AuthorizeReason, type AuthorizeRequest,
  type AuthorizerOptions,
} from './acl.js';
export {
  aclOperationFromName, aclOperationName, aclOperationsByResourceType, aclPatternTypeFromName,
  aclPatternTypeName, aclPermissionTypeFromName, aclPermissionTypeName, aclResourceTypeFromName,
  aclResourceTypeName, canonicalIp, checkAclFilter, checkAclHost, clusterResourceName,
  validateNewAcl, wildcardHost, wildcardPrincipal, wildcardResourceName,
  type AclCandidate, type AclEntry, type AclFilter,
} from './acl-validation.js';
export {
  aesGcmOpen, aesGcmSeal, BatchEnvelope, batchEnvelopeVersion, DataKey, dataKeyBytes, dataKeyIdMax,
  DataKeys, dataKeyUsesMax, dataKeyUsesRenew, decodeKeyFile, decryptBatch, decryptBatchInto,
  encodeKeyFile,
  encryptBatch, encryptBatchInPlace, encryptBatchParts, encryptBatchWithNonce, encryptedBatchAttribute, encryptedBatchBytes,
  encryptedBatchKeyId, encryptedBatchOverheadBytes, formatMasterKeyLine, isEncryptedBatch, keyFileEntriesMax,
  keyFileName, keyFileVersion, keyStoreValueKey, masterKey, masterKeyBytes, masterKeyCheck,
  masterKeyEnvironmentVariable, masterKeyFileEnvironmentVariable, masterKeyIdMax, MasterKeyRing,
  openKeyFile, openValue, parseMasterKeys, prepareBatchEncryption, rewrap, rewrapKeyFile, sealedValueOverheadBytes,
  sealedValueVersion, sealValue, unwrapDataKey, wrapDataKey, wrappedKeyBytes,
  type AtRestErrorKind, type AtRestFailure, type DataKeyLookup, type DecryptResult, type KeyFile,
  type KeyFileEntry, type MasterKey, type OpenResult,
} from './at-rest.js';
