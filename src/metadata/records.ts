/**
 * Metadata records: every cluster decision is one of these, applied in order to a MetadataImage.
 * They are the payload of committed Raft entries (one entry carries a batch, see codec.ts) and the
 * content of image snapshots. Plain `type`-tagged data; the wire form is declared in
 * src/protocol/schemas/metadata-record-batch.ts. Meanings follow Kafka's KRaft records (KIP-631).
 */
import type {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType, ScramMechanismCode,
} from '../protocol/index.js';

/** A broker leader id meaning "no leader" (the partition is offline). */
export const noLeader = -1;

/** KIP-704: a leader elected uncleanly is RECOVERING until it has made its log consistent. */
export const LeaderRecoveryState = { recovered: 0, recovering: 1 } as const;
export type LeaderRecoveryState = (typeof LeaderRecoveryState)[keyof typeof LeaderRecoveryState];

/**
 * A broker (re-)registration. brokerEpoch is chosen by the controller, strictly increasing; a
 * registration replaces any earlier one of the same broker id and starts fenced (no leadership,
 * not in any new ISR) until a heartbeat shows the broker has caught up with the metadata log.
 */
/**
 * One of a broker's listeners as clients of that listener reach it (Kafka's BrokerEndpoint):
 * Metadata answers each client with the endpoints of the listener it connected to.
 */
export interface BrokerEndpoint {
  /** Listener name (CLIENT, BROKER, PLAINTEXT…). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL. */
  readonly securityProtocol: number;
}

export type BrokerRecord = {
  readonly type: 'registerBroker';
  readonly brokerId: number;
  /** Random per process start: tells a restarted broker from a retried registration. */
  readonly incarnationId: string;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  readonly brokerEpoch: number;
  /**
   * Every listener, the inter-broker one (host, port) among them. Absent: one listener, at
   * host:port (a node of one listener, and every registration before issue 15).
   */
  readonly endpoints?: readonly BrokerEndpoint[];
};

/** The broker's lease expired (or it shut down): it leads nothing and joins no ISR. */
export type FenceBrokerRecord = {
  readonly type: 'fenceBroker';
  readonly brokerId: number;
  readonly brokerEpoch: number;
};

export type UnfenceBrokerRecord = {
  readonly type: 'unfenceBroker';
  readonly brokerId: number;
  readonly brokerEpoch: number;
};

export type UnregisterBrokerRecord = {
  readonly type: 'unregisterBroker';
  readonly brokerId: number;
  readonly brokerEpoch: number;
};

export type TopicRecord = {
  readonly type: 'topic';
  readonly name: string;
  readonly topicId: string;
};

/** A partition's full state: written when it is created, and in snapshots. */
export type PartitionRecord = {
  readonly type: 'partition';
  readonly topicId: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly leaderRecoveryState: LeaderRecoveryState;
  /** A reassignment in progress (KIP-455); absent or empty: none. See PartitionImage. */
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
};

/**
 * A change to an existing partition; absent fields stay as they are (Kafka's
 * PartitionChangeRecord).
 * Applying it bumps partitionEpoch, and leaderEpoch when the leader changes.
 */
export type PartitionChangeRecord = {
  readonly type: 'partitionChange';
  readonly topicId: string;
  readonly partition: number;
  readonly leader?: number;
  readonly isr?: readonly number[];
  readonly replicas?: readonly number[];
  readonly leaderRecoveryState?: LeaderRecoveryState;
  /** Set (an empty list: cleared) when a reassignment starts, ends or is cancelled. */
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
};

export type RemoveTopicRecord = {
  readonly type: 'removeTopic';
  readonly topicId: string;
};

/** A topic or broker config entry; value null removes it (back to the default). */
export type ConfigRecord = {
  readonly type: 'config';
  readonly resourceType: 'topic' | 'broker';
  readonly resourceName: string;
  readonly name: string;
  readonly value: string | null;
};

/**
 * Producer ids [previous nextProducerId, nextProducerId) now belong to `brokerId` (Kafka's
 * AllocateProducerIds, KIP-730): the broker hands them out without asking again. brokerId -1 is
 * a single id taken by the node itself (the single-node path, controller `allocateProducerId`).
 */
export type ProducerIdsRecord = {
  readonly type: 'producerIds';
  readonly brokerId: number;
  readonly nextProducerId: number;
};

