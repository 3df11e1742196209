/**
 * The chaos harness (issue 6): three real `pado start` processes on 127.0.0.1, an RF=3 topic,
 * one kafkajs producer per partition (idempotent, acks=all, one request in flight) writing
 * sequence-numbered records without pause and remembering which were acknowledged and where, and
 * a kafkajs consumer group reading along. Nemeses (SIGKILL by PID, SIGSTOP/SIGCONT) are run by the
 * scenario; each kill is logged with its time and the partitions it hit. After healing, `finish`
 * reads every partition from offset 0 and checks the acknowledged history:
 * - lost: acknowledged, but not in the log at the offset it was acknowledged with (must be 0);
 * - duplicates: a sequence number present twice (must be 0; the idempotent producer retries);
 * - reorders: sequence numbers not increasing along a partition's log (must be 0);
 * and measures the unavailability window of each kill (kill → next acknowledged produce on the
 * partitions the killed broker led) and each restarted broker's time to rejoin every ISR.
 * Killing the group's coordinator (`killCoordinator`) also checks its committed offsets: none
 * the old coordinator answered, and no commit acknowledged to the consumer, may go back, at the
 * new coordinator or after the restart.
 *
 * A producer whose send fails for good is replaced by a new one (a new producer id): kafkajs would
 * otherwise reuse the failed batch's sequence number for the next record, which the broker rightly
 * answers as a duplicate of the failed one, acknowledging a record it never stored. A failed record
 * is "uncertain" (it may or may not be in the log) and is never sent again.
 *
 * The schedule (which node, pauses between nemeses, pause lengths) comes from one seed, printed
 * at the start; `PADO_SEED=<n>` replays it (the processes' own timing is not replayed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import {
  KafkaClient, decodeFetchedRecords, fetchOffsets, findGroupCoordinator,
} from '../../src/client/index.js';
import { delay as sleep, Prng, withinMs } from '../../src/common/index.js';
import { RaftCluster } from './raft-cluster.js';
import { waitFor } from './run.js';

export const chaosTopic = 'chaos';
export const chaosPartitions = 3;
/** The kafkajs consumer group reading along (auto-commit). */
export const chaosGroup = 'chaos-readers';
/** A failover, a restart or the final catch-up must finish within this (a bug, not slowness). */
const healMsMax = 60_000;
const recordsPerPartitionMax = 5_000_000;
/**
 * kafkajs retry settings of the clients under test: its defaults back off 300 ms doubling to 30 s,
 * so a retry may land a second after the new leader is ready; a LAN client retries sooner.
 */
const kafkajsRetry = { initialRetryTime: 50, maxRetryTime: 250, retries: 60 };

export type Scale = 'short' | 'full';

/** `npm run test:chaos` passes PADO_CHAOS=full; `npm test` runs the short version. */
export function chaosScale(): Scale {
  return process.env.PADO_CHAOS === 'full' ? 'full' : 'short';
}

export function chaosSeed(): number {
  const raw = process.env.PADO_SEED;
  if (raw !== undefined && /^\d+$/.test(raw)) return Number(raw);
  return (Date.now() ^ (process.pid << 8)) >>> 0;
}

export interface Ack {
  readonly seq: number;
  readonly offset: number;
  readonly atMs: number;
}

/** One partition's producer loop. */
class PartitionWriter {
  readonly partition: number;
  readonly acks: Ack[] = [];
  readonly uncertain: number[] = [];
  private nextSeq = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  private readonly kafka: Kafka;

  constructor(kafka: Kafka, partition: number) {
    this.kafka = kafka;
    this.partition = partition;
  }

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** The first acknowledgement received after `ms`. */
  firstAckAfter(ms: number): Ack | undefined {
    for (let i = this.acks.length - 1; i >= 0; i--) {
      const ack = this.acks[i]!;
      if (ack.atMs <= ms) return this.acks[i + 1];
    }
    return this.acks[0];
  }

