/**
 * replication (issue 6): RF=3 acks=all on three local `pado start` processes (RaftCluster, every
 * node a broker and a metadata voter), one partition with min.insync.replicas=2.
 *
 * Per run, a fresh cluster:
 *   1. unloaded latency — Pado's own client sends one 1-record 1 KiB acks=-1 batch at a time to
 *      the partition leader, `probeCount` times; p50/p99 of the round trips;
 *   2. throughput — `kcat -P -b <all three> -X acks=-1 … -l FILE` of N 1 KiB records, timed;
 *      afterwards the high watermark must be exactly what was sent, every replica's log the
 *      leader's size, and the ISR all three (also sampled during the run, with the slowest
 *      follower's lag behind the leader's log end: the smallest ISR and largest lag are reported);
 *      leader and one follower CPU time (/proc/PID/stat) during the run and peak RSS (VmHWM);
 *   3. loaded latency — the same kcat run again with the probe running beside it.
 * Then, on one more fresh cluster, failover: a producer loop (acks=-1, one batch at a time, on any
 * error: refresh metadata from a live broker, retry the leader after 20 ms) runs while the leader
 * is SIGKILLed `kills` times. Per kill: kill (process exited) → next acknowledged produce, and
 * restart → the restarted node back in the ISR; ISR = 3 again before the next kill. Every
 * acknowledged record is looked for in the log at the end (acks=all must survive the kills).
 * Everything is bounded (deadlines on every wait, 300 s per kcat run); processes die in `finally`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeFetchedRecords, KafkaClient } from '../src/client/index.js';
import { buildBatch } from '../src/protocol/records/index.js';
import { RaftCluster } from '../test/support/raft-cluster.js';
import {
  percentile, readCpuMs, readPeakRssKiB, round, spread, tempDir, writeLinesFile,
} from './support.js';
import { systemClock, systemNet } from '../src/node/io/index.js';

const clientIo = { net: systemNet, clock: systemClock };

export interface ReplicationOptions {
  readonly runs: number;
  /** Payload per kcat run, 1 KiB records. */
  readonly mib: number;
  readonly probeCount: number;
  readonly kills: number;
}

export const replicationDefaults: ReplicationOptions = {
  runs: 5, mib: 100, probeCount: 500, kills: 10,
};

const topic = 'bench';
const valueBytes = 1024;
const minInsyncReplicas = 2;
const kcatTimeoutMs = 300_000;
const kcatProducerConf = [
  'acks=-1', 'linger.ms=5', 'batch.size=1000000', 'queue.buffering.max.messages=1000000',
  'queue.buffering.max.kbytes=1048576',
];
/** Every wait for a cluster condition (brokers, leader, ISR, copies) gives up after this. */
const conditionMsMax = 60_000;
const pollMs = 20;
/** The failover loop gives up if no produce is acknowledged for this long. */
const unavailableMsMax = 30_000;
const retryDelayMs = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portOf(c: RaftCluster, id: number): number {
  return Number(c.address(id).split(':')[1]);
}

function bootstrap(c: RaftCluster): string {
  return c.ids.map((id) => `127.0.0.1:${portOf(c, id)}`).join(',');
}

async function connect(c: RaftCluster, id: number, timeoutMs = 5_000): Promise<KafkaClient> {
  return KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: portOf(c, id), clientId: 'bench-repl',
    connectTimeoutMs: Math.min(timeoutMs, 1_000), requestTimeoutMs: timeoutMs });
}

/** `f` against node `id` on a fresh connection; undefined on any error. */
async function ask<T>(
  c: RaftCluster, id: number, f: (k: KafkaClient) => Promise<T>,
): Promise<T | undefined> {
  let client: KafkaClient | undefined;
  try {
    client = await connect(c, id, 2_000);
    return await f(client);
  } catch {
    return undefined;
  } finally {
    await client?.close();
  }
}

async function until<T>(
  what: string, f: () => Promise<T | undefined>, ms = conditionMsMax,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(pollMs);
  }
}

interface PartitionState { readonly leaderId: number; readonly isr: readonly number[] }

