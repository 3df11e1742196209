/**
 * Metadata records on the wire: one Raft entry carries one MetadataRecordBatch (schema in
 * src/protocol/schemas/metadata-record-batch.ts, codec generated). This file maps the generated
 * union-as-tagged-structs form to the `type`-tagged records of records.ts and back.
 *
 * Decoding never throws on bad bytes: a truncated, bit-flipped or semantically impossible batch
 * (unknown type, negative id, bad enum) is refused as a whole with the reason, so a corrupt entry
 * can never be half-applied.
 */
import { assert, limits } from '../common/index.js';
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType, Reader, ScramMechanismCode,
  scramKeyBytes, Writer, zeroUuid,
  decodeMetadataRecordBatchRequest, encodeMetadataRecordBatchRequest,
  sizeMetadataRecordBatchRequest,
  defaultMetadataRecordBatchRequestConfigRecord as defaultConfig,
  defaultMetadataRecordBatchRequestFenceBrokerRecord as defaultFence,
  defaultMetadataRecordBatchRequestPartitionChangeRecord as defaultChange,
  defaultMetadataRecordBatchRequestPartitionRecord as defaultPartition,
  defaultMetadataRecordBatchRequestProducerIdsRecord as defaultProducerIds,
  defaultMetadataRecordBatchRequestRegisterBrokerRecord as defaultRegister,
  defaultMetadataRecordBatchRequestRemoveTopicRecord as defaultRemoveTopic,
  defaultMetadataRecordBatchRequestTopicRecord as defaultTopic,
  defaultMetadataRecordBatchRequestUnfenceBrokerRecord as defaultUnfence,
  defaultMetadataRecordBatchRequestUnregisterBrokerRecord as defaultUnregister,
  defaultMetadataRecordBatchRequestUserScramCredentialRecord as defaultScram,
  defaultMetadataRecordBatchRequestRemoveUserScramCredentialRecord as defaultRemoveScram,
  defaultMetadataRecordBatchRequestAccessControlEntryRecord as defaultAcl,
  defaultMetadataRecordBatchRequestRemoveAccessControlEntryRecord as defaultRemoveAcl,
  defaultMetadataRecordBatchRequestClusterEventRecord as defaultEvent,
  defaultMetadataRecordBatchRequestBrokerMaintenanceRecord as defaultMaintenance,
  type MetadataRecordBatchRequest as WireBatch,
  type MetadataRecordBatchRequestMetadataRecordData as WireRecord,
  type MetadataRecordBatchRequestPartitionChangeRecord as WireChange,
  type MetadataRecordBatchRequestPartitionRecord as WirePartition,
  type MetadataRecordBatchRequestUserScramCredentialRecord as WireScram,
  type MetadataRecordBatchRequestAccessControlEntryRecord as WireAcl,
  type MetadataRecordBatchRequestClusterEventRecord as WireEvent,
} from '../protocol/index.js';
import {
  eventKindPattern,
  type AccessControlEntryRecord, type BrokerEndpoint, type LeaderRecoveryState,
  type MetadataRecord, type PartitionChangeRecord, type PartitionRecord,
  type UserScramCredentialRecord,
} from './records.js';

/** Wire `type` per record kind; also the tag of the struct that carries it. */
const typeCodes = {
  registerBroker: 0, fenceBroker: 1, unfenceBroker: 2, unregisterBroker: 3, topic: 4,
  removeTopic: 5, config: 6, partition: 7, partitionChange: 8, producerIds: 9,
  userScramCredential: 10, removeUserScramCredential: 11, accessControlEntry: 12,
  removeAccessControlEntry: 13, event: 14, brokerMaintenance: 15,
} as const satisfies Record<MetadataRecord['type'], number>;

/** Kafka's ConfigResource types. */
const configTopic = 2;
const configBroker = 4;
/** PartitionChangeRecord "unchanged" markers (Kafka uses the same values). */
const leaderUnchanged = -2;
const recoveryUnchanged = -1;

