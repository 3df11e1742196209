/**
 * Shared by the metadata and controller tests: seeded topic ids, and a generator of random but
 * valid record batches (each one respects the image it is applied to, as the controller would).
 */
import { Prng } from '../../../src/common/index.js';
import {
  applyRecords, clusterEventKinds, emptyImage, LeaderRecoveryState, noLeader,
  type AccessControlEntryRecord, type MetadataImage, type MetadataRecord, type PartitionImage,
  type TopicImage, type UserScramCredentialRecord,
} from '../../../src/metadata/index.js';
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType, ScramMechanismCode,
  scramKeyBytes,
} from '../../../src/protocol/index.js';

/** A Kafka-form uuid (22 base64url characters) drawn from the seed. */
export function seededUuid(p: Prng): string {
  return p.fill(Buffer.alloc(16)).toString('base64url');
}

function pickSome(p: Prng, ids: readonly number[], n: number): number[] {
  const pool = [...ids];
  const out: number[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(p.below(pool.length), 1)[0] as number);
  return out;
}

/** One random valid batch for `image` (1–3 records of one kind). */
export function randomBatch(p: Prng, image: MetadataImage): MetadataRecord[] {
  const brokers = [...image.brokers.values()];
  const topics = [...image.topicsById.values()];
  const roll = p.below(12);
  if (roll >= 10) return roll === 10 ? scramBatch(p, image) : aclBatch(p, image);
  if (roll === 0 || brokers.length < 3) return [register(p, image)];
  if (roll === 1) {
    const b = p.pick(brokers);
    const type = b.fenced ? 'unfenceBroker' : 'fenceBroker';
    return [{ type, brokerId: b.brokerId, brokerEpoch: b.brokerEpoch }];
  }
  if (roll === 2 || topics.length === 0) return newTopic(p, image);
  if (roll === 3) return [changePartition(p, p.pick(topics))];
  if (roll === 4) {
    const t = p.pick(topics);
    const value = p.chance(0.3) ? null : String(p.below(1000));
    return [{ type: 'config', resourceType: 'topic', resourceName: t.name, name: 'retention.ms', value }];
  }
  if (roll === 5) {
    return [{ type: 'config', resourceType: 'broker', resourceName: '', name: `k${p.below(3)}`,
      value: p.chance(0.3) ? null : 'v' }];
  }
  if (roll === 6) {
    return [{ type: 'producerIds', brokerId: p.pick(brokers).brokerId,
      nextProducerId: image.nextProducerId + 1000 }];
  }
  if (roll === 7 && topics.length > 2) return [{ type: 'removeTopic', topicId: p.pick(topics).topicId }];
  if (roll === 8 && p.chance(0.5)) {
    return [{ type: 'event', id: image.eventSeq + 1 + p.below(3), timeMs: p.below(2 ** 40),
      kind: p.pick(clusterEventKinds), severity: p.pick([0, 1, 2] as const),
      brokerId: p.pick([-1, ...brokers.map((b) => b.brokerId)]), topic: p.chance(0.5) ? null : 't',
      message: `event ${p.below(1000)} ✓` }];
  }
  if (roll === 9 && p.chance(0.4)) {
    return [{ type: 'brokerMaintenance', brokerId: p.between(1, 5), enabled: p.chance(0.6) }];
  }
  if (roll === 9 && p.chance(0.5)) return [reassignPartition(p, image, p.pick(topics))];
  return [changePartition(p, p.pick(topics))];
}

/**
 * A reassignment as the controller writes one (KIP-455): starting (replicas := target + the rest,
 * adding and removing set; ISR and leader unchanged) or, for one in progress, its fields cleared.
 */
function reassignPartition(p: Prng, image: MetadataImage, topic: TopicImage): MetadataRecord {
  const part = p.pick(topic.partitions) as PartitionImage;
  const base = { type: 'partitionChange', topicId: topic.topicId, partition: part.partition } as const;
  if (part.addingReplicas !== undefined || part.removingReplicas !== undefined) {
    return { ...base, addingReplicas: [], removingReplicas: [] };
  }
  const target = pickSome(p, [...image.brokers.keys()], p.between(1, 3));
  const rest = part.replicas.filter((id) => !target.includes(id));
  return { ...base, replicas: [...target, ...rest],
    addingReplicas: target.filter((id) => !part.replicas.includes(id)), removingReplicas: rest };
}

