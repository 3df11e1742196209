/**
 * Metadata records: every cluster decision is one of these, applied in order to a MetadataImage.
 * They are the payload of committed Raft entries (one entry carries a batch, see codec.ts) and the
 * content of image snapshots. Plain `type`-tagged data; the wire form is declared in
 * src/protocol/schemas/metadata-record-batch.ts. Meanings follow Kafka's KRaft records (KIP-631).
 */

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
export type BrokerRecord = {
  readonly type: 'registerBroker';
  readonly brokerId: number;
  /** Random per process start: tells a restarted broker from a retried registration. */
  readonly incarnationId: string;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  readonly brokerEpoch: number;
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
  | ProducerIdsRecord;