  private async loop(): Promise<void> {
    let producer: Producer | null = null;
    while (!this.stopped && this.nextSeq < recordsPerPartitionMax) {
      if (producer === null) producer = await this.connect();
      if (producer === null) continue;
      const seq = this.nextSeq++;
      try {
        const meta = await producer.send({
          topic: chaosTopic, acks: -1, timeout: 10_000,
          messages: [{ partition: this.partition, value: `${this.partition}:${seq}` }],
        });
        this.acks.push({ seq, offset: Number(meta[0]!.baseOffset), atMs: Date.now() });
      } catch {
        this.uncertain.push(seq);
        await producer.disconnect().catch(() => undefined);
        producer = null;
      }
    }
    await producer?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Producer | null> {
    const producer = this.kafka.producer({
      idempotent: true, maxInFlightRequests: 1, retry: kafkajsRetry,
    });
    try {
      await producer.connect();
      return producer;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
      return null;
    }
  }
}

interface PartitionView {
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

export interface Nemesis {
  readonly kind: string;
  readonly target: number;
  readonly atMs: number;
  /** Partitions the target led at the time (their producers must wait for a new leader). */
  readonly partitions: readonly number[];
}

/** A committed offset that went back across a coordinator kill (must never happen). */
export interface OffsetRegression {
  /** Which nemesis of the run (1-based). */
  readonly kill: number;
  /** `failover`: the new coordinator's first answer; `healed`: after the restart. */
  readonly stage: 'failover' | 'healed';
  readonly partition: number;
  readonly before: number;
  readonly after: number;
}

/** A coordinator's answer: its node id and the committed offset per partition (-1: none). */
interface Committed {
  readonly nodeId: number;
  readonly offsets: ReadonlyMap<number, number>;
}

export interface Summary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

export interface ChaosReport {
  readonly scenario: string;
  readonly seed: number;
  readonly nemeses: number;
  readonly acked: number;
  readonly uncertain: number;
  readonly uncertainInLog: number;
  readonly lost: readonly string[];
  readonly duplicates: readonly string[];
  readonly reorders: readonly string[];
  readonly consumerMissing: number;
  readonly unavailableMs: Summary;
  readonly unavailableMsAll: readonly number[];
  readonly rejoinMs: Summary;
  readonly newControllerMs?: Summary;
  readonly electedMs?: Summary;
  /** Coordinator kill → another live node named by FindCoordinator answers OffsetFetch. */
  readonly newCoordinatorMs?: Summary;
  /** Partition offsets compared across coordinator kills, and those that went back. */
  readonly offsetsCompared?: number;
  readonly offsetsWentBack?: readonly OffsetRegression[];
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? -1;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? -1, count: sorted.length };
}

export class ChaosRun {
  readonly seed: number;
  readonly prng: Prng;
  readonly cluster: RaftCluster;
  private readonly kafka: Kafka;
  private readonly writers: PartitionWriter[];
  private consumer: Consumer | null = null;
  /** Set by stop(): no client may be (re)started after it, or the test process never exits. */
  private stopping = false;
  private readonly seen = new Set<string>();
  private readonly nemeses: Nemesis[] = [];
  private readonly windows: number[] = [];
  private readonly rejoins: number[] = [];
  private readonly newControllers: number[] = [];
  private readonly newCoordinators: number[] = [];
  private offsetsCompared = 0;
  private readonly offsetsWentBack: OffsetRegression[] = [];
  /** Per partition, the highest offset whose OffsetCommit the consumer saw answered, no error. */
  private readonly commitsAcked = new Map<number, number>();
  /** Kill → Metadata names new leaders for what the killed broker led. */
  private readonly elections: number[] = [];
  private readonly paused = new Set<number>();
  /** Log lines of every process that ran, per node (dumped when a check fails). */
  private readonly history = new Map<number, string[][]>();
  private readonly scenario: string;