function register(p: Prng, image: MetadataImage): MetadataRecord {
  return {
    type: 'registerBroker', brokerId: p.between(1, 5), incarnationId: seededUuid(p),
    host: `10.0.0.${p.between(1, 9)}`, port: 9092, rack: p.chance(0.5) ? null : `r${p.below(2)}`,
    brokerEpoch: image.brokerEpochMax + 1,
  };
}

function newTopic(p: Prng, image: MetadataImage): MetadataRecord[] {
  const topicId = seededUuid(p);
  const name = `t${image.recordCount}-${p.below(1000)}`;
  const ids = [...image.brokers.keys()];
  const records: MetadataRecord[] = [{ type: 'topic', name, topicId }];
  const n = p.between(1, 3);
  for (let partition = 0; partition < n; partition++) {
    const replicas = pickSome(p, ids, p.between(1, 3));
    records.push({
      type: 'partition', topicId, partition, replicas, isr: replicas, leader: replicas[0] as number,
      leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: LeaderRecoveryState.recovered,
    });
  }
  return records;
}

function changePartition(p: Prng, topic: TopicImage): MetadataRecord {
  const part = p.pick(topic.partitions) as PartitionImage;
  const isr = pickSome(p, part.replicas, p.between(1, part.replicas.length));
  const leader = p.chance(0.2) ? noLeader : p.pick(isr);
  return { type: 'partitionChange', topicId: topic.topicId, partition: part.partition, isr, leader,
    leaderRecoveryState: p.chance(0.1) ? LeaderRecoveryState.recovering : LeaderRecoveryState.recovered };
}

/** A valid credential with random salt and keys (the keys need not derive from a password). */
export function randomScramCredential(p: Prng, name: string,
  mechanism: ScramMechanismCode): UserScramCredentialRecord {
  const keyBytes = scramKeyBytes[mechanism];
  return {
    type: 'userScramCredential', name, mechanism, salt: p.fill(Buffer.alloc(p.between(1, 128))),
    storedKey: p.fill(Buffer.alloc(keyBytes)), serverKey: p.fill(Buffer.alloc(keyBytes)),
    iterations: p.between(4096, 16384),
  };
}

/** One user's credential upserted, or one that exists removed. */
function scramBatch(p: Prng, image: MetadataImage): MetadataRecord[] {
  const name = p.pick(['alice', 'bob', 'carol', 'dávid']);
  const mechanism = p.chance(0.5) ? ScramMechanismCode.sha256 : ScramMechanismCode.sha512;
  if (image.scramCredentials.get(name)?.has(mechanism) === true && p.chance(0.4)) {
    return [{ type: 'removeUserScramCredential', name, mechanism }];
  }
  return [randomScramCredential(p, name, mechanism)];
}

/** A valid ACL with a fresh seeded id. */
export function randomAcl(p: Prng): AccessControlEntryRecord {
  const concrete = <T extends number>(table: Readonly<Record<string, T>>, min: number): T =>
    p.pick(Object.values(table).filter((code) => code >= min));
  return {
    type: 'accessControlEntry', id: seededUuid(p),
    resourceType: concrete(AclResourceType, AclResourceType.topic),
    resourceName: p.pick(['orders', 'payments-', 'kafka-cluster', 'g1']),
    patternType: concrete(AclPatternType, AclPatternType.literal),
    principal: p.pick(['User:alice', 'User:*', 'User:bob']),
    host: p.pick(['*', '10.0.0.7', '::1']),
    operation: concrete(AclOperation, AclOperation.all),
    permissionType: concrete(AclPermissionType, AclPermissionType.deny),
  };
}

/** New ACLs, or the removal of existing ones (as one DeleteAcls filter would). */
function aclBatch(p: Prng, image: MetadataImage): MetadataRecord[] {
  const ids = [...image.acls.keys()];
  if (ids.length > 0 && p.chance(0.3)) {
    const id = p.pick(ids);
    return [{ type: 'removeAccessControlEntry', id }];
  }
  return Array.from({ length: p.between(1, 3) }, () => randomAcl(p));
}

/** An image after `steps` random batches. */
export function randomImage(seed: number, steps: number): MetadataImage {
  const p = new Prng(seed);
  let image = emptyImage(`cluster-${seed}`);
  for (let i = 0; i < steps; i++) image = applyRecords(image, randomBatch(p, image));
  return image;
}
