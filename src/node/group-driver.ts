/**
 * Runs the pure group coordinator (groups/) for real: a periodic tick on an unref'd timer, one
 * promise per waiting JoinGroup/SyncGroup keyed by token, and persistence of the coordinator's
 * records through a `GroupStore` — awaited, in order, before the answers that depend on them are
 * released (STYLE.md §2: persist, then send). On start the store's records are replayed.
 */
import type { Logger } from 'pino';
import { Prng, randomSeed, type Clock, type Random, type Timer } from '../common/index.js';
import {
  GroupCoordinator, type CommitInput, type GroupConfig, type GroupOutput, type GroupRecord,
  type HeartbeatInput, type JoinInput, type JoinResult, type LeaveInput, type LeaveResult,
  type SyncInput, type SyncResult, type Token, type TopicPartitionErrors,
  type TopicPartitionsInput,
} from '../groups/index.js';
import { KafkaError } from '../protocol/index.js';

/** Where group records live; the broker backs it by the __consumer_offsets log. */
export interface GroupStore {
  /** Every record appended so far, oldest first. */
  load(): Promise<GroupRecord[]>;
  /** Resolves once the records are durable. */
  append(records: readonly GroupRecord[]): Promise<void>;
}

/** For tests and single-process tools: "durable" for the life of the object. */
export class MemoryGroupStore implements GroupStore {
  readonly records: GroupRecord[] = [];

  load(): Promise<GroupRecord[]> {
    return Promise.resolve([...this.records]);
  }

  append(records: readonly GroupRecord[]): Promise<void> {
    this.records.push(...records);
    return Promise.resolve();
  }
}

export interface GroupDriverOptions {
  readonly store: GroupStore;
  readonly log: Logger;
  readonly config?: Partial<GroupConfig>;
  /** Tick period: the precision of session, rebalance and initial-delay timeouts. */
  readonly tickIntervalMs?: number;
  readonly clock: Clock;
  /** Seeds member ids; drawn from `random` by default so ids differ across restarts. */
  readonly seed?: number;
  readonly random: Random;
}

/** Requests waiting for a rebalance, across all groups; beyond it joins are refused. */
const waitingRequestsMax = 10_000;
const tickIntervalMsDefault = 50;

type Resolver = (output: GroupOutput | null) => void;

/**
 * The groups of one `__consumer_offsets` partition this node leads (`GroupPartitions` routes each
 * group's requests to the driver of its partition, or answers NOT_COORDINATOR).
 */
export class GroupDriver {
  private readonly core: GroupCoordinator;
  private readonly store: GroupStore;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly waiting = new Map<Token, Resolver>();
  private nextToken = 1;
  /**
   * Group commit: records taken while an append is in flight wait in `pending` and are appended
   * together when it completes — one durable write for everything that arrived meanwhile, in
   * order, and no answer leaves before the write that makes it true.
   */
  private pending: PendingStep | null = null;
  /** The step being appended, or null when idle. */
  private inFlight: Promise<boolean> | null = null;
  private timer: Timer | null = null;
  private closed = false;

  private constructor(options: GroupDriverOptions) {
    const seed = options.seed ?? randomSeed(options.random);
    this.log = options.log.child({ module: 'groups' });
    this.core = new GroupCoordinator({
      prng: new Prng(seed),
      ...(options.config === undefined ? {} : { config: options.config }),
      observer: {
        transition: (groupId, from, to, generationId) => {
          this.log.debug({ groupId, from, to, generationId }, 'group state changed');
        },
      },
    });
    this.store = options.store;
    this.clock = options.clock;
  }

  /** Loads and replays the store, then starts ticking. */
  static async open(options: GroupDriverOptions): Promise<GroupDriver> {
    const driver = new GroupDriver(options);
    const records = await options.store.load();
    driver.core.replay(records, driver.clock.now());
    driver.log.info({ recordCount: records.length }, 'group coordinator loaded');
    const interval = options.tickIntervalMs ?? tickIntervalMsDefault;
    driver.timer = options.clock.every(interval, () => driver.tick());
    return driver;
  }

  /** Answers waiting requests with NOT_COORDINATOR, stops the timer, waits for pending appends. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.core.shutdown();
    await this.flush();
  }

  /** One step of time; also callable by tests that drive a fake clock. */
  tick(): void {
    if (this.closed) return;
    this.core.tick(this.clock.now());
    void this.flush();
  }

  joinGroup(req: JoinInput): Promise<JoinResult> {
    if (this.closed || this.waiting.size >= waitingRequestsMax) {
      return Promise.resolve(failedJoin(this.refusalCode(), req.memberId));
    }
    const token = this.nextToken++;
    const unavailable = KafkaError.coordinatorNotAvailable.code;
    const answer = this.await(token).then((o) =>
      o?.kind === 'join' ? o.result : failedJoin(unavailable, req.memberId));
    this.core.join(token, req, this.clock.now());
    void this.flush();
    return answer;
  }

