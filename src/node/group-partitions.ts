/**
 * The group coordinator follows `__consumer_offsets` leadership, as Kafka's GroupMetadataManager
 * does: when this node becomes leader of partition p it loads p's groups (waits until the HW
 * covers the log end it had on becoming leader, so nothing committed is missing, then replays
 * snapshot + log into a GroupDriver of its own), answering COORDINATOR_LOAD_IN_PROGRESS for them
 * meanwhile; when it stops leading p it unloads them (waiting joins and syncs are answered
 * NOT_COORDINATOR, later appends fail) and answers NOT_COORDINATOR, so clients ask
 * FindCoordinator again, which names the new leader.
 * Invariant: a group is served only by the driver of its partition, built on the PartitionReplica
 * this node leads now; a driver never outlives its leadership.
 */
import type { Logger } from 'pino';
import { delay, type Clock, type Random } from '../common/index.js';
import { partitionForGroup } from '../groups/index.js';
import type {
  CommitInput, DescribedGroup, HeartbeatInput, JoinInput, JoinResult, LeaveInput, LeaveResult,
  ListedGroup, SyncInput, SyncResult, TopicPartitionErrors, TopicPartitionsInput,
} from '../groups/index.js';
import { KafkaError } from '../protocol/index.js';
import type { GroupService } from '../server/index.js';
import {
  allPartitions, failedJoin, failedSync, GroupDriver, type GroupDriverOptions,
} from './group-driver.js';
import { OffsetsPartitionStore, type OffsetsLog, type SnapshotStore } from './offsets-topic.js';

/** How long one wait for the HW lasts before the loader looks again (leadership may be gone). */
const hwWaitMs = 500;
/** A load still waiting for its HW after this long is logged (it keeps waiting). */
const hwWaitWarnMs = 10_000;
/** Pause before a failed load (a read or replay error) is tried again. */
const loadRetryMs = 1_000;

interface Loading {
  readonly kind: 'loading';
  readonly log: OffsetsLog;
  readonly abort: AbortController;
}

interface Loaded {
  readonly kind: 'loaded';
  readonly log: OffsetsLog;
  readonly store: OffsetsPartitionStore;
  readonly driver: GroupDriver;
}

type Owned = Loading | Loaded;

/**
 * What a leadership event does to partition p: `next` is the log this node now leads (undefined:
 * it leads none). The same log at a new epoch keeps its groups: this node led it throughout, so
 * its state holds every record written (Kafka keeps a loaded partition on re-election too).
 */
export function leadershipStep(current: OffsetsLog | undefined, next: OffsetsLog | undefined):
  'keep' | 'load' | 'reload' | 'unload' {
  if (next === undefined) return current === undefined ? 'keep' : 'unload';
  if (current === undefined) return 'load';
  return current === next ? 'keep' : 'reload';
}

/** The error for a group whose partition is in `owned` (0: served here). */
export function coordinatorError(owned: Owned['kind'] | undefined): number {
  if (owned === undefined) return KafkaError.notCoordinator.code;
  return owned === 'loading' ? KafkaError.coordinatorLoadInProgress.code : KafkaError.none.code;
}

export interface GroupPartitionsOptions {
  readonly partitionCount: number;
  readonly snapshots: SnapshotStore;
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: Random;
  /** `__consumer_offsets`' min.insync.replicas now, for its commits (acks=all). */
  readonly minInsyncReplicas: () => number;
  /** Resolves when partition p's HW may have advanced, after `timeoutMs`, or on abort. */
  readonly waitForAdvance: (partition: number, timeoutMs: number, signal: AbortSignal) =>
    Promise<void>;
  /** Passed to every partition's GroupDriver (tests: a seed, a tick period). */
  readonly driver?: Omit<GroupDriverOptions, 'store' | 'log' | 'clock' | 'random'>;
}

