/**
 * Proves the metadata record codec: every record kind (with and without its optional fields)
 * survives encode → decode unchanged; seeded random batches from a valid record generator do too;
 * truncated batches are refused and bit-flipped ones never throw; structurally valid bytes that
 * hold impossible values (unknown type, bad enum, SCRAM or ACL fields out of Kafka's ranges or our
 * limits) are refused with a reason. Decoded SCRAM buffers do not alias the entry's bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  applyRecords, decodeMetadataRecords, emptyImage, encodeMetadataRecords, encodeWireBatch, toWire,
  type MetadataImage, type MetadataRecord,
} from '../../../src/metadata/index.js';
import { randomBatch } from './support.js';

type WireRecord = ReturnType<typeof toWire>;

const topicId = 'AAECAwQFBgcICQoLDA0ODw';

const samples: readonly MetadataRecord[] = [
  { type: 'registerBroker', brokerId: 1, incarnationId: 'inc-1', host: '10.0.0.1', port: 9092,
    rack: null, brokerEpoch: 7 },
  { type: 'registerBroker', brokerId: 2, incarnationId: 'x', host: 'h', port: 1, rack: 'r1',
    brokerEpoch: 2 ** 40 },
  { type: 'fenceBroker', brokerId: 1, brokerEpoch: 7 },
  { type: 'fenceBroker', brokerId: 0, brokerEpoch: 0 },
  { type: 'unfenceBroker', brokerId: 3, brokerEpoch: 9 },
  { type: 'unregisterBroker', brokerId: 3, brokerEpoch: 9 },
  { type: 'topic', name: 'orders', topicId },
  { type: 'removeTopic', topicId },
  { type: 'config', resourceType: 'topic', resourceName: 'orders', name: 'retention.ms', value: '1' },
  { type: 'config', resourceType: 'broker', resourceName: '', name: 'x', value: null },
  { type: 'partition', topicId, partition: 4, replicas: [1, 2, 3], isr: [2, 3], leader: 2,
    leaderEpoch: 5, partitionEpoch: 9, leaderRecoveryState: 0 },
  { type: 'partition', topicId, partition: 0, replicas: [1], isr: [1], leader: -1,
    leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 1 },
  { type: 'partitionChange', topicId, partition: 1 },
  { type: 'partitionChange', topicId, partition: 1, leader: -1 },
  { type: 'partitionChange', topicId, partition: 2, leader: 3, isr: [3], replicas: [3, 1],
    leaderRecoveryState: 1 },
  { type: 'partitionChange', topicId, partition: 2, isr: [], leaderRecoveryState: 0 },
  // Replicas only (an internal topic growing, issue 13): leader, ISR and recovery unchanged.
  { type: 'partitionChange', topicId, partition: 3, replicas: [1, 2, 3] },
  { type: 'producerIds', brokerId: 2, nextProducerId: 3000 },
  { type: 'producerIds', brokerId: -1, nextProducerId: 1 },
  { type: 'userScramCredential', name: 'alice', mechanism: 1, salt: Buffer.from('salt'),
    storedKey: Buffer.alloc(32, 1), serverKey: Buffer.alloc(32, 2), iterations: 4096 },
  { type: 'userScramCredential', name: 'ünï', mechanism: 2, salt: Buffer.alloc(128, 9),
    storedKey: Buffer.alloc(64, 3), serverKey: Buffer.alloc(64, 4), iterations: 16384 },
  { type: 'removeUserScramCredential', name: 'alice', mechanism: 2 },
  { type: 'accessControlEntry', id: topicId, resourceType: 2, resourceName: 'orders',
    patternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 },
  { type: 'accessControlEntry', id: 'AQEBAQEBAQEBAQEBAQEBAQ', resourceType: 7,
    resourceName: 'pay-', patternType: 4, principal: 'User:*', host: '10.0.0.7', operation: 14,
    permissionType: 2 },
  { type: 'removeAccessControlEntry', id: topicId },
  { type: 'event', id: 1, timeMs: 1_765_000_000_000, kind: 'broker-fenced', severity: 1, brokerId: 2,
    topic: null, message: 'broker 2 fenced: its session expired' },
  { type: 'event', id: 2 ** 40, timeMs: 0, kind: 'isr-below-min', severity: 2, brokerId: -1,
    topic: 'orders', message: '' },
  // A kind this version does not write (a newer node's, in a rolling upgrade): read as it is.
  { type: 'event', id: 3, timeMs: 5, kind: 'quota-exceeded', severity: 0, brokerId: 1, topic: null,
    message: 'm' },
];

/**
 * Plain data as the decoder builds it (records with readonly arrays compare by value); Buffers
 * survive as Buffers.
 */