/** Every kind at its default: absent kinds share these (encode only reads them, never writes). */
const absent: Omit<WireRecord, 'type'> = {
  registerBroker: defaultRegister(), fenceBroker: defaultFence(), unfenceBroker: defaultUnfence(),
  unregisterBroker: defaultUnregister(), topic: defaultTopic(), removeTopic: defaultRemoveTopic(),
  config: defaultConfig(), partition: defaultPartition(), partitionChange: defaultChange(),
  producerIds: defaultProducerIds(), userScramCredential: defaultScram(),
  removeUserScramCredential: defaultRemoveScram(), accessControlEntry: defaultAcl(),
  removeAccessControlEntry: defaultRemoveAcl(), event: defaultEvent(),
  brokerMaintenance: defaultMaintenance(),
};

export type DecodedRecords =
  | { readonly ok: true; readonly records: MetadataRecord[] }
  | { readonly ok: false; readonly problem: string };

/** The bytes of one Raft entry holding `records`, in order. */
export function encodeMetadataRecords(records: readonly MetadataRecord[]): Buffer {
  return encodeWireBatch({
    records: records.map(toWire), clusterId: null, recordCount: 0, brokerEpochMax: 0,
  });
}

/** Records of one Raft entry, or why the bytes are not a valid batch. Never throws. */
export function decodeMetadataRecords(buf: Buffer): DecodedRecords {
  const batch = decodeWireBatch(buf);
  if (typeof batch === 'string') return { ok: false, problem: batch };
  return fromWireRecords(batch.records);
}

/** Shared with snapshot.ts: a whole batch, sized first, one allocation. */
export function encodeWireBatch(batch: WireBatch): Buffer {
  const w = new Writer(sizeMetadataRecordBatchRequest(0, batch));
  encodeMetadataRecordBatchRequest(w, 0, batch);
  const chunks = w.finish();
  assert(chunks.length === 1, 'a metadata batch has no zero-copy records');
  return chunks[0] as Buffer;
}

/** The decoded batch, or why it is malformed. */
export function decodeWireBatch(buf: Buffer): WireBatch | string {
  const r = new Reader(buf);
  const batch = decodeMetadataRecordBatchRequest(r, 0);
  r.expectEnd();
  return r.failed ? `malformed metadata batch: ${r.error ?? 'unknown'}` : batch;
}

export function fromWireRecords(wire: readonly WireRecord[]): DecodedRecords {
  const records: MetadataRecord[] = [];
  for (const [i, d] of wire.entries()) {
    const record = fromWire(d);
    if (typeof record === 'string') return { ok: false, problem: `record ${i}: ${record}` };
    records.push(record);
  }
  return { ok: true, records };
}

export function toWire(record: MetadataRecord): WireRecord {
  const type = typeCodes[record.type];
  // The records carry exactly the wire fields (plus `type`, which the writer ignores), so most
  // go out as they are; `readonly` arrays are only read by the writer.
  switch (record.type) {
    case 'registerBroker':
      return { ...absent, type, registerBroker: { ...record, endpoints: [...record.endpoints ?? []] } };
    case 'fenceBroker': return { ...absent, type, fenceBroker: record };
    case 'unfenceBroker': return { ...absent, type, unfenceBroker: record };
    case 'unregisterBroker': return { ...absent, type, unregisterBroker: record };
    case 'topic': return { ...absent, type, topic: record };
    case 'removeTopic': return { ...absent, type, removeTopic: record };
    case 'producerIds': return { ...absent, type, producerIds: record };
    case 'partition': return { ...absent, type, partition: partitionToWire(record) };
    case 'config': {
      const configType = record.resourceType === 'topic' ? configTopic : configBroker;
      const { resourceName, name, value } = record;
      return { ...absent, type, config: { configType, resourceName, name, value } };
    }
    case 'partitionChange': return { ...absent, type, partitionChange: changeToWire(record) };
    case 'userScramCredential': return { ...absent, type, userScramCredential: record };
    case 'removeUserScramCredential': return { ...absent, type, removeUserScramCredential: record };
    case 'accessControlEntry': return { ...absent, type, accessControlEntry: record };
    case 'removeAccessControlEntry': return { ...absent, type, removeAccessControlEntry: record };
    case 'event': return { ...absent, type, event: record };
    case 'brokerMaintenance': return { ...absent, type, brokerMaintenance: record };
  }
}