/**
 * A user's SCRAM credential for one mechanism (Kafka's UserScramCredentialRecord, KIP-554): an
 * upsert per (name, mechanism). The controller derives storedKey and serverKey from the salted
 * password a client sends (RFC 5802 §3), so the password is never stored. The buffers are never
 * mutated once in a record.
 */
export type UserScramCredentialRecord = {
  readonly type: 'userScramCredential';
  /** The user name (a principal `User:<name>`). */
  readonly name: string;
  readonly mechanism: ScramMechanismCode;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
};

/** Removes an existing credential (the controller answers RESOURCE_NOT_FOUND for another). */
export type RemoveUserScramCredentialRecord = {
  readonly type: 'removeUserScramCredential';
  readonly name: string;
  readonly mechanism: ScramMechanismCode;
};

/**
 * One ACL (Kafka's AccessControlEntryRecord, KIP-801): a resource pattern (KIP-290: LITERAL or
 * PREFIXED) plus principal, host, operation and permission. Never ANY, MATCH or UNKNOWN: those
 * are for filters. `id` is a controller-chosen Kafka uuid, as topic ids are.
 */
export type AccessControlEntryRecord = {
  readonly type: 'accessControlEntry';
  readonly id: string;
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  /** `<type>:<name>`, e.g. `User:alice`; `User:*` matches every user. */
  readonly principal: string;
  /** `*` or one IP address. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
};

/** Removes an existing ACL by id (DeleteAcls writes one per ACL its filters match). */
export type RemoveAccessControlEntryRecord = {
  readonly type: 'removeAccessControlEntry';
  readonly id: string;
};

/** A well-formed event kind: what the codec accepts. */
export const eventKindPattern = /^[a-z][a-z-]{0,39}$/;

/**
 * What a person should hear about (issue 16: `pado cluster events`, the console's feed, alert
 * hooks). Pado's own record, with no Kafka counterpart: the controller writes it in the batch
 * whose records it explains (a fence, a leader move, an ISR below min.insync.replicas…, derived by
 * controller/events.ts) or for what a broker reports. `id` increases by one per event in commit
 * order; `timeMs` is the writing controller's clock.
 */
export const clusterEventKinds = [
  'broker-registered', 'broker-fenced', 'broker-unfenced', 'broker-unregistered',
  'controller-changed', 'leader-moved', 'partition-offline', 'partition-online', 'isr-below-min',
  'isr-restored', 'topic-created', 'topic-deleted', 'config-changed', 'disk-low', 'disk-full', 'disk-ok',
  'corrupt-data',
] as const;
export type ClusterEventKind = (typeof clusterEventKinds)[number];

export const EventSeverity = { info: 0, warn: 1, error: 2 } as const;
export type EventSeverity = (typeof EventSeverity)[keyof typeof EventSeverity];

export type ClusterEventRecord = {
  readonly type: 'event';
  readonly id: number;
  readonly timeMs: number;
  /**
   * One of clusterEventKinds when this version writes it; read as any well-formed name (a newer
   * node's kind must not stop an older one during a rolling upgrade).
   */
  readonly kind: string;
  readonly severity: EventSeverity;
  /** The broker it is about (-1: none, or several). */
  readonly brokerId: number;
  /** The topic it is about (null: none, or several). */
  readonly topic: string | null;
  /** One sentence, cause included ("broker 2 fenced: no heartbeat for 1200 ms …"). */
  readonly message: string;
};

/**
 * Maintenance mode on or off for a broker id (issue 16, rpk's `cluster maintenance`; Pado's own
 * record): while on, the controller leads nothing from that broker that another live in-sync
 * replica can lead. Kept by id, registered or not, so it survives the broker's restart.
 */
export type BrokerMaintenanceRecord = {
  readonly type: 'brokerMaintenance';
  readonly brokerId: number;
  readonly enabled: boolean;
};

export type MetadataRecord =
  | BrokerRecord
  | FenceBrokerRecord
  | UnfenceBrokerRecord
  | UnregisterBrokerRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | ConfigRecord
  | ProducerIdsRecord
  | UserScramCredentialRecord
  | RemoveUserScramCredentialRecord
  | AccessControlEntryRecord
  | RemoveAccessControlEntryRecord
  | ClusterEventRecord
  | BrokerMaintenanceRecord;
