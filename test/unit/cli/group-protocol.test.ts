// Proves the consumer-protocol codecs and the range assignor used by `pado consume --group`:
// subscriptions and assignments round-trip, our bytes equal what kafkajs's AssignerProtocol
// encodes for the same content (and kafkajs decodes ours), newer versions written by Java or
// librdkafka (owned partitions, generation, rack, trailing fields) decode, malformed bytes are a
// PadoError rather than a crash, and the range split matches Kafka's RangeAssignor on known cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol } from 'kafkajs';
import {
  decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssign,
} from '../../../src/client/index.js';
import { isPadoError } from '../../../src/common/index.js';

test('subscription: round trip and byte-equal to kafkajs MemberMetadata', () => {
  const topics = ['orders', 'payments', 'ünïcode'];
  const ours = encodeSubscription({ topics });
  const theirs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) });
  assert.deepEqual(ours, theirs);
  assert.deepEqual(decodeSubscription(ours), {
    version: 0, topics, userData: Buffer.alloc(0), ownedPartitions: [], generationId: -1,
    rackId: null,
  });
  const withUserData = encodeSubscription({ topics: ['a'], userData: Buffer.from('xyz') });
  assert.deepEqual(AssignerProtocol.MemberMetadata.decode(withUserData),
    { version: 0, topics: ['a'], userData: Buffer.from('xyz') });
});

test('assignment: round trip and byte-equal to kafkajs MemberAssignment', () => {
  const assignedPartitions = [{ topic: 'orders', partitions: [0, 1, 2] }, { topic: 'p', partitions: [7] }];
  const ours = encodeAssignment({ assignedPartitions });
  const theirs = AssignerProtocol.MemberAssignment.encode({
    version: 0, assignment: { orders: [0, 1, 2], p: [7] }, userData: Buffer.alloc(0),
  });
  assert.deepEqual(ours, theirs);
  assert.deepEqual(decodeAssignment(ours),
    { version: 0, assignedPartitions, userData: Buffer.alloc(0) });
  assert.deepEqual(decodeAssignment(theirs).assignedPartitions, assignedPartitions);
  // An empty assignment buffer (a member the leader left out) is no partitions, not an error.
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)).assignedPartitions, []);
});

/** A v3 subscription as Java/librdkafka write it: owned partitions, generation, rack. */
function subscriptionV3(trailing: Buffer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [];
  const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); parts.push(b); };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); parts.push(b); };
  const str = (s: string) => { i16(Buffer.byteLength(s)); parts.push(Buffer.from(s)); };
  i16(3);
  i32(1); str('orders');
  i32(-1); // null user data
  i32(1); str('orders'); i32(2); i32(4); i32(5);
  i32(7); // generation
  str('rack-a');
  parts.push(trailing);
  return Buffer.concat(parts);
}

test('subscription: v3 fields decode; a newer version may carry trailing fields', () => {
  assert.deepEqual(decodeSubscription(subscriptionV3()), {
    version: 3, topics: ['orders'], userData: null,
    ownedPartitions: [{ topic: 'orders', partitions: [4, 5] }], generationId: 7, rackId: 'rack-a',
  });
  const v4 = subscriptionV3(Buffer.from([1, 2, 3]));
  v4.writeInt16BE(4, 0);
  assert.equal(decodeSubscription(v4).rackId, 'rack-a');
  // Trailing bytes in a version we know field by field mean a misread: refused.
  assert.throws(() => decodeSubscription(subscriptionV3(Buffer.from([0]))),
    (e: unknown) => isPadoError(e, 'PADO_PROTOCOL_DECODE'));
});

test('malformed bytes are a PadoError, never a crash or a huge allocation', () => {
  const good = encodeAssignment({ assignedPartitions: [{ topic: 'orders', partitions: [0, 1] }] });
  for (let cut = 1; cut < good.length; cut++) {
    assert.throws(() => decodeAssignment(good.subarray(0, cut)),
      (e: unknown) => isPadoError(e, 'PADO_PROTOCOL_DECODE'), `cut at ${cut}`);
  }
  const hostile = Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => decodeAssignment(hostile), (e: unknown) => isPadoError(e));
  assert.throws(() => decodeSubscription(hostile), (e: unknown) => isPadoError(e));
});

test('range assignor: contiguous ranges, extras to the first members, per topic', () => {
  const members = [
    { memberId: 'c', groupInstanceId: null, topics: ['t'] },
    { memberId: 'a', groupInstanceId: null, topics: ['t', 'u'] },
    { memberId: 'b', groupInstanceId: null, topics: ['t'] },
  ];
  const plan = rangeAssign(members, new Map([['t', 7], ['u', 2], ['missing', 3]]));
  assert.deepEqual(plan.get('a'), [
    { topic: 't', partitions: [0, 1, 2] }, { topic: 'u', partitions: [0, 1] }]);
  assert.deepEqual(plan.get('b'), [{ topic: 't', partitions: [3, 4] }]);
  assert.deepEqual(plan.get('c'), [{ topic: 't', partitions: [5, 6] }]);
});

test('range assignor: more members than partitions, unknown topics, static members first', () => {
  const plan = rangeAssign([
    { memberId: 'm1', groupInstanceId: null, topics: ['t'] },
    { memberId: 'm2', groupInstanceId: null, topics: ['t'] },
    { memberId: 'z', groupInstanceId: 'instance-1', topics: ['t', 'gone'] },
  ], new Map([['t', 2]]));
  assert.deepEqual(plan.get('z'), [{ topic: 't', partitions: [0] }]);
  assert.deepEqual(plan.get('m1'), [{ topic: 't', partitions: [1] }]);
  assert.deepEqual(plan.get('m2'), []);
  // Every partition exactly once, whatever the member count.
  for (let n = 1; n <= 9; n++) {
    const many = Array.from({ length: n }, (_, i) =>
      ({ memberId: `m${i}`, groupInstanceId: null, topics: ['t'] }));
    const all = [...rangeAssign(many, new Map([['t', 6]])).values()]
      .flatMap((tps) => tps.flatMap((tp) => tp.partitions)).sort((a, b) => a - b);
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5], `members=${n}`);
  }
});
