/**
 * One seed of the whole-cluster simulation (issue 14): boot the nodes, create a topic, run
 * producers while the fault schedule plays, stop the faults, wait for the cluster to heal (every
 * partition led and fully in sync, every node agreeing) within a bound, read everything back and
 * check it (checks.ts). Returns what failed, with the trace's tail; the same seed and schedule
 * give the same run.
 */
import { delay } from '../../../src/common/index.js';
import type { MetadataResponse } from '../../../src/protocol/index.js';
import { checkRecords, checkWindows, settledGapMs, type Finding } from './checks.js';
import { describeEpisode, play, scheduleFor, type Episode, type FaultKind, type Played } from './faults.js';
import {
  checkTopics, createTopic, metadataOfEveryNode, readAll, runAdmin, runProducer, topic, watchMetadata,
  type AdminLedger, type Session,
} from './workload.js';
import { offsetsTopicPartitions, prngFor, World } from './world.js';
import { runPipelinedProducer } from './pipelined-producer.js';
import { newLedger, runGroupConsumer, type GroupLedger } from './group-consumer.js';
import { Invariants } from './invariants.js';

const offsetsTopic = '__consumer_offsets';

export interface ScenarioOptions {
  readonly seed: number;
  /** Nodes in the world (all first voters); by default every fifth seed has five, the others three. */
  readonly nodes?: number;
  readonly partitions?: number;
  /** Virtual ms of faults under load. */
  readonly faultWindowMs?: number;
  /** The schedule to play instead of the seed's (the shrinker's). */
  readonly episodes?: readonly Episode[];
  readonly logLevel?: 'debug' | 'info' | 'warn';
  /** How the cluster forms (world.ts); by default every 4th seed (3, 7, 11…) joins node by node. */
  readonly formation?: 'voters' | 'join';
  readonly echo?: ((line: string) => void) | undefined;
}

export interface ScenarioResult {
  readonly seed: number;
  readonly episodes: readonly Episode[];
  readonly findings: Finding[];
  readonly trace: string[];
  readonly traceHash: number;
  readonly virtualMs: number;
  readonly steps: number;
  readonly acked: number;
  /** acks=all records acknowledged, per producer. */
  readonly ackedBy: Record<string, number>;
  /** What the consumer group did: records read, commits acknowledged, joins. */
  readonly group: { consumed: number; commits: number; rejoins: number };
  /** Per fault: how long until a send made after it began was acknowledged (whole cluster down: after it ended). */
  readonly windows: { kind: FaultKind; ms: number }[];
}

/** How long after the last fault the cluster has to heal. */
export const healBoundMs = 20_000;

let current: World | null = null;
process.on('unhandledRejection', (e) => {
  if (current === null) throw e;
  current.escaped.push(e instanceof Error ? e.stack ?? e.message : String(e));
});

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const nodes = options.nodes ?? (options.seed % 5 === 0 ? 5 : 3);
  const partitions = options.partitions ?? 3;
  const windowMs = options.faultWindowMs ?? 15_000;
  const episodes = options.episodes ?? scheduleFor(prngFor(options.seed, 'faults'), nodes, windowMs);
  const formation = options.formation ?? (options.seed % 4 === 3 ? 'join' : 'voters');
  const world = new World({ seed: options.seed, nodes, logLevel: options.logLevel, echo: options.echo, formation });
  current = world;
  const findings: Finding[] = [];
  const invariants = new Invariants();
  world.afterStep = () => invariants.check(world);
  const sessions: Session[] = [];
  const played: Played[] = [];
  const producersStoppedMs = { value: -1 };
  const group = newLedger();
  try {
    await runPhases(world, { seed: options.seed, invariants, nodes, partitions, windowMs, episodes, findings, sessions, played,
      producersStoppedMs, group });
  } catch (e) {
    findings.push({ kind: 'stuck', detail: e instanceof Error ? e.message : String(e) });
  } finally {
    current = null;
  }
  for (const e of world.escaped) findings.push({ kind: 'escaped', detail: e });
  findings.push(...invariants.findings);
  const windows = windowsOf(played, sessions, producersStoppedMs.value);
  findings.push(...checkWindows(windows));
  for (const f of findings) world.note(`FINDING ${f.kind}: ${f.detail}`);
  const acked = sessions.filter((s) => s.acks === -1)
    .reduce((n, s) => n + [...s.acked.values()].reduce((a, b) => a + b, 0), 0);
  const ackedBy: Record<string, number> = {};
  for (const s of sessions) {
    if (s.acks !== -1) continue;
    ackedBy[s.producer] = (ackedBy[s.producer] ?? 0) + [...s.acked.values()].reduce((a, b) => a + b, 0);
  }
  return { seed: options.seed, episodes, findings, trace: world.trace.tail(), traceHash: world.trace.hash,
    virtualMs: world.elapsedMs, steps: world.steps, acked, ackedBy, windows,
    group: { consumed: group.consumed, commits: group.commits, rejoins: group.rejoins } };
}

