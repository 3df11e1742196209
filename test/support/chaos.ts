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
import { spawn, type ChildProcess } from 'node:child_process';
import { makeTestCerts } from './certs.js';
import {
  appendFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, readSync,
  rmSync, statSync, statfsSync, truncateSync, unlinkSync, writeFileSync, writeSync, createWriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, type Consumer, type logCreator, type Producer } from 'kafkajs';
import {
  KafkaClient, decodeFetchedRecords, fetchOffsets, findGroupCoordinator,
} from '../../src/client/index.js';
import { delay, Prng, withinMs as within } from '../../src/common/index.js';
import { systemClock } from '../../src/node/io/system-clock.js';
import {
  ApiKey, decodeResponseFrame, KafkaError, type RaftMessageResponse,
} from '../../src/protocol/index.js';
import { batchLogOverheadBytes, parseBatchHeader } from '../../src/protocol/records/index.js';
import { exchange, forgedFrames, sendAndClose, type PeerAddress } from './forged-frames.js';
import { TestNetwork } from './netns.js';
import { RaftCluster } from './raft-cluster.js';
import { waitFor } from './run.js';

const sleep = (ms: number): Promise<void> => delay(systemClock, ms);
const withinMs = (work: Promise<void>, ms: number): Promise<void> => within(systemClock, work, ms);

export const chaosTopic = 'chaos';
export const chaosPartitions = 3;
/** The kafkajs consumer group reading along (auto-commit). */
export const chaosGroup = 'chaos-readers';
const chaosSegmentBytes = 16 * 1024;
/** A failover, a restart or the final catch-up must finish within this (a bug, not slowness). */
const healMsMax = 60_000;
const recordsPerPartitionMax = 5_000_000;
/** The consumer group's catch-up at the end, however much it is behind (`waitConsumerCaughtUp`). */
const consumerCatchUpMsMax = 10 * 60_000;
/**
 * kafkajs retry settings of the clients under test: its defaults back off 300 ms doubling to 30 s,
 * so a retry may land a second after the new leader is ready; a LAN client retries sooner.
 */
const kafkajsRetry = { initialRetryTime: 50, maxRetryTime: 250, retries: 60 };

/**
 * `PADO_CHAOS_KAFKAJS_TRACE=<path>`: the consumer group's kafkajs debug log, one JSON line per
 * entry, appended to `<path>.kafkajs.log` (to tell a stalled group's cause from the wire).
 */
function kafkajsTrace(): { logLevel: logLevel; logCreator?: logCreator } {
  const path = process.env.PADO_CHAOS_KAFKAJS_TRACE;
  if (path === undefined || path === '') return { logLevel: logLevel.NOTHING };
  const out = createWriteStream(`${path}.kafkajs.log`, { flags: 'a' });
  return {
    logLevel: logLevel.DEBUG,
    logCreator: () => ({ namespace, level, log }) => {
      out.write(`${JSON.stringify({ at: Date.now(), level, namespace, ...log })}\n`);
    },
  };
}

export type Scale = 'short' | 'full';

/** `npm run test:chaos` passes PADO_CHAOS=full; `npm test` runs the short version. */
export function chaosScale(): Scale {
  return process.env.PADO_CHAOS === 'full' ? 'full' : 'short';
}

/** PADO_CHAOS_ROUNDS=<n>: that many nemesis rounds instead of the scale's (a reproduction's size). */
export function chaosRounds(): number | undefined {
  const raw = process.env.PADO_CHAOS_ROUNDS;
  return raw !== undefined && /^[1-9]\d{0,3}$/.test(raw) ? Number(raw) : undefined;
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
  /** When the record was handed to the client (librdkafka; kafkajs sends one at a time). */
  readonly sentMs?: number;
}

/**
 * One producer's records on one partition: values `<key>:<seq>`, seq counting up from 0. The
 * checker wants each acknowledged seq at its acknowledged offset, once, in order.
 */
export interface Stream {
  readonly key: string;
  readonly partition: number;
  readonly acks: Ack[];
  readonly uncertain: number[];
}

/** The first acknowledgement received after `ms` (acks are in arrival order). */
function firstAckAfter(acks: readonly Ack[], ms: number, sentAfter = false): Ack | undefined {
  // Acks arrive in order: search back from the newest for the last one before `ms`.
  let i = acks.length;
  while (i > 0 && (sentAfter ? acks[i - 1]!.sentMs ?? acks[i - 1]!.atMs : acks[i - 1]!.atMs) >= ms) i--;
  return acks[i];
}

/** One partition's kafkajs producer loop: one record per send, so one partition per send. */
class PartitionWriter {
  readonly partition: number;
  readonly acks: Ack[] = [];
  readonly uncertain: number[] = [];
  readonly stream: Stream;
  private nextSeq = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  private readonly kafka: Kafka;

  constructor(kafka: Kafka, partition: number) {
    this.kafka = kafka;
    this.partition = partition;
    this.stream = { key: String(partition), partition, acks: this.acks, uncertain: this.uncertain };
  }

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** The first acknowledgement of a send made after `ms` (the failover measure). */
  firstAckAfter(ms: number): Ack | undefined {
    return firstAckAfter(this.acks, ms, true);
  }