  private constructor(scenario: string, seed: number, cluster: RaftCluster) {
    this.scenario = scenario;
    this.seed = seed;
    this.prng = new Prng(seed);
    this.cluster = cluster;
    const brokers = cluster.ids.map((id) => cluster.address(id));
    this.kafka = new Kafka({ clientId: 'chaos', brokers, logLevel: logLevel.NOTHING,
      retry: kafkajsRetry, connectionTimeout: 1_000 });
    this.writers = Array.from({ length: chaosPartitions }, (_, p) => new PartitionWriter(this.kafka, p));
  }

  static async start(scenario: string, seed: number): Promise<ChaosRun> {
    const cluster = await RaftCluster.start(3);
    const run = new ChaosRun(scenario, seed, cluster);
    for (const id of cluster.ids) run.remember(id);
    try {
      await run.createTopic();
      await run.waitHealed('the topic fully in sync');
      for (const w of run.writers) w.start();
      await run.startConsumer();
      await run.waitAcksEverywhere(Date.now());
    } catch (e) {
      await run.stop();
      throw e;
    }
    return run;
  }

  /** Load between nemeses: a seeded pause while the producers keep writing. */
  async load(minMs = 300, maxMs = 1_500): Promise<void> {
    await sleep(this.prng.between(minMs, maxMs));
  }

  // ---- nemeses ---------------------------------------------------------------------------

  /** SIGKILL the leader of `partition`; wait for the next ack; restart it; wait for the ISR. */
  async killLeader(partition: number): Promise<void> {
    const leader = await this.leaderOf(partition);
    const hit = await this.kill('kill-leader', leader);
    await this.waitElected(hit);
    await this.waitNextAck(hit);
    await this.restart([leader]);
  }

  /** SIGKILL the active controller (Raft leader); measures the time to a new controller too. */
  async killController(): Promise<void> {
    const controller = await waitFor('a controller', async () => {
      const md = await this.metadataAny();
      return md !== undefined && md.controllerId > 0 ? md.controllerId : undefined;
    }, healMsMax);
    const hit = await this.kill('kill-controller', controller);
    await waitFor('a new controller', async () => {
      const md = await this.metadataAny();
      return md !== undefined && md.controllerId > 0 && md.controllerId !== controller
        ? true : undefined;
    }, healMsMax, 10);
    this.newControllers.push(Date.now() - hit.atMs);
    await this.waitNextAck(hit);
    await this.restart([controller]);
  }

  /**
   * SIGKILL the group's coordinator (the leader of its `__consumer_offsets` partition, as
   * FindCoordinator names it) once the group has committed every partition; restart it. The
   * offsets it answered before must not go back: not in the first answer of the new coordinator
   * (kill → that answer is `newCoordinatorMs`), nor once the killed node is back in every ISR.
   */
  async killCoordinator(): Promise<void> {
    const before = await this.committedAndAcknowledged();
    const coordinator = before.nodeId;
    const hit = await this.kill('kill-coordinator', coordinator);
    const failover = await waitFor(`a new coordinator after killing node ${coordinator}`,
      () => this.committedAnywhere(coordinator), healMsMax, 10);
    this.newCoordinators.push(Date.now() - hit.atMs);
    this.compareOffsets(before.offsets, failover.offsets, 'failover');
    await this.waitNextAck(hit);
    await this.restart([coordinator]);
    const healed = await waitFor(`the coordinator after node ${coordinator} restarted`,
      () => this.committedAnywhere(), healMsMax, 20);
    this.compareOffsets(before.offsets, healed.offsets, 'healed');
  }

  /**
   * What must survive the coordinator: per partition the higher of the coordinator's OffsetFetch
   * answer (it answers only commits its ISR holds) and the last commit the consumer had
   * acknowledged, once every partition has one.
   */
  private async committedAndAcknowledged(): Promise<Committed> {
    const answer = await waitFor('committed offsets on every partition', async () => {
      const c = await this.committedAnywhere();
      return c !== undefined && [...c.offsets.values()].every((o) => o >= 0) ? c : undefined;
    }, healMsMax, 20);
    const offsets = new Map([...answer.offsets].map(([p, offset]) =>
      [p, Math.max(offset, this.commitsAcked.get(p) ?? -1)]));
    return { nodeId: answer.nodeId, offsets };
  }