/**
 * The availability windows: per played fault that began on a settled cluster and was not followed
 * by the next one too soon (checks.ts), from its start (from its end when it took the whole
 * cluster down, or filled a disk: a full leader refuses writes until space returns) to the first
 * acknowledgement of an acks=all send made after that.
 */
function windowsOf(
  played: readonly Played[], sessions: readonly Session[], stoppedMs: number,
): { kind: FaultKind; ms: number }[] {
  const sends = sessions.filter((s) => s.acks === -1).flatMap((s) => s.sends);
  const out: { kind: FaultKind; ms: number }[] = [];
  let previousEndMs = Number.NEGATIVE_INFINITY;
  for (const [i, p] of played.entries()) {
    // Alone: the cluster had settled before it, and the next fault left it time to recover.
    const next = played[i + 1];
    const settled = p.startMs - previousEndMs >= settledGapMs &&
      (next === undefined || next.startMs - p.endMs >= settledGapMs);
    previousEndMs = p.endMs;
    if (!settled) continue;
    const fromEnd = p.episode.kind === 'power-all' || p.episode.kind === 'disk-full';
    const from = fromEnd ? p.endMs : p.startMs;
    if (from < 0) continue;
    let first = Number.POSITIVE_INFINITY;
    for (const s of sends) if (s.startMs >= from && s.endMs >= 0 && s.endMs < first) first = s.endMs;
    if (first !== Number.POSITIVE_INFINITY) out.push({ kind: p.episode.kind, ms: first - from });
    // None before the producers stopped: at least that long (judged only when it is long).
    else if (stoppedMs > from) out.push({ kind: p.episode.kind, ms: stoppedMs - from });
  }
  return out;
}

interface Phases {
  readonly seed: number;
  readonly invariants: Invariants;
  readonly nodes: number;
  readonly partitions: number;
  readonly windowMs: number;
  readonly episodes: readonly Episode[];
  readonly findings: Finding[];
  readonly sessions: Session[];
  readonly played: Played[];
  /** When the producers were told to stop (a fault with no acknowledgement after it is judged to here). */
  readonly producersStoppedMs: { value: number };
  readonly group: GroupLedger;
}

