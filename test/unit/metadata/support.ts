/**
 * Shared by the metadata and controller tests: seeded topic ids, and a generator of random but
 * valid record batches (each one respects the image it is applied to, as the controller would).
 */
import { Prng } from '../../../src/common/index.js';
import {
  applyRecords, emptyImage, LeaderRecoveryState, noLeader,
  type MetadataImage, type MetadataRecord, type PartitionImage, type TopicImage,
} from '../../../src/metadata/index.js';

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
  const roll = p.below(10);
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
  return [changePartition(p, p.pick(topics))];
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

/** An image after `steps` random batches. */
export function randomImage(seed: number, steps: number): MetadataImage {
  const p = new Prng(seed);
  let image = emptyImage(`cluster-${seed}`);
  for (let i = 0; i < steps; i++) image = applyRecords(image, randomBatch(p, image));
  return image;
}