  /** SIGSTOP the leader of `partition` for longer than its session, then SIGCONT. */
  async pauseLeader(partition: number, sessionMs: number): Promise<void> {
    const leader = await this.leaderOf(partition);
    const pauseMs = sessionMs + this.prng.between(1_000, 3_000);
    const pid = this.cluster.process(leader)!.pid;
    const partitions = (await this.view()).filter((p) => p.leaderId === leader).map((p) => p.partition);
    process.kill(pid, 'SIGSTOP');
    this.paused.add(leader);
    const hit: Nemesis = { kind: 'pause-leader', target: leader, atMs: Date.now(), partitions };
    this.nemeses.push(hit);
    // The producer's request in flight to the paused leader hangs until SIGCONT (or the client's
    // request timeout): the window is the pause, by design; what counts is that the resumed old
    // leader acknowledges nothing it does not hold durably in the new leader's ISR.
    try {
      await this.waitElected(hit);
      const left = hit.atMs + pauseMs - Date.now();
      if (left > 0) await sleep(left);
    } finally {
      process.kill(pid, 'SIGCONT');
      this.paused.delete(leader);
    }
    await this.waitNextAck(hit);
    const resumedAt = Date.now();
    await this.waitHealed(`node ${leader} back in every ISR after SIGCONT`);
    this.rejoins.push(Date.now() - resumedAt);
  }

  /** SIGKILL all three at once, restart them all. */
  async killAll(): Promise<void> {
    const view = await this.view();
    const atMs = Date.now();
    await Promise.all(this.cluster.ids.map((id) => this.cluster.kill(id)));
    const hit: Nemesis = { kind: 'kill-all', target: 0, atMs, partitions: view.map((p) => p.partition) };
    this.nemeses.push(hit);
    await this.restart([...this.cluster.ids], hit);
  }

  /** Kill the leader, restart it at once, and kill the next leader as soon as it is elected. */
  async doubleFailover(partition: number): Promise<void> {
    const first = await this.leaderOf(partition);
    const hit1 = await this.kill('double-failover-1', first);
    const restarting = this.cluster.startNode(first);
    const second = await waitFor('a second leader', async () => {
      const p = (await this.view().catch(() => []))[partition];
      return p !== undefined && p.leaderId > 0 && p.leaderId !== first ? p.leaderId : undefined;
    }, healMsMax, 10);
    const hit2 = await this.kill('double-failover-2', second);
    await restarting;
    this.remember(first);
    await this.waitNextAck(hit2);
    this.windows.push(this.windowOf(hit1));
    await this.restart([second]);
  }

  // ---- the end ---------------------------------------------------------------------------

  /** Stops the load, heals, reads every partition from the start and checks the history. */
  async finish(): Promise<ChaosReport> {
    await this.waitHealed('every replica in sync before the check');
    for (const w of this.writers) await w.stop();
    const logs = await this.readAll();
    const report = this.check(logs);
    await this.waitConsumerCaughtUp();
    const consumerMissing = this.ackedValues().filter((v) => !this.seen.has(v)).length;
    return { ...report, consumerMissing };
  }

  /** Where the broker logs went (written when a check fails). */
  dumpLogs(): string {
    const dir = join(tmpdir(), `pado-chaos-${this.scenario}-${this.seed}`);
    mkdirSync(dir, { recursive: true });
    for (const [id, runs] of this.history) {
      writeFileSync(join(dir, `node-${id}.log`), runs.map((r) => r.join('\n')).join('\n---- restart\n'));
    }
    return dir;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const id of this.paused) {
      const pid = this.cluster.process(id)?.pid;
      if (pid !== undefined) process.kill(pid, 'SIGCONT');
    }
    for (const w of this.writers) await withinMs(w.stop(), 15_000);
    await withinMs((this.consumer?.disconnect() ?? Promise.resolve()).catch(() => undefined),
      10_000);
    await this.cluster.stop();
  }

  // ---- internals -------------------------------------------------------------------------