/** Leader and ISR of partition 0 of `name` as node `via` sees them. */
async function partitionState(
  c: RaftCluster, via: number, name: string,
): Promise<PartitionState | undefined> {
  const md = await ask(c, via, (k) => k.metadata([name]));
  const p = md?.topics[0]?.partitions[0];
  if (p === undefined || p.errorCode !== 0 || p.leaderId < 0) return undefined;
  return { leaderId: p.leaderId, isr: [...p.isrNodes].sort() };
}

/** Some running node's view; tries each running node once. */
async function stateAnywhere(c: RaftCluster, name: string): Promise<PartitionState | undefined> {
  for (const id of c.running()) {
    const s = await partitionState(c, id, name);
    if (s !== undefined) return s;
  }
  return undefined;
}

/**
 * A leader with all 3 replicas in the ISR, as the leader itself sees it: a new topic's ISR is
 * every replica from the start, and another node may show it before the leader has applied the
 * record (its produce would then answer NOT_LEADER_OR_FOLLOWER, as to any client that raced it).
 */
async function fullIsr(c: RaftCluster, name: string): Promise<PartitionState> {
  return until(`${name}: a leader and all 3 replicas in the ISR`, async () => {
    const s = await stateAnywhere(c, name);
    if (s === undefined || !c.running().includes(s.leaderId)) return undefined;
    const own = await partitionState(c, s.leaderId, name);
    return own?.leaderId === s.leaderId && own.isr.length === 3 ? own : undefined;
  });
}

async function createRf3Topic(c: RaftCluster, name: string): Promise<PartitionState> {
  await until('three brokers registered', async () => {
    const md = await ask(c, c.ids[0]!, (k) => k.metadata([]));
    return md !== undefined && md.brokers.length === 3 ? true : undefined;
  });
  const created = await ask(c, c.ids[0]!, (k) => k.createTopics([{ name, numPartitions: 1,
    replicationFactor: 3, configs: { 'min.insync.replicas': String(minInsyncReplicas) } }]));
  if (created?.topics[0]?.errorCode !== 0) {
    throw new Error(`create ${name}: error ${String(created?.topics[0]?.errorCode)}`);
  }
  return fullIsr(c, name);
}

function oneRecordBatch(value: Buffer): Buffer {
  return buildBatch({
    records: [{ key: null, value, timestamp: Date.now() }], compression: 'none',
  });
}

interface Probed {
  /** Round trips of acknowledged produces, ascending. */
  readonly latencies: number[];
  /** Produces answered with an error, by code (only when `tolerateErrors`). */
  readonly errors: Record<string, number>;
}

/**
 * Sequential 1-record acks=-1 produces to the leader until `count` are done or `stop()`. Unloaded,
 * any error fails the run; beside kcat (`tolerateErrors`), errors are counted and the probe goes
 * on after 20 ms.
 */
async function probe(
  c: RaftCluster, leader: number, count: number,
  stop: () => boolean = () => false, tolerateErrors = false,
): Promise<Probed> {
  const client = await connect(c, leader, 10_000);
  const batch = oneRecordBatch(Buffer.alloc(valueBytes, 0x61));
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  try {
    while (latencies.length < count && !stop()) {
      const started = performance.now();
      const r = await client.produce(topic, 0, batch, -1, 10_000);
      const elapsed = performance.now() - started;
      const code = String(r?.responses[0]?.partitionResponses[0]?.errorCode);
      if (code === '0') {
        latencies.push(elapsed);
        continue;
      }
      if (!tolerateErrors) throw new Error(`probe produce failed: error ${code}`);
      errors[code] = (errors[code] ?? 0) + 1;
      await sleep(retryDelayMs);
    }
  } finally {
    await client.close();
  }
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

/** Timed `kcat -P` of `input`; killed on `signal` or after 300 s. */
async function kcatProduce(c: RaftCluster, input: string, signal: AbortSignal): Promise<number> {
  const args = ['-P', '-b', bootstrap(c), '-t', topic, '-p', '0',
    ...kcatProducerConf.flatMap((x) => ['-X', x]), '-l', input];
  const started = performance.now();
  const child = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'], signal,
    timeout: kcatTimeoutMs, killSignal: 'SIGKILL' });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  child.on('error', () => undefined); // an abort: 'close' follows with the signal
  const [code, sig] = (await once(child, 'close')) as [number | null, string | null];
  if (code !== 0) throw new Error(`kcat -P exited ${String(code ?? sig)}: ${stderr}`);
  return performance.now() - started;
}

