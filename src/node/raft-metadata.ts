/**
 * Cluster metadata on the Raft log (DESIGN.md, Metadata): every node applies the committed metadata
 * records, in order, to an immutable MetadataImage; the Raft leader is the active controller and the
 * only node that decides. A decision runs on the newest image after a read barrier (so a freshly
 * elected leader has applied everything its predecessors committed), in order, in batches (see
 * RaftMetadata.propose); their records are proposed as one Raft entry and the callers are answered
 * once they are applied here (and, unless they opt out, once the image listeners have seen them).
 */
import type { Logger } from 'pino';
import { assert, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import {
  effectiveTopicConfigs, validateTopicConfigs, type TopicDefaults,
} from '../config/index.js';
import { clusterEvents } from '../controller/index.js';
import {
  applyRecords, decodeImageSnapshot, decodeMetadataRecords, emptyImage, encodeImageSnapshot,
  encodeMetadataRecords, replicationFactorOf, type MetadataImage, type MetadataRecord, type TopicImage,
} from '../metadata/index.js';
import type { Entry } from '../raft/index.js';
import type { Decision } from '../server/index.js';
import type { RaftDriver, RaftStateMachine } from './raft-driver.js';
import { EntryTag, tagged } from './replicated-state.js';

/** The broker-level config entry holding the cluster id. */
export const clusterIdConfig = 'cluster.id';

export type ImageListener = (previous: MetadataImage, next: MetadataImage) => Promise<void>;

/** Records in a Raft entry: one decision's batch, in the metadata record wire format. */
export function encodeRecords(records: readonly MetadataRecord[]): Buffer {
  return encodeMetadataRecords(records);
}

function decodeRecords(data: Buffer): MetadataRecord[] {
  const decoded = decodeMetadataRecords(data);
  // Invariant: entries are written by controllers running this code; a bad one is a bug.
  assert(decoded.ok, `undecodable metadata entry: ${decoded.ok ? '' : decoded.problem}`);
  return [...decoded.records];
}

/**
 * The replicated state machine. Applying is synchronous (the Raft driver's contract); listeners run
 * after it, in order, on a chain that `settled()` waits for.
 */
/** A listener or controller decision this slow is logged (a warn): it delays every lease. */
const slowMs = 500;

/** The cluster id is chosen once by the first controller and replicated as a broker config. */
function withClusterId(applied: MetadataImage): MetadataImage {
  const clusterId = applied.clusterId === '' ? applied.brokerConfigs.get(clusterIdConfig) : undefined;
  return clusterId === undefined ? applied : { ...applied, clusterId };
}

export class MetadataMachine implements RaftStateMachine {
  private current: MetadataImage;
  private readonly listeners: ImageListener[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(log: Logger, clock: Clock) {
    this.current = emptyImage('');
    this.log = log;
    this.clock = clock;
  }

  get image(): MetadataImage {
    return this.current;
  }

  onChange(listener: ImageListener): void {
    this.listeners.push(listener);
  }

  /** Resolves once every listener has seen every image applied so far. */
  settled(): Promise<void> {
    return this.chain;
  }

  apply(entry: Entry): unknown {
    this.install(applyRecords(this.current, decodeRecords(entry.data)));
    return undefined;
  }

  snapshot(): Buffer {
    return encodeImageSnapshot(this.current);
  }

  restore(image: Buffer): void {
    const decoded = decodeImageSnapshot(image);
    assert(decoded.ok, `unreadable metadata snapshot: ${decoded.ok ? '' : decoded.problem}`);
    this.install(decoded.image);
  }

  private install(applied: MetadataImage): void {
    const previous = this.current;
    const next = withClusterId(applied);
    this.current = next;
    for (const [index, listener] of this.listeners.entries()) {
      this.chain = this.chain.then(async () => {
        const startedMs = this.clock.now();
        await listener(previous, next);
        const tookMs = this.clock.now() - startedMs;
        // What this node does on a metadata change (partition roles, fetchers): a slow one
        // delays this node's new leaderships and the controller requests that wait to settle.
        if (tookMs >= slowMs) this.log.warn({ listener: index, tookMs }, 'slow metadata listener');
      }).catch((err: unknown) => {
        this.log.error({ err }, 'metadata listener failed');
      });
    }
  }
}

/**
 * A topic's effective min.insync.replicas under the topic defaults in force (the node's, with the
 * cluster's dynamic configs), for the events the controller derives (isr-below-min); cached per
 * topic image and defaults (a config change makes a new one of either).
 */
export function minIsrOfTopic(defaults: () => Readonly<TopicDefaults> | undefined = () => undefined):
  (topic: TopicImage) => number {
  const cache = new WeakMap<TopicImage, { defaults: Readonly<TopicDefaults> | undefined; minIsr: number }>();
  return (topic) => {
    const now = defaults();
    let known = cache.get(topic);
    if (known === undefined || known.defaults !== now) {
      const checked = validateTopicConfigs(Object.fromEntries(topic.configs));
      // Invariant: the controller validated every config before it was committed.
      const overrides = checked.ok ? checked.configs : {};
      known = { defaults: now, minIsr: effectiveTopicConfigs(overrides, replicationFactorOf(topic), now)['min.insync.replicas'] };
      cache.set(topic, known);
    }
    return known.minIsr;
  };
}

export class RaftMetadata {
  private readonly driver: RaftDriver;
  private readonly machine: MetadataMachine;
  private readonly nodeId: number;
  private readonly pending: PendingDecision[] = [];
  private pumping = false;

  private readonly log: Logger | undefined;
  private readonly clock: Clock;
  private readonly minIsrOf: (topic: TopicImage) => number;

  constructor(
    driver: RaftDriver, machine: MetadataMachine, nodeId: number, clock: Clock, log?: Logger,
    minIsrOf: (topic: TopicImage) => number = minIsrOfTopic(),
  ) {
    this.driver = driver;
    this.machine = machine;
    this.nodeId = nodeId;
    this.clock = clock;
    this.log = log;
    this.minIsrOf = minIsrOf;
  }

  image(): MetadataImage {
    return this.machine.image;
  }

  onChange(listener: ImageListener): void {
    this.machine.onChange(listener);
  }

  /** The active controller (the Raft leader), or -1 while there is none. */
  controllerId(): number {
    const leader = this.driver.leader;
    return leader === 0 ? -1 : leader;
  }

  isController(): boolean {
    return this.driver.leader === this.nodeId;
  }

  /** Waits until this node has applied everything committed before the call (read-index). */
  async catchUp(): Promise<void> {
    const outcome = await this.driver.read();
    if (!outcome.ok) throw notController(outcome.leaderId);
    await this.machine.settled();
  }

  /**
   * Runs a decision on the controller; refused with NOT_CONTROLLER elsewhere. Decisions queue and
   * are taken in batches: one read barrier (every earlier commit applied here, and this node still
   * the leader) serves every decision queued before it; each decides on the image left by the ones
   * before it in the batch, and their records are committed together as one Raft entry, after
   * which they are all answered (if that commit fails, all are refused: some decided on records it
   * would have carried). A barrier per decision was what made a busy controller fall behind: under
   * contention each took 15–50 ms, heartbeats and AlterPartition retries queued faster than that,
   * the queue reached 9 s, every lease lapsed and the ISRs churned, which queued more.
   * What this node's listeners do with a commit (open partition logs, start fetchers) is not part
   * of a decision: with `settle` (the default) the caller is answered once they are done, so it
   * finds those effects in place, but no decision waits for them. A broker heartbeat is answered
   * without (settle: false): creating a topic's logs can take seconds on a busy disk, and a
   * heartbeat answered that late renews no lease.
   */
  propose<T>(decide: (image: MetadataImage) => Decision<T>, opts: { settle?: boolean } = {}):
    Promise<T> {
    const decided = new Promise<T>((resolve, reject) => {
      this.pending.push({ decide, resolve: resolve as (value: unknown) => void, reject,
        queuedMs: this.clock.now() });
    });
    void this.pump();
    if (opts.settle === false) return decided;
    return decided.then(async (result) => {
      await this.machine.settled();
      return result;
    });
  }

  /** Runs batches until the queue is empty; one pump at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.pending.length > 0) await this.runBatch(this.pending.splice(0, decisionBatchMax));
    } finally {
      this.pumping = false;
    }
  }

  private async runBatch(batch: readonly PendingDecision[]): Promise<void> {
    const startedMs = this.clock.now();
    const took = { decisions: batch.length, queuedMs: startedMs - batch[0]!.queuedMs, readMs: 0,
      commitMs: 0 };
    try {
      if (!this.isController()) throw notController(this.driver.leader);
      const outcome = await this.driver.read();
      if (!outcome.ok) throw notController(outcome.leaderId);
      took.readMs = this.clock.now() - startedMs;
      let scratch = this.machine.image;
      const records: MetadataRecord[] = [];
      const answers: { item: PendingDecision; result: unknown }[] = [];
      for (const item of batch) {
        try {
          const decision = item.decide(scratch);
          if (decision.records.length > 0 || (decision.notes?.length ?? 0) > 0) {
            const after = withClusterId(applyRecords(scratch, decision.records));
            // What a person should hear about this decision, committed with it (issue 16).
            const events = clusterEvents(scratch, after, decision.records, { nowMs: this.clock.now(),
              minIsrOf: this.minIsrOf,
              ...(decision.cause === undefined ? {} : { cause: decision.cause }),
              ...(decision.notes === undefined ? {} : { notes: decision.notes }) });
            scratch = applyRecords(after, events);
            records.push(...decision.records, ...events);
          }
          answers.push({ item, result: decision.result });
        } catch (err) {
          item.reject(err); // this decision only (its records were not taken)
        }
      }
      if (records.length > 0) {
        const commitFromMs = this.clock.now();
        const proposed = await this.driver.propose(tagged(EntryTag.metadata, encodeRecords(records)));
        if (!proposed.ok) throw notController(proposed.leaderId);
        took.commitMs = this.clock.now() - commitFromMs;
      }
      for (const { item, result } of answers) item.resolve(result);
    } catch (err) {
      for (const item of batch) item.reject(err); // a settled promise ignores it
    } finally {
      if (this.clock.now() - batch[0]!.queuedMs >= slowMs) this.log?.warn(took, 'slow controller decision');
    }
  }
}

interface PendingDecision {
  readonly decide: (image: MetadataImage) => Decision<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  readonly queuedMs: number;
}

/** Decisions sharing one read barrier and one Raft entry at most. */
const decisionBatchMax = 64;

export function notController(leaderId: number): PadoError {
  return new PadoError(PadoErrorCode.notController,
    leaderId > 0 ? `not the controller; the controller is node ${leaderId}` : 'no controller elected yet');
}