  private check(logs: readonly (readonly { offset: number; seq: number }[])[]) {
    const lost: string[] = [];
    const duplicates: string[] = [];
    const reorders: string[] = [];
    let uncertainInLog = 0;
    for (const w of this.writers) {
      const log = logs[w.partition]!;
      const atOffset = new Map(log.map((r) => [r.offset, r.seq]));
      const count = new Map<number, number>();
      let previous = -1;
      for (const r of log) {
        count.set(r.seq, (count.get(r.seq) ?? 0) + 1);
        if (r.seq <= previous) reorders.push(`p${w.partition}: seq ${r.seq} at offset ${r.offset} after ${previous}`);
        previous = Math.max(previous, r.seq);
      }
      for (const [seq, n] of count) if (n > 1) duplicates.push(`p${w.partition}: seq ${seq} ×${n}`);
      for (const ack of w.acks) {
        const found = atOffset.get(ack.offset);
        if (found !== ack.seq) {
          lost.push(`p${w.partition}: seq ${ack.seq} acked at offset ${ack.offset}, log has ${found ?? 'nothing'}`);
        }
      }
      for (const seq of w.uncertain) if (count.has(seq)) uncertainInLog++;
    }
    return {
      scenario: this.scenario, seed: this.seed, nemeses: this.nemeses.length,
      acked: this.writers.reduce((n, w) => n + w.acks.length, 0),
      uncertain: this.writers.reduce((n, w) => n + w.uncertain.length, 0),
      uncertainInLog, lost, duplicates, reorders,
      unavailableMs: summarize(this.windows), unavailableMsAll: [...this.windows],
      rejoinMs: summarize(this.rejoins),
      ...(this.elections.length > 0 ? { electedMs: summarize(this.elections) } : {}),
      ...(this.newControllers.length > 0 ? { newControllerMs: summarize(this.newControllers) } : {}),
      ...(this.newCoordinators.length > 0 ? {
        newCoordinatorMs: summarize(this.newCoordinators), offsetsCompared: this.offsetsCompared,
        offsetsWentBack: [...this.offsetsWentBack],
      } : {}),
    };
  }

  private ackedValues(): string[] {
    return this.writers.flatMap((w) => w.acks.map((a) => `${w.partition}:${a.seq}`));
  }

  /**
   * One try: FindCoordinator on each live node until one names a live node other than `except`,
   * then OffsetFetch there; undefined unless that answers without error on every partition.
   */
  private async committedAnywhere(except?: number): Promise<Committed | undefined> {
    for (const asked of this.live()) {
      const found = await this.withClient(asked, (c) => findGroupCoordinator(c, chaosGroup))
        .catch(() => undefined);
      if (found === undefined || found.errorCode !== 0 || found.nodeId === except) continue;
      if (!this.live().includes(found.nodeId)) continue;
      const offsets = await this.committedAt(found.nodeId);
      if (offsets !== undefined) return { nodeId: found.nodeId, offsets };
    }
    return undefined;
  }

  /** OffsetFetch of the chaos topic at node `id`; undefined on any error. */
  private async committedAt(id: number): Promise<Map<number, number> | undefined> {
    const partitionIndexes = this.writers.map((w) => w.partition);
    const r = await this.withClient(id, (c) => fetchOffsets(c, chaosGroup,
      [{ name: chaosTopic, partitionIndexes }])).catch(() => undefined);
    const answered = r?.topics.find((t) => t.name === chaosTopic)?.partitions ?? [];
    if (r === undefined || r.errorCode !== 0 || answered.some((p) => p.errorCode !== 0)) {
      return undefined;
    }
    const offsets = new Map(answered.map((p) => [p.partitionIndex, p.committedOffset]));
    return partitionIndexes.every((p) => offsets.has(p)) ? offsets : undefined;
  }

  private compareOffsets(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>,
    stage: OffsetRegression['stage']): void {
    for (const [partition, was] of before) {
      const now = after.get(partition) ?? -1;
      this.offsetsCompared++;
      if (now < was) {
        this.offsetsWentBack.push({ kill: this.nemeses.length, stage, partition, before: was,
          after: now });
      }
    }
  }