function partitionToWire(p: PartitionRecord): WirePartition {
  return {
    topicId: p.topicId, partition: p.partition, replicas: [...p.replicas], isr: [...p.isr],
    leader: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch,
    leaderRecoveryState: p.leaderRecoveryState,
    addingReplicas: [...p.addingReplicas ?? []], removingReplicas: [...p.removingReplicas ?? []],
  };
}

function changeToWire(c: PartitionChangeRecord): WireChange {
  return {
    topicId: c.topicId,
    partition: c.partition,
    leader: c.leader ?? leaderUnchanged,
    isr: (c.isr as number[] | undefined) ?? null,
    replicas: (c.replicas as number[] | undefined) ?? null,
    leaderRecoveryState: c.leaderRecoveryState ?? recoveryUnchanged,
    addingReplicas: (c.addingReplicas as number[] | undefined) ?? null,
    removingReplicas: (c.removingReplicas as number[] | undefined) ?? null,
  };
}

const isId = (n: number): boolean => n >= 0;
const isEpoch = (n: number): boolean => n >= 0;
const isLeader = (n: number): boolean => n >= -1;
const isRecovery = (n: number): n is LeaderRecoveryState => n === 0 || n === 1;
const isIdList = (a: readonly number[]): boolean => a.every(isId) && new Set(a).size === a.length;

/** Listeners a node config could hold (config/node-config.ts): distinct names, real ports. */
export function endpointsProblem(endpoints: readonly BrokerEndpoint[]): string | undefined {
  if (endpoints.length > brokerEndpointsMax) return `${endpoints.length} endpoints`;
  const names = new Set<string>();
  for (const e of endpoints) {
    if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(e.name) || names.has(e.name)) {
      return `endpoint name '${e.name.slice(0, 40)}'`;
    }
    names.add(e.name);
    if (e.host.length === 0 || e.host.length > limits.brokerHostLengthMax) {
      return `endpoint host of ${e.host.length} characters`;
    }
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return `endpoint port ${e.port}`;
    if (e.securityProtocol < 0 || e.securityProtocol > 3) {
      return `endpoint security protocol ${e.securityProtocol}`;
    }
  }
  return undefined;
}

/** Listeners per broker (config listenersMax). */
export const brokerEndpointsMax = 8;

/** A record, or why the struct is not a valid one. */
function fromWire(d: WireRecord): MetadataRecord | string {
  switch (d.type) {
    case typeCodes.registerBroker: {
      const { brokerId, incarnationId, host, port, rack, brokerEpoch, endpoints } = d.registerBroker;
      if (!isId(brokerId) || !isEpoch(brokerEpoch)) return 'registerBroker: bad id or epoch';
      if (port < 0 || port > 65535) return `registerBroker: bad port ${port}`;
      const problem = endpointsProblem(endpoints);
      if (problem !== undefined) return `registerBroker: ${problem}`;
      return { type: 'registerBroker', brokerId, incarnationId, host, port, rack, brokerEpoch,
        ...(endpoints.length === 0 ? {} : { endpoints: endpoints.map((e) => ({ ...e })) }) };
    }
    case typeCodes.fenceBroker: return brokerEvent('fenceBroker', d.fenceBroker);
    case typeCodes.unfenceBroker: return brokerEvent('unfenceBroker', d.unfenceBroker);
    case typeCodes.unregisterBroker: return brokerEvent('unregisterBroker', d.unregisterBroker);
    case typeCodes.topic: return { type: 'topic', name: d.topic.name, topicId: d.topic.topicId };
    case typeCodes.removeTopic: return { type: 'removeTopic', topicId: d.removeTopic.topicId };
    case typeCodes.config: {
      const { configType, resourceName, name, value } = d.config;
      if (configType !== configTopic && configType !== configBroker) {
        return `config: unknown resource type ${configType}`;
      }
      const resourceType = configType === configTopic ? 'topic' : 'broker';
      return { type: 'config', resourceType, resourceName, name, value };
    }
    case typeCodes.partition: return partitionFromWire(d.partition);
    case typeCodes.partitionChange: return changeFromWire(d.partitionChange);
    case typeCodes.producerIds: {
      const { brokerId, nextProducerId } = d.producerIds;
      if (!isLeader(brokerId) || nextProducerId < 0) return 'producerIds: bad broker or id';
      return { type: 'producerIds', brokerId, nextProducerId };
    }
    case typeCodes.userScramCredential: return scramFromWire(d.userScramCredential);
    case typeCodes.removeUserScramCredential: {
      const { name, mechanism } = d.removeUserScramCredential;
      if (!isScramUserName(name) || !isScramMechanismCode(mechanism)) {
        return 'removeUserScramCredential: bad user name or mechanism';
      }
      return { type: 'removeUserScramCredential', name, mechanism };
    }
    case typeCodes.accessControlEntry: return aclFromWire(d.accessControlEntry);
    case typeCodes.removeAccessControlEntry: {
      const { id } = d.removeAccessControlEntry;
      if (id === zeroUuid) return 'removeAccessControlEntry: zero id';
      return { type: 'removeAccessControlEntry', id };
    }
    case typeCodes.event: return eventFromWire(d.event);
    case typeCodes.brokerMaintenance: {
      const { brokerId, enabled } = d.brokerMaintenance;
      if (!isId(brokerId)) return 'brokerMaintenance: bad broker id';
      return { type: 'brokerMaintenance', brokerId, enabled };
    }
    default: return `unknown record type ${d.type}`;
  }
}

