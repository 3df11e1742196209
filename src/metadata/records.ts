/**
 * Metadata records: every cluster decision is one of these, applied in order to a MetadataImage.
 * On a single node they are appended to a local metadata log; with Raft (issue 5) they become the
 * payload of committed Raft entries. Plain data, JSON-serialisable.
 */
export type BrokerRecord = {
  readonly type: 'registerBroker';
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
};

export type TopicRecord = {
  readonly type: 'topic';
  readonly name: string;
  readonly topicId: string;
};

export type PartitionRecord = {
  readonly type: 'partition';
  readonly topicId: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
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

/** The next producer id not yet handed out (KIP-98 InitProducerId; blocks come with issue 5). */
export type ProducerIdsRecord = {
  readonly type: 'producerIds';
  readonly nextProducerId: number;
};

export type MetadataRecord =
  | BrokerRecord
  | TopicRecord
  | PartitionRecord
  | RemoveTopicRecord
  | ConfigRecord
  | ProducerIdsRecord;
