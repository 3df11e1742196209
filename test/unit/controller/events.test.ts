/**
 * Cluster events (issue 16 item 2, controller/events.ts): a decision's records become one event
 * per kind, with the decision's cause, ids continuing the image's, and only transitions reported
 * (an ISR that was already below min.insync.replicas is not reported again). The image keeps the
 * newest `clusterEventsKept` and a snapshot carries them and the id sequence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limits } from '../../../src/common/index.js';
import {
  alterTopicConfigs, clusterEvents, fenceAndMoveAway, type EventContext,
} from '../../../src/controller/index.js';
import {
  applyRecords, decodeImageSnapshot, encodeImageSnapshot, EventSeverity,
  type ClusterEventRecord, type MetadataImage, type MetadataRecord,
} from '../../../src/metadata/index.js';
import { cluster, withTopic } from './support.js';

const ctx = (over: Partial<EventContext> = {}): EventContext =>
  ({ nowMs: 1_000, minIsrOf: () => 2, ...over });

function decide(image: MetadataImage, records: readonly MetadataRecord[], c: EventContext = ctx()):
  { after: MetadataImage; events: ClusterEventRecord[] } {
  const next = applyRecords(image, records);
  const events = clusterEvents(image, next, records, c);
  return { after: applyRecords(next, events), events };
}

test('a fenced leader: one fence event with its cause, one event for all the leaders that moved', () => {
  let image = withTopic(cluster(3), 'orders', 6, 3);
  image = withTopic(image, 'audit', 2, 3);
  const cause = "broker 1's session expired";
  const { after, events } = decide(image, fenceAndMoveAway(image, 1), ctx({ cause }));
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds, ['broker-fenced', 'leader-moved']);
  const [fenced, moved] = events as [ClusterEventRecord, ClusterEventRecord];
  assert.equal(fenced.brokerId, 1);
  assert.equal(fenced.severity, EventSeverity.warn);
  assert.match(fenced.message, /^broker 1 fenced \(it leads nothing and is out of every ISR\): broker 1's session expired$/);
  const led = [...image.topicsByName.values()].flatMap((t) =>
    t.partitions.filter((p) => p.leader === 1).map((p) => `${t.name}-${p.partition}`));
  assert.ok(led.length >= 2, 'broker 1 led partitions of both topics');
  assert.match(moved.message, new RegExp(`^${led.length} partition leader\\(s\\) moved: `));
  assert.equal(moved.topic, null, 'two topics');
  assert.deepEqual(events.map((e) => e.id), [1, 2]);
  assert.equal(after.eventSeq, 2);
  assert.deepEqual(after.events.map((e) => e.kind), kinds);
  assert.equal(fenced.timeMs, 1_000);
});

test('ISR below min.insync.replicas and back, offline and back online: transitions only', () => {
  let image = withTopic(cluster(3), 't', 1, 3);
  const topicId = image.topicsByName.get('t')!.topicId;
  const change = (isr: number[], leader?: number): MetadataRecord =>
    ({ type: 'partitionChange', topicId, partition: 0, isr, ...(leader === undefined ? {} : { leader }) });
  const leader = image.topicsByName.get('t')!.partitions[0]!.leader;
  let r = decide(image, [change([leader])]);
  assert.deepEqual(r.events.map((e) => [e.kind, e.topic, e.severity]),
    [['isr-below-min', 't', EventSeverity.warn]]);
  assert.match(r.events[0]!.message, /1 partition\(s\) below min.insync.replicas .*: t-0 \[\d\] < 2/);
  image = r.after;
  r = decide(image, [change([leader])]);
  assert.deepEqual(r.events, [], 'still below: nothing new');
  r = decide(image, [change([leader], -1)]);
  assert.deepEqual(r.events.map((e) => e.kind), ['partition-offline']);
  assert.equal(r.events[0]!.severity, EventSeverity.error);
  image = r.after;
  r = decide(image, [change([leader], leader)]);
  assert.deepEqual(r.events.map((e) => e.kind), ['partition-online']);
  image = r.after;
  r = decide(image, [change([1, 2, 3])]);
  assert.deepEqual(r.events.map((e) => e.kind), ['isr-restored']);
});

test('topics created and deleted, config changes grouped per resource; cluster.id is not news', () => {
  const base = cluster(3);
  let r = decide(base, [{ type: 'config', resourceType: 'broker', resourceName: '', name: 'cluster.id',
    value: 'x' }]);
  assert.deepEqual(r.events, []);
  const image = withTopic(base, 'orders', 3, 2, [{ name: 'retention.ms', value: '5' }]);
  const created = clusterEvents(base, image, [...image.topicsByName.values()].flatMap((t) =>
    [{ type: 'topic' as const, name: t.name, topicId: t.topicId },
      { type: 'config' as const, resourceType: 'topic' as const, resourceName: t.name, name: 'retention.ms',
        value: '5' }]), ctx());
  assert.deepEqual(created.map((e) => [e.kind, e.message]),
    [['topic-created', 'topic orders created: 3 partition(s) × 2 replica(s)']]);
  const altered = alterTopicConfigs(image, 'orders',
    [{ name: 'retention.ms', value: null }, { name: 'segment.bytes', value: '1048576' }]);
  r = decide(image, altered.records);
  assert.deepEqual(r.events.map((e) => [e.kind, e.topic, e.message]), [['config-changed', 'orders',
    'topic orders config changed: retention.ms back to its default, segment.bytes=1048576']]);
  r = decide(image, [{ type: 'removeTopic', topicId: image.topicsByName.get('orders')!.topicId }]);
  assert.deepEqual(r.events.map((e) => e.message), ['topic orders deleted']);
});

test('notes are recorded as given; long messages are clipped to the limit', () => {
  const image = cluster(1);
  const { events } = decide(image, [], ctx({ notes: [
    { kind: 'controller-changed', severity: EventSeverity.info, brokerId: 1, message: 'node 1 is the controller' },
    { kind: 'disk-low', severity: EventSeverity.warn, brokerId: 1, message: 'x'.repeat(5000) },
  ] }));
  assert.deepEqual(events.map((e) => [e.kind, e.brokerId, e.topic]),
    [['controller-changed', 1, null], ['disk-low', 1, null]]);
  assert.equal(events[1]!.message.length, limits.clusterEventMessageMax);
});

test('the image keeps the newest events; a snapshot keeps them and the id sequence', () => {
  let image = cluster(1);
  const total = limits.clusterEventsKept + 40;
  for (let i = 0; i < total; i++) {
    image = decide(image, [], ctx({ nowMs: i, notes: [{ kind: 'disk-low', severity: EventSeverity.warn,
      message: `n${i}` }] })).after;
  }
  assert.equal(image.events.length, limits.clusterEventsKept);
  assert.equal(image.eventSeq, total);
  assert.equal(image.events[0]!.id, total - limits.clusterEventsKept + 1);
  const decoded = decodeImageSnapshot(encodeImageSnapshot(image));
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.image.events, image.events);
  assert.equal(decoded.image.eventSeq, total);
  assert.throws(() => applyRecords(image, [{ type: 'event', id: total, timeMs: 0, kind: 'disk-low',
    severity: 1, brokerId: -1, topic: null, message: 'again' }]), /after/);
});