function eventFromWire(e: WireEvent): MetadataRecord | string {
  const { id, timeMs, kind, severity, brokerId, topic, message } = e;
  if (id < 1 || timeMs < 0 || !isLeader(brokerId)) return 'event: bad id, time or broker';
  if (!eventKindPattern.test(kind)) return `event: malformed kind '${kind.slice(0, 40)}'`;
  if (severity !== 0 && severity !== 1 && severity !== 2) return `event: bad severity ${severity}`;
  if (message.length > limits.clusterEventMessageMax || (topic !== null && topic.length > 249)) {
    return 'event: message or topic too long';
  }
  return { type: 'event', id, timeMs, kind, severity, brokerId, topic, message };
}

function brokerEvent<T extends 'fenceBroker' | 'unfenceBroker' | 'unregisterBroker'>(
  type: T, d: { brokerId: number; brokerEpoch: number },
): { type: T; brokerId: number; brokerEpoch: number } | string {
  if (!isId(d.brokerId) || !isEpoch(d.brokerEpoch)) return `${type}: bad id or epoch`;
  return { type, brokerId: d.brokerId, brokerEpoch: d.brokerEpoch };
}

function partitionFromWire(p: WirePartition): MetadataRecord | string {
  const { topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch } = p;
  const recovery = p.leaderRecoveryState;
  if (!isId(partition) || !isLeader(leader) || !isEpoch(leaderEpoch) || !isEpoch(partitionEpoch)) {
    return 'partition: bad index, leader or epoch';
  }
  if (!isIdList(replicas) || !isIdList(isr) || !isRecovery(recovery)) {
    return 'partition: bad replicas, isr or recovery state';
  }
  const { addingReplicas: adding, removingReplicas: removing } = p;
  if (!isIdList(adding) || !isIdList(removing)) return 'partition: bad reassignment';
  return {
    type: 'partition', topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch,
    leaderRecoveryState: recovery,
    ...(adding.length === 0 ? {} : { addingReplicas: adding }),
    ...(removing.length === 0 ? {} : { removingReplicas: removing }),
  };
}

