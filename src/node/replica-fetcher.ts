/**
 * One replica fetcher per source broker (DESIGN.md "Replication rules"): a loop that batches every
 * partition this node follows from that leader into one OffsetForLeaderEpoch request (partitions
 * still finding their divergence, KIP-279) and one Fetch request with our replica id, appends what
 * comes back as follower (the leader's offsets and epochs kept), waits for the group-commit fsync
 * and only then reports the partitions synced — so the next fetch offset, which the leader counts
 * toward the high watermark, is always durable here. Bytes in flight are bounded by one response
 * of at most `responseBytesMax`; the loop does one round at a time.
 *
 * A partition whose log is damaged fetches at the damaged offset, to tell its leader, and is told
 * to `wait` until the leader serves it records there (follower-replica.ts); meanwhile it is asked
 * again at most every `repairRetryMs`, not in every round, so waiting does not turn the loop into
 * a busy one. Such fetches go first in the request: only the first partition with data may
 * exceed its byte limit (KIP-74), and theirs is one byte.
 */
import type { Logger } from 'pino';
import { ApiKey, KafkaError, type FetchRequest, type FetchResponse,
  type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '../protocol/index.js';
import { type BatchHeader, batchLogOverheadBytes, validateBatches }
  from '../protocol/records/index.js';
import type { FollowerDecision, FollowerRequest } from '../partitions/index.js';
import { KafkaClient } from '../client/index.js';
import { delay, isPadoError, type Clock, type Net, type PadoError } from '../common/index.js';
import type { FollowerSlot } from './replica-manager.js';
import type { ReplicationThrottle } from './replication-throttle.js';

/** Sends one request to the source broker; rejects when it cannot be reached. */
export type SendToSource = <R>(apiKey: number, version: number, request: unknown) => Promise<R>;

export interface ReplicaFetcherOptions {
  readonly nodeId: number;
  readonly sourceId: number;
  /** The partitions to fetch now (read every round, so role changes are picked up). */
  readonly partitions: () => readonly FollowerSlot[];
  /** Whether `slot` is still the partition's follower state (see `current`). */
  readonly isCurrent: (slot: FollowerSlot) => boolean;
  readonly send: SendToSource;
  readonly log: Logger;
  /** Long-poll wait asked of the leader. */
  readonly maxWaitMs?: number;
  /** Bytes one fetch response may carry (Kafka's replica.fetch.response.max.bytes). */
  readonly responseBytesMax?: number;
  /** The least a partition may carry per fetch (Kafka's replica.fetch.max.bytes); see `shareOf`. */
  readonly partitionBytesMin?: number;
  /** Pause after a failed round (source unreachable, error answers). */
  readonly backoffMs?: number;
  readonly clock: Clock;
  /** Ends the request in flight (closes the connection); see `kick`. */
  readonly interrupt?: () => void;
  /** A repair waiting to leave the ISR fetches again after this long (default 100 ms). */
  readonly repairRetryMs?: number;
  /** Told of each append's bytes (the node's replication-bytes-in metric). */
  readonly appended?: (topic: string, bytes: number) => void;
  /** The replication throttle of moving replicas (replication-throttle.ts); absent: none. */
  readonly throttle?: ReplicationThrottle;
}

const fetchVersion = 12;
const responseBytesMaxDefault = 8 * 1024 * 1024;
const partitionBytesMinDefault = 1024 * 1024;

/**
 * Bytes each of `count` partitions may take from one response: an even share of the response,
 * at least `min`. A fixed 1 MiB per partition (Kafka's replica.fetch.max.bytes) starved a lone
 * busy partition: with a producer pipelining acks=all batches (librdkafka keeps up to a million
 * in flight) the leader's log grew by more than 1 MiB between two fetches, so its followers never
 * reached "the leader's end as of the previous fetch" and both left the ISR after
 * replica.lag.time.max.ms, however fast they fetched. A bigger round also amortizes the round's
 * fixed cost (round trip, fsync) over more bytes, which is how a follower behind catches up.
 */
export function shareOf(count: number, responseBytesMax: number, min: number): number {
  return Math.min(responseBytesMax, Math.max(min, Math.floor(responseBytesMax / Math.max(count, 1))));
}

const offsetForLeaderEpochVersion = 4;
/**
 * After a refused append, how long a partition is not fetched: the disk guard re-measures free
 * space about once a second, and fetching sooner would only bring the same records to refuse.
 */
export const appendRefusedPauseMs = 1_000;

type Asked = { readonly slot: FollowerSlot; readonly request: FollowerRequest };

export class ReplicaFetcher {
  private readonly o: ReplicaFetcherOptions;
  private running = true;
  private loop: Promise<void> | null = null;
  /** Set by `kick` during a round: start the next one at once, without the backoff. */
  private kicked = false;
  /** Aborted by `kick` to end the backoff pause early. */
  private pausing: AbortController | null = null;
  /**
   * Where the next fetch's partition list starts: the leader fills a response in request order,
   * so rotating it gives every partition its turn at the front when the response runs full.
   */
  private rotation = 0;
  /**
   * Partitions whose log refuses appends (disk below its reserve, a failed write): not fetched
   * before `retryAtMs`, nor while the log still refuses. Logged once at warn when it starts and
   * at info when an append succeeds again; meanwhile the leader drops us from the ISR by its lag
   * rule, as for any follower that stops catching up.
   */
  private readonly refused = new WeakMap<FollowerSlot, { retryAtMs: number }>();
  /** When a partition last got `wait` (its repair waits to leave the ISR). */
  private readonly waitingSince = new WeakMap<FollowerSlot, number>();

  constructor(options: ReplicaFetcherOptions) {
    this.o = options;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops after the round in flight (at most one long poll); resolves when it has. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * A partition joined this source (a new leader epoch, a new replica): the long poll in flight
   * does not name it and could hold it back for a whole `maxWaitMs` — after a failover, that
   * is the new leader's HW (and every acks=all produce) waiting. End it and start a round now.
   */
  kick(): void {
    this.kicked = true;
    this.o.interrupt?.();
    this.pausing?.abort();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      let ok = false;
      try {
        ok = await this.round();
      } catch (err) {
        this.o.log.debug({ err, sourceId: this.o.sourceId }, 'replica fetch round failed');
      }
      if (!ok && this.running && !this.kicked) {
        this.pausing = new AbortController();
        await delay(this.o.clock, this.o.backoffMs ?? 100, this.pausing.signal);
        this.pausing = null;
      }
    }
  }

  /** One round: divergence questions first, then one fetch. False: nothing useful happened. */
  async round(): Promise<boolean> {
    const asked: Asked[] = [];
    const nowMs = this.o.clock.now();
    const throttleBudget = this.o.throttle?.available(nowMs) ?? Number.MAX_SAFE_INTEGER;
    for (const slot of this.o.partitions()) {
      // A FollowerReplica made for a new epoch while an append was syncing learns it here.
      slot.replica.synced(Math.min(slot.log.durableEndOffset, slot.replica.logEndOffset));
      const waited = this.waitingSince.get(slot);
      if (waited !== undefined && nowMs - waited < (this.o.repairRetryMs ?? 100)) continue;
      this.waitingSince.delete(slot);
      const request = slot.replica.nextRequest();
      if (request === undefined) continue;
      // Truncating needs no space (it frees some); fetching records we cannot store is waste.
      if (request.kind === 'fetch' && !this.canAppend(slot, nowMs)) continue;
      // A throttled partition waits while the bucket is empty (replication-throttle.ts).
      if (request.kind === 'fetch' && this.throttled(slot) && throttleBudget <= 0) continue;
      asked.push({ slot, request });
    }
    const epochs = asked.filter((a) => a.request.kind === 'offsetForLeaderEpoch');
    if (epochs.length > 0) return this.askEpochs(epochs);
    const fetches = asked.filter((a) => a.request.kind === 'fetch');
    if (fetches.length === 0) return false;
    return this.fetch(fetches, throttleBudget);
  }

  private throttled(slot: FollowerSlot): boolean {
    return this.o.throttle?.applies(slot.topic, slot.partition) === true;
  }

  private async askEpochs(asked: readonly Asked[]): Promise<boolean> {
    const request: OffsetForLeaderEpochRequest = { replicaId: this.o.nodeId,
      topics: byTopic(asked, (a) => {
        const r = a.request;
        const leaderEpoch = r.kind === 'offsetForLeaderEpoch' ? r.leaderEpoch : -1;
        return { partition: a.slot.partition, currentLeaderEpoch: r.currentLeaderEpoch,
          leaderEpoch };
      }) };
    const response = await this.o.send<OffsetForLeaderEpochResponse>(
      ApiKey.offsetForLeaderEpoch, offsetForLeaderEpochVersion, request);
    let progressed = false;
    for (const a of asked) {
      const answer = response.topics.find((t) => t.topic === a.slot.topic)?.partitions
        .find((p) => p.partition === a.slot.partition);
      if (answer === undefined || answer.errorCode !== 0 || !this.current(a.slot)) continue;
      const asking = a.request.kind === 'offsetForLeaderEpoch' ? a.request.leaderEpoch : -1;
      const decision = a.slot.replica.onOffsetForLeaderEpoch(asking,
        { epoch: answer.leaderEpoch, endOffset: answer.endOffset });
      progressed = await this.execute(a.slot, decision, null) || progressed;
    }
    return progressed;
  }

  private async fetch(inOrder: readonly Asked[], throttleBudget: number): Promise<boolean> {
    const start = this.rotation++ % inOrder.length;
    const repairing = (a: Asked) => (a.slot.replica.repairingFrom === undefined ? 1 : 0);
    const asked = [...inOrder.slice(start), ...inOrder.slice(0, start)]
      .sort((a, b) => repairing(a) - repairing(b));
    const responseBytes = this.o.responseBytesMax ?? responseBytesMaxDefault;
    const share = shareOf(asked.length, responseBytes,
      this.o.partitionBytesMin ?? partitionBytesMinDefault);
    const throttled = new Set(asked.filter((a) => this.throttled(a.slot)).map((a) => a.slot));
    const throttledShare = Math.max(1, Math.floor(throttleBudget / Math.max(throttled.size, 1)));
    const request: FetchRequest = {
      clusterId: null, replicaId: this.o.nodeId, replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: this.o.maxWaitMs ?? 500, minBytes: 1, maxBytes: responseBytes, isolationLevel: 0,
      sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
      topics: byTopic(asked, (a) => {
        const r = a.request;
        const fetch = r.kind === 'fetch' ? r : { fetchOffset: 0, lastFetchedEpoch: -1 };
        // A repair's fetch only tells the leader where our valid log ends: it keeps no records.
        const repairing = a.slot.replica.repairingFrom !== undefined;
        return { partition: a.slot.partition, currentLeaderEpoch: r.currentLeaderEpoch,
          fetchOffset: fetch.fetchOffset, lastFetchedEpoch: fetch.lastFetchedEpoch,
          logStartOffset: -1, partitionMaxBytes: repairing ? 1
            : throttled.has(a.slot) ? Math.min(share, throttledShare) : share,
          replicaDirectoryId: '' };
      }).map((t) => ({ ...t, topicId: '' })),
    };
    const response = await this.o.send<FetchResponse>(ApiKey.fetch, fetchVersion, request);
    const appends: Promise<void>[] = [];
    let progressed = false;
    for (const a of asked) {
      const data = response.responses.find((t) => t.topic === a.slot.topic)?.partitions
        .find((p) => p.partitionIndex === a.slot.partition);
      if (data === undefined || a.request.kind !== 'fetch' || !this.current(a.slot)) continue;
      if (data.errorCode === KafkaError.offsetOutOfRange.code) {
        const decision = a.slot.replica.onFetchResponse(a.request,
          { kind: 'outOfRange', logStartOffset: data.logStartOffset });
        progressed = await this.execute(a.slot, decision, null) || progressed;
        continue;
      }
      if (data.errorCode !== 0) continue;
      if (throttled.has(a.slot)) this.o.throttle?.charge(data.records?.length ?? 0);
      const outcome = this.onPartitionData(a.slot, a.request, data);
      if (outcome === 'wait') continue;
      if (outcome !== undefined) appends.push(outcome);
      progressed = true;
    }
    // Group commit: one wait for every partition's fsync, then each reports its synced end.
    await Promise.all(appends);
    return progressed;
  }

  /**
   * Whether `slot` is still how this node follows the partition. An answer that arrives after a
   * role change (this node now leads it, or follows a newer epoch) must not touch the log or the
   * shared epoch cache: checked synchronously right before the state machine and the append.
   */
  private current(slot: FollowerSlot): boolean {
    return this.o.isCurrent(slot);
  }

  /**
   * Applies one partition's fetch answer; returns the append's (or truncation's) completion, or
   * 'wait' when a repair waits to leave the ISR (no progress: the round may back off).
   */
  private onPartitionData(slot: FollowerSlot,
    request: { readonly fetchOffset: number; readonly lastFetchedEpoch: number },
    data: FetchResponse['responses'][number]['partitions'][number]):
    Promise<void> | 'wait' | undefined {
    if (data.divergingEpoch.epoch >= 0) {
      const decision = slot.replica.onFetchResponse(request,
        { kind: 'diverging', divergingEpoch: data.divergingEpoch });
      return this.execute(slot, decision, null).then(() => undefined);
    }
    const records = data.records ?? Buffer.alloc(0);
    const checked = records.length === 0 ? undefined : validateBatches(records);
    if (checked !== undefined && !checked.ok) {
      this.o.log.warn({ topic: slot.topic, partition: slot.partition, message: checked.message },
        'replica fetch returned invalid records; fetching again');
      return undefined;
    }
    const headers = checked?.batches ?? [];
    const batches = headers.map((b) => ({ baseOffset: b.baseOffset,
      lastOffset: b.baseOffset + b.lastOffsetDelta, epoch: b.partitionLeaderEpoch }));
    const decision = slot.replica.onFetchResponse(request,
      { kind: 'records', batches, highWatermark: data.highWatermark });
    if (decision.kind === 'wait') {
      this.waitingSince.set(slot, this.o.clock.now());
      return 'wait';
    }
    return this.execute(slot, decision, { records, headers }).then(() => undefined);
  }

  /**
   * Appends what the replica state machine accepted, and reports it synced after the fsync. A
   * refused or failed append puts the state machine back at the log's end (after the log's own
   * repair, if a write failed), so the partition is fetched again from there once the log takes
   * appends; anything but a PadoError is a bug and is not caught.
   */
  private async append(slot: FollowerSlot, records: Buffer,
    headers: readonly BatchHeader[]): Promise<boolean> {
    const nowMs = this.o.clock.now();
    let durable: Promise<void>;
    try {
      durable = slot.log.appendAsFollower(records, headers, nowMs).durable;
      this.o.appended?.(slot.topic, records.length);
    } catch (err) {
      if (!isPadoError(err)) throw err;
      // Synchronously, before any role change can share the epoch cache with a new replica.
      slot.replica.appendFailed(slot.log.logEndOffset);
      this.appendRefused(slot, nowMs, err);
      return false;
    }
    try {
      await durable;
    } catch (err) {
      if (!isPadoError(err)) throw err;
      // The failed write's repair (rollback to what is on disk) runs first; then its end holds.
      await slot.log.flush();
      if (this.current(slot)) slot.replica.appendFailed(slot.log.logEndOffset);
      this.appendRefused(slot, this.o.clock.now(), err);
      return false;
    }
    slot.replica.synced(Math.min(slot.log.durableEndOffset, slot.replica.logEndOffset));
    if (this.refused.delete(slot)) {
      this.o.log.info({ topic: slot.topic, partition: slot.partition,
        logEndOffset: slot.log.logEndOffset }, 'follower appends resumed');
    }
    return true;
  }

  /** Whether `slot` may be fetched now: not paused after a refusal, and its log takes appends. */
  private canAppend(slot: FollowerSlot, nowMs: number): boolean {
    const refused = this.refused.get(slot);
    if (refused !== undefined && nowMs < refused.retryAtMs) return false;
    const refusal = slot.log.appendRefusal(nowMs);
    if (refusal === undefined) return true;
    this.appendRefused(slot, nowMs, refusal);
    return false;
  }

  private appendRefused(slot: FollowerSlot, nowMs: number, err: PadoError): void {
    if (!this.refused.has(slot)) {
      this.o.log.warn({ topic: slot.topic, partition: slot.partition, err,
        logEndOffset: slot.log.logEndOffset },
      'follower cannot append: not fetching this partition until its log takes appends again');
    }
    this.refused.set(slot, { retryAtMs: nowMs + appendRefusedPauseMs });
  }

  /** Carries out a follower decision on the log. True when the log or position changed. */
  private async execute(slot: FollowerSlot, decision: FollowerDecision,
    fetched: { records: Buffer; headers: readonly BatchHeader[] } | null): Promise<boolean> {
    switch (decision.kind) {
      case 'append': {
        if (fetched === null) return false;
        const headers = fetched.headers.slice(0, decision.batchCount);
        const last = headers.at(-1);
        if (last === undefined) return false;
        const end = last.position + last.batchLength + batchLogOverheadBytes;
        return this.append(slot, fetched.records.subarray(0, end), headers);
      }
      case 'truncate': {
        const where = { topic: slot.topic, partition: slot.partition,
          endOffset: decision.endOffset };
        if (decision.reason === 'repair') {
          this.o.log.warn({ ...where, replica: this.o.nodeId, leaderId: this.o.sourceId },
            'truncating the damaged range; refetching it from the leader');
        } else {
          this.o.log.info(where, 'truncating follower log at the divergence');
        }
        await slot.log.truncateTo(decision.endOffset);
        return true;
      }
      case 'startAt':
        this.o.log.info({ topic: slot.topic, partition: slot.partition,
          startOffset: decision.startOffset },
        'follower log below the leader\'s log start: starting over empty at it');
        await slot.log.startAt(decision.startOffset);
        return true;
      case 'wait':
      case 'retry':
      case 'stale':
      case 'none':
        return false;
    }
  }
}

/** Groups per-partition entries by topic, in first-seen order. */
function byTopic<T>(asked: readonly Asked[], entry: (a: Asked) => T):
  { topic: string; partitions: T[] }[] {
  const topics = new Map<string, T[]>();
  for (const a of asked) {
    let list = topics.get(a.slot.topic);
    if (list === undefined) {
      list = [];
      topics.set(a.slot.topic, list);
    }
    list.push(entry(a));
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}


export interface ReplicaFetchersOptions {
  readonly nodeId: number;
  readonly addressOf: (id: number) => { readonly host: string; readonly port: number } | undefined;
  /** Every partition this node follows now. */
  readonly followers: () => Iterable<FollowerSlot>;
  /** The partition's follower state now, if this node follows it. */
  readonly followerOf: (topic: string, partition: number) => FollowerSlot | undefined;
  readonly log: Logger;
  readonly clock: Clock;
  readonly net: Net;
  readonly requestTimeoutMs?: number;
  /** Told of each append's bytes (the node's replication-bytes-in metric). */
  readonly appended?: (topic: string, bytes: number) => void;
  /** The node's replication throttle for moving replicas; absent: none. */
  readonly throttle?: ReplicationThrottle;
}

interface FetcherEntry {
  readonly fetcher: ReplicaFetcher;
  readonly close: () => void;
  /** The follower slots it fetched at the last `sync` (a new one kicks the fetcher). */
  slots: Set<FollowerSlot>;
}

/**
 * The fetchers of one node: one per broker that leads a partition we follow, started when the
 * first such partition appears and stopped when the last one goes (call `sync` after every image).
 */
export class ReplicaFetchers {
  private readonly o: ReplicaFetchersOptions;
  private readonly fetchers = new Map<number, FetcherEntry>();
  private closed = false;

  constructor(options: ReplicaFetchersOptions) {
    this.o = options;
  }

  sync(): void {
    if (this.closed) return;
    const sources = new Map<number, Set<FollowerSlot>>();
    for (const slot of this.o.followers()) {
      const slots = sources.get(slot.replica.leaderId) ?? new Set();
      slots.add(slot);
      sources.set(slot.replica.leaderId, slots);
    }
    for (const [source, slots] of sources) {
      if (source < 0) continue;
      const entry = this.fetchers.get(source);
      if (entry === undefined) {
        this.startFetcher(source, slots);
        continue;
      }
      const joined = [...slots].some((slot) => !entry.slots.has(slot));
      entry.slots = slots;
      if (joined) entry.fetcher.kick();
    }
    for (const [source, entry] of this.fetchers) {
      if (sources.has(source)) continue;
      this.fetchers.delete(source);
      void entry.fetcher.stop().then(entry.close);
    }
  }

  private startFetcher(sourceId: number, slots: Set<FollowerSlot>): void {
    const timeoutMs = this.o.requestTimeoutMs ?? 5_000;
    let client: Promise<KafkaClient> | null = null;
    const close = (): void => {
      const old = client;
      client = null;
      void old?.then((c) => c.close(), () => undefined);
    };
    const send: SendToSource = async <R>(apiKey: number, version: number, request: unknown) => {
      const address = this.o.addressOf(sourceId);
      if (address === undefined) throw new Error(`no address for broker ${sourceId}`);
      client ??= KafkaClient.connect({ host: address.host, port: address.port,
        clientId: `pado-replica-fetcher-${this.o.nodeId}`, connectTimeoutMs: timeoutMs,
        requestTimeoutMs: timeoutMs, io: this.o });
      try {
        return await (await client).request<R>(apiKey, request, version);
      } catch (err) {
        close();
        throw err;
      }
    };
    const fetcher = new ReplicaFetcher({
      nodeId: this.o.nodeId, sourceId, send, clock: this.o.clock,
      log: this.o.log.child({ sourceId }),
      partitions: () => [...this.o.followers()].filter((s) => s.replica.leaderId === sourceId),
      isCurrent: (slot) => this.o.followerOf(slot.topic, slot.partition) === slot,
      interrupt: close,
      ...(this.o.appended === undefined ? {} : { appended: this.o.appended }),
      ...(this.o.throttle === undefined ? {} : { throttle: this.o.throttle }),
    });
    this.fetchers.set(sourceId, { fetcher, close, slots });
    fetcher.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.fetchers.values()];
    this.fetchers.clear();
    // Closing the connection first ends a long poll in flight at once.
    for (const e of entries) e.close();
    await Promise.all(entries.map((e) => e.fetcher.stop()));
  }
}