  syncGroup(req: SyncInput): Promise<SyncResult> {
    if (this.closed || this.waiting.size >= waitingRequestsMax) {
      return Promise.resolve(failedSync(this.refusalCode()));
    }
    const token = this.nextToken++;
    const answer = this.await(token).then((o) =>
      o?.kind === 'sync' ? o.result : failedSync(KafkaError.coordinatorNotAvailable.code));
    this.core.sync(token, req, this.clock.now());
    void this.flush();
    return answer;
  }

  async heartbeat(req: HeartbeatInput): Promise<number> {
    if (this.closed) return KafkaError.notCoordinator.code;
    const code = this.core.heartbeat(req, this.clock.now());
    await this.flush();
    return code;
  }

  async leaveGroup(req: LeaveInput): Promise<LeaveResult> {
    if (this.closed) return { errorCode: KafkaError.notCoordinator.code, members: [] };
    const result = this.core.leave(req, this.clock.now());
    await this.flush();
    return result;
  }

  async commitOffsets(req: CommitInput): Promise<TopicPartitionErrors[]> {
    const result = this.closed
      ? allPartitions(req.topics, KafkaError.notCoordinator.code)
      : this.core.commitOffsets(req, this.clock.now());
    if (await this.flush()) return result;
    return allPartitions(req.topics, KafkaError.coordinatorNotAvailable.code);
  }

  fetchOffsets(groupId: string, topics: readonly TopicPartitionsInput[] | null) {
    return Promise.resolve(this.core.fetchOffsets(groupId, topics));
  }

  async deleteOffsets(groupId: string, topics: readonly TopicPartitionsInput[]) {
    if (this.closed) return { errorCode: KafkaError.notCoordinator.code, topics: [] };
    const result = this.core.deleteOffsets(groupId, topics);
    if (await this.flush()) return result;
    return { errorCode: KafkaError.coordinatorNotAvailable.code, topics: [] };
  }

  /** This partition's durable committed offsets (at most `max`). */
  committedOffsets(max: number) {
    return this.core.committedOffsets(max);
  }

  listGroups(statesFilter: readonly string[]) {
    return Promise.resolve(this.core.listGroups(statesFilter));
  }

  describeGroups(groupIds: readonly string[]) {
    return Promise.resolve(this.core.describeGroups(groupIds));
  }

  async deleteGroups(groupIds: readonly string[]) {
    if (this.closed) {
      return groupIds.map((groupId) => ({ groupId, errorCode: KafkaError.notCoordinator.code }));
    }
    const result = this.core.deleteGroups(groupIds, this.clock.now());
    if (await this.flush()) return result;
    const errorCode = KafkaError.coordinatorNotAvailable.code;
    return groupIds.map((groupId) => ({ groupId, errorCode }));
  }

  private refusalCode(): number {
    return this.closed ? KafkaError.notCoordinator.code : KafkaError.coordinatorNotAvailable.code;
  }

  private await(token: Token): Promise<GroupOutput | null> {
    return new Promise((resolve) => this.waiting.set(token, resolve));
  }

  /**
   * Takes the core's records and outputs, appends the records after every earlier append, then
   * releases the outputs; if the append failed they are answered as failures (null), since what
   * they report is not durable. Resolves with whether the records are durable.
   */
  private flush(): Promise<boolean> {
    const records = this.core.takeRecords();
    const outputs = this.core.takeOutputs();
    if (records.length === 0 && outputs.length === 0) {
      // Nothing new: resolve once everything taken before is durable.
      return this.pending?.done ?? this.inFlight ?? Promise.resolve(true);
    }
    const step = (this.pending ??= newStep());
    step.records.push(...records);
    step.outputs.push(...outputs);
    if (this.inFlight === null) void this.drain();
    return step.done;
  }

  /** Appends pending steps one at a time until none is left. */
  private async drain(): Promise<void> {
    while (this.pending !== null) {
      const step = this.pending;
      this.pending = null;
      this.inFlight = step.done;
      const ok = await this.persist(step.records);
      // Only now may OffsetFetch see these commits (a failed write's never).
      if (ok) this.core.persisted(step.records);
      for (const o of step.outputs) this.deliver(o, ok);
      step.resolve(ok);
    }
    this.inFlight = null;
  }

  private async persist(records: readonly GroupRecord[]): Promise<boolean> {
    if (records.length === 0) return true;
    try {
      await this.store.append(records);
      return true;
    } catch (err) {
      this.log.error({ err, recordCount: records.length }, 'group records not persisted');
      return false;
    }
  }

  private deliver(output: GroupOutput, ok: boolean): void {
    const resolve = this.waiting.get(output.token);
    if (resolve === undefined) return;
    this.waiting.delete(output.token);
    resolve(ok ? output : null);
  }
}

interface PendingStep {
  readonly records: GroupRecord[];
  readonly outputs: GroupOutput[];
  readonly done: Promise<boolean>;
  readonly resolve: (ok: boolean) => void;
}

function newStep(): PendingStep {
  let resolve: (ok: boolean) => void = () => undefined;
  const done = new Promise<boolean>((r) => {
    resolve = r;
  });
  return { records: [], outputs: [], done, resolve };
}

export function failedJoin(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '',
    skipAssignment: false, memberId, members: [] };
}

export function failedSync(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

export function allPartitions(topics: CommitInput['topics'], errorCode: number): TopicPartitionErrors[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  }));
}
