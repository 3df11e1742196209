/**
 * MetadataImage: an immutable view of the committed metadata. `applyRecords` returns a new image
 * that shares every untouched part with the old one; handlers read one whole image and never see a
 * half-applied change (DESIGN.md, Metadata).
 *
 * Records are validated by the controller before commit, and the controller decides on the newest
 * image (each decision sees the records of the one before), so a record that contradicts the image
 * is a bug: it fails an assert rather than being skipped, which would let nodes diverge.
 */
import { assert, limits } from '../common/index.js';
import type { ScramMechanismCode } from '../protocol/index.js';
import {
  LeaderRecoveryState, noLeader,
  type AccessControlEntryRecord, type BrokerEndpoint, type ClusterEventRecord, type MetadataRecord,
  type PartitionChangeRecord,
  type PartitionRecord, type RemoveAccessControlEntryRecord, type RemoveUserScramCredentialRecord,
  type UserScramCredentialRecord,
} from './records.js';

export interface BrokerImage {
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  readonly brokerEpoch: number;
  /** Its listeners (BrokerRecord.endpoints); empty: one listener at host:port. */
  readonly endpoints: readonly BrokerEndpoint[];
  /** Invariant: a fenced broker leads no partition once the controller's batch is applied. */
  readonly fenced: boolean;
}

export interface PartitionImage {
  readonly partition: number;
  /** Invariant: non-empty, distinct; isr ⊆ replicas; leader is noLeader or in isr. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  /** Bumped whenever the leader changes; never goes back. */
  readonly leaderEpoch: number;
  /** Bumped by every change (AlterPartition's fencing token, KIP-497). */
  readonly partitionEpoch: number;
  readonly leaderRecoveryState: LeaderRecoveryState;
  /**
   * A reassignment in progress (KIP-455), present only while one is (never empty): replicas being
   * added (not yet all in the ISR) and replicas to remove once they are. The target replica set
   * is `replicas` without `removingReplicas`. Invariant: both ⊆ replicas, disjoint.
   */
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
}

export interface TopicImage {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionImage[];
  readonly configs: ReadonlyMap<string, string>;
}

/** One user's credential for one mechanism (UserScramCredentialRecord without its name). */
export type ScramCredentialImage = Omit<UserScramCredentialRecord, 'type' | 'name'>;

/** A user's credentials by mechanism. */
export type ScramCredentialsOfUser = ReadonlyMap<ScramMechanismCode, ScramCredentialImage>;

/** One ACL, by its id (AccessControlEntryRecord without its `type`). */
export type AclImage = Omit<AccessControlEntryRecord, 'type'>;

export interface MetadataImage {
  readonly clusterId: string;
  /** Number of records applied so far; the next record's index. */
  readonly recordCount: number;
  readonly brokers: ReadonlyMap<number, BrokerImage>;
  /** The highest broker epoch ever registered (also of brokers since unregistered). */
  readonly brokerEpochMax: number;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly brokerConfigs: ReadonlyMap<string, string>;
  /** The first producer id no broker owns yet. */
  readonly nextProducerId: number;
  /** By user name. Invariant: no user has an empty map (its last removal drops the user). */
  readonly scramCredentials: ReadonlyMap<string, ScramCredentialsOfUser>;
  /** By ACL id. */
  readonly acls: ReadonlyMap<string, AclImage>;
  /** The newest cluster events, oldest first, at most `limits.clusterEventsKept`. */
  readonly events: readonly ClusterEvent[];
  /** The id of the last event ever applied (0: none); the next one is eventSeq + 1. */
  readonly eventSeq: number;
  /** Broker ids in maintenance mode (BrokerMaintenanceRecord), registered or not. */
  readonly maintenance: ReadonlySet<number>;
}

/** One cluster event (ClusterEventRecord without its `type`). */
export type ClusterEvent = Omit<ClusterEventRecord, 'type'>;

/** Topics Pado writes itself; clients may read them but never produce to or delete them. */
export const internalTopics: ReadonlySet<string> = new Set(['__consumer_offsets']);

export function emptyImage(clusterId: string): MetadataImage {
  return {
    clusterId,
    recordCount: 0,
    brokers: new Map(),
    brokerEpochMax: 0,
    topicsByName: new Map(),
    topicsById: new Map(),
    brokerConfigs: new Map(),
    nextProducerId: 0,
    scramCredentials: new Map(),
    acls: new Map(),
    events: [],
    eventSeq: 0,
    maintenance: new Set(),
  };
}