async function runPhases(world: World, p: Phases): Promise<void> {
  // Machines do not power on in the same millisecond. Booted together, every node's Raft ticks
  // (50 ms) would fall on the same instants, and two candidates whose randomized timeouts drew the
  // same tick count would split the vote every time they did (1 in 10 per round): seed 5293 lost
  // three rounds in a row after a controller kill. A real cluster's ticks are out of phase.
  const bootPrng = prngFor(p.seed, 'boot');
  const incs: ReturnType<World['boot']>[] = [];
  const started = (): boolean => incs.every((i) => i.node !== null || i.startError !== null);
  for (const h of world.hosts) {
    if (world.formation === 'join' && h.id > 1) {
      // The README's flow: each node joins through any running one, once that one is ready.
      world.joinThrough(h.id, 1 + bootPrng.below(h.id - 1));
      if (!await world.runUntil(started, 30_000)) throw new Error(`node ${h.id - 1} did not start within 30 s`);
    }
    incs.push(world.boot(h.id));
    await world.runFor(bootPrng.below(50));
  }
  if (!await world.runUntil(started, 30_000)) throw new Error('the cluster did not start within 30 s');
  const failed = incs.findIndex((i) => i.startError !== null);
  if (failed >= 0) throw new Error(`node ${failed + 1} failed to start: ${String(incs[failed]!.startError)}`);
  await world.await(createTopic(world, p.partitions), 30_000, 'create the topic');
  world.note(`schedule: ${p.episodes.map(describeEpisode).join(' ') || '(none)'}`);
  let faultsOver = false;
  let producersStop = false;
  const producers = Promise.all([
    runProducer(world, { name: 'pa', acks: -1, partitions: p.partitions, recordsPerSend: 2, pauseMs: 25 }, p.sessions,
      () => producersStop),
    runProducer(world, { name: 'pb', acks: -1, partitions: p.partitions, recordsPerSend: 1, pauseMs: 25 }, p.sessions,
      () => producersStop),
    runProducer(world, { name: 'p1', acks: 1, partitions: p.partitions, recordsPerSend: 1, pauseMs: 25 }, p.sessions,
      () => producersStop),
    runPipelinedProducer(world, { name: 'pr', acks: -1, partitions: p.partitions, recordsPerSend: 1, pauseMs: 10 },
      p.sessions, () => producersStop,
      { bump: (detail) => p.findings.push({ kind: 'epoch-bump', detail }),
        // min.insync.replicas=2, the default for the topic's 3 replicas.
        acked: (partition, _base, last) => p.invariants.ackedAll(world, topic, partition, last) }),
  ]);
  const regressed = (problem: string): void => { p.findings.push({ kind: 'offset-regressed', detail: problem }); };
  const consumers = Promise.all(['c1', 'c2'].map((name) =>
    runGroupConsumer(world, name, p.partitions, p.group, () => producersStop, regressed)));
  const admin: AdminLedger = { created: new Set(), deleted: new Set() };
  const adminLoop = runAdmin(world, admin, () => producersStop);
  const watcher = watchMetadata(world, 200, () => producersStop,
    (problem) => p.findings.push({ kind: 'stale-metadata', detail: problem }));
  const faults = play(world, p.episodes, () => faultsOver, p.played,
    (problem) => p.findings.push({ kind: 'operator', detail: problem }));
  await world.runFor(p.windowMs);
  // The last episode may run past the window: let it finish (it undoes itself), then heal all.
  await world.await(faults, 10_000, 'the last fault episode');
  faultsOver = true;
  world.net.healAll();
  for (const h of world.hosts) if (!h.running) world.boot(h.id);
  world.note('faults over: network healed, every node running');
  await world.runFor(3_000);
  p.producersStoppedMs.value = world.clock.now();
  producersStop = true;
  await world.await(producers, 60_000, 'the producers to finish their last sends');
  await world.await(watcher, 5_000, 'the metadata watcher to stop');
  await world.await(consumers, 20_000, 'the group consumers to leave');
  await world.await(adminLoop, 20_000, 'the admin client to stop');
  const healed = await world.await(waitHealed(world, p.partitions), healBoundMs + 5_000, 'heal check');
  if (healed !== null) {
    p.findings.push({ kind: 'not-healed', detail: `${healBoundMs} ms after the faults: ${healed}` });
    return;
  }
  const topics = await world.await(checkTopics(world, admin), 10_000, 'topic lists');
  if (topics !== '') p.findings.push({ kind: 'admin-lost', detail: topics });
  const logs = await world.await(readAll(world, p.partitions,
    (detail) => p.findings.push({ kind: 'corrupt-served', detail })), 30_000, 'read everything back');
  p.findings.push(...checkRecords(p.sessions, logs));
}

/** Null once every node says every partition is led with its full ISR, all alike; else why not. */
async function waitHealed(world: World, partitions: number): Promise<string | null> {
  const deadline = world.clock.now() + healBoundMs;
  let why = 'never asked';
  for (;;) {
    const answers = await metadataOfEveryNode(world, [topic, offsetsTopic]);
    why = unhealed(answers, partitions, Math.min(3, world.hosts.length));
    if (why === '') return null;
    if (world.clock.now() >= deadline) return why;
    await delay(world.clock, 250);
  }
}

function unhealed(answers: readonly (MetadataResponse | string)[], partitions: number, replication: number): string {
  const views: string[] = [];
  for (const [i, a] of answers.entries()) {
    if (typeof a === 'string') return `node ${i + 1} did not answer: ${a}`;
    let view = '';
    // The workload's topic, and the group offsets (used by the consumers throughout): each led by
    // its full ISR on min(3, nodes) replicas — internal topics grow to that as nodes join.
    for (const [name, count] of [[topic, partitions], [offsetsTopic, offsetsTopicPartitions]] as const) {
      const t = a.topics.find((x) => x.name === name);
      if (t === undefined || t.errorCode !== 0) return `node ${i + 1} does not know ${name}`;
      if (t.partitions.length !== count) return `node ${i + 1} sees ${t.partitions.length} partitions of ${name}`;
      for (const part of t.partitions) {
        const where = `node ${i + 1}: ${name}-${part.partitionIndex}`;
        if (part.leaderId < 0) return `${where} has no leader`;
        const isr = [...part.isrNodes].sort().join(',');
        const replicas = [...part.replicaNodes].sort().join(',');
        if (part.replicaNodes.length !== replication) {
          return `${where} has ${part.replicaNodes.length} replicas (${replicas}), not ${replication}`;
        }
        if (isr !== replicas) return `${where} ISR ${isr} of ${replicas}`;
      }
      view += `${name} ${t.partitions.map((x) => `${x.partitionIndex}:${x.leaderId}@${x.leaderEpoch}`).sort().join(' ')} `;
    }
    views.push(view);
  }
  if (new Set(views).size > 1) return `nodes disagree: ${views.join(' | ')}`;
  return '';
}