export class GroupPartitions implements GroupService {
  private readonly o: GroupPartitionsOptions;
  private readonly log: Logger;
  private readonly owned = new Map<number, Owned>();
  /** Loads and unloads in progress, awaited by `close`. */
  private readonly busy = new Set<Promise<void>>();
  private closed = false;

  constructor(options: GroupPartitionsOptions) {
    this.o = options;
    this.log = options.log;
  }

  /** A leadership event for partition p (`log` undefined: this node no longer leads it). */
  follow(partition: number, log: OffsetsLog | undefined): void {
    if (this.closed) return;
    const current = this.owned.get(partition);
    const step = leadershipStep(current?.log, log);
    if (step === 'unload' || step === 'reload') this.unload(partition);
    if ((step === 'load' || step === 'reload') && log !== undefined) this.load(partition, log);
  }

  /** The partitions whose groups are served here (tests and diagnostics). */
  loadedPartitions(): number[] {
    return [...this.owned].filter(([, o]) => o.kind === 'loaded').map(([p]) => p);
  }

  /** Resolves once the loads and unloads under way now have finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.busy]);
  }

  /** Unloads every partition (waiting requests get NOT_COORDINATOR) and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.owned.keys()]) this.unload(p);
    while (this.busy.size > 0) await Promise.all([...this.busy]);
  }

  private track(work: Promise<void>): void {
    this.busy.add(work);
    void work.finally(() => this.busy.delete(work));
  }

  private unload(partition: number): void {
    const owned = this.owned.get(partition);
    if (owned === undefined) return;
    this.owned.delete(partition);
    if (owned.kind === 'loading') {
      owned.abort.abort();
    } else {
      owned.store.close();
      this.track(owned.driver.close());
    }
    this.log.info({ partition, was: owned.kind }, 'group partition unloaded: led elsewhere now');
  }

  private load(partition: number, log: OffsetsLog): void {
    const loading: Loading = { kind: 'loading', log, abort: new AbortController() };
    this.owned.set(partition, loading);
    this.track(this.loadUntilDone(partition, loading).catch((err: unknown) => {
      this.log.error({ err, partition }, 'group partition load stopped');
    }));
  }

  /** Loads p's groups, retrying failures, for as long as `loading` is p's current state. */
  private async loadUntilDone(partition: number, loading: Loading): Promise<void> {
    const signal = loading.abort.signal;
    // Everything committed is at most this: the new leader held it all (elected from the ISR).
    const target = loading.log.logEndOffset();
    const startedMs = this.o.clock.now();
    await this.caughtUp(partition, loading.log, target, signal);
    while (!signal.aborted) {
      const store = new OffsetsPartitionStore({ partition, partitionCount: this.o.partitionCount,
        log: loading.log, snapshots: this.o.snapshots, logger: this.log,
        minInsyncReplicas: this.o.minInsyncReplicas, clock: this.o.clock });
      let driver: GroupDriver;
      try {
        driver = await GroupDriver.open({ ...this.o.driver, store, clock: this.o.clock,
          random: this.o.random,
          log: this.log.child({ partition }) });
      } catch (err) {
        this.log.warn({ err: (err as Error).message, partition }, 'group partition load failed');
        await delay(this.o.clock, loadRetryMs, signal);
        continue;
      }
      if (this.owned.get(partition) !== loading) {
        store.close();
        await driver.close();
        return;
      }
      this.owned.set(partition, { kind: 'loaded', log: loading.log, store, driver });
      this.log.info({ partition, target, loadMs: this.o.clock.now() - startedMs },
        'group partition loaded: coordinating its groups');
      return;
    }
  }

  /** Waits (bounded per wait, while still loading) until the HW reaches `target`. */
  private async caughtUp(partition: number, log: OffsetsLog, target: number,
    signal: AbortSignal): Promise<void> {
    const startedMs = this.o.clock.now();
    let warned = false;
    while (!signal.aborted && log.highWatermark() < target) {
      await this.o.waitForAdvance(partition, hwWaitMs, signal);
      if (!warned && this.o.clock.now() - startedMs >= hwWaitWarnMs) {
        warned = true;
        this.log.warn({ partition, target, highWatermark: log.highWatermark() },
          'group partition waits for its followers: the HW is below the log end');
      }
    }
  }

