/**
 * The metadata of partition moves (KIP-455: a partition's adding and removing replicas) and of
 * maintenance mode (brokerMaintenance): codec round trips (an empty list in a partitionChange
 * clears, an absent one leaves unchanged; a partition without a move writes no tag, so entries
 * from before decode as no move), the image's invariants (both lists ⊆ replicas, disjoint;
 * fields present only while a move is), and snapshots that keep both. A negative broker id is
 * refused by the decoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyRecords, decodeImageSnapshot, decodeMetadataRecords, emptyImage, encodeImageSnapshot,
  encodeMetadataRecords, encodeWireBatch, toWire, type MetadataRecord,
} from '../../../src/metadata/index.js';

const topicId = 'AAECAwQFBgcICQoLDA0ODw';
const created: MetadataRecord[] = [
  { type: 'topic', name: 'orders', topicId },
  { type: 'partition', topicId, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1,
    leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 0 },
];

test('reassignment fields and maintenance records survive encode → decode', () => {
  const records: MetadataRecord[] = [
    { type: 'partition', topicId, partition: 1, replicas: [1, 2, 4, 3], isr: [1, 2, 3], leader: 1,
      leaderEpoch: 2, partitionEpoch: 5, leaderRecoveryState: 0, addingReplicas: [4],
      removingReplicas: [3] },
    { type: 'partitionChange', topicId, partition: 0, replicas: [1, 2, 4, 3], addingReplicas: [4],
      removingReplicas: [3] },
    { type: 'partitionChange', topicId, partition: 0, addingReplicas: [], removingReplicas: [] },
    { type: 'partitionChange', topicId, partition: 0, isr: [1, 2] },
    { type: 'brokerMaintenance', brokerId: 2, enabled: true },
    { type: 'brokerMaintenance', brokerId: 0, enabled: false },
  ];
  const decoded = decodeMetadataRecords(encodeMetadataRecords(records));
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.records, records);
  // No move: no tags written, and nothing comes back but the plain partition.
  const plain = decodeMetadataRecords(encodeMetadataRecords(created));
  assert.ok(plain.ok);
  assert.deepEqual(plain.records, created);
  assert.ok(encodeMetadataRecords(created).length < encodeMetadataRecords([...created.slice(0, 1),
    { ...created[1] as MetadataRecord & { type: 'partition' }, addingReplicas: [4] }]).length);
});

test('a negative broker id in a maintenance record is refused as a whole batch', () => {
  const wire = toWire({ type: 'brokerMaintenance', brokerId: 1, enabled: true });
  const bad = encodeWireBatch({ records: [{ ...wire, brokerMaintenance: { brokerId: -1, enabled: true } }],
    clusterId: null, recordCount: 0, brokerEpochMax: 0 });
  const decoded = decodeMetadataRecords(bad);
  assert.equal(decoded.ok, false);
});

test('the image keeps a move while it lasts, asserts its lists ⊆ replicas, and snapshots keep it all', () => {
  let image = applyRecords(emptyImage('c'), created);
  image = applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0,
    replicas: [1, 2, 4, 3], addingReplicas: [4], removingReplicas: [3] },
  { type: 'brokerMaintenance', brokerId: 3, enabled: true }]);
  const p = image.topicsById.get(topicId)?.partitions[0];
  assert.deepEqual([p?.addingReplicas, p?.removingReplicas], [[4], [3]]);
  assert.deepEqual(image.maintenance, new Set([3]));
  const snapshot = decodeImageSnapshot(encodeImageSnapshot(image));
  assert.ok(snapshot.ok);
  assert.deepEqual(snapshot.image, image);
  const done = applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0,
    replicas: [1, 2, 4], isr: [1, 2], addingReplicas: [], removingReplicas: [] },
  { type: 'brokerMaintenance', brokerId: 3, enabled: false }]);
  const q = done.topicsById.get(topicId)?.partitions[0];
  assert.ok(q !== undefined && !('addingReplicas' in q) && !('removingReplicas' in q));
  assert.deepEqual(done.maintenance, new Set());
  assert.throws(() => applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0,
    addingReplicas: [5] }]), /bad reassignment/);
  assert.throws(() => applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0,
    addingReplicas: [3] }]), /bad reassignment/);
});