function changeFromWire(c: WireChange): MetadataRecord | string {
  if (!isId(c.partition)) return 'partitionChange: bad partition index';
  if (c.leader !== leaderUnchanged && !isLeader(c.leader)) return 'partitionChange: bad leader';
  const lists = [c.isr, c.replicas, c.addingReplicas, c.removingReplicas];
  if (lists.some((list) => list !== null && !isIdList(list))) {
    return 'partitionChange: bad isr, replicas or reassignment';
  }
  const recovery = c.leaderRecoveryState;
  if (recovery !== recoveryUnchanged && !isRecovery(recovery)) {
    return 'partitionChange: bad recovery state';
  }
  // exactOptionalPropertyTypes: an unchanged field is absent, never `undefined`.
  const out: { -readonly [K in keyof PartitionChangeRecord]: PartitionChangeRecord[K] } = {
    type: 'partitionChange', topicId: c.topicId, partition: c.partition,
  };
  if (c.leader !== leaderUnchanged) out.leader = c.leader;
  if (c.isr !== null) out.isr = c.isr;
  if (c.replicas !== null) out.replicas = c.replicas;
  if (c.addingReplicas !== null) out.addingReplicas = c.addingReplicas;
  if (c.removingReplicas !== null) out.removingReplicas = c.removingReplicas;
  if (recovery !== recoveryUnchanged) out.leaderRecoveryState = recovery as LeaderRecoveryState;
  return out;
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const isScramMechanismCode = (n: number): n is ScramMechanismCode =>
  n === ScramMechanismCode.sha256 || n === ScramMechanismCode.sha512;
const isScramUserName = (name: string): boolean =>
  name.length > 0 && utf8Bytes(name) <= limits.scramUserNameBytesMax;

/**
 * A credential as Kafka's controller would accept it (iterations 4096–16384, ScramControlManager)
 * with keys of the mechanism's hash size (RFC 5802) and bounded name and salt (common/limits.ts).
 * The buffers are copied: the decoder's are views into the entry, which the image must not keep.
 */
function scramFromWire(c: WireScram): UserScramCredentialRecord | string {
  const { name, mechanism, iterations } = c;
  if (!isScramUserName(name)) return 'userScramCredential: bad user name';
  if (!isScramMechanismCode(mechanism)) return `userScramCredential: bad mechanism ${mechanism}`;
  if (iterations < limits.scramIterationsMin || iterations > limits.scramIterationsMax) {
    return `userScramCredential: ${iterations} iterations`;
  }
  if (c.salt.length === 0 || c.salt.length > limits.scramSaltBytesMax) {
    return `userScramCredential: salt of ${c.salt.length} bytes`;
  }
  const keyBytes = scramKeyBytes[mechanism];
  if (c.storedKey.length !== keyBytes || c.serverKey.length !== keyBytes) {
    return `userScramCredential: keys must be ${keyBytes} bytes`;
  }
  return {
    type: 'userScramCredential', name, mechanism, salt: Buffer.from(c.salt),
    storedKey: Buffer.from(c.storedKey), serverKey: Buffer.from(c.serverKey), iterations,
  };
}

/** `code` is one of `table`'s codes from `min` up (the ones below are UNKNOWN, ANY, MATCH). */
function isCodeFrom<T extends number>(table: Readonly<Record<string, T>>, code: number,
  min: T): code is T {
  return code >= min && Object.values(table).includes(code as T);
}

const isAclString = (s: string): boolean =>
  s.length > 0 && utf8Bytes(s) <= limits.aclStringBytesMax;

/**
 * An ACL as Kafka's AclControlManager would create one (validateNewAcl): a concrete resource type,
 * LITERAL or PREFIXED, a concrete operation, DENY or ALLOW, a non-empty resource name; a principal
 * in KafkaPrincipal's `<type>:<name>` form; strings within Kafka's int16 length.
 */
function aclFromWire(a: WireAcl): AccessControlEntryRecord | string {
  const { id, resourceType, resourceName, patternType, principal, host } = a;
  const { operation, permissionType } = a;
  if (id === zeroUuid) return 'accessControlEntry: zero id';
  if (!isCodeFrom(AclResourceType, resourceType, AclResourceType.topic)
    || !isCodeFrom(AclPatternType, patternType, AclPatternType.literal)
    || !isCodeFrom(AclOperation, operation, AclOperation.all)
    || !isCodeFrom(AclPermissionType, permissionType, AclPermissionType.deny)) {
    return 'accessControlEntry: bad resource, pattern, operation or permission type';
  }
  if (!isAclString(resourceName) || !isAclString(principal) || !isAclString(host)
    || principal.indexOf(':') < 1) {
    return 'accessControlEntry: bad resource name, principal or host';
  }
  return {
    type: 'accessControlEntry', id, resourceType, resourceName, patternType, principal, host,
    operation, permissionType,
  };
}
