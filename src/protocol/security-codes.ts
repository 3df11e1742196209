/**
 * Kafka's numeric codes for ACLs and SCRAM mechanisms: the int8 fields of CreateAcls, DescribeAcls,
 * DeleteAcls (KIP-290 added pattern types) and Describe/AlterUserScramCredentials (KIP-554), which
 * the metadata records that store ACLs and credentials reuse. Values are Kafka's
 * (org.apache.kafka.common.resource.ResourceType and PatternType, common.acl.AclOperation and
 * AclPermissionType, clients.admin.ScramMechanism). UNKNOWN (0) is what Kafka makes of a code it
 * does not know; ANY (1) and MATCH (2) are for filters only, never in a stored ACL.
 */

export const AclResourceType = {
  unknown: 0, any: 1, topic: 2, group: 3, cluster: 4, transactionalId: 5, delegationToken: 6,
  user: 7,
} as const;
export type AclResourceType = (typeof AclResourceType)[keyof typeof AclResourceType];

/** LITERAL names one resource; PREFIXED every resource whose name starts with it (KIP-290). */
export const AclPatternType = { unknown: 0, any: 1, match: 2, literal: 3, prefixed: 4 } as const;
export type AclPatternType = (typeof AclPatternType)[keyof typeof AclPatternType];

/**
 * As in the reference message definitions' Kafka version; later Kafka adds TWO_PHASE_COMMIT (15,
 * KIP-939), which Pado does not implement.
 */
export const AclOperation = {
  unknown: 0, any: 1, all: 2, read: 3, write: 4, create: 5, delete: 6, alter: 7, describe: 8,
  clusterAction: 9, describeConfigs: 10, alterConfigs: 11, idempotentWrite: 12, createTokens: 13,
  describeTokens: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const AclPermissionType = { unknown: 0, any: 1, deny: 2, allow: 3 } as const;
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

/** SCRAM-SHA-256 and SCRAM-SHA-512 (Kafka's code 0, UNKNOWN, is never stored). */
export const ScramMechanismCode = { sha256: 1, sha512: 2 } as const;
export type ScramMechanismCode = (typeof ScramMechanismCode)[keyof typeof ScramMechanismCode];

/**
 * Bytes of a StoredKey or ServerKey: the mechanism's hash output, as StoredKey = H(ClientKey) and
 * ServerKey = HMAC(SaltedPassword, "Server Key") (RFC 5802 §3; SHA-256 per RFC 7677).
 */
export const scramKeyBytes: Readonly<Record<ScramMechanismCode, number>> = {
  [ScramMechanismCode.sha256]: 32,
  [ScramMechanismCode.sha512]: 64,
};
