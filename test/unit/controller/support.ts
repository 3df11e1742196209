/** Shared by the controller tests: a cluster of live brokers and a topic-creation shorthand. */
import assert from 'node:assert/strict';
import {
  applyRecords, emptyImage, type MetadataImage, type MetadataRecord,
} from '../../../src/metadata/index.js';
import {
  createTopics, type ControllerContext,
} from '../../../src/controller/index.js';

export const clusterId = 'cluster';

/** Brokers 1..n registered and unfenced; racks[i] for broker i+1 when given. */
export function cluster(n: number, racks: readonly (string | null)[] = []): MetadataImage {
  const records: MetadataRecord[] = [];
  for (let id = 1; id <= n; id++) {
    records.push({ type: 'registerBroker', brokerId: id, incarnationId: `inc-${id}`, host: '127.0.0.1',
      port: 9091 + id, rack: racks[id - 1] ?? null, brokerEpoch: id });
    records.push({ type: 'unfenceBroker', brokerId: id, brokerEpoch: id });
  }
  return applyRecords(emptyImage(clusterId), records);
}

let topicCounter = 0;

/** Deterministic topic ids (22 base64url characters). */
export function context(overrides: Partial<ControllerContext> = {}): ControllerContext {
  return {
    newTopicId: () => Buffer.alloc(16, ++topicCounter % 256).toString('base64url'),
    defaultPartitions: 1,
    defaultReplicationFactor: 1,
    partitionsPerTopicMax: 1000,
    ...overrides,
  };
}

/** Creates a topic (which must succeed) and returns the image with it. */
export function withTopic(image: MetadataImage, name: string, partitions: number, rf: number,
  configs: { name: string; value: string | null }[] = []): MetadataImage {
  const { results, records } = createTopics(image, [
    { name, numPartitions: partitions, replicationFactor: rf, assignments: [], configs },
  ], context());
  assert.equal(results[0]?.errorCode, 0, results[0]?.errorMessage ?? '');
  return applyRecords(image, records);
}

export function partition(image: MetadataImage, topic: string, index: number) {
  const p = image.topicsByName.get(topic)?.partitions[index];
  assert.ok(p !== undefined, `${topic}/${index}`);
  return p;
}