/** Registered and unfenced brokers, by id: the ones that may lead, join ISRs and get replicas. */
export function liveBrokers(image: MetadataImage): BrokerImage[] {
  const live: BrokerImage[] = [];
  for (const b of image.brokers.values()) if (!b.fenced) live.push(b);
  return live.sort((a, b) => a.brokerId - b.brokerId);
}

/**
 * A topic's replication factor: its first partition's replica count, as Kafka's tools report it
 * (CreateTopics and CreatePartitions give every partition the same count). 0 with no partitions.
 */
export function replicationFactorOf(topic: TopicImage): number {
  return topic.partitions[0]?.replicas.length ?? 0;
}

/** Applies records in order. Invariant: records were validated by the controller before commit. */
export function applyRecords(image: MetadataImage,
  records: readonly MetadataRecord[]): MetadataImage {
  if (records.length === 0) return image;
  const next = new ImageBuilder(image);
  for (const record of records) next.apply(record);
  return next.build(image.recordCount + records.length);
}

/** Copy-on-first-write of each map and partition list a batch touches; the rest is shared. */
class ImageBuilder {
  private brokers: Map<number, BrokerImage> | null = null;
  private byName: Map<string, TopicImage> | null = null;
  private byId: Map<string, TopicImage> | null = null;
  private brokerConfigs: Map<string, string> | null = null;
  private scramCredentials: Map<string, ScramCredentialsOfUser> | null = null;
  private acls: Map<string, AclImage> | null = null;
  /** Partition lists copied in this batch, by topic id; folded into their topics by build(). */
  private readonly ownedPartitions = new Map<string, PartitionImage[]>();
  private brokerEpochMax: number;
  private nextProducerId: number;
  /** This batch's events, appended to the image's by build(). */
  private readonly events: ClusterEvent[] = [];
  private eventSeq: number;
  private maintenance: Set<number> | null = null;
  private readonly base: MetadataImage;

  constructor(base: MetadataImage) {
    this.base = base;
    this.brokerEpochMax = base.brokerEpochMax;
    this.nextProducerId = base.nextProducerId;
    this.eventSeq = base.eventSeq;
  }

  apply(record: MetadataRecord): void {
    switch (record.type) {
      case 'registerBroker': {
        const known = (this.brokers ?? this.base.brokers).get(record.brokerId);
        assert(known === undefined || record.brokerEpoch > known.brokerEpoch,
          `broker ${record.brokerId}: epoch ${record.brokerEpoch} does not increase`);
        const { brokerId, incarnationId, host, port, rack, brokerEpoch } = record;
        this.ownBrokers().set(brokerId, { brokerId, incarnationId, host, port, rack, brokerEpoch,
          endpoints: record.endpoints ?? [], fenced: true });
        this.brokerEpochMax = Math.max(this.brokerEpochMax, brokerEpoch);
        return;
      }
      case 'fenceBroker':
      case 'unfenceBroker': {
        const broker = this.broker(record.brokerId, record.brokerEpoch, record.type);
        const fenced = record.type === 'fenceBroker';
        this.ownBrokers().set(broker.brokerId, { ...broker, fenced });
        return;
      }
      case 'unregisterBroker':
        this.broker(record.brokerId, record.brokerEpoch, record.type);
        this.ownBrokers().delete(record.brokerId);
        return;
      case 'topic': {
        assert(!this.topics().byName.has(record.name), `topic ${record.name} exists`);
        assert(!this.topics().byId.has(record.topicId), `topic id ${record.topicId} exists`);
        const { name, topicId } = record;
        this.putTopic({ name, topicId, partitions: [], configs: new Map() });
        return;
      }
      case 'partition':
        return this.applyPartition(record);
      case 'partitionChange':
        return this.applyPartitionChange(record);
      case 'removeTopic':
        return this.removeTopic(record.topicId);
      case 'config':
        return this.applyConfig(record.resourceType, record.resourceName, record.name,
          record.value);
      case 'producerIds':
        assert(record.nextProducerId > this.nextProducerId, 'producer ids never go back');
        this.nextProducerId = record.nextProducerId;
        return;
      case 'userScramCredential':
      case 'removeUserScramCredential':
        return this.applyScramCredential(record);
      case 'accessControlEntry':
      case 'removeAccessControlEntry':
        return this.applyAcl(record);
      case 'event': {
        // Ids increase in commit order (a snapshot keeps only the newest, so they need not start at 1).
        assert(record.id > this.eventSeq, `event ${record.id} after ${this.eventSeq}`);
        const { type: _, ...event } = record;
        this.events.push(event);
        this.eventSeq = record.id;
        return;
      }
      case 'brokerMaintenance':
        this.maintenance ??= new Set(this.base.maintenance);
        if (record.enabled) this.maintenance.add(record.brokerId);
        else this.maintenance.delete(record.brokerId);
        return;
    }
  }