  private async kill(kind: string, target: number): Promise<Nemesis> {
    const partitions = (await this.view()).filter((p) => p.leaderId === target).map((p) => p.partition);
    await this.cluster.kill(target);
    const hit: Nemesis = { kind, target, atMs: Date.now(), partitions };
    this.nemeses.push(hit);
    return hit;
  }

  /** Restarts `ids` (in parallel); waits for the next acks of `hit` and for every ISR. */
  private async restart(ids: readonly number[], hit?: Nemesis): Promise<void> {
    const started = Date.now();
    await Promise.all(ids.map((id) => this.cluster.startNode(id)));
    for (const id of ids) this.remember(id);
    if (hit !== undefined) await this.waitNextAck(hit);
    await this.waitHealed(`nodes ${ids.join(',')} back in every ISR`);
    const rejoinMs = Date.now() - started;
    for (const _ of ids) this.rejoins.push(rejoinMs);
  }

  private remember(id: number): void {
    const proc = this.cluster.process(id);
    if (proc === undefined) return;
    const runs = this.history.get(id) ?? [];
    if (!runs.includes(proc.lines)) runs.push(proc.lines);
    this.history.set(id, runs);
  }

  /** Waits for an ack after the nemesis on each partition it hit; records the window. */
  private async waitNextAck(hit: Nemesis): Promise<void> {
    await this.waitAcks(hit.partitions, hit.atMs, `an ack after ${hit.kind} of node ${hit.target}`);
    if (hit.partitions.length > 0) this.windows.push(this.windowOf(hit));
  }

  /** Kill → every partition the target led shows another leader in Metadata. */
  private async waitElected(hit: Nemesis): Promise<void> {
    await waitFor(`new leaders after ${hit.kind} of node ${hit.target}`, async () => {
      const view = await this.view().catch(() => undefined);
      const moved = view !== undefined && hit.partitions.every((p) => {
        const leader = view[p]?.leaderId ?? -1;
        return leader > 0 && leader !== hit.target;
      });
      return moved ? true : undefined;
    }, healMsMax, 10);
    this.elections.push(Date.now() - hit.atMs);
  }

  private windowOf(hit: Nemesis): number {
    let worst = 0;
    for (const p of hit.partitions) {
      const ack = this.writers[p]!.firstAckAfter(hit.atMs);
      if (ack !== undefined) worst = Math.max(worst, ack.atMs - hit.atMs);
    }
    return worst;
  }

  private waitAcksEverywhere(afterMs: number): Promise<void> {
    return this.waitAcks(this.writers.map((w) => w.partition), afterMs, 'acks on every partition');
  }

  private async waitAcks(partitions: readonly number[], afterMs: number, what: string) {
    await waitFor(what, () => partitions.every((p) =>
      this.writers[p]!.firstAckAfter(afterMs) !== undefined) ? true : undefined, healMsMax, 5);
  }

  private async leaderOf(partition: number): Promise<number> {
    return waitFor(`a leader of partition ${partition}`, async () => {
      const p = (await this.view().catch(() => []))[partition];
      return p !== undefined && p.leaderId > 0 ? p.leaderId : undefined;
    }, healMsMax);
  }

  /** Every node running and in the ISR of every partition, each partition led. */
  private async waitHealed(what: string): Promise<void> {
    await waitFor(what, async () => {
      const view = await this.view().catch(() => undefined);
      const full = view !== undefined && view.length === chaosPartitions &&
        view.every((p) => p.leaderId > 0 && p.isr.length === this.cluster.ids.length);
      return full ? true : undefined;
    }, healMsMax, 20);
  }

  private async view(): Promise<PartitionView[]> {
    const md = await this.metadataAny();
    const topic = md?.topics.find((t) => t.name === chaosTopic);
    if (topic === undefined) throw new Error('no metadata');
    return [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => ({
      partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isrNodes,
    }));
  }