  private async loop(): Promise<void> {
    let producer: Producer | null = null;
    while (!this.stopped && this.nextSeq < recordsPerPartitionMax) {
      if (producer === null) producer = await this.connect();
      if (producer === null) continue;
      const seq = this.nextSeq++;
      const sentMs = Date.now();
      try {
        const meta = await producer.send({
          topic: chaosTopic, acks: -1, timeout: 10_000,
          messages: [{ partition: this.partition, value: `${this.partition}:${seq}` }],
        });
        this.acks.push({ seq, offset: Number(meta[0]!.baseOffset), atMs: Date.now(), sentMs });
      } catch (e) {
        if (process.env.PADO_CHAOS_DEBUG === '1') {
          console.log(`chaos kafkajs p${this.partition} seq ${seq} failed after ` +
            `${Date.now() - sentMs} ms: ${(e as Error).message}`);
        }
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
      // The harness creates the topic; a client outliving its run must never create one on
      // whichever later test's broker took over its port.
      allowAutoTopicCreation: false,
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

// Debian's python3-confluent-kafka installs for the system interpreter, not a pyenv one.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const rdkafkaScript = resolve('test/fixtures/python/rdkafka_workload.py');
/**
 * librdkafka's records a second over all partitions (a Pi-sized load on two shared cores);
 * PADO_CHAOS_RDKAFKA_RATE=<n> changes it (a high rate makes batches of many records).
 */
const rdkafkaRate = /^\d+$/.test(process.env.PADO_CHAOS_RDKAFKA_RATE ?? '')
  ? Number(process.env.PADO_CHAOS_RDKAFKA_RATE) : 600;

/**
 * librdkafka (python3-confluent-kafka) as a second workload: one idempotent acks=all producer
 * writing round robin over every partition, so its ProduceRequests span partitions (and, with
 * leaders spread, brokers). A fatal producer error is counted (it must not happen) and a new
 * process — a new producer id with streams of its own — takes over.
 */
class RdkafkaWriter {
  readonly streams: Stream[] = [];
  readonly fatal: string[] = [];
  /** librdkafka's log lines about epoch bumps (KIP-360). */
  readonly epochBumps: string[] = [];
  /**
   * Sequence errors brokers answered, by whose they are on the wire (rdkafka_workload.py's
   * SequenceVerdicts): the broker's must be none; the client's (it skipped a batch) are reported.
   */
  readonly brokerSequenceErrors: string[] = [];
  readonly clientSequenceErrors: string[] = [];
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private incarnation = 0;
  private stopped = false;
  private readonly bootstrap: string;
  private readonly messageTimeoutMs: number | undefined;

  constructor(bootstrap: string, messageTimeoutMs?: number) {
    this.bootstrap = bootstrap;
    this.messageTimeoutMs = messageTimeoutMs;
  }

  start(): void {
    if (this.stopped) return;
    const tag = `r${this.incarnation++}.`;
    const byPartition = new Map<number, Stream>();
    const streamOf = (partition: number) => {
      let stream = byPartition.get(partition);
      if (stream === undefined) {
        stream = { key: `${tag}${partition}`, partition, acks: [], uncertain: [] };
        byPartition.set(partition, stream);
        this.streams.push(stream);
      }
      return stream;
    };
    const proc = spawn(python, [rdkafkaScript, this.bootstrap, chaosTopic,
      String(chaosPartitions), tag, String(rdkafkaRate),
      ...(this.messageTimeoutMs === undefined ? [] : [String(this.messageTimeoutMs)])],
    { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stderr!.resume();
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const f = line.split(' ');
      if (f[0] === 'A') {
        streamOf(Number(f[1])).acks.push({ seq: Number(f[2]), offset: Number(f[3]),
          sentMs: Number(f[4]), atMs: Number(f[5]) });
      } else if (f[0] === 'F') {
        streamOf(Number(f[1])).uncertain.push(Number(f[2]));
      } else if (f[0] === 'X') {
        this.fatal.push(line.slice(2));
      } else if (f[0] === 'Q') {
        (f[1] === 'client' ? this.clientSequenceErrors : this.brokerSequenceErrors)
          .push(line.slice(3 + f[1]!.length));
      } else if (f[0] === 'E') {
        this.epochBumps.push(line.slice(2));
        if (process.env.PADO_CHAOS_DEBUG === '1') console.log(`chaos librdkafka: ${line.slice(2)}`);
      }
    });
    this.exited = new Promise((res) => proc.once('exit', () => {
      res();
      if (this.proc === proc) this.proc = null;
      if (!this.stopped) setTimeout(() => this.start(), 200);
    }));
  }

  /** A fresh producer (new producer id) in place of the running one, which flushes and exits. */
  async renew(): Promise<void> {
    await this.stop();
    this.stopped = false;
    this.start();
  }

  /** Closes its stdin (it flushes what it can, 20 s at most), SIGKILL if it outlives that. */
  async stop(): Promise<void> {
    this.stopped = true;
    const proc = this.proc;
    if (proc === null) return;
    proc.stdin!.end();
    await withinMs(this.exited, 30_000);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await this.exited;
  }

  firstAckAfter(partition: number, ms: number): Ack | undefined {
    let first: Ack | undefined;
    for (const s of this.streams) {
      if (s.partition !== partition) continue;
      const ack = firstAckAfter(s.acks, ms, true);
      if (ack !== undefined && (first === undefined || ack.atMs < first.atMs)) first = ack;
    }
    return first;
  }
}

/**
 * CPU contention (a Pi is always busy): `count` processes spinning on the cores the brokers use,
 * each ending by itself after `lifetimeMs` even if nobody kills it.
 */
class BusyLoad {
  private readonly procs: ChildProcess[] = [];

  constructor(count: number, lifetimeMs = 45 * 60_000) {
    const body = `const end = Date.now() + ${lifetimeMs}; let x = 0; ` +
      'while (Date.now() < end) { x = (x * 31 + 7) % 1000003; }';
    for (let i = 0; i < count; i++) {
      this.procs.push(spawn(process.execPath, ['-e', body], { stdio: 'ignore' }));
    }
  }

  get count(): number {
    return this.procs.length;
  }

  stop(): void {
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
  }
}

/** Busy processes during a run: PADO_CHAOS_BUSY=<n>; `npm run test:chaos` defaults to 4. */
export function chaosBusy(): number {
  const raw = process.env.PADO_CHAOS_BUSY;
  if (raw !== undefined && /^\d+$/.test(raw)) return Math.min(Number(raw), 16);
  return chaosScale() === 'full' ? 4 : 0;
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
  readonly busy: number;
  readonly acked: number;
  readonly rdkafkaAcked: number;
  readonly uncertain: number;
  readonly uncertainInLog: number;
  readonly lost: readonly string[];
  readonly duplicates: readonly string[];
  readonly reorders: readonly string[];
  /** librdkafka fatal errors (must be none). */
  readonly fatal: readonly string[];
  /**
   * Records stored twice because librdkafka sent them again under a new producer id or epoch
   * (after its epoch bump): a client behaviour, told apart on the wire; reported, not a failure.
   */
  readonly clientResends: number;
  readonly clientResendSample?: string;
  /** librdkafka log lines about epoch bumps, and the first. */
  readonly epochBumps: number;
  /**
   * Sequence errors (OUT_OF_ORDER_SEQUENCE_NUMBER and kin) a broker answered librdkafka that the
   * wire does not blame on the client (must be none): each makes librdkafka bump its epoch and
   * send again what it holds unacknowledged, possibly stored already.
   */
  readonly brokerSequenceErrors: readonly string[];
  /** Those the client caused: the batch the broker lacked was never sent to it (issue 4953). */
  readonly clientSequenceErrors: number;
  /** kafkajs request promises it left unhandled (a client fault: reported, not a failure). */
  readonly kafkajsUnhandled: number;
  readonly epochBumpSample?: string;
  /** What the disk nemeses (disk fault, torn tail, full disk) did, round by round. */
  readonly diskFaults?: readonly string[];
  /**
   * Full disk: on the partitions the filled node led, its first produce refusal → the first
   * kafkajs ack of a record sent after it (worst partition, per round).
   */
  readonly diskFullMs?: Summary;
  /** Forged peer frames: per burst, the target and what its frames got. */
  readonly forgedBursts?: readonly string[];
  readonly consumerMissing: number;
  readonly consumerMissingDetail?: readonly string[];
  readonly unavailableMs: Summary;
  readonly unavailableMsAll: readonly number[];
  /** The same windows seen by librdkafka (kill → first ack of a record sent after it). */
  readonly unavailableMsRdkafka: Summary;
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

export interface ChaosOptions {
  readonly network?: boolean;
  readonly rdkafkaMessageTimeoutMs?: number;
  readonly tmpfsBytes?: number;
  readonly diskReserveBytes?: number;
  /** Encryption at rest on every broker: SSL between them, a master key each (test certs). */
  readonly atRest?: boolean;
}

/**
 * kafkajs 2.2.4 leaves some request promises unhandled when a broker closes a connection under
 * them (tulios/kafkajs#702, #796): node:test would fail the scenario on that client fault. While a
 * run lasts, a rejection with a KafkaJS error is recorded instead (reported as kafkajsUnhandled);
 * every other one still goes to the listeners that were there (node:test's).
 */
function routeKafkajsRejections(record: (err: Error) => void): () => void {
  const previous = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const route = (reason: unknown, promise: Promise<unknown>): void => {
    if (reason instanceof Error && reason.name.startsWith('KafkaJS')) {
      record(reason);
      return;
    }
    for (const listener of previous) listener(reason, promise);
  };
  process.on('unhandledRejection', route);
  return () => {
    process.removeListener('unhandledRejection', route);
    for (const listener of previous) process.on('unhandledRejection', listener);
  };
}

export class ChaosRun {
  readonly seed: number;
  readonly prng: Prng;
  readonly cluster: RaftCluster;
  private readonly kafka: Kafka;
  /** The consumer group's client, apart so that its log alone can be traced. */
  private readonly consumerKafka: Kafka;
  private readonly writers: PartitionWriter[];
  private readonly rdkafka: RdkafkaWriter;
  private busy: BusyLoad | null = null;
  /** kafkajs's unhandled rejections (a client fault, reported); see routeKafkajsRejections. */
  private readonly kafkajsUnhandled: string[] = [];
  private unrouteRejections: () => void = () => undefined;
  private removeCerts: () => void = () => undefined;
  private consumer: Consumer | null = null;
  /** Set by stop(): no client may be (re)started after it, or the test process never exits. */
  private stopping = false;
  private readonly seen = new Set<string>();
  /** Per partition, the highest offset the consumer group has read (to tell lag from a hole). */
  private readonly seenMaxOffset = new Map<number, number>();
  private readonly nemeses: Nemesis[] = [];
  private readonly windows: number[] = [];
  private readonly windowsRdkafka: number[] = [];
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
  /** Nodes cut off from the other brokers (clients still reach them). */
  private readonly isolated = new Set<number>();
  /** What each disk fault damaged (for the report). */
  private readonly diskFaults: string[] = [];
  /** Full-disk rounds whose target led partitions: first refusal → next ack there (kafkajs). */
  private readonly diskFullWindows: number[] = [];
  private readonly forgedBursts: string[] = [];
  /** The brokers' free-space reserve (`diskReserveBytes`), when the run set one. */
  private readonly diskReserveBytes: number | undefined;
  /** Log lines of every process that ran, per node (dumped when a check fails). */
  private readonly history = new Map<number, string[][]>();
  private readonly scenario: string;

  private constructor(scenario: string, seed: number, cluster: RaftCluster,
    rdkafkaMessageTimeoutMs?: number, diskReserveBytes?: number) {
    this.scenario = scenario;
    this.diskReserveBytes = diskReserveBytes;
    this.seed = seed;
    this.prng = new Prng(seed);
    this.cluster = cluster;
    const brokers = cluster.ids.map((id) => cluster.address(id));
    this.kafka = new Kafka({ clientId: 'chaos', brokers, logLevel: logLevel.NOTHING,
      retry: kafkajsRetry, connectionTimeout: 1_000 });
    this.consumerKafka = new Kafka({ clientId: 'chaos-reader', brokers, retry: kafkajsRetry,
      connectionTimeout: 1_000, ...kafkajsTrace() });
    this.writers = Array.from({ length: chaosPartitions }, (_, p) => new PartitionWriter(this.kafka, p));
    this.rdkafka = new RdkafkaWriter(brokers.join(','), rdkafkaMessageTimeoutMs);
  }

  /**
   * `network`: each broker in a network namespace of its own, for partitions (needs root).
   * `tmpfsBytes`: each broker's data directory on a tmpfs of its own of this size (needs root;
   * see `tmpfsAllowed`), for the full-disk nemesis; `diskReserveBytes`: the brokers' reserve.
   */
  static async start(scenario: string, seed: number, opts: ChaosOptions = {}): Promise<ChaosRun> {
    const network = opts.network === true ? TestNetwork.create(3) : undefined;
    const certs = opts.atRest === true ? makeTestCerts() : undefined;
    let cluster: RaftCluster;
    try {
      cluster = await RaftCluster.start(3, {
        ...(network === undefined ? {} : { network }),
        ...(certs === undefined ? {}
          : { atRest: { keystore: certs.serverKeystore, truststore: certs.caPem } }),
        ...(opts.tmpfsBytes === undefined ? {} : { tmpfsBytes: opts.tmpfsBytes }),
        ...(opts.diskReserveBytes === undefined ? {}
          : { config: { diskReserveBytes: opts.diskReserveBytes } }),
      });
    } catch (e) {
      network?.destroy();
      certs?.remove();
      throw e;
    }
    const run = new ChaosRun(scenario, seed, cluster, opts.rdkafkaMessageTimeoutMs,
      opts.diskReserveBytes);
    run.removeCerts = () => certs?.remove();
    run.unrouteRejections = routeKafkajsRejections((err) => {
      if (run.kafkajsUnhandled.push(`${err.name}: ${err.message}`) === 1) {
        console.log(`chaos: kafkajs left a rejection unhandled (a client fault): ${err.message}`);
      }
    });
    for (const id of cluster.ids) run.remember(id);
    try {
      await run.createTopic();
      await run.waitHealed('the topic fully in sync');
      const busy = chaosBusy();
      if (busy > 0) run.busy = new BusyLoad(busy);
      for (const w of run.writers) w.start();
      run.rdkafka.start();
      await run.startConsumer();
      await run.waitAcksEverywhere(Date.now());
    } catch (e) {
      console.log(`chaos ${scenario}: start failed: seed=${seed} broker logs: ${run.dumpLogs()}`);
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

  /**
   * A network partition (test network only): `isolate` cuts `target` off from the other brokers
   * for a seeded `minMs`–`maxMs` while clients still reach it; `bridge` cuts the two others off
   * from each other only (`target` still talks to both). Measures cut → next ack on the
   * partitions `target` led (for `isolate`: they must move, and the old leader must stop taking
   * produces), then heals and waits for every ISR.
   */
  async partition(kind: 'isolate' | 'bridge', target: number, minMs: number, maxMs: number):
    Promise<void> {
    const network = this.cluster.network;
    if (network === undefined) throw new Error('partitions need ChaosRun.start(..., { network: true })');
    const partitions = (await this.view()).filter((p) => p.leaderId === target).map((p) => p.partition);
    const others = this.cluster.ids.filter((id) => id !== target);
    if (kind === 'isolate') {
      network.isolate(target);
      this.isolated.add(target);
    } else {
      network.cut(others[0]!, others[1]!);
      network.cut(others[1]!, others[0]!);
    }
    const hit: Nemesis = { kind: `${kind}-${target}`, target, atMs: Date.now(),
      partitions: kind === 'isolate' ? partitions : [] };
    this.nemeses.push(hit);
    try {
      if (kind === 'isolate') {
        await this.waitElected(hit);
        await this.waitNextAck(hit);
      }
      const left = hit.atMs + this.prng.between(minMs, maxMs) - Date.now();
      if (left > 0) await sleep(left);
    } finally {
      network.heal();
      this.isolated.clear();
    }
    const healedAt = Date.now();
    await this.waitHealed(`every ISR after healing ${kind} of node ${target}`);
    this.rejoins.push(Date.now() - healedAt);
  }

  /** The leader of `partition` cut off and healed `cycles` times, 0.3–1.5 s each way. */
  async flap(partition: number, cycles: number): Promise<void> {
    const network = this.cluster.network;
    if (network === undefined) throw new Error('flapping needs ChaosRun.start(..., { network: true })');
    const target = await this.leaderOf(partition);
    this.nemeses.push({ kind: `flap-${target}`, target, atMs: Date.now(), partitions: [] });
    try {
      for (let i = 0; i < cycles; i++) {
        network.isolate(target);
        this.isolated.add(target);
        await sleep(this.prng.between(300, 1_500));
        network.heal();
        this.isolated.clear();
        await sleep(this.prng.between(300, 1_500));
      }
    } finally {
      network.heal();
      this.isolated.clear();
    }
    const healedAt = Date.now();
    await this.waitHealed(`every ISR after flapping node ${target}`);
    this.rejoins.push(Date.now() - healedAt);
  }

  /** The active controller's node id (asked of a node that is not cut off). */
  async controllerId(): Promise<number> {
    return waitFor('a controller', async () => {
      const md = await this.metadataAny();
      return md !== undefined && md.controllerId > 0 ? md.controllerId : undefined;
    }, healMsMax);
  }

  /** The leader of `partition`, asked of a node that is not cut off. */
  leader(partition: number): Promise<number> {
    return this.leaderOf(partition);
  }

  /**
   * Bit rot (issue 13, break 4) under load: a follower of `partition` stopped cleanly (SIGTERM)
   * gets one byte flipped in the middle of a closed segment of that partition — or the segment
   * file deleted — and is restarted; then the partition's leader is SIGKILLed, so the damaged
   * replica may be elected. Nothing acknowledged may be lost or served damaged: the damaged copy
   * must be found (on read or by the scrubber), repaired from a healthy replica, or handed off.
   */
  async diskFault(kind: 'flip' | 'delete', partition: number): Promise<void> {
    const before = (await this.view())[partition]!;
    const follower = before.isr.find((id) => id !== before.leaderId);
    if (follower === undefined) throw new Error(`p${partition} has no follower in sync`);
    await this.cluster.terminate(follower);
    const damaged = damageSegment(join(this.cluster.dataDir(follower), `${chaosTopic}-${partition}`),
      kind, this.prng);
    this.diskFaults.push(`${kind} node ${follower} p${partition}: ${damaged}`);
    await this.cluster.startNode(follower);
    this.remember(follower);
    await this.waitHealed(`node ${follower} back in every ISR after ${kind}`);
    await this.killLeader(partition);
  }

  /**
   * A torn tail (issue 13): a broker SIGKILLed — the leader of `partition` or one of its
   * followers, seeded — then the active (last) segment of one or more of its chaos partitions
   * damaged at the end: cut at a seeded byte inside its last batch (a torn write), or seeded bytes
   * appended (a partial next batch, or garbage); an index file of that segment, if there is one,
   * possibly torn too. Restarted at once: recovery must cut the tail and the replica must refetch
   * what it lost from the others; measured as a kill (next acks on what it led, ISR rejoin).
   */
  async tornTail(partition: number): Promise<void> {
    const before = (await this.view())[partition]!;
    const followers = before.isr.filter((id) => id !== before.leaderId);
    const asLeader = followers.length === 0 || this.prng.chance(0.5);
    const target = asLeader ? before.leaderId : this.prng.pick(followers);
    const role = `${asLeader ? 'leader' : 'follower'} of p${partition}`;
    const hit = await this.kill('torn-tail', target);
    const others = Array.from({ length: chaosPartitions }, (_, p) => p)
      .filter((p) => p !== partition);
    const torn = [partition, ...others.filter(() => this.prng.chance(0.5))];
    for (const p of torn) {
      const dir = join(this.cluster.dataDir(target), `${chaosTopic}-${p}`);
      this.diskFaults.push(`torn tail node ${target} (${role}) p${p}: ${tearTail(dir, this.prng)}`);
    }
    await this.restart([target], hit);
  }

  /**
   * A full disk (issue 13): a filler file on `role`'s tmpfs (the leader of `partition`, or a
   * seeded follower of it) until free space is below half the brokers' reserve, held a seeded
   * `minMs`–`maxMs` under load, then deleted. While full the node refuses the produces it leads
   * (KAFKA_STORAGE_ERROR, which clients retry) and stops appending what it follows (it leaves
   * those ISRs by the lag rule); once space returns it must take produces again and rejoin every
   * ISR by itself. The node must have refused something (a nemesis that does not bite proves
   * nothing). Measures, on the partitions it led, its first logged produce refusal → the next ack
   * (`diskFullMs`, and as a kill's window; the guard re-measures free space once a second, so the
   * filler itself may go unnoticed for that long), and space back → every ISR whole (rejoin).
   */
  async diskFull(partition: number, role: 'leader' | 'follower', minMs: number, maxMs: number):
    Promise<void> {
    const reserve = this.diskReserveBytes;
    if (reserve === undefined) {
      throw new Error('a full disk needs ChaosRun.start(..., { diskReserveBytes })');
    }
    const view = await this.view();
    const p = view[partition]!;
    const followers = p.isr.filter((id) => id !== p.leaderId);
    const target = role === 'leader' || followers.length === 0 ? p.leaderId
      : this.prng.pick(followers);
    const mount = this.cluster.mountOf(target);
    if (mount === undefined) {
      throw new Error('a full disk needs ChaosRun.start(..., { tmpfsBytes })');
    }
    const led = view.filter((v) => v.leaderId === target).map((v) => v.partition);
    const filler = join(mount, 'filler');
    const holdMs = this.prng.between(minMs, maxMs);
    const lineCount = this.cluster.process(target)?.lines.length ?? 0;
    const atMs = Date.now();
    let free: number;
    try {
      free = fillBelow(mount, filler, Math.floor(reserve / 2));
    } catch (e) {
      rmSync(filler, { force: true });
      throw e;
    }
    this.nemeses.push({ kind: `disk-full-${role}`, target, atMs, partitions: led });
    const newLines = () => this.cluster.process(target)?.lines.slice(lineCount) ?? [];
    const bites = (l: string) => l.includes('"msg":"produce refused: disk full"') ||
      l.includes('"msg":"follower cannot append');
    try {
      // Full until the node says so (it measures free space once a second, and a starved machine
      // may take longer to run that, log it and let us read it), then for `holdMs` more.
      await waitFor(`node ${target} refusing writes on its full disk (${free} bytes free, ` +
        `reserve ${reserve}): the nemesis did not bite`,
      () => (newLines().some(bites) ? true : undefined), healMsMax, 20);
      await sleep(holdMs);
    } finally {
      rmSync(filler, { force: true });
    }
    const freedAt = Date.now();
    const lines = newLines();
    const refused = lines.filter((l) => l.includes('"msg":"produce refused: disk full"'));
    const stopped = lines.filter((l) => l.includes('"msg":"follower cannot append'));
    await this.waitAcks(led, freedAt, `acks on [${led.join(',')}] after node ${target}'s disk ` +
      'had space again');
    // Each partition's log measures free space by itself (once a second): its own first refusal.
    const refusedAt = new Map<number, number>();
    for (const q of led) {
      const first = refused.find((l) => logFields(l)?.topic === chaosTopic &&
        logFields(l)?.partition === q);
      const ms = first === undefined ? undefined : logTimeMs(first);
      if (ms !== undefined) refusedAt.set(q, ms);
    }
    let window = '-';
    if (refusedAt.size > 0) {
      // As for a kill: the first ack of a record sent after the refusal (acks of records the
      // leader took just before it was full still arrive after it).
      const kafkajs = this.worstAckAfter(refusedAt, (q) => this.writers[q]!.acks);
      const rdkafka = this.worstAckAfter(refusedAt, (q) => this.rdkafka.streams
        .filter((st) => st.partition === q).flatMap((st) => st.acks));
      this.diskFullWindows.push(kafkajs);
      this.windows.push(kafkajs);
      this.windowsRdkafka.push(rdkafka);
      // A partition that refused must refuse until space is back: acks of records sent after its
      // first refusal and received before the filler went would be appends made on a full disk.
      const whileFull = [...refusedAt].reduce((n, [q, from]) => n + this.writers[q]!.acks
        .filter((a) => (a.sentMs ?? a.atMs) > from && a.atMs < freedAt).length, 0);
      window = `${kafkajs} ms (librdkafka ${rdkafka} ms), ${whileFull} kafkajs acks while full`;
    }
    await this.waitHealed(`every ISR whole after node ${target}'s disk had space again`);
    const rejoinMs = Date.now() - freedAt;
    this.rejoins.push(rejoinMs);
    this.diskFaults.push(`full disk node ${target} (${role} of p${partition}, led ` +
      `[${led.join(',')}]): ${free} bytes free < reserve ${reserve} for ${freedAt - atMs} ms, ` +
      `${refused.length} produce refusals and ${stopped.length} follower stops logged, first ` +
      `refusal → next ack ${window}, ISR whole ${rejoinMs} ms after space back`);
  }

  /**
   * Over partitions `fromMs` names: that time → the first ack of a record sent after it, the
   * worst partition.
   */
  private worstAckAfter(fromMs: ReadonlyMap<number, number>,
    acksOf: (partition: number) => readonly Ack[]): number {
    let worst = 0;
    for (const [q, from] of fromMs) {
      const first = acksOf(q).filter((a) => (a.sentMs ?? a.atMs) > from)
        .reduce((m, a) => Math.min(m, a.atMs), Number.POSITIVE_INFINITY);
      if (first !== Number.POSITIVE_INFINITY) worst = Math.max(worst, first - from);
    }
    return worst;
  }

  /**
   * Forged peer frames (issue 13, break 7) under load: a seeded burst of forged or malformed
   * frames to `target`'s Kafka port (RaftMessage with term 2^53−1, 2^50, term bytes 2^53 and −1,
   * term 1,000,000 from a claimed voter, an unknown sender, a truncated, an unfinished, a
   * bit-flipped and a garbage frame, raw garbage, RaftKv api 1001), all at once. Each must get
   * what the forged-peer integration test expects, or for the random ones any answer or a close
   * (never no answer); then every node must still run, and every partition take acks again.
   * Then `kill` (the leader of `partition`, or the controller) so the quorum must work at once.
   */
  async forgedPeer(target: number, partition: number, kill: 'leader' | 'controller'):
    Promise<void> {
    const to: PeerAddress = { host: this.cluster.host(target),
      port: Number(this.cluster.address(target).split(':').at(-1)) };
    const frames = forgedFrames(target, this.cluster.ids, this.prng);
    const atMs = Date.now();
    this.nemeses.push({ kind: 'forged-peer', target, atMs, partitions: [] });
    const got = await Promise.all(frames.map(async (f) => {
      if (f.unfinished === true) {
        await sendAndClose(to, f.bytes);
        return 'sent';
      }
      return exchange(to, f.bytes).then((a) => a === 'closed' ? a : answerCode(a))
        .catch((e: Error) => `failed: ${e.message}`);
    }));
    const wrong = frames.map((f, i) => ({ f, got: got[i]! })).filter(({ f, got: g }) =>
      typeof g === 'string' && g.startsWith('failed') ||
      (f.expect !== 'any' && f.unfinished !== true && g !== f.expect));
    // The frames with a fixed expectation are checked below; the report shows the others.
    const open = frames.flatMap((f, i) => f.expect === 'any' ? [`${f.name} → ${got[i]}`] : []);
    this.forgedBursts.push(`node ${target}: ${frames.length} frames, ` +
      `${frames.length - open.length} refused as expected; ${open.join(', ')}`);
    if (wrong.length > 0) {
      throw new Error(`forged frames to node ${target} answered unexpectedly: ` +
        wrong.map(({ f, got: g }) => `${f.name}: ${g} (expected ${f.expect})`).join('; '));
    }
    this.assertAllRunning(`the forged frames to node ${target}`);
    // Healed before the kill: a burst that forced a Raft election on a starved machine can leave
    // sessions expired and an ISR of one for a moment, and killing that one member leaves its
    // partitions rightly without a leader (no unclean election) — a different scenario.
    await this.waitHealed(`every ISR whole after the forged frames to node ${target}`);
    if (kill === 'leader') await this.killLeader(partition);
    else await this.killController();
    this.assertAllRunning(`the ${kill} kill after forged frames`);
    await this.waitAcksEverywhere(Date.now());
  }

  private assertAllRunning(after: string): void {
    for (const id of this.cluster.ids) {
      const proc = this.cluster.process(id)?.proc;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`node ${id} is not running after ${after} ` +
          `(exit ${proc?.exitCode ?? proc?.signalCode ?? 'unknown'})`);
      }
    }
  }

  /**
   * The independent testers' power-loss round (issue 13, break 3): a fresh librdkafka producer,
   * `runMs` of load, then every broker SIGKILLed at once and restarted `downMs` later.
   */
  async powerLossRound(runMs: number, downMs: number): Promise<void> {
    await this.rdkafka.renew();
    await sleep(runMs);
    const view = await this.view();
    const atMs = Date.now();
    await Promise.all(this.cluster.ids.map((id) => this.cluster.kill(id)));
    const hit: Nemesis = { kind: 'power-loss', target: 0, atMs, partitions: view.map((p) => p.partition) };
    this.nemeses.push(hit);
    await sleep(downMs);
    await this.restart([...this.cluster.ids], hit);
  }

  /**
   * Whole-cluster power loss: SIGKILL all three at once, keep them down a seeded 0.2–1.5 s (the
   * clients' retries and reconnects run against a dead cluster), restart them all.
   */
  async killAll(): Promise<void> {
    const view = await this.view();
    const atMs = Date.now();
    await Promise.all(this.cluster.ids.map((id) => this.cluster.kill(id)));
    const hit: Nemesis = { kind: 'kill-all', target: 0, atMs, partitions: view.map((p) => p.partition) };
    this.nemeses.push(hit);
    await sleep(this.prng.between(200, 1_500));
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
    await this.rdkafka.stop();
    this.busy?.stop();
    const logs = await this.readAll();
    const report = this.check(logs);
    await this.waitConsumerCaughtUp();
    const consumerMissing = this.ackedValues().filter((v) => !this.seen.has(v)).length;
    return { ...report, consumerMissing,
      ...(consumerMissing > 0 ? { consumerMissingDetail: this.missingDetail() } : {}) };
  }

  /**
   * Per partition, what the consumer group missed: how many, their offsets, and the highest offset
   * it did read — above the lowest missed one is a hole it skipped, below it is lag.
   */
  private missingDetail(): string[] {
    const out: string[] = [];
    for (let partition = 0; partition < chaosPartitions; partition++) {
      const missed = this.streams().filter((st) => st.partition === partition).flatMap((st) =>
        st.acks.filter((a) => !this.seen.has(`${st.key}:${a.seq}`)).map((a) => a.offset));
      if (missed.length === 0) continue;
      const low = missed.reduce((a, b) => Math.min(a, b));
      const high = missed.reduce((a, b) => Math.max(a, b));
      const read = this.seenMaxOffset.get(partition) ?? -1;
      out.push(`p${partition}: ${missed.length} missed, offsets ${low}..${high}, ` +
        `read up to ${read} (${read > low ? 'a hole' : 'lag'})`);
    }
    return out;
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
    await withinMs(this.rdkafka.stop(), 35_000);
    this.busy?.stop();
    await withinMs((this.consumer?.disconnect() ?? Promise.resolve()).catch(() => undefined),
      10_000);
    await this.cluster.stop();
    this.cluster.network?.destroy();
    this.removeCerts();
    this.unrouteRejections();
  }

  // ---- internals -------------------------------------------------------------------------

  /** Every producer stream: kafkajs's one per partition, librdkafka's per process and partition. */
  private streams(): Stream[] {
    return [...this.writers.map((w) => w.stream), ...this.rdkafka.streams];
  }

  private check(logs: readonly (readonly LoggedRecord[])[]) {
    const lost: string[] = [];
    const duplicates: string[] = [];
    const clientResends: string[] = [];
    const reorders: string[] = [];
    let uncertainInLog = 0;
    const streams = this.streams();
    for (let partition = 0; partition < chaosPartitions; partition++) {
      const log = logs[partition]!;
      const atOffset = new Map(log.map((r) => [r.offset, r]));
      const count = new Map<string, number>();
      const previous = new Map<string, number>();
      for (const r of log) {
        const value = `${r.key}:${r.seq}`;
        const seen = count.get(value) ?? 0;
        count.set(value, seen + 1);
        // A second copy is a duplicate (below), not also a reordering.
        if (seen > 0) continue;
        const before = previous.get(r.key) ?? -1;
        if (r.seq <= before) reorders.push(`p${partition}: ${value} at offset ${r.offset} after seq ${before}`);
        previous.set(r.key, Math.max(before, r.seq));
      }
      for (const [value, n] of count) {
        if (n <= 1) continue;
        const copies = log.filter((r) => `${r.key}:${r.seq}` === value);
        const line = `p${partition}: ${value} ×${n}: ` +
          copies.map((r) => `@${r.offset} (${r.writer})`).join(', ');
        // The wire tells whose duplicate it is: copies written under different producer ids or
        // epochs were sent again by the client under a new identity, which no broker can match
        // (librdkafka re-sends unacknowledged records after its epoch bump: librdkafka issue
        // 4953). Copies under one id and epoch are the broker's: it took a retry as new.
        const identities = new Set(copies.map((r) => r.writer.split(' seq ')[0]));
        if (value.startsWith('r') && identities.size === copies.length) clientResends.push(line);
        else duplicates.push(line);
      }
      for (const stream of streams.filter((st) => st.partition === partition)) {
        for (const ack of stream.acks) {
          const found = atOffset.get(ack.offset);
          if (found?.key !== stream.key || found.seq !== ack.seq) {
            const has = found === undefined ? 'nothing' : `${found.key}:${found.seq}`;
            lost.push(`p${partition}: ${stream.key}:${ack.seq} acked at offset ${ack.offset}, log has ${has}`);
          }
        }
        for (const seq of stream.uncertain) if (count.has(`${stream.key}:${seq}`)) uncertainInLog++;
      }
    }
    const rdkafkaAcked = this.rdkafka.streams.reduce((n, st) => n + st.acks.length, 0);
    return {
      scenario: this.scenario, seed: this.seed, nemeses: this.nemeses.length, busy: this.busy?.count ?? 0,
      acked: streams.reduce((n, st) => n + st.acks.length, 0), rdkafkaAcked,
      uncertain: streams.reduce((n, st) => n + st.uncertain.length, 0),
      uncertainInLog, lost, duplicates, reorders, fatal: [...this.rdkafka.fatal],
      clientResends: clientResends.length,
      ...(clientResends.length > 0 ? { clientResendSample: clientResends[0] } : {}),
      epochBumps: this.rdkafka.epochBumps.length,
      brokerSequenceErrors: [...this.rdkafka.brokerSequenceErrors],
      clientSequenceErrors: this.rdkafka.clientSequenceErrors.length,
      kafkajsUnhandled: this.kafkajsUnhandled.length,
      ...(this.diskFaults.length > 0 ? { diskFaults: [...this.diskFaults] } : {}),
      ...(this.diskFullWindows.length > 0 ? { diskFullMs: summarize(this.diskFullWindows) } : {}),
      ...(this.forgedBursts.length > 0 ? { forgedBursts: [...this.forgedBursts] } : {}),
      ...(this.rdkafka.epochBumps.length > 0
        ? { epochBumpSample: this.rdkafka.epochBumps[0]!.slice(0, 400) } : {}),
      unavailableMs: summarize(this.windows), unavailableMsAll: [...this.windows],
      unavailableMsRdkafka: summarize(this.windowsRdkafka),
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
    return this.streams().flatMap((st) => st.acks.map((a) => `${st.key}:${a.seq}`));
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
    if (hit.partitions.length > 0) {
      this.windows.push(this.windowOf(hit));
      this.windowsRdkafka.push(this.windowOfRdkafka(hit));
    }
  }

  /**
   * Kill → every partition the target led shows another leader in Metadata. A timeout says what
   * each live node answered last (a stuck election and an unanswered Metadata look alike).
   */
  private async waitElected(hit: Nemesis): Promise<void> {
    await waitFor(`new leaders after ${hit.kind} of node ${hit.target}`, async () => {
      const view = await this.view().catch(() => undefined);
      const moved = view !== undefined && hit.partitions.every((p) => {
        const leader = view[p]?.leaderId ?? -1;
        return leader > 0 && leader !== hit.target;
      });
      return moved ? true : undefined;
    }, healMsMax, 10).catch(async (e: Error) => {
      const seen: string[] = [];
      for (const id of this.live()) {
        const view = await this.viewAt(id).then((v) => JSON.stringify(v))
          .catch((err: Error) => `no answer (${err.message})`);
        seen.push(`node ${id}: ${view}`);
      }
      throw new Error(`${e.message} (partitions ${hit.partitions.join(',')}); ${seen.join('; ')}`);
    });
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

  /** Kill → first librdkafka acknowledgement of a record sent after the kill, worst partition. */
  private windowOfRdkafka(hit: Nemesis): number {
    let worst = 0;
    for (const p of hit.partitions) {
      const ack = this.rdkafka.firstAckAfter(p, hit.atMs);
      if (ack !== undefined) worst = Math.max(worst, ack.atMs - hit.atMs);
    }
    return worst;
  }

  private waitAcksEverywhere(afterMs: number): Promise<void> {
    return this.waitAcks(this.writers.map((w) => w.partition), afterMs, 'acks on every partition');
  }

  private async waitAcks(partitions: readonly number[], afterMs: number, what: string) {
    const missing = () => partitions.flatMap((p) => [
      ...(this.writers[p]!.firstAckAfter(afterMs) === undefined ? [`kafkajs p${p}`] : []),
      ...(this.rdkafka.firstAckAfter(p, afterMs) === undefined ? [`librdkafka p${p}`] : []),
    ]);
    try {
      await waitFor(what, () => (missing().length === 0 ? true : undefined), healMsMax, 5);
    } catch (e) {
      // Which client is stuck where, and what the cluster says meanwhile.
      const view = await this.view().catch(() => undefined);
      throw new Error(`${(e as Error).message}; no ack yet from ${missing().join(', ')}; ` +
        `metadata ${JSON.stringify(view)}`);
    }
  }

  private async leaderOf(partition: number): Promise<number> {
    return waitFor(`a leader of partition ${partition}`, async () => {
      const p = (await this.view().catch(() => []))[partition];
      return p !== undefined && p.leaderId > 0 ? p.leaderId : undefined;
    }, healMsMax);
  }

  /**
   * Every node running and in the ISR of every partition, each partition led — and every live
   * node says so alike (a node that was cut off may still answer from an old image).
   */
  private async waitHealed(what: string): Promise<void> {
    await waitFor(what, async () => {
      const views: string[] = [];
      for (const id of this.live()) {
        const view = await this.viewAt(id).catch(() => undefined);
        const full = view !== undefined && view.length === chaosPartitions &&
          view.every((p) => p.leaderId > 0 && p.isr.length === this.cluster.ids.length);
        if (!full) return undefined;
        views.push(JSON.stringify(view.map((p) => [p.leaderId, p.leaderEpoch, [...p.isr].sort()])));
      }
      return views.length > 0 && views.every((v) => v === views[0]) ? true : undefined;
    }, healMsMax, 20);
  }

  private async viewAt(id: number): Promise<PartitionView[]> {
    const md = await this.withClient(id, (c) => c.metadata([chaosTopic]));
    const topic = md.topics.find((t) => t.name === chaosTopic);
    if (topic === undefined) throw new Error('no metadata');
    return [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => ({
      partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isrNodes,
    }));
  }

  /**
   * The partitions as a live node sees them, asked until one answers: a node may refuse clients a
   * moment (its lease lapsed) and on a busy machine a round of Metadata can time out everywhere.
   */
  private async view(): Promise<PartitionView[]> {
    const topic = await waitFor('Metadata of the chaos topic from a live node', async () =>
      (await this.metadataAny())?.topics.find((t) => t.name === chaosTopic), healMsMax, 100);
    return [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => ({
      partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isrNodes,
    }));
  }

  private async metadataAny() {
    for (const id of this.live().filter((n) => !this.isolated.has(n))) {
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
    // Asked again if the answer is lost (a starved machine times requests out): a creation that
    // did go through answers TOPIC_ALREADY_EXISTS the second time.
    let code: number | undefined;
    await waitFor(`${chaosTopic} created`, async () => {
      const created = await this.withClient(this.cluster.ids[0]!, (c) => c.createTopics([{
        name: chaosTopic, numPartitions: chaosPartitions, replicationFactor: 3,
        // Small segments, so there are closed ones for the disk-fault nemesis to damage.
        configs: { 'min.insync.replicas': '2', 'segment.bytes': String(chaosSegmentBytes) },
      }])).catch(() => undefined);
      code = created?.topics[0]?.errorCode;
      const retriable = [KafkaError.requestTimedOut.code, KafkaError.notController.code];
      return code === undefined || retriable.includes(code) ? undefined : true;
    }, healMsMax, 200);
    if (code !== 0 && code !== KafkaError.topicAlreadyExists.code) {
      throw new Error(`create ${chaosTopic}: error ${code}`);
    }
  }

  private async startConsumer(): Promise<void> {
    if (this.stopping) return;
    // kafkajs restarts a crashed consumer forever by default: once stop() began, a cluster that is
    // down (a failed run) would keep that retry loop, and the test process, alive.
    const retry = { ...kafkajsRetry, restartOnFailure: async () => !this.stopping };
    const consumer = this.consumerKafka.consumer({ groupId: chaosGroup, retry,
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
    await consumer.run({ eachMessage: async ({ partition, message }) => {
      if (message.value !== null) this.seen.add(message.value.toString());
      const offset = Number(message.offset);
      if (offset > (this.seenMaxOffset.get(partition) ?? -1)) this.seenMaxOffset.set(partition, offset);
    } });
  }

  /**
   * Until the consumer group has read every acknowledged record, as long as it makes progress: a
   * busy machine may leave it far behind a long run's load, which is lag, not a fault. It stops
   * when no record was read for healMsMax, or after consumerCatchUpMsMax in all.
   */
  private async waitConsumerCaughtUp(): Promise<void> {
    let missing = this.ackedValues().filter((v) => !this.seen.has(v));
    const startMs = Date.now();
    let progressMs = startMs;
    while (missing.length > 0 && Date.now() - progressMs < healMsMax &&
      Date.now() - startMs < consumerCatchUpMsMax) {
      await new Promise((r) => setTimeout(r, 200));
      const left = missing.filter((v) => !this.seen.has(v));
      if (left.length < missing.length) progressMs = Date.now();
      missing = left;
    }
  }

  /** Every record of every partition, from offset 0 to the high watermark, read from its leader. */
  /**
   * Every partition read from its leader. Leadership may move meanwhile (a preferred-leader
   * election, a lease lapse on a starved machine) and a request may time out: asked again, of
   * whoever leads then. Any other error of the read itself fails the run.
   */
  private async readAll(): Promise<LoggedRecord[][]> {
    const out: LoggedRecord[][] = [];
    for (let partition = 0; partition < chaosPartitions; partition++) {
      out.push(await waitFor(`every record of p${partition} from its leader`, async () => {
        const leader = (await this.view())[partition]?.leaderId ?? -1;
        if (leader <= 0) return undefined;
        try {
          return await this.withClient(leader, (c) => readPartition(c, partition));
        } catch (e) {
          if (e instanceof FetchRefused && e.errorCode !== KafkaError.notLeaderOrFollower.code) throw e;
          return undefined;
        }
      }, healMsMax, 100));
    }
    return out;
  }
}

interface LoggedRecord {
  readonly offset: number;
  /** The producer stream (`<key>:<seq>` values). */
  readonly key: string;
  readonly seq: number;
  /** Its batch's producer id, epoch and base sequence, and leader epoch (to tell whose copy). */
  readonly writer: string;
}

interface BatchWriter {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly writer: string;
}

/** Producer id/epoch, base sequence and leader epoch of each batch in a fetched buffer. */
function batchWriters(buf: Buffer | null): BatchWriter[] {
  const out: BatchWriter[] = [];
  let at = 0;
  while (buf !== null && at < buf.length) {
    const parsed = parseBatchHeader(buf, at);
    if (!parsed.ok) break;
    const h = parsed.header;
    out.push({ baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta,
      writer: `pid ${h.producerId} epoch ${h.producerEpoch} seq ${h.baseSequence} ` +
        `leaderEpoch ${h.partitionLeaderEpoch}` });
    at += h.batchLength + batchLogOverheadBytes;
  }
  return out;
}

function writerAt(writers: readonly BatchWriter[], offset: number): string {
  return writers.find((w) => offset >= w.baseOffset && offset <= w.lastOffset)?.writer ?? '?';
}

/** A fetch of the checker's read answered with an error (`errorCode`), or nothing below the HW. */
class FetchRefused extends Error {
  readonly errorCode: number;

  constructor(message: string, errorCode: number) {
    super(message);
    this.errorCode = errorCode;
  }
}

async function readPartition(c: KafkaClient, partition: number) {
  const records: LoggedRecord[] = [];
  let offset = 0;
  for (let round = 0; round < 1_000_000; round++) {
    const r = await c.fetch([{ topic: chaosTopic, partition, offset }], { maxWaitMs: 0 });
    const part = r.responses[0]?.partitions[0];
    if (part === undefined || part.errorCode !== 0) {
      throw new FetchRefused(`fetch p${partition}@${offset}: error ${part?.errorCode}`,
        part?.errorCode ?? -1);
    }
    const fetched = decodeFetchedRecords(part.records);
    const writers = batchWriters(part.records);
    for (const record of fetched.records) {
      const value = record.value?.toString() ?? '';
      const colon = value.indexOf(':');
      records.push({ offset: record.offset, key: value.slice(0, colon),
        seq: Number(value.slice(colon + 1)), writer: writerAt(writers, record.offset) });
    }
    if (fetched.nextOffset === null) {
      if (offset >= Number(part.highWatermark)) break;
      throw new FetchRefused(`fetch p${partition}@${offset}: nothing below the HW ` +
        `${part.highWatermark}`, 0);
    }
    offset = fetched.nextOffset;
  }
  return records;
}



/**
 * Flips one byte in the middle of a closed segment of the partition directory `dir` (a random one
 * of all but the active, last, segment) or deletes that segment file; returns what it did.
 */
function damageSegment(dir: string, kind: 'flip' | 'delete', prng: Prng): string {
  const logs = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  if (logs.length < 2) throw new Error(`${dir}: no closed segment to damage (${logs.join(',')})`);
  const name = logs[prng.below(logs.length - 1)]!;
  const path = join(dir, name);
  if (kind === 'delete') {
    unlinkSync(path);
    return `deleted ${name}`;
  }
  const size = statSync(path).size;
  const at = Math.floor(size / 2);
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x20;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
  return `flipped byte ${at} of ${name} (${size} bytes)`;
}

/**
 * Tears the tail of the active (last) segment in partition directory `dir`: cuts it at a seeded
 * byte inside its last whole batch, or appends seeded bytes (the first bytes of a next batch —
 * a copy of the last one's start with the next base offset — or plain garbage); tears an index
 * file of that segment too, if there is one, half the time. Returns what it did.
 */
function tearTail(dir: string, prng: Prng): string {
  const name = readdirSync(dir).filter((n) => n.endsWith('.log')).sort().at(-1);
  if (name === undefined) throw new Error(`${dir}: no segment`);
  const path = join(dir, name);
  const bytes = readFileSync(path);
  const last = lastBatch(bytes);
  let did: string;
  if (last !== undefined && prng.chance(0.5)) {
    const cut = last.at + 1 + prng.below(last.size - 1);
    truncateSync(path, cut);
    did = `cut ${name} at byte ${cut} of ${bytes.length} (last batch ${last.at}+${last.size})`;
  } else if (last !== undefined && prng.chance(0.5)) {
    const partial = Buffer.from(bytes.subarray(last.at, last.at + 1 + prng.below(last.size - 1)));
    if (partial.length >= 8) partial.writeBigInt64BE(BigInt(last.nextOffset), 0);
    appendFileSync(path, partial);
    did = `appended ${partial.length} bytes of a next batch to ${name} (${bytes.length} bytes)`;
  } else {
    const garbage = prng.fill(Buffer.alloc(1 + prng.below(256)));
    appendFileSync(path, garbage);
    did = `appended ${garbage.length} garbage bytes to ${name} (${bytes.length} bytes)`;
  }
  for (const suffix of ['.index', '.timeindex']) {
    const index = path.replace(/\.log$/, suffix);
    if (!existsSync(index) || !prng.chance(0.5)) continue;
    const size = statSync(index).size;
    if (size > 0 && prng.chance(0.5)) {
      const cut = prng.below(size);
      truncateSync(index, cut);
      did += `; cut ${suffix} at ${cut} of ${size}`;
    } else {
      const garbage = prng.fill(Buffer.alloc(1 + prng.below(16)));
      appendFileSync(index, garbage);
      did += `; appended ${garbage.length} bytes to ${suffix} (${size} bytes)`;
    }
  }
  return did;
}

/** Where the last whole, valid-looking batch of a segment's bytes starts, its size, next offset. */
function lastBatch(bytes: Buffer): { at: number; size: number; nextOffset: number } | undefined {
  let last: { at: number; size: number; nextOffset: number } | undefined;
  for (let at = 0, n = 0; at < bytes.length && n < 10_000_000; n++) {
    const parsed = parseBatchHeader(bytes, at);
    if (!parsed.ok) break;
    const h = parsed.header;
    const size = h.batchLength + batchLogOverheadBytes;
    if (at + size > bytes.length) break;
    last = { at, size, nextOffset: h.baseOffset + h.lastOffsetDelta + 1 };
    at += size;
  }
  return last;
}

/** A broker log line's fields (pino JSON), or undefined for any other line. */
function logFields(line: string): Record<string, unknown> | undefined {
  try {
    const fields: unknown = JSON.parse(line);
    return typeof fields === 'object' && fields !== null
      ? fields as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** The time of a broker log line (pino's ISO `time`), in ms since the epoch. */
function logTimeMs(line: string): number | undefined {
  const time = logFields(line)?.time;
  const ms = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function freeBytesOf(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Grows the file `filler` on the file system of `dir` until free space there is below
 * `targetFreeBytes` (the brokers keep writing meanwhile); returns the free bytes left.
 */
export function fillBelow(dir: string, filler: string, targetFreeBytes: number): number {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  const fd = openSync(filler, 'a');
  try {
    for (let i = 0; i < 100_000; i++) {
      const free = freeBytesOf(dir);
      if (free < targetFreeBytes) return free;
      const want = Math.min(chunk.length, free - targetFreeBytes + 4096);
      writeSync(fd, chunk, 0, want);
    }
  } finally {
    closeSync(fd);
  }
  throw new Error(`${dir}: free space never fell below ${targetFreeBytes} bytes`);
}

/** A RaftMessage answer's error code, or 'answered' for any other answer. */
function answerCode(answer: Buffer): number | 'answered' {
  try {
    return (decodeResponseFrame(ApiKey.raftMessage, 0, answer).body as RaftMessageResponse)
      .errorCode;
  } catch {
    return 'answered';
  }
}

/** One line for the test output (and PADO_CHAOS_REPORT=file appends it there). */
export function formatReport(report: ChaosReport): string {
  const { unavailableMsAll: _all, ...rest } = report;
  const examples = [...report.lost, ...report.duplicates, ...report.reorders].slice(0, 5);
  return JSON.stringify({ ...rest, lost: report.lost.length, duplicates: report.duplicates.length,
    reorders: report.reorders.length, ...(examples.length > 0 ? { examples } : {}) });
}