  build(recordCount: number): MetadataImage {
    for (const [topicId, partitions] of this.ownedPartitions) {
      const topic = this.topics().byId.get(topicId);
      if (topic !== undefined) this.putTopic({ ...topic, partitions });
    }
    return {
      clusterId: this.base.clusterId,
      recordCount,
      brokers: this.brokers ?? this.base.brokers,
      brokerEpochMax: this.brokerEpochMax,
      topicsByName: this.byName ?? this.base.topicsByName,
      topicsById: this.byId ?? this.base.topicsById,
      brokerConfigs: this.brokerConfigs ?? this.base.brokerConfigs,
      nextProducerId: this.nextProducerId,
      scramCredentials: this.scramCredentials ?? this.base.scramCredentials,
      acls: this.acls ?? this.base.acls,
      events: this.events.length === 0 ? this.base.events
        : [...this.base.events, ...this.events].slice(-limits.clusterEventsKept),
      eventSeq: this.eventSeq,
      maintenance: this.maintenance ?? this.base.maintenance,
    };
  }

  private ownBrokers(): Map<number, BrokerImage> {
    this.brokers ??= new Map(this.base.brokers);
    return this.brokers;
  }

  /** The registered broker a fence/unfence/unregister names, at the epoch it names. */
  private broker(brokerId: number, brokerEpoch: number, what: string): BrokerImage {
    const broker = (this.brokers ?? this.base.brokers).get(brokerId);
    assert(broker !== undefined, `${what}: broker ${brokerId} is not registered`);
    assert(broker.brokerEpoch === brokerEpoch,
      `${what}: broker ${brokerId} is at epoch ${broker.brokerEpoch}, not ${brokerEpoch}`);
    return broker;
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

  private removeTopic(topicId: string): void {
    const { byName, byId } = this.topics();
    const topic = byId.get(topicId);
    assert(topic !== undefined, `removeTopic: unknown topic id ${topicId}`);
    byId.delete(topic.topicId);
    byName.delete(topic.name);
    this.ownedPartitions.delete(topicId);
  }

  /** This batch's own copy of a topic's partition list (one copy per topic per batch). */
  private partitionsOf(topicId: string): PartitionImage[] {
    const owned = this.ownedPartitions.get(topicId);
    if (owned !== undefined) return owned;
    const topic = this.topics().byId.get(topicId);
    assert(topic !== undefined, `partition record for unknown topic id ${topicId}`);
    const copy = topic.partitions.slice();
    this.ownedPartitions.set(topicId, copy);
    return copy;
  }

  private applyPartition(record: PartitionRecord): void {
    const partitions = this.partitionsOf(record.topicId);
    assert(record.partition <= partitions.length, 'partitions are added in order');
    const { partition, replicas, isr, leader, leaderEpoch, partitionEpoch } = record;
    const next = { partition, replicas, isr, leader, leaderEpoch, partitionEpoch,
      leaderRecoveryState: record.leaderRecoveryState,
      ...reassigning(record.addingReplicas, record.removingReplicas) };
    checkPartition(next, record.topicId);
    partitions[partition] = next;
  }

  /** Kafka's PartitionChangeRecord: partitionEpoch + 1; leaderEpoch + 1 when the leader changes. */
  private applyPartitionChange(record: PartitionChangeRecord): void {
    const partitions = this.partitionsOf(record.topicId);
    const prev = partitions[record.partition];
    assert(prev !== undefined,
      `partitionChange: no partition ${record.topicId}/${record.partition}`);
    const leader = record.leader ?? prev.leader;
    const next: PartitionImage = {
      partition: prev.partition,
      replicas: record.replicas ?? prev.replicas,
      isr: record.isr ?? prev.isr,
      leader,
      leaderEpoch: leader === prev.leader ? prev.leaderEpoch : prev.leaderEpoch + 1,
      partitionEpoch: prev.partitionEpoch + 1,
      leaderRecoveryState: record.leaderRecoveryState ?? prev.leaderRecoveryState,
      ...reassigning(record.addingReplicas ?? prev.addingReplicas,
        record.removingReplicas ?? prev.removingReplicas),
    };
    checkPartition(next, record.topicId);
    partitions[record.partition] = next;
  }

  /**
   * Upsert per (user, mechanism), as Kafka replays UserScramCredentialRecord. A removal names an
   * existing credential: the controller refuses to delete an absent one (RESOURCE_NOT_FOUND), so
   * another is a bug, as in Kafka's replay.
   */
  private applyScramCredential(
    record: UserScramCredentialRecord | RemoveUserScramCredentialRecord): void {
    this.scramCredentials ??= new Map(this.base.scramCredentials);
    const { name, mechanism } = record;
    const mechanisms = new Map(this.scramCredentials.get(name));
    if (record.type === 'userScramCredential') {
      const { salt, storedKey, serverKey, iterations } = record;
      mechanisms.set(mechanism, { mechanism, salt, storedKey, serverKey, iterations });
    } else {
      assert(mechanisms.delete(mechanism),
        `removeUserScramCredential: user ${name} has no credential for mechanism ${mechanism}`);
    }
    if (mechanisms.size === 0) this.scramCredentials.delete(name);
    else this.scramCredentials.set(name, mechanisms);
  }

  /**
   * The controller picks a fresh id for each ACL and deletes only ACLs it found (Kafka's
   * AclControlManager), so a repeated id or the removal of an absent one is a bug.
   */
  private applyAcl(record: AccessControlEntryRecord | RemoveAccessControlEntryRecord): void {
    this.acls ??= new Map(this.base.acls);
    if (record.type === 'removeAccessControlEntry') {
      assert(this.acls.delete(record.id), `removeAccessControlEntry: no ACL ${record.id}`);
      return;
    }
    assert(!this.acls.has(record.id), `accessControlEntry: ACL ${record.id} exists`);
    const { type: _, ...acl } = record;
    this.acls.set(acl.id, acl);
  }

  private applyConfig(kind: 'topic' | 'broker', resource: string, name: string,
    value: string | null): void {
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

/** A partition's reassignment fields: present only when non-empty (so images compare equal). */
function reassigning(adding: readonly number[] | undefined,
  removing: readonly number[] | undefined):
  { addingReplicas?: readonly number[]; removingReplicas?: readonly number[] } {
  return {
    ...(adding === undefined || adding.length === 0 ? {} : { addingReplicas: adding }),
    ...(removing === undefined || removing.length === 0 ? {} : { removingReplicas: removing }),
  };
}

/** Whether a reassignment is in progress (KIP-455). */
export function isReassigning(p: PartitionImage): boolean {
  return p.addingReplicas !== undefined || p.removingReplicas !== undefined;
}

/** The replicas a partition is moving to (all of them when no reassignment is in progress). */
export function targetReplicas(p: PartitionImage): readonly number[] {
  const removing = p.removingReplicas;
  return removing === undefined ? p.replicas : p.replicas.filter((id) => !removing.includes(id));
}

/** The partition invariants of PartitionImage; a record that breaks them is a controller bug. */
function checkPartition(p: PartitionImage, topicId: string): void {
  const where = `${topicId}/${p.partition}`;
  assert(p.replicas.length > 0 && new Set(p.replicas).size === p.replicas.length,
    `${where}: replicas must be non-empty and distinct`);
  assert(p.isr.every((id) => p.replicas.includes(id)), `${where}: isr ⊄ replicas`);
  assert(p.leader === noLeader || p.isr.includes(p.leader), `${where}: leader not in isr`);
  const adding = p.addingReplicas ?? [];
  const removing = p.removingReplicas ?? [];
  assert([...adding, ...removing].every((id) => p.replicas.includes(id))
    && adding.every((id) => !removing.includes(id)), `${where}: bad reassignment`);
  assert(p.leaderRecoveryState === LeaderRecoveryState.recovered
    || p.leaderRecoveryState === LeaderRecoveryState.recovering, `${where}: bad recovery state`);
}
