/**
 * MetadataImage: an immutable view of the committed metadata. `applyRecords` returns a new image
 * that shares every untouched part with the old one; handlers read one whole image and never see a
 * half-applied change (DESIGN.md, Metadata).
 */
import { assert } from '../common/index.js';
import type { MetadataRecord, PartitionRecord } from './records.js';

export interface BrokerImage {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionImage {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionImage[];
  readonly configs: ReadonlyMap<string, string>;
}

export interface MetadataImage {
  readonly clusterId: string;
  /** Number of records applied so far; the next record's index. */
  readonly recordCount: number;
  readonly brokers: ReadonlyMap<number, BrokerImage>;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly brokerConfigs: ReadonlyMap<string, string>;
  readonly nextProducerId: number;
}

/** Topics Pado writes itself; clients may read them but never produce to or delete them. */
export const internalTopics: ReadonlySet<string> = new Set(['__consumer_offsets']);

export function emptyImage(clusterId: string): MetadataImage {
  return {
    clusterId,
    recordCount: 0,
    brokers: new Map(),
    topicsByName: new Map(),
    topicsById: new Map(),
    brokerConfigs: new Map(),
    nextProducerId: 0,
  };
}

/** Applies records in order. Invariant: records were validated by the controller before commit. */
export function applyRecords(image: MetadataImage, records: readonly MetadataRecord[]): MetadataImage {
  if (records.length === 0) return image;
  const next = new ImageBuilder(image);
  for (const record of records) next.apply(record);
  return next.build(image.recordCount + records.length);
}

class ImageBuilder {
  private brokers: Map<number, BrokerImage> | null = null;
  private byName: Map<string, TopicImage> | null = null;
  private byId: Map<string, TopicImage> | null = null;
  private brokerConfigs: Map<string, string> | null = null;
  private nextProducerId: number;
  private readonly base: MetadataImage;

  constructor(base: MetadataImage) {
    this.base = base;
    this.nextProducerId = base.nextProducerId;
  }

  apply(record: MetadataRecord): void {
    switch (record.type) {
      case 'registerBroker': {
        this.brokers ??= new Map(this.base.brokers);
        const { brokerId, host, port, rack } = record;
        this.brokers.set(brokerId, { brokerId, host, port, rack });
        return;
      }
      case 'topic': {
        assert(!this.topics().byName.has(record.name), `topic ${record.name} exists`);
        this.putTopic({ name: record.name, topicId: record.topicId, partitions: [], configs: new Map() });
        return;
      }
      case 'partition':
        return this.applyPartition(record);
      case 'removeTopic': {
        const { byName, byId } = this.topics();
        const topic = byId.get(record.topicId);
        assert(topic !== undefined, `removeTopic: unknown topic id ${record.topicId}`);
        byId.delete(topic.topicId);
        byName.delete(topic.name);
        return;
      }
      case 'config':
        return this.applyConfig(record.resourceType, record.resourceName, record.name, record.value);
      case 'producerIds':
        assert(record.nextProducerId >= this.nextProducerId, 'producer ids never go back');
        this.nextProducerId = record.nextProducerId;
        return;
    }
  }

  build(recordCount: number): MetadataImage {
    return {
      clusterId: this.base.clusterId,
      recordCount,
      brokers: this.brokers ?? this.base.brokers,
      topicsByName: this.byName ?? this.base.topicsByName,
      topicsById: this.byId ?? this.base.topicsById,
      brokerConfigs: this.brokerConfigs ?? this.base.brokerConfigs,
      nextProducerId: this.nextProducerId,
    };
  }

  private topics(): { byName: Map<string, TopicImage>; byId: Map<string, TopicImage> } {
    this.byName ??= new Map(this.base.topicsByName);
    this.byId ??= new Map(this.base.topicsById);
    return { byName: this.byName, byId: this.byId };
  }

  private putTopic(topic: TopicImage): void {
    const { byName, byId } = this.topics();
    byName.set(topic.name, topic);
    byId.set(topic.topicId, topic);
  }

  private applyPartition(record: PartitionRecord): void {
    const topic = this.topics().byId.get(record.topicId);
    assert(topic !== undefined, `partition record for unknown topic id ${record.topicId}`);
    assert(record.partition <= topic.partitions.length, 'partitions are added in order');
    const partitions = topic.partitions.slice();
    const { partition, replicas, isr, leader, leaderEpoch, partitionEpoch } = record;
    partitions[partition] = { partition, replicas, isr, leader, leaderEpoch, partitionEpoch };
    this.putTopic({ ...topic, partitions });
  }

  private applyConfig(kind: 'topic' | 'broker', resource: string, name: string, value: string | null) {
    if (kind === 'broker') {
      this.brokerConfigs ??= new Map(this.base.brokerConfigs);
      if (value === null) this.brokerConfigs.delete(name);
      else this.brokerConfigs.set(name, value);
      return;
    }
    const topic = this.topics().byName.get(resource);
    assert(topic !== undefined, `config record for unknown topic ${resource}`);
    const configs = new Map(topic.configs);
    if (value === null) configs.delete(name);
    else configs.set(name, value);
    this.putTopic({ ...topic, configs });
  }
}