async function highWatermark(c: RaftCluster, leader: number): Promise<number | undefined> {
  const r = await ask(c, leader, (k) => k.listOffsets(topic, [{ partition: 0, timestamp: -1 }]));
  return r?.topics[0]?.partitions[0]?.offset;
}

function logBytes(c: RaftCluster, id: number): number {
  const dir = join(c.dataDir(id), `${topic}-0`);
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.log'))
      .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/** HW == expected at the leader, every replica's log as long as the leader's, ISR all three. */
async function expectReplicated(c: RaftCluster, leader: number, expected: number): Promise<void> {
  const hw = await highWatermark(c, leader);
  if (hw !== expected) {
    throw new Error(`after produce the HW is ${String(hw)}, expected ${expected}`);
  }
  await until('every replica holding the leader\'s log', async () => {
    const sizes = c.ids.map((id) => logBytes(c, id));
    return sizes.every((s) => s === sizes[leader - 1] && s > 0) ? true : undefined;
  });
  await fullIsr(c, topic);
}

interface Watched { readonly minIsr: number; readonly maxLagMiB: number }

/**
 * Every 250 ms until stopped: the ISR size (Metadata from the leader) and how far the slowest
 * follower's log is behind the leader's (file sizes: followers copy the leader byte for byte).
 */
function replicaWatch(c: RaftCluster, leader: number): { stop: () => Promise<Watched> } {
  let stopped = false;
  let minIsr = 3;
  let maxLag = 0;
  const loop = (async () => {
    while (!stopped) {
      const sizes = c.ids.map((id) => logBytes(c, id));
      maxLag = Math.max(maxLag, sizes[leader - 1]! - Math.min(...sizes));
      const s = await partitionState(c, leader, topic);
      if (s !== undefined) minIsr = Math.min(minIsr, s.isr.length);
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { minIsr, maxLagMiB: maxLag / (1024 * 1024) };
    },
  };
}

interface RunSample {
  readonly leader: number;
  readonly produceMs: number;
  readonly unloadedP50Ms: number;
  readonly unloadedP99Ms: number;
  readonly loadedP50Ms: number;
  readonly loadedP99Ms: number;
  readonly loadedProbes: number;
  readonly loadedErrors: Record<string, number>;
  /** Leader log lines about ISR changes (proposed or refused) over the whole run. */
  readonly leaderIsrChangeLogLines: number;
  /** The five slowest loaded round trips (progress line only: 20-odd samples make no p99). */
  readonly loadedSlowestMs: readonly number[];
  readonly loadedProduceMs: number;
  readonly minIsrDuringProduce: number;
  /** Largest leader log end − slowest follower's, sampled every 250 ms during both kcat runs. */
  readonly followerLagMaxMiB: number;
  readonly leaderCpuPercent: number;
  readonly leaderSystemCpuPercent: number;
  readonly followerCpuPercent: number;
  readonly followerSystemCpuPercent: number;
  readonly leaderPeakRssMiB: number;
  readonly followerPeakRssMiB: number;
}

async function oneRun(
  opts: ReplicationOptions, input: string, records: number,
): Promise<RunSample> {
  const c = await RaftCluster.start(3);
  const abort = new AbortController();
  const watches: { stop: () => Promise<Watched> }[] = [];
  try {
    const { leaderId: leader } = await createRf3Topic(c, topic);
    const follower = c.ids.find((id) => id !== leader)!;
    const leaderPid = c.process(leader)!.pid;
    const followerPid = c.process(follower)!.pid;
    const unloaded = (await probe(c, leader, opts.probeCount)).latencies;

    watches.push(replicaWatch(c, leader));
    const l0 = readCpuMs(leaderPid);
    const f0 = readCpuMs(followerPid);
    const produceMs = await kcatProduce(c, input, abort.signal);
    const l1 = readCpuMs(leaderPid);
    const f1 = readCpuMs(followerPid);
    const watched = await watches[0]!.stop();
    await expectReplicated(c, leader, opts.probeCount + records);

    // Loaded latency: the probe beside a second, identical kcat run.
    let kcatDone = false;
    watches.push(replicaWatch(c, leader));
    const loadedRun = kcatProduce(c, input, abort.signal).finally(() => { kcatDone = true; });
    const loadedProbe = probe(c, leader, Number.MAX_SAFE_INTEGER, () => kcatDone, true);
    const [loadedProduceMs, loaded] = await Promise.all([loadedRun, loadedProbe]);
    const loadedWatched = await watches[1]!.stop();
    const isrChanges = c.process(leader)!.lines.filter((l) => /ISR change/.test(l));
    if (Object.keys(loaded.errors).length > 0) {
      process.stderr.write(`replication: loaded probe errors ${JSON.stringify(loaded.errors)}; ` +
        `leader ${leader} ISR log lines:\n${isrChanges.join('\n')}\n`);
    }
    // Probes that failed with NOT_ENOUGH_REPLICAS_AFTER_APPEND were appended all the same.
    const failed = Object.values(loaded.errors).reduce((n, k) => n + k, 0);
    await expectReplicated(c, leader,
      opts.probeCount + 2 * records + loaded.latencies.length + failed);

    const pct = (ms: number) => (100 * ms) / produceMs;
    const lat = loaded.latencies;
    return {
      leader, produceMs,
      unloadedP50Ms: percentile(unloaded, 50), unloadedP99Ms: percentile(unloaded, 99),
      loadedP50Ms: percentile(lat, 50), loadedP99Ms: percentile(lat, 99),
      loadedProbes: lat.length, loadedErrors: loaded.errors, loadedProduceMs,
      minIsrDuringProduce: Math.min(watched.minIsr, loadedWatched.minIsr),
      followerLagMaxMiB: Math.max(watched.maxLagMiB, loadedWatched.maxLagMiB),
      leaderIsrChangeLogLines: isrChanges.length,
      loadedSlowestMs: lat.slice(-5).map(round),
      leaderCpuPercent: pct(l1.userMs + l1.systemMs - l0.userMs - l0.systemMs),
      leaderSystemCpuPercent: pct(l1.systemMs - l0.systemMs),
      followerCpuPercent: pct(f1.userMs + f1.systemMs - f0.userMs - f0.systemMs),
      followerSystemCpuPercent: pct(f1.systemMs - f0.systemMs),
      leaderPeakRssMiB: readPeakRssKiB(leaderPid) / 1024,
      followerPeakRssMiB: readPeakRssKiB(followerPid) / 1024,
    };
  } catch (e) {
    process.stderr.write(`replication: run failed; ISR log lines:\n${isrLogLines(c).join('\n')}\n`);
    throw e;
  } finally {
    abort.abort();
    await Promise.all(watches.map((w) => w.stop()));
    await c.stop();
  }
}

/** Every running node's log lines about ISR changes and fencing, prefixed with the node id. */
function isrLogLines(c: RaftCluster): string[] {
  return c.running().flatMap((id) => (c.process(id)?.lines ?? [])
    .filter((l) => /ISR|fenc|AlterPartition/i.test(l)).map((l) => `node ${id}: ${l}`));
}

interface Ack { readonly at: number; readonly node: number }

/**
 * acks=-1 produces, one at a time, of records numbered 0, 1, …: on any error (connection, timeout,
 * error code) drop the connection, wait 20 ms, ask a running node for the leader and retry the same
 * record there. Fails if nothing is acknowledged for `unavailableMsMax`.
 */
class ProducerLoop {
  readonly acked: number[] = [];
  readonly errors = new Map<string, number>();
  lastAck: Ack = { at: 0, node: -1 };
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly value = Buffer.alloc(valueBytes, 0x62);
  private readonly c: RaftCluster;
  private readonly name: string;

  constructor(c: RaftCluster, name: string, leader: number) {
    this.c = c;
    this.name = name;
    this.done = this.run(leader);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private count(error: string): void {
    this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
  }

  private async run(first: number): Promise<void> {
    let leader = first;
    let client: KafkaClient | undefined;
    let seq = 0;
    let sinceAck = performance.now();
    try {
      while (!this.stopped) {
        if (performance.now() - sinceAck > unavailableMsMax) {
          throw new Error(`no produce acknowledged for ${unavailableMsMax} ms`);
        }
        const value = Buffer.from(this.value);
        value.write(`seq-${seq}-`);
        try {
          client ??= await connect(this.c, leader, 2_000);
          const r = await client.produce(this.name, 0, oneRecordBatch(value), -1, 1_500);
          const code = r?.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
          if (code === 0) {
            this.acked.push(seq++);
            sinceAck = performance.now();
            this.lastAck = { at: sinceAck, node: leader };
            continue;
          }
          this.count(`error code ${code}`);
        } catch (e) {
          this.count(e instanceof Error ? e.message.replace(/\d{4,5}/g, 'PORT') : String(e));
        }
        await client?.close();
        client = undefined;
        await sleep(retryDelayMs);
        const s = await stateAnywhere(this.c, this.name);
        if (s !== undefined) leader = s.leaderId;
      }
    } finally {
      await client?.close();
    }
  }
}

interface KillSample {
  readonly killed: number;
  readonly isrBeforeRestart: readonly number[];
  readonly killToAckMs: number;
  readonly restartMs: number;
  readonly startedToIsrMs: number;
  readonly newLeader: number;
}

async function failover(opts: ReplicationOptions): Promise<object> {
  const c = await RaftCluster.start(3);
  const name = 'failover';
  const samples: KillSample[] = [];
  let loop: ProducerLoop | undefined;
  try {
    let state = await createRf3Topic(c, name);
    loop = new ProducerLoop(c, name, state.leaderId);
    const producing = loop;
    await until('the producer loop acknowledged',
      async () => (producing.acked.length > 10 ? true : undefined));
    for (let k = 0; k < opts.kills; k++) {
      const killed = state.leaderId;
      await c.kill(killed);
      const t0 = performance.now();
      const ack = await until(`an acknowledged produce after killing ${killed}`, async () =>
        (producing.lastAck.at > t0 && producing.lastAck.node !== killed
          ? producing.lastAck : undefined),
      unavailableMsMax);
      const killToAckMs = ack.at - t0;
      // Back "in" the ISR only counts if it had left it: the ISR as seen just before the restart.
      const isrBeforeRestart = (await stateAnywhere(c, name))?.isr ?? [];
      const r0 = performance.now();
      await c.startNode(killed);
      const started = performance.now();
      await until(`node ${killed} back in the ISR`, async () => {
        const s = await stateAnywhere(c, name);
        return s !== undefined && s.isr.includes(killed) ? true : undefined;
      });
      const sample = { killed, isrBeforeRestart, killToAckMs, restartMs: started - r0,
        startedToIsrMs: performance.now() - started, newLeader: ack.node };
      process.stderr.write(`replication failover ${k + 1}: ${JSON.stringify(sample)}\n`);
      samples.push(sample);
      state = await fullIsr(c, name);
    }
    await loop.stop();
    const missing = await missingAcked(c, name, loop.acked);
    return {
      kills: opts.kills,
      killToAckMs: stats(samples.map((s) => s.killToAckMs)),
      restartToStartedMs: stats(samples.map((s) => s.restartMs)),
      startedToIsrMs: stats(samples.map((s) => s.startedToIsrMs)),
      restartToIsrMs: stats(samples.map((s) => s.restartMs + s.startedToIsrMs)),
      acknowledged: loop.acked.length,
      acknowledgedMissing: missing,
      retriedErrors: Object.fromEntries(loop.errors),
      samples: samples.map((s) => ({ ...s, killToAckMs: round(s.killToAckMs),
        restartMs: round(s.restartMs), startedToIsrMs: round(s.startedToIsrMs) })),
    };
  } finally {
    await loop?.stop().catch(() => undefined);
    await c.stop();
  }
}

/** Acknowledged sequence numbers not found in the leader's log (read up to its HW). */
async function missingAcked(
  c: RaftCluster, name: string, acked: readonly number[],
): Promise<number> {
  const { leaderId } = await fullIsr(c, name);
  const client = await connect(c, leaderId, 10_000);
  const seen = new Set<number>();
  try {
    for (let offset = 0, rounds = 0; rounds < 100_000; rounds++) {
      const r = await client.fetch([{ topic: name, partition: 0, offset }], { maxWaitMs: 0 });
      const fetched = decodeFetchedRecords(r.responses[0]?.partitions[0]?.records ?? null);
      if (fetched.nextOffset === null) break;
      for (const rec of fetched.records) {
        const m = /^seq-(\d+)-/.exec(rec.value?.subarray(0, 32).toString('latin1') ?? '');
        if (m !== null) seen.add(Number(m[1]));
      }
      offset = fetched.nextOffset;
    }
  } finally {
    await client.close();
  }
  return acked.filter((s) => !seen.has(s)).length;
}

function stats(values: readonly number[]): object {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]!), min: round(sorted[0]!),
  };
}