  /** The driver serving `groupId`, or why there is none here. */
  private route(groupId: string): { driver: GroupDriver } | { errorCode: number } {
    const owned = this.owned.get(partitionForGroup(groupId, this.o.partitionCount));
    if (owned?.kind === 'loaded') return { driver: owned.driver };
    return { errorCode: coordinatorError(owned?.kind) };
  }

  joinGroup(req: JoinInput): Promise<JoinResult> {
    const r = this.route(req.groupId);
    return 'driver' in r ? r.driver.joinGroup(req)
      : Promise.resolve(failedJoin(r.errorCode, req.memberId));
  }

  syncGroup(req: SyncInput): Promise<SyncResult> {
    const r = this.route(req.groupId);
    return 'driver' in r ? r.driver.syncGroup(req) : Promise.resolve(failedSync(r.errorCode));
  }

  heartbeat(req: HeartbeatInput): Promise<number> {
    const r = this.route(req.groupId);
    return 'driver' in r ? r.driver.heartbeat(req) : Promise.resolve(r.errorCode);
  }

  leaveGroup(req: LeaveInput): Promise<LeaveResult> {
    const r = this.route(req.groupId);
    return 'driver' in r ? r.driver.leaveGroup(req)
      : Promise.resolve({ errorCode: r.errorCode, members: [] });
  }

  commitOffsets(req: CommitInput): Promise<TopicPartitionErrors[]> {
    const r = this.route(req.groupId);
    return 'driver' in r ? r.driver.commitOffsets(req)
      : Promise.resolve(allPartitions(req.topics, r.errorCode));
  }

  async fetchOffsets(groupId: string, topics: readonly TopicPartitionsInput[] | null) {
    const r = this.route(groupId);
    if (!('driver' in r)) return { errorCode: r.errorCode, topics: [] };
    return { errorCode: 0, topics: await r.driver.fetchOffsets(groupId, topics) };
  }

  deleteOffsets(groupId: string, topics: readonly TopicPartitionsInput[]) {
    const r = this.route(groupId);
    return 'driver' in r ? r.driver.deleteOffsets(groupId, topics)
      : Promise.resolve({ errorCode: r.errorCode, topics: [] });
  }

  /** The groups of every loaded partition (a loading one lists nothing yet). */
  /** Committed offsets of the groups this node coordinates (at most `max`): the lag metric's. */
  committedOffsets(max: number): { group: string; topic: string; partition: number; offset: number }[] {
    const out: { group: string; topic: string; partition: number; offset: number }[] = [];
    for (const o of this.owned.values()) {
      if (o.kind !== 'loaded' || out.length >= max) continue;
      out.push(...o.driver.committedOffsets(max - out.length));
    }
    return out;
  }

  async listGroups(statesFilter: readonly string[]): Promise<ListedGroup[]> {
    const loaded = [...this.owned.values()].filter((o): o is Loaded => o.kind === 'loaded');
    const lists = await Promise.all(loaded.map((o) => o.driver.listGroups(statesFilter)));
    return lists.flat();
  }

  async describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    return Promise.all(groupIds.map(async (groupId) => {
      const r = this.route(groupId);
      if ('driver' in r) return (await r.driver.describeGroups([groupId]))[0] as DescribedGroup;
      return { errorCode: r.errorCode, groupId, groupState: '', protocolType: '',
        protocolData: '', members: [] };
    }));
  }

  async deleteGroups(groupIds: readonly string[]) {
    return Promise.all(groupIds.map(async (groupId) => {
      const r = this.route(groupId);
      if (!('driver' in r)) return { groupId, errorCode: r.errorCode };
      return (await r.driver.deleteGroups([groupId]))[0] as { groupId: string; errorCode: number };
    }));
  }
}
