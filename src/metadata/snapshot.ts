/**
 * Image snapshots, so that Raft can compact the metadata log: a snapshot is the image written as
 * the records that rebuild it (as Kafka's KRaft snapshots are), in one MetadataRecordBatch whose
 * snapshot-only fields carry the cluster id, the record count and the highest broker epoch. A
 * restarted node loads the newest snapshot and replays the log entries after it.
 *
 * Deterministic: brokers by id, topics by name, configs by name, SCRAM credentials by user then
 * mechanism, ACLs by id, brokers in maintenance by id, events in id order, so equal images give
 * equal bytes.
 */
import {
  encodeWireBatch, decodeWireBatch, fromWireRecords, toWire,
} from './codec.js';
import {
  applyRecords, emptyImage, type AclImage, type MetadataImage, type ScramCredentialImage,
  type ScramCredentialsOfUser, type TopicImage,
} from './image.js';
import type { MetadataRecord } from './records.js';

export type DecodedSnapshot =
  | { readonly ok: true; readonly image: MetadataImage }
  | { readonly ok: false; readonly problem: string };

export function encodeImageSnapshot(image: MetadataImage): Buffer {
  return encodeWireBatch({
    records: imageRecords(image).map(toWire),
    clusterId: image.clusterId,
    recordCount: image.recordCount,
    brokerEpochMax: image.brokerEpochMax,
  });
}

/**
 * The image a snapshot holds, or why the bytes are not a snapshot. Bytes are checked (never
 * throws on a truncated or garbled buffer); the records inside are trusted as our own, like the
 * log's committed entries: one that contradicts the image fails an assert.
 */
export function decodeImageSnapshot(buf: Buffer): DecodedSnapshot {
  const batch = decodeWireBatch(buf);
  if (typeof batch === 'string') return { ok: false, problem: batch };
  if (batch.clusterId === null) return { ok: false, problem: 'not a snapshot: no cluster id' };
  const decoded = fromWireRecords(batch.records);
  if (!decoded.ok) return decoded;
  const rebuilt = applyRecords(emptyImage(batch.clusterId), decoded.records);
  if (batch.brokerEpochMax < rebuilt.brokerEpochMax || batch.recordCount < 0) {
    return { ok: false, problem: 'snapshot header contradicts its records' };
  }
  const { recordCount, brokerEpochMax } = batch;
  const image = { ...rebuilt, recordCount, brokerEpochMax };
  return { ok: true, image };
}

/** Records that rebuild `image` from an empty one (its counters aside). */
export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const b of [...image.brokers.values()].sort((x, y) => x.brokerId - y.brokerId)) {
    const { brokerId, incarnationId, host, port, rack, brokerEpoch, endpoints } = b;
    out.push({ type: 'registerBroker', brokerId, incarnationId, host, port, rack, brokerEpoch,
      ...(endpoints.length === 0 ? {} : { endpoints }) });
    if (!b.fenced) out.push({ type: 'unfenceBroker', brokerId, brokerEpoch });
  }
  for (const [name, value] of sortedEntries(image.brokerConfigs)) {
    out.push({ type: 'config', resourceType: 'broker', resourceName: '', name, value });
  }
  const names = [...image.topicsByName.keys()].sort();
  for (const name of names) topicRecords(image.topicsByName.get(name) as TopicImage, out);
  if (image.nextProducerId > 0) {
    out.push({ type: 'producerIds', brokerId: -1, nextProducerId: image.nextProducerId });
  }
  securityRecords(image, out);
  for (const brokerId of [...image.maintenance].sort((a, b) => a - b)) {
    out.push({ type: 'brokerMaintenance', brokerId, enabled: true });
  }
  for (const event of image.events) out.push({ type: 'event', ...event });
  return out;
}

function securityRecords(image: MetadataImage, out: MetadataRecord[]): void {
  for (const name of [...image.scramCredentials.keys()].sort()) {
    const byMechanism = image.scramCredentials.get(name) as ScramCredentialsOfUser;
    for (const mechanism of [...byMechanism.keys()].sort((a, b) => a - b)) {
      const c = byMechanism.get(mechanism) as ScramCredentialImage;
      out.push({ type: 'userScramCredential', name, ...c });
    }
  }
  for (const id of [...image.acls.keys()].sort()) {
    out.push({ type: 'accessControlEntry', ...(image.acls.get(id) as AclImage) });
  }
}

function topicRecords(topic: TopicImage, out: MetadataRecord[]): void {
  const { name, topicId } = topic;
  out.push({ type: 'topic', name, topicId });
  for (const [key, value] of sortedEntries(topic.configs)) {
    out.push({ type: 'config', resourceType: 'topic', resourceName: name, name: key, value });
  }
  for (const p of topic.partitions) out.push({ type: 'partition', topicId, ...p });
}

function sortedEntries(map: ReadonlyMap<string, string>): [string, string][] {
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

