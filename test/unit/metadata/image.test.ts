/**
 * Proves the MetadataImage rules: registration starts fenced and replaces an older one; fencing
 * needs the current epoch; liveBrokers lists unfenced brokers; partitionChange bumps the partition
 * epoch always and the leader epoch only on a leader change; impossible records fail an assert.
 * Snapshots: images built by hundreds of seeded random records equal themselves after
 * encode/decode, bytes are deterministic, and bad bytes are refused without throwing. imageDiff
 * reports leadership gained and lost, follower changes (a replica added included) and deleted
 * topics for one node. A replicas-only partitionChange extends the replica set and nothing else.
 * SCRAM credentials upsert per (user, mechanism) and ACLs are kept by id; removing an absent one
 * or adding an id twice fails an assert; a batch copies only the maps it touches; snapshots
 * restore both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  applyRecords, decodeImageSnapshot, emptyImage, encodeImageSnapshot, imageDiff, liveBrokers,
  type MetadataImage, type MetadataRecord,
} from '../../../src/metadata/index.js';
import { randomAcl, randomBatch, randomImage, randomScramCredential } from './support.js';

const topicId = 'AAECAwQFBgcICQoLDA0ODw';

function reg(brokerId: number, brokerEpoch: number, incarnationId = `i${brokerEpoch}`): MetadataRecord {
  return { type: 'registerBroker', brokerId, incarnationId, host: 'h', port: 9092, rack: null,
    brokerEpoch };
}

function base(): MetadataImage {
  return applyRecords(emptyImage('c'), [
    reg(1, 1), reg(2, 2), reg(3, 3),
    { type: 'unfenceBroker', brokerId: 1, brokerEpoch: 1 },
    { type: 'unfenceBroker', brokerId: 2, brokerEpoch: 2 },
    { type: 'unfenceBroker', brokerId: 3, brokerEpoch: 3 },
    { type: 'topic', name: 't', topicId },
    { type: 'partition', topicId, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1,
      leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 0 },
    { type: 'partition', topicId, partition: 1, replicas: [2, 3, 1], isr: [2, 3, 1], leader: 2,
      leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 0 },
  ]);
}

test('brokers: registration starts fenced, unfence makes it live, re-registration replaces', () => {
  let image = applyRecords(emptyImage('c'), [reg(1, 1)]);
  assert.equal(image.brokers.get(1)?.fenced, true);
  assert.deepEqual(liveBrokers(image), []);
  image = applyRecords(image, [{ type: 'unfenceBroker', brokerId: 1, brokerEpoch: 1 }]);
  assert.deepEqual(liveBrokers(image).map((b) => b.brokerId), [1]);
  image = applyRecords(image, [reg(1, 5, 'new')]);
  assert.deepEqual(image.brokers.get(1), { brokerId: 1, incarnationId: 'new', host: 'h', port: 9092,
    rack: null, brokerEpoch: 5, endpoints: [], fenced: true });
  assert.equal(image.brokerEpochMax, 5);
  image = applyRecords(image, [{ type: 'unregisterBroker', brokerId: 1, brokerEpoch: 5 }]);
  assert.equal(image.brokers.size, 0);
  assert.equal(image.brokerEpochMax, 5, 'the highest epoch outlives the broker');
});

test('brokers: impossible records fail an assert', () => {
  const image = base();
  const bad: [string, MetadataRecord][] = [
    ['epoch not increasing', reg(1, 1)],
    ['fence at a stale epoch', { type: 'fenceBroker', brokerId: 1, brokerEpoch: 9 }],
    ['unfence unknown broker', { type: 'unfenceBroker', brokerId: 9, brokerEpoch: 1 }],
    ['unregister at stale epoch', { type: 'unregisterBroker', brokerId: 2, brokerEpoch: 1 }],
  ];
  for (const [label, record] of bad) assert.throws(() => applyRecords(image, [record]), label);
});

test('partitionChange: partition epoch always, leader epoch on a leader change', () => {
  const image = base();
  const shrink = applyRecords(image, [{ type: 'partitionChange', topicId, partition: 0, isr: [1, 2] }]);
  const p0 = shrink.topicsById.get(topicId)?.partitions[0];
  assert.deepEqual([p0?.leader, p0?.leaderEpoch, p0?.partitionEpoch, p0?.isr], [1, 0, 1, [1, 2]]);
  const moved = applyRecords(shrink, [
    { type: 'partitionChange', topicId, partition: 0, leader: 2, isr: [2] },
    { type: 'partitionChange', topicId, partition: 0, leader: 2 },
  ]);
  const p1 = moved.topicsById.get(topicId)?.partitions[0];
  assert.deepEqual([p1?.leader, p1?.leaderEpoch, p1?.partitionEpoch, p1?.isr], [2, 1, 3, [2]]);
  const offline = applyRecords(moved, [{ type: 'partitionChange', topicId, partition: 0, leader: -1 }]);
  assert.equal(offline.topicsById.get(topicId)?.partitions[0]?.leaderEpoch, 2);
  assert.equal(image.topicsById.get(topicId)?.partitions[0]?.partitionEpoch, 0, 'old image unchanged');
  assert.equal(moved.topicsByName.get('t'), moved.topicsById.get(topicId), 'both maps agree');
});

test('partitionChange with replicas: the set grows, leader, epoch and ISR stay', () => {
  const image = applyRecords(base(), [
    { type: 'topic', name: 'one', topicId: 'AQEBAQEBAQEBAQEBAQEBAQ' },
    { type: 'partition', topicId: 'AQEBAQEBAQEBAQEBAQEBAQ', partition: 0, replicas: [1], isr: [1],
      leader: 1, leaderEpoch: 4, partitionEpoch: 7, leaderRecoveryState: 0 },
  ]);
  const grown = applyRecords(image, [{ type: 'partitionChange', topicId: 'AQEBAQEBAQEBAQEBAQEBAQ',
    partition: 0, replicas: [1, 2, 3] }]);
  const p = grown.topicsByName.get('one')?.partitions[0];
  assert.deepEqual([p?.replicas, p?.isr, p?.leader, p?.leaderEpoch, p?.partitionEpoch],
    [[1, 2, 3], [1], 1, 4, 8]);
  const for2 = imageDiff(image, grown, 2);
  assert.deepEqual(for2.followerChanges, [{ topicId: 'AQEBAQEBAQEBAQEBAQEBAQ', topicName: 'one',
    partition: 0, leader: 1, leaderEpoch: 4 }], 'a node added as replica starts following');
  const for1 = imageDiff(image, grown, 1);
  assert.deepEqual([for1.becameLeader, for1.stoppedLeading, for1.followerChanges], [[], [], []],
    'the leader keeps its epoch');
});

test('partitionChange: impossible states fail an assert', () => {
  const image = base();
  const bad: [string, MetadataRecord][] = [
    ['leader outside isr', { type: 'partitionChange', topicId, partition: 0, leader: 3, isr: [1, 2] }],
    ['isr outside replicas', { type: 'partitionChange', topicId, partition: 0, isr: [1, 4] }],
    ['unknown partition', { type: 'partitionChange', topicId, partition: 7, leader: 1 }],
    ['unknown topic', { type: 'partitionChange', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: 0 }],
    ['no replicas', { type: 'partitionChange', topicId, partition: 0, replicas: [], isr: [],
      leader: -1 }],
    ['producer ids back', { type: 'producerIds', brokerId: 1, nextProducerId: 0 }],
  ];
  for (const [label, record] of bad) assert.throws(() => applyRecords(image, [record]), label);
});

test('snapshots of seeded random images decode to the same image, with the same bytes', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const image = randomImage(seed, 200);
    const bytes = encodeImageSnapshot(image);
    const decoded = decodeImageSnapshot(bytes);
    assert.ok(decoded.ok, `seed ${seed}`);
    assert.deepEqual(decoded.image, image, `seed ${seed}`);
    assert.deepEqual(encodeImageSnapshot(decoded.image), bytes, `seed ${seed}: deterministic`);
  }
  const empty = decodeImageSnapshot(encodeImageSnapshot(emptyImage('c')));
  assert.ok(empty.ok);
  assert.deepEqual(empty.image, emptyImage('c'));
});

test('a restarted node = the snapshot + a replay of the later batches', () => {
  const p = new Prng(99);
  let live = emptyImage('c');
  let snapshot: Buffer | null = null;
  const later: MetadataRecord[][] = [];
  for (let i = 0; i < 300; i++) {
    const batch = randomBatch(p, live);
    live = applyRecords(live, batch);
    if (i === 149) snapshot = encodeImageSnapshot(live);
    else if (i > 149) later.push(batch);
  }
  const loaded = decodeImageSnapshot(snapshot as Buffer);
  assert.ok(loaded.ok);
  let restarted = loaded.image;
  for (const batch of later) restarted = applyRecords(restarted, batch);
  assert.deepEqual(restarted, live);
});

test('bad snapshot bytes are refused without throwing', () => {
  const bytes = encodeImageSnapshot(randomImage(3, 50));
  for (let cut = 0; cut < bytes.length; cut += 7) {
    assert.equal(decodeImageSnapshot(bytes.subarray(0, cut)).ok, false, `cut ${cut}`);
  }
  const log = decodeImageSnapshot(Buffer.from([0, 0]));
  assert.equal(log.ok, false);
});

test('imageDiff: leadership gained and lost, follower changes, deleted topics', () => {
  const image = base();
  const next = applyRecords(image, [
    { type: 'partitionChange', topicId, partition: 0, leader: 2, isr: [2, 3] },
    { type: 'partitionChange', topicId, partition: 1, leader: 3 },
  ]);
  const for1 = imageDiff(image, next, 1);
  assert.deepEqual(for1.stoppedLeading, [{ topicId, topicName: 't', partition: 0 }]);
  assert.deepEqual(for1.becameLeader, []);
  assert.deepEqual(for1.followerChanges.map((c) => [c.partition, c.leader, c.leaderEpoch]),
    [[0, 2, 1], [1, 3, 1]]);
  const for2 = imageDiff(image, next, 2);
  assert.deepEqual(for2.becameLeader, [{ topicId, topicName: 't', partition: 0, leaderEpoch: 1 }]);
  assert.deepEqual(for2.stoppedLeading, [{ topicId, topicName: 't', partition: 1 }]);
  const created = imageDiff(emptyImage('c'), image, 1);
  assert.deepEqual(created.becameLeader.map((c) => c.partition), [0]);
  assert.deepEqual(created.followerChanges.map((c) => c.partition), [1]);
  const gone = applyRecords(next, [{ type: 'removeTopic', topicId }]);
  assert.deepEqual(imageDiff(next, gone, 2).deletedTopics, [{ topicId, name: 't' }]);
  assert.deepEqual(imageDiff(next, next, 2).becameLeader, []);
});

test('SCRAM credentials: upsert per user and mechanism, the last removal drops the user', () => {
  const p = new Prng(7);
  const image = base();
  const a256 = randomScramCredential(p, 'alice', 1);
  const a512 = randomScramCredential(p, 'alice', 2);
  const one = applyRecords(image, [a256, randomScramCredential(p, 'bob', 1)]);
  assert.equal(one.brokers, image.brokers, 'untouched maps are shared');
  assert.equal(one.acls, image.acls);
  assert.equal(image.scramCredentials.size, 0, 'old image unchanged');
  const again = randomScramCredential(p, 'alice', 1);
  const two = applyRecords(one, [a512, again]);
  const alice = two.scramCredentials.get('alice');
  assert.deepEqual([...(alice?.keys() ?? [])], [1, 2]);
  assert.deepEqual(alice?.get(1), { mechanism: 1, salt: again.salt, storedKey: again.storedKey,
    serverKey: again.serverKey, iterations: again.iterations }, 'an upsert replaces');
  assert.equal(one.scramCredentials.get('alice')?.get(1)?.salt, a256.salt, 'old image unchanged');
  assert.equal(two.scramCredentials.get('bob'), one.scramCredentials.get('bob'), 'bob shared');
  const removed = applyRecords(two, [{ type: 'removeUserScramCredential', name: 'alice',
    mechanism: 1 }]);
  assert.deepEqual([...(removed.scramCredentials.get('alice')?.keys() ?? [])], [2]);
  const gone = applyRecords(removed, [{ type: 'removeUserScramCredential', name: 'alice',
    mechanism: 2 }]);
  assert.deepEqual([...gone.scramCredentials.keys()], ['bob']);
  const bad: [string, MetadataRecord][] = [
    ['unknown user', { type: 'removeUserScramCredential', name: 'carol', mechanism: 1 }],
    ['absent mechanism', { type: 'removeUserScramCredential', name: 'bob', mechanism: 2 }],
  ];
  for (const [label, record] of bad) {
    assert.throws(() => applyRecords(two, [record]), /has no credential/, label);
  }
});

test('ACLs: kept by id; a repeated id or removing an absent one fails an assert', () => {
  const p = new Prng(8);
  const image = base();
  const first = randomAcl(p);
  const second = randomAcl(p);
  const added = applyRecords(image, [first, second]);
  assert.equal(added.scramCredentials, image.scramCredentials, 'untouched maps are shared');
  assert.equal(added.topicsById, image.topicsById);
  const { type: _, ...entry } = first;
  assert.deepEqual(added.acls.get(first.id), entry);
  assert.equal(added.acls.size, 2);
  const removed = applyRecords(added, [{ type: 'removeAccessControlEntry', id: first.id }]);
  assert.deepEqual([...removed.acls.keys()], [second.id]);
  assert.equal(added.acls.size, 2, 'old image unchanged');
  const bad: [string, MetadataImage, MetadataRecord[], RegExp][] = [
    ['id already present', added, [{ ...randomAcl(p), id: second.id }], /exists/],
    ['added twice in one batch', image, [first, first], /exists/],
    ['remove absent', removed, [{ type: 'removeAccessControlEntry', id: first.id }], /no ACL/],
  ];
  for (const [label, at, records, reason] of bad) {
    assert.throws(() => applyRecords(at, records), reason, label);
  }
});

test('snapshots write and restore SCRAM credentials and ACLs', () => {
  const p = new Prng(9);
  const image = applyRecords(base(), [
    randomScramCredential(p, 'zoë', 2), randomScramCredential(p, 'alice', 2),
    randomScramCredential(p, 'alice', 1), randomAcl(p), randomAcl(p), randomAcl(p),
  ]);
  const bytes = encodeImageSnapshot(image);
  const decoded = decodeImageSnapshot(bytes);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.image, image);
  assert.equal(decoded.image.acls.size, 3);
  assert.deepEqual([...(decoded.image.scramCredentials.get('alice')?.keys() ?? [])].sort(), [1, 2]);
  assert.deepEqual(encodeImageSnapshot(decoded.image), bytes, 'deterministic');
  let withSecurity = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const random = randomImage(seed, 200);
    if (random.scramCredentials.size > 0 && random.acls.size > 0) withSecurity++;
  }
  assert.ok(withSecurity >= 30, `only ${withSecurity} of 40 random images have both`);
});
