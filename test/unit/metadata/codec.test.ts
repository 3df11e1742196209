/**
 * Proves the metadata record codec: every record kind (with and without its optional fields)
 * survives encode → decode unchanged; seeded random batches from a valid record generator do too;
 * truncated batches are refused and bit-flipped ones never throw; structurally valid bytes that
 * hold impossible values (unknown type, bad enum) are refused with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  applyRecords, decodeMetadataRecords, emptyImage, encodeMetadataRecords, encodeWireBatch, toWire,
  type MetadataImage, type MetadataRecord,
} from '../../../src/metadata/index.js';
import { randomBatch } from './support.js';

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
];

/** Plain data as the decoder builds it (records with readonly arrays compare by value). */
function plain(records: readonly MetadataRecord[]): unknown {
  return JSON.parse(JSON.stringify(records));
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
  ];
  for (const [label, bytes, reason] of cases) {
    const decoded = decodeMetadataRecords(bytes);
    assert.equal(decoded.ok, false, label);
    if (!decoded.ok) assert.match(decoded.problem, reason, label);
  }
});