export async function replication(opts: ReplicationOptions = replicationDefaults): Promise<object> {
  const records = Math.floor((opts.mib * 1024 * 1024) / valueBytes);
  const dir = tempDir('pado-bench-repl-');
  const runs: RunSample[] = [];
  try {
    const input = join(dir, 'records-1024.txt');
    await writeLinesFile(input, records, valueBytes);
    for (let i = 0; i < opts.runs; i++) {
      const r = await oneRun(opts, input, records);
      process.stderr.write(`replication run ${i + 1}: ${JSON.stringify(r)}\n`);
      runs.push(r);
    }
    rmSync(input, { force: true });
    const fo = await failover(opts);
    const mib = (records * valueBytes) / (1024 * 1024);
    const s = (f: (r: RunSample) => number) => spread(runs.map(f));
    return {
      measure: 'replication', brokers: 3, replicationFactor: 3, minInsyncReplicas,
      acks: -1, valueBytes, records, payloadMiB: round(mib), runs: opts.runs,
      producer: `kcat -P -l -b <3 brokers>, ${kcatProducerConf.join(' ')}`,
      produce: {
        mibPerS: s((r) => mib / (r.produceMs / 1000)),
        msgsPerS: s((r) => Math.round(records / (r.produceMs / 1000))),
        minIsrSeen: Math.min(...runs.map((r) => r.minIsrDuringProduce)),
        followerLagMaxMiB: s((r) => r.followerLagMaxMiB),
        leaderIsrChangeLogLines: s((r) => r.leaderIsrChangeLogLines),
      },
      latencyUnloadedMs: { p50: s((r) => r.unloadedP50Ms), p99: s((r) => r.unloadedP99Ms),
        probes: opts.probeCount },
      latencyLoadedMs: { p50: s((r) => r.loadedP50Ms), p99: s((r) => r.loadedP99Ms),
        probes: s((r) => r.loadedProbes),
        failedByCode: runs.reduce<Record<string, number>>((all, r) => {
          for (const [code, n] of Object.entries(r.loadedErrors)) all[code] = (all[code] ?? 0) + n;
          return all;
        }, {}),
        kcatMibPerSBeside: s((r) => mib / (r.loadedProduceMs / 1000)) },
      cpuPercent: {
        leader: s((r) => r.leaderCpuPercent), leaderSystem: s((r) => r.leaderSystemCpuPercent),
        follower: s((r) => r.followerCpuPercent),
        followerSystem: s((r) => r.followerSystemCpuPercent),
      },
      peakRssMiB: {
        leader: s((r) => r.leaderPeakRssMiB), follower: s((r) => r.followerPeakRssMiB),
      },
      failover: fo,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