function plain(records: readonly MetadataRecord[]): unknown {
  return JSON.parse(JSON.stringify(records), (_key, value: unknown) => {
    const v = value as { type?: unknown; data?: unknown } | null;
    return v?.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data as number[]) : value;
  });
}

test('every record kind round-trips, alone and as one batch', () => {
  for (const record of samples) {
    const decoded = decodeMetadataRecords(encodeMetadataRecords([record]));
    assert.deepEqual(decoded, { ok: true, records: plain([record]) }, record.type);
  }
  const all = decodeMetadataRecords(encodeMetadataRecords(samples));
  assert.deepEqual(all, { ok: true, records: plain(samples) });
  assert.deepEqual(decodeMetadataRecords(encodeMetadataRecords([])), { ok: true, records: [] });
});

test('a replicas-only partitionChange keeps every other field absent on the wire', () => {
  const record: MetadataRecord =
    { type: 'partitionChange', topicId, partition: 3, replicas: [2, 1] };
  const wire = toWire(record).partitionChange;
  assert.deepEqual([wire.leader, wire.isr, wire.replicas, wire.leaderRecoveryState],
    [-2, null, [2, 1], -1], 'Kafka\'s "unchanged" markers');
  const decoded = decodeMetadataRecords(encodeMetadataRecords([record]));
  assert.deepEqual(decoded, { ok: true, records: [record] });
});

test('seeded random valid batches round-trip and encode deterministically', () => {
  const p = new Prng(5150);
  let image: MetadataImage = emptyImage('c');
  for (let i = 0; i < 300; i++) {
    const batch = randomBatch(p, image);
    const bytes = encodeMetadataRecords(batch);
    const decoded = decodeMetadataRecords(bytes);
    assert.ok(decoded.ok, `step ${i}`);
    assert.deepEqual(decoded.records, plain(batch), `step ${i}`);
    assert.deepEqual(encodeMetadataRecords(decoded.records), bytes, `step ${i}: same bytes again`);
    image = applyRecords(image, decoded.records);
  }
});

test('truncated batches are refused, flipped ones never throw', () => {
  const p = new Prng(77);
  const bytes = encodeMetadataRecords(samples);
  for (let cut = 0; cut < bytes.length; cut++) {
    const decoded = decodeMetadataRecords(bytes.subarray(0, cut));
    assert.equal(decoded.ok, false, `cut at ${cut} of ${bytes.length}`);
  }
  for (let i = 0; i < 2000; i++) {
    const flipped = Buffer.from(bytes);
    const at = p.below(flipped.length);
    flipped[at] = (flipped[at] as number) ^ (1 << p.below(8));
    const decoded = decodeMetadataRecords(flipped);
    if (!decoded.ok) assert.match(decoded.problem, /./);
  }
  assert.equal(decodeMetadataRecords(Buffer.from([0xff, 0xff, 0xff, 0xff])).ok, false);
});

const event = samples.find((r) => r.type === 'event') as MetadataRecord;

test('well-formed bytes with impossible values are refused with a reason', () => {
  const wire = (record: MetadataRecord, edit: (d: ReturnType<typeof toWire>) => void): Buffer => {
    const d = structuredClone(toWire(record));
    edit(d);
    return encodeWireBatch({ records: [d], clusterId: null, recordCount: 0, brokerEpochMax: 0 });
  };
  const cases: [string, Buffer, RegExp][] = [
    ['unknown type', wire(samples[0] as MetadataRecord, (d) => { d.type = 42; }), /unknown record type/],
    ['config type', wire(samples[8] as MetadataRecord, (d) => { d.config.configType = 3; }), /resource/],
    ['recovery', wire(samples[10] as MetadataRecord, (d) => { d.partition.leaderRecoveryState = 5; }),
      /recovery/],
    ['negative broker', wire(samples[2] as MetadataRecord, (d) => { d.fenceBroker.brokerId = -4; }),
      /bad id/],
    ['duplicate replica', wire(samples[10] as MetadataRecord, (d) => { d.partition.replicas = [1, 1]; }),
      /replicas/],
    ['bad leader', wire(samples[13] as MetadataRecord, (d) => { d.partitionChange.leader = -7; }),
      /leader/],
    ['event kind', wire(event, (d) => { d.event.kind = 'Bored!'; }), /malformed kind 'Bored!'/],
    ['event severity', wire(event, (d) => { d.event.severity = 3; }), /severity/],
    ['event id', wire(event, (d) => { d.event.id = 0; }), /bad id/],
    ['event message', wire(event, (d) => { d.event.message = 'x'.repeat(1001); }), /too long/],
  ];
  for (const [label, bytes, reason] of cases) {
    const decoded = decodeMetadataRecords(bytes);
    assert.equal(decoded.ok, false, label);
    if (!decoded.ok) assert.match(decoded.problem, reason, label);
  }
});

