/**
 * What handlers may use of the running broker. `node/` implements it; handlers see only this
 * surface, so they stay free of sockets, timers and files (STYLE.md §5).
 */
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import type { ControllerContext, EventNote } from '../controller/index.js';
import type { NodeConfig, TopicConfigs } from '../config/index.js';

export interface Decision<T> {
  readonly records: readonly MetadataRecord[];
  readonly result: T;
  /**
   * Why, as a clause the cluster events this decision's records raise are told with ("broker 2's
   * session expired …"; controller/events.ts).
   */
  readonly cause?: string;
  /** Events to record besides the ones its records raise (a controller change, a broker's report). */
  readonly notes?: readonly EventNote[];
}

export interface ProduceOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
}

export interface ReadOutcome {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Whole record batches starting at or before the fetch offset; null when none. */
  readonly records: Buffer | null;
}

/** A follower's read: records past the high watermark too, or where its log diverges. */
export interface ReplicaReadOutcome extends ReadOutcome {
  /** KIP-595: set (records null) when the follower's last fetched epoch does not match ours. */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
}

/** What a produce waits for: 1 = the leader's fsync, -1 = the ISR (KIP-497's high watermark). */
export interface ProduceAcks {
  readonly requiredAcks: -1 | 1;
  /** The topic's min.insync.replicas (acks=-1 only). */
  readonly minIsr: number;
  /** The request's timeoutMs: an acks=-1 wait past it ends with REQUEST_TIMED_OUT. */
  readonly timeoutMs: number;
  /**
   * The connection it came on: acks=-1 produces held for replication keep their order per
   * source and take turns across sources. Defaults to one shared source.
   */
  readonly source?: number;
}

/** A partition this broker leads. */
export interface LocalPartition {
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  logStartOffset(): number;
  logEndOffset(): number;
  highWatermark(): number;
  /**
   * Validates, appends and resolves once durable (fsync unless the topic relaxes it) and, with
   * acks=-1, once the ISR holds it; no `acks` means acks=1.
   */
  produce(records: Buffer, nowMs: number, acks?: ProduceAcks): Promise<ProduceOutcome>;
  read(fetchOffset: number, maxBytes: number): Promise<ReadOutcome>;
  /**
   * A follower's Fetch (replica id ≥ 0): up to what this leader has written, not just the high
   * watermark, after checking `lastFetchedEpoch`/`fetchOffset` against our epochs (KIP-595).
   */
  readAsReplica(fetchOffset: number, lastFetchedEpoch: number, maxBytes: number,
    replicaId: number, nowMs: number): Promise<ReplicaReadOutcome>;
  /** The first offset whose batch has a timestamp at or after timestampMs (time index), or null. */
  offsetForTimestamp(timestampMs: number): Promise<number | null>;
  /**
   * OffsetForLeaderEpoch (KIP-101/279): the largest epoch ≤ `epoch` in this log and the offset
   * where it ends (the log end for the latest); -1/-1 when unknown; undefined when this replica
   * cannot vouch for its log end (a damaged leader handing off: KAFKA_STORAGE_ERROR).
   */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } | undefined;
  /** Advances the log start offset; resolves to the new low watermark, or an error code. */
  deleteRecords(offset: number): Promise<{ errorCode: number; lowWatermark: number }>;
}

export interface Broker {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  readonly controllerContext: ControllerContext;
  /** The current metadata image (replaced atomically on every commit). */
  image(): MetadataImage;
  /**
   * Runs a controller decision on the newest image and commits its records, one decision at a
   * time, so two requests never decide on the same image (two CreateTopics of one name).
   * Resolves with the decision's result once its records are applied locally.
   */
  propose<T>(decide: (image: MetadataImage) => Decision<T>): Promise<T>;
  /**
   * Waits (bounded) until this node has applied everything the controller had committed when the
   * call was made; resolves anyway when no controller answers in time (the caller uses what it has).
   */
  catchUp(): Promise<void>;
  /** Whether this node is the active controller (the Raft leader) right now. */
  isController(): boolean;
  /** The active controller's node id, or -1 while none is elected. */
  controllerId(): number;
  /**
   * Sends a request unchanged to the controller and resolves with its response, once this node's
   * own image has caught up with what the controller committed (so a follow-up read here sees it).
   */
  forwardToController(apiKey: number, version: number, request: unknown): Promise<unknown>;
  /** Creates topics with defaults (auto-creation on produce/metadata); returns which exist afterwards. */
  autoCreate(names: readonly string[]): Promise<void>;
  /**
   * The partition this node leads, or undefined — also while this broker holds no lease from the
   * controller (cut off or fenced: another broker may lead it by now).
   */
  partition(topic: string, partition: number): LocalPartition | undefined;
  /**
   * Whether this broker's own copy of the partition is damaged or still being repaired (Metadata
   * lists it among the offline replicas then).
   */
  replicaDamaged(topic: string, partition: number): boolean;
  /** Whether this broker holds its lease: registered, unfenced, heartbeat answered within a session. */
  holdsLease(): boolean;
  /**
   * Resolves true once this broker holds its lease, false after `timeoutMs` or on abort (a lease
   * that lapsed during a controller election comes back within it).
   */
  waitForLease(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  /**
   * Resolves when one of `partitions` has more to read, after `timeoutMs`, or on abort. For a
   * follower (`forReplica`) more means past the log end (it reads beyond the HW); for a consumer,
   * past the high watermark. `since` (a `dataMark()` taken before reading): resolves at once if
   * one of them had more since then — a write during the read would otherwise be missed and the
   * poll would sleep its whole wait.
   */
  waitForData(partitions: readonly LocalPartition[], timeoutMs: number, signal: AbortSignal,
    forReplica?: boolean, since?: number): Promise<void>;
  /**
   * Resolves once the metadata image holds an event with an id above `afterId` (issue 16), after
   * `timeoutMs`, or on abort.
   */
  waitForEvents(afterId: number, timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** A mark to pass to `waitForData` as `since`: take it before reading. */
  dataMark(): number;
  /** Effective (node default + topic override) configs of a topic, or undefined if unknown. */
  topicConfig(topic: string): Readonly<TopicConfigs> | undefined;
  /** The topic's own overrides (what DescribeConfigs reports as dynamic). */
  topicOverrides(topic: string): Partial<TopicConfigs>;
  readonly nodeConfig: Readonly<NodeConfig>;
  /**
   * The node config with the cluster's dynamic configs applied (config/dynamic.ts): what topic
   * defaults and auto-creation follow now.
   */
  effectiveConfig(): Readonly<NodeConfig>;
  nowMs(): number;
}
