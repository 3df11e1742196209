/**
 * The "consumer" protocol type's opaque bytes inside JoinGroup metadata and SyncGroup assignments:
 * ConsumerProtocolSubscription and ConsumerProtocolAssignment (Kafka's message definitions,
 * versions 0–3, not flexible), each prefixed by an int16 version. Java, librdkafka and kafkajs
 * members all read and write these, so a pado member can share a group with them.
 *
 * Decoding follows Kafka's ConsumerProtocol: a newer version than we know is read as the newest we
 * know and its trailing fields are ignored (fields are only ever appended).
 */
import { PadoError, PadoErrorCode } from '../common/index.js';
import { Reader, Writer } from '../protocol/index.js';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+: partitions the member owned before this rebalance (cooperative assignors). */
  ownedPartitions: TopicPartitions[];
  /** v2+: the generation of ownedPartitions; -1 when absent. */
  generationId: number;
  /** v3+: the member's rack (KIP-881); null when absent. */
  rackId: string | null;
}

export interface ConsumerAssignment {
  version: number;
  assignedPartitions: TopicPartitions[];
  userData: Buffer | null;
}

/** The newest version of both structures that this codec reads field by field. */
export const consumerProtocolVersionMax = 3;

export interface SubscriptionInput {
  topics: readonly string[];
  userData?: Buffer | null;
}

/**
 * Version 0 (topics + user data): what kafkajs sends and all members read; our range assignor
 * needs neither owned partitions nor racks.
 */
export function encodeSubscription(input: SubscriptionInput): Buffer {
  const userData = input.userData ?? Buffer.alloc(0);
  const size = 2 + sizeStrings(input.topics) + 4 + userData.length;
  const w = new Writer(size);
  w.int16(0);
  w.stringArray(input.topics, false);
  w.nullableBytes(userData, false);
  return single(w);
}

export function decodeSubscription(buf: Buffer): ConsumerSubscription {
  const r = new Reader(buf);
  const version = r.int16();
  const sub: ConsumerSubscription = {
    version,
    topics: r.stringArray(false, false),
    userData: r.nullableBytes(false),
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  };
  // Later fields are "ignorable": a v1+ writer may still end after user data.
  if (version >= 1 && r.remaining() > 0) sub.ownedPartitions = readTopicPartitions(r);
  if (version >= 2 && r.remaining() > 0) sub.generationId = r.int32();
  if (version >= 3 && r.remaining() > 0) sub.rackId = r.nullableString(false);
  finish(r, version, 'subscription');
  return sub;
}

export interface AssignmentInput {
  assignedPartitions: readonly TopicPartitions[];
  userData?: Buffer | null;
}

/** Version 0: the same fields as every later version of the assignment. */
export function encodeAssignment(input: AssignmentInput): Buffer {
  const userData = input.userData ?? Buffer.alloc(0);
  let size = 2 + 4 + 4 + userData.length;
  for (const tp of input.assignedPartitions) {
    size += 2 + Buffer.byteLength(tp.topic, 'utf8') + 4 + 4 * tp.partitions.length;
  }
  const w = new Writer(size);
  w.int16(0);
  w.arrayLength(input.assignedPartitions.length, false);
  for (const tp of input.assignedPartitions) {
    w.string(tp.topic, false);
    w.int32Array(tp.partitions, false);
  }
  w.nullableBytes(userData, false);
  return single(w);
}

/** An empty buffer is an empty assignment: brokers hand it to members the leader left out. */
export function decodeAssignment(buf: Buffer): ConsumerAssignment {
  if (buf.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const r = new Reader(buf);
  const version = r.int16();
  const assignedPartitions = readTopicPartitions(r);
  const userData = r.nullableBytes(false);
  finish(r, version, 'assignment');
  return { version, assignedPartitions, userData };
}

function readTopicPartitions(r: Reader): TopicPartitions[] {
  const count = r.arrayLength(false, false);
  const out: TopicPartitions[] = [];
  // Each entry takes at least 6 bytes, so a hostile count fails on bytes, not on memory.
  for (let i = 0; i < count && !r.failed; i++) {
    out.push({ topic: r.string(false), partitions: r.int32Array(false, false) });
  }
  return out;
}

function finish(r: Reader, version: number, what: string): void {
  if (version < 0) r.fail(`negative version ${version}`);
  // Bytes after the fields we know belong to a newer version; only our own versions must end.
  if (version <= consumerProtocolVersionMax) r.expectEnd();
  if (r.failed) {
    throw new PadoError(PadoErrorCode.protocolDecode,
      `malformed consumer protocol ${what}: ${r.error ?? 'unknown error'}`);
  }
}

function sizeStrings(items: readonly string[]): number {
  let size = 4;
  for (const s of items) size += 2 + Buffer.byteLength(s, 'utf8');
  return size;
}

function single(w: Writer): Buffer {
  const chunks = w.finish();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