/** One record's bytes with one field of its struct replaced (no deep clone: Buffers stay). */
function patched<K extends keyof Omit<WireRecord, 'type'>>(record: MetadataRecord, kind: K,
  patch: Partial<WireRecord[K]>): Buffer {
  const d = toWire(record);
  const edited = { ...d, [kind]: { ...d[kind], ...patch } };
  return encodeWireBatch({ records: [edited], clusterId: null, recordCount: 0, brokerEpochMax: 0 });
}

const scram = samples.find((r) => r.type === 'userScramCredential') as MetadataRecord;
const removeScram = samples.find((r) => r.type === 'removeUserScramCredential') as MetadataRecord;
const acl = samples.find((r) => r.type === 'accessControlEntry') as MetadataRecord;
const removeAcl = samples.find((r) => r.type === 'removeAccessControlEntry') as MetadataRecord;

test('SCRAM and ACL records out of Kafka\'s ranges or our limits are refused with a reason', () => {
  const u = 'userScramCredential';
  const a = 'accessControlEntry';
  const cases: [string, Buffer, RegExp][] = [
    ['empty user', patched(scram, u, { name: '' }), /user name/],
    ['user of 256 bytes', patched(scram, u, { name: 'é'.repeat(128) }), /user name/],
    ['mechanism 0', patched(scram, u, { mechanism: 0 }), /mechanism/],
    ['mechanism 3', patched(scram, u, { mechanism: 3 }), /mechanism/],
    ['4095 iterations', patched(scram, u, { iterations: 4095 }), /iterations/],
    ['16385 iterations', patched(scram, u, { iterations: 16385 }), /iterations/],
    ['empty salt', patched(scram, u, { salt: Buffer.alloc(0) }), /salt/],
    ['129-byte salt', patched(scram, u, { salt: Buffer.alloc(129) }), /salt/],
    ['short stored key', patched(scram, u, { storedKey: Buffer.alloc(31) }), /keys/],
    ['SHA-512 server key for SHA-256', patched(scram, u, { serverKey: Buffer.alloc(64) }), /keys/],
    ['remove: bad mechanism', patched(removeScram, 'removeUserScramCredential', { mechanism: -1 }),
      /mechanism/],
    ['remove: empty user', patched(removeScram, 'removeUserScramCredential', { name: '' }), /user/],
    ['zero ACL id', patched(acl, a, { id: 'AAAAAAAAAAAAAAAAAAAAAA' }), /zero id/],
    ['resource ANY', patched(acl, a, { resourceType: 1 }), /resource/],
    ['resource 8', patched(acl, a, { resourceType: 8 }), /resource/],
    ['pattern MATCH', patched(acl, a, { patternType: 2 }), /pattern/],
    ['operation UNKNOWN', patched(acl, a, { operation: 0 }), /operation/],
    ['operation 15', patched(acl, a, { operation: 15 }), /operation/],
    ['permission ANY', patched(acl, a, { permissionType: 1 }), /permission/],
    ['empty resource name', patched(acl, a, { resourceName: '' }), /resource name/],
    ['principal without a type', patched(acl, a, { principal: 'alice' }), /principal/],
    ['principal ":alice"', patched(acl, a, { principal: ':alice' }), /principal/],
    ['empty host', patched(acl, a, { host: '' }), /host/],
    ['resource name of 32768 bytes', patched(acl, a, { resourceName: 'r'.repeat(0x8000) }),
      /resource name/],
    ['remove: zero ACL id', patched(removeAcl, 'removeAccessControlEntry',
      { id: 'AAAAAAAAAAAAAAAAAAAAAA' }), /zero id/],
  ];
  for (const [label, bytes, reason] of cases) {
    const decoded = decodeMetadataRecords(bytes);
    assert.equal(decoded.ok, false, label);
    if (!decoded.ok) assert.match(decoded.problem, reason, label);
  }
  const longest = patched(scram, u, { name: 'é'.repeat(127) + 'x', salt: Buffer.alloc(128) });
  assert.equal(decodeMetadataRecords(longest).ok, true, '255-byte name, 128-byte salt accepted');
});

test('decoded SCRAM buffers are copies, not views into the entry', () => {
  const bytes = encodeMetadataRecords([scram]);
  const decoded = decodeMetadataRecords(bytes);
  assert.ok(decoded.ok);
  bytes.fill(0);
  assert.deepEqual(decoded.records, plain([scram]));
});