  private async metadataAny() {
    for (const id of this.live()) {
      const md = await this.withClient(id, (c) => c.metadata([chaosTopic])).catch(() => undefined);
      if (md !== undefined) return md;
    }
    return undefined;
  }

  private live(): number[] {
    return this.cluster.running().filter((id) => !this.paused.has(id));
  }

  private withClient<T>(id: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
    return this.cluster.withClient(id, f, 3_000);
  }

  private async createTopic(): Promise<void> {
    await waitFor('three brokers', async () => {
      const md = await this.metadataAny();
      return md !== undefined && md.brokers.length === 3 ? true : undefined;
    }, healMsMax);
    const created = await this.withClient(this.cluster.ids[0]!, (c) => c.createTopics([{
      name: chaosTopic, numPartitions: chaosPartitions, replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    }]));
    const code = created.topics[0]?.errorCode;
    if (code !== 0) throw new Error(`create ${chaosTopic}: error ${code}`);
  }

  private async startConsumer(): Promise<void> {
    if (this.stopping) return;
    // kafkajs restarts a crashed consumer forever by default: once stop() began, a cluster that is
    // down (a failed run) would keep that retry loop, and the test process, alive.
    const retry = { ...kafkajsRetry, restartOnFailure: async () => !this.stopping };
    const consumer = this.kafka.consumer({ groupId: chaosGroup, retry,
      sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
      // kafkajs emits this only once the coordinator answered the commit without error.
      for (const t of e.payload.topics) {
        for (const p of t.partitions) {
          const offset = Number(p.offset);
          if (offset > (this.commitsAcked.get(Number(p.partition)) ?? -1)) {
            this.commitsAcked.set(Number(p.partition), offset);
          }
        }
      }
    });
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts itself on retriable errors; beyond that, a fresh consumer takes over.
      if (e.payload.restart || this.consumer !== consumer || this.stopping) return;
      this.consumer = null;
      void consumer.disconnect().catch(() => undefined).then(() => this.startConsumer());
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: chaosTopic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      if (message.value !== null) this.seen.add(message.value.toString());
    } });
  }

  private async waitConsumerCaughtUp(): Promise<void> {
    const acked = this.ackedValues();
    await waitFor('the consumer group to read every acknowledged record', () =>
      acked.every((v) => this.seen.has(v)) ? true : undefined, healMsMax, 50).catch(() => undefined);
  }

  /** Every record of every partition, from offset 0 to the high watermark, read from its leader. */
  private async readAll(): Promise<{ offset: number; seq: number }[][]> {
    const view = await this.view();
    const out: { offset: number; seq: number }[][] = [];
    for (const p of view) {
      out.push(await this.withClient(p.leaderId, (c) => readPartition(c, p.partition)));
    }
    return out;
  }
}

async function readPartition(c: KafkaClient, partition: number) {
  const records: { offset: number; seq: number }[] = [];
  let offset = 0;
  for (let round = 0; round < 1_000_000; round++) {
    const r = await c.fetch([{ topic: chaosTopic, partition, offset }], { maxWaitMs: 0 });
    const part = r.responses[0]?.partitions[0];
    if (part === undefined || part.errorCode !== 0) {
      throw new Error(`fetch p${partition}@${offset}: error ${part?.errorCode}`);
    }
    const fetched = decodeFetchedRecords(part.records);
    for (const record of fetched.records) {
      const value = record.value?.toString() ?? '';
      records.push({ offset: record.offset, seq: Number(value.split(':')[1]) });
    }
    if (fetched.nextOffset === null) {
      if (offset >= Number(part.highWatermark)) break;
      throw new Error(`fetch p${partition}@${offset}: nothing below the HW ${part.highWatermark}`);
    }
    offset = fetched.nextOffset;
  }
  return records;
}



/** One line for the test output (and PADO_CHAOS_REPORT=file appends it there). */
export function formatReport(report: ChaosReport): string {
  const { unavailableMsAll: _all, ...rest } = report;
  return JSON.stringify({ ...rest, lost: report.lost.length, duplicates: report.duplicates.length,
    reorders: report.reorders.length });
}
