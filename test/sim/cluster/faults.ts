/**
 * The fault schedule of a world (issue 14): episodes drawn from the seed, each a fault that starts
 * at a virtual time and is undone after a duration — a killed process (SIGKILL: the page cache
 * survives), a machine's power loss (unsynced writes go as the disk's seed says), the whole
 * cluster's power loss, a node isolated from its peers (clients still reach it), a one-way cut, a
 * bridge (two nodes cut, both still reach the third), a node's data disk full (below the reserve,
 * writes failing with ENOSPC), a bit flipped in a partition's log file on a node's disk (bit rot: the
 * file and byte are chosen by the seed and the episode's start, among what the disk holds then), a
 * burst of forged peer frames sent to a node's Kafka port by a stranger (issue 13's break 7: terms
 * beyond 2^53, unknown senders, truncated, bit-flipped and garbage frames, the test-only RaftKv), a
 * slow data disk (every operation up to 50–400 ms late), a machine whose disks die and are replaced
 * (the operator's way, README "Replacing a node": once the cluster fenced it, `pado cluster
 * decommission` — the CLI's own plan and requests — then the node starts on empty disks with
 * `--join`, under its old id; its replicas are copied back), and two operators' actions (issue 16)
 * that faults meet halfway: a partition of the workload's topic moved onto a node (a reassignment:
 * the new replica catches up, then the one it replaces leaves; cancelled if still under way when the
 * episode ends) and a node put in maintenance (its leaderships drained; back at the end).
 * A schedule is plain data, so the shrinker
 * (shrink.ts) can drop episodes and shorten them and replay the rest.
 */
import {
  alterBrokerMaintenance, alterPartitionReassignments, KafkaClient, listPartitionReassignments,
} from '../../../src/client/index.js';
import { fetchClusterSnapshot } from '../../../src/cli/cluster/common.js';
import { planDecommission } from '../../../src/cli/cluster/decommission.js';
import { delay, type Prng } from '../../../src/common/index.js';
import {
  ApiKey, KafkaError, type RemoveRaftVoterResponse, type UnregisterBrokerResponse, zeroUuid,
} from '../../../src/protocol/index.js';
import { forgedFrames } from '../../support/forged-frames.js';
import { kafkaPort, prngFor, type World } from './world.js';
import { topic } from './workload.js';

export const faultKinds = [
  'kill', 'power', 'power-all', 'isolate', 'one-way', 'bridge', 'disk-full', 'bit-flip', 'forge', 'slow-disk',
  'replace', 'move', 'maintenance',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface Episode {
  /** Virtual ms after the workload started. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** The nodes it hits (one-way: from, to; bridge: the two cut apart). */
  readonly nodes: readonly number[];
  readonly durationMs: number;
}

const weights: Readonly<Record<FaultKind, number>> = {
  kill: 4, power: 3, 'power-all': 1, isolate: 3, 'one-way': 2, bridge: 2, 'disk-full': 2, 'bit-flip': 2, forge: 2, 'slow-disk': 2,
  replace: 2, move: 2, maintenance: 2,
};

/** A replaced node is down at least this long: fenced (1.2 s), then decommissioned by its operator. */
const replaceMinMs = 3_000;

/**
 * Episodes in `windowMs`, one after another with quiet gaps between them — except that half the
 * disk replacements begin while the episode before is still on (a disk dies whenever it likes):
 * two faults at once, e.g. the last in-sync replica's disk dying while the other replicas are
 * down or cut off.
 */
export function scheduleFor(prng: Prng, nodes: number, windowMs: number): Episode[] {
  const kinds = faultKinds.filter((k) => nodes >= 3 || k !== 'bridge');
  const total = kinds.reduce((n, k) => n + weights[k], 0);
  const out: Episode[] = [];
  let t = prng.between(500, 3_000);
  while (t < windowMs) {
    let roll = prng.below(total);
    const kind = kinds.find((k) => (roll -= weights[k]) < 0)!;
    const a = prng.between(1, nodes);
    let b = prng.between(1, nodes - 1);
    if (b >= a) b++;
    const drawn = prng.between(300, 6_000);
    const durationMs = kind === 'replace' ? Math.max(drawn, replaceMinMs) : drawn;
    const before = out.at(-1);
    const overlap = kind === 'replace' && before !== undefined && prng.chance(0.5) &&
      !(before.kind === 'replace' && before.nodes[0] === a);
    const atMs = overlap ? before!.atMs + prng.below(before!.durationMs) : t;
    out.push({ atMs, kind, nodes: kind === 'one-way' || kind === 'bridge' ? [a, b] : [a], durationMs });
    t = Math.max(t, atMs + durationMs + prng.between(200, 7_000));
  }
  return out;
}

export function describeEpisode(e: Episode): string {
  return `${e.kind}(${e.nodes.join('>')})@${e.atMs}+${e.durationMs}`;
}

/** An episode as it was played: when (virtual ms) it began and was undone. */
export interface Played {
  readonly episode: Episode;
  readonly startMs: number;
  endMs: number;
}

/**
 * Plays `episodes` from now on, each started at its time and undone after its duration on the
 * world's clock (episodes that overlap play at once); resolves when every one is undone.
 */
export async function play(
  world: World, episodes: readonly Episode[], stopped: () => boolean, played: Played[],
  report: (problem: string) => void,
): Promise<void> {
  const startMs = world.clock.now();
  await Promise.all(episodes.map(async (e) => {
    const wait = startMs + e.atMs - world.clock.now();
    if (wait > 0) await delay(world.clock, wait);
    if (stopped()) return;
    world.note(`fault ${describeEpisode(e)}`);
    const p: Played = { episode: e, startMs: world.clock.now(), endMs: -1 };
    played.push(p);
    const operator = start(world, e, stopped);
    await delay(world.clock, e.durationMs);
    const problem = await operator;
    if (problem !== null) {
      world.note(`operator gave up: ${problem}`);
      report(problem);
    }
    undo(world, e, problem === null);
    p.endMs = world.clock.now();
    world.note(`undone ${describeEpisode(e)}`);
  }));
}

/** Replacements that found another one under way: undone as nothing. */
const ignored = new WeakSet<Episode>();

/** Boots the hosts among `ids` that are down, except those being replaced (their episode boots them). */
function bootDown(world: World, ids: readonly number[]): void {
  for (const id of ids) if (!world.host(id).running && !world.replacing.has(id)) world.boot(id);
}

function addresses(world: World, ids: readonly number[]): string[] {
  return ids.map((id) => world.host(id).address);
}

/** Starts episode `e`; resolves when its operator's work is done (null) or given up (why). */
function start(world: World, e: Episode, stopped: () => boolean): Promise<string | null> {
  const all = world.hosts.map((h) => h.address);
  const [a, b] = e.nodes;
  switch (e.kind) {
    case 'replace':
      if (world.replacing.size > 0) {
        // One dead disk at a time: that is what three replicas and a quorum of three survive. A
        // second voter's disk lost before the first one's replacement rejoined leaves no quorum
        // for good (seed 5183: the operator had not got through before the next disk died).
        world.note(`${describeEpisode(e)} skipped: node ${[...world.replacing].join(', ')} is still being replaced`);
        ignored.add(e);
        return Promise.resolve(null);
      }
      world.replacing.add(a!);
      world.crash(a!, true);
      world.replaceDisks(a!);
      return decommission(world, a!, e.durationMs, stopped);
    case 'kill':
      world.crash(a!, false);
      break;
    case 'power':
      world.crash(a!, true);
      break;
    case 'power-all':
      for (const h of world.hosts) world.crash(h.id, true);
      break;
    case 'isolate':
      world.net.isolate(world.host(a!).address, all);
      break;
    case 'one-way':
      world.net.block(world.host(a!).address, world.host(b!).address);
      break;
    case 'bridge': {
      const [x, y] = addresses(world, [a!, b!]);
      world.net.cut(x!, y!);
      break;
    }
    case 'disk-full':
      world.host(a!).fs.free = 0;
      break;
    case 'slow-disk':
      world.host(a!).fs.slowMs = prngFor(world.seed, `slow ${e.atMs}`).between(50, 400);
      break;
    case 'forge':
      void forgeBurst(world, a!, prngFor(world.seed, `forge ${e.atMs}`));
      break;
    case 'move':
      void operate(world, `move ${e.atMs}`, (client) => moveOnto(world, client, a!, prngFor(world.seed, `move ${e.atMs}`)));
      break;
    case 'maintenance':
      void operate(world, `maintenance ${e.atMs}`, (client) => maintain(client, a!, true));
      break;
    case 'bit-flip': {
      const fs = world.host(a!).fs;
      const logs = fs.paths().filter((p) => /\/data\/sim-\d+\/\d+\.log$/.test(p) && fs.sizeOf(p) > 0);
      if (logs.length === 0) break;
      const prng = prngFor(world.seed, `bit-flip ${e.atMs}`);
      const path = prng.pick(logs);
      const position = prng.below(fs.sizeOf(path));
      fs.flipByte(path, position, 1 << prng.below(8));
      world.note(`flipped a bit of byte ${position} of ${path} on node ${a}`);
      break;
    }
  }
  return Promise.resolve(null);
}

function undo(world: World, e: Episode, operatorDone: boolean): void {
  switch (e.kind) {
    case 'replace': {
      // On empty disks under its old id: it joins through a running node, as a new machine would.
      // Not before its decommission went through (the old member would still be counted on).
      if (ignored.has(e)) break;
      const id = e.nodes[0]!;
      world.replacing.delete(id);
      if (!operatorDone) break;
      const running = world.hosts.filter((h) => h.running).map((h) => h.id);
      if (running.length > 0) world.joinThrough(id, prngFor(world.seed, `join ${e.atMs}`).pick(running));
      world.boot(id);
      break;
    }
    case 'kill':
    case 'power':
      bootDown(world, e.nodes);
      break;
    case 'power-all':
      bootDown(world, world.hosts.map((h) => h.id));
      break;
    case 'disk-full':
      world.host(e.nodes[0]!).fs.free = Number.MAX_SAFE_INTEGER;
      break;
    case 'slow-disk':
      world.host(e.nodes[0]!).fs.slowMs = 0;
      break;
    case 'bit-flip':
    case 'forge':
      break; // bit rot stays: the node must find and repair it; a forged frame is sent once
    case 'move':
      // A move still under way (a target down or cut off) is cancelled, as an operator would.
      void operate(world, `cancel ${e.atMs}`, (client) => cancelMoves(world, client));
      break;
    case 'maintenance':
      void operate(world, `maintenance off ${e.atMs}`, (client) => maintain(client, e.nodes[0]!, false));
      break;
    default:
      world.net.healAll();
  }
}

/** Each forged frame on a connection of its own from a stranger's host, written, then closed. */
async function forgeBurst(world: World, to: number, prng: Prng): Promise<void> {
  const net = world.net.netFor('10.0.3.1');
  const frames = forgedFrames(to, world.hosts.map((h) => h.id), prng);
  for (const frame of frames) {
    const socket = net.connect(world.host(to).address, kafkaPort);
    socket.on('error', () => undefined);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = world.clock.after(500, () => resolve(false));
      socket.once('connect', () => {
        timer.cancel();
        resolve(true);
      });
      socket.once('close', () => {
        timer.cancel();
        resolve(false);
      });
    });
    if (connected) {
      socket.write(frame.bytes);
      await delay(world.clock, 50);
    }
    socket.destroy();
  }
  world.note(`sent ${frames.length} forged frames to node ${to}`);
}

/**
 * The operator of a node whose disks died: once the cluster has fenced it, `pado cluster
 * decommission <id>` — the CLI's plan (planDecommission) on a fresh snapshot, then RemoveRaftVoter
 * when it is a voter and UnregisterBroker at the controller — retried every 250 ms while refused
 * for a passing reason (not fenced yet, no controller), for at most `budgetMs` and 15 s.
 */
async function decommission(world: World, id: number, budgetMs: number, stopped: () => boolean):
  Promise<string | null> {
  const io = world.clientIo('10.0.4.1');
  const deadline = world.clock.now() + Math.max(budgetMs, 15_000);
  let why = 'not tried';
  for (let attempt = 0; world.clock.now() < deadline && !stopped(); attempt++) {
    if (attempt > 0) await delay(world.clock, 250);
    const running = world.hosts.filter((h) => h.running && h.id !== id);
    if (running.length === 0) continue;
    const via = running[attempt % running.length]!;
    let client: KafkaClient | undefined;
    try {
      client = await KafkaClient.connect({ host: via.address, port: kafkaPort, clientId: 'operator', io,
        connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 });
      const snapshot = await fetchClusterSnapshot(client);
      const plan = planDecommission(snapshot, id);
      if (plan.kind === 'refuse') {
        why = plan.message;
        continue;
      }
      if (plan.removeVoter) {
        const r = await client.request<RemoveRaftVoterResponse>(ApiKey.removeRaftVoter, {
          clusterId: snapshot.clusterId, voterId: id, voterDirectoryId: zeroUuid,
        }, 0);
        if (r.errorCode !== 0) {
          why = `RemoveRaftVoter: error ${r.errorCode} ${r.errorMessage ?? ''}`;
          continue;
        }
      }
      const controller = await KafkaClient.connect({ host: plan.controller.host, port: plan.controller.port,
        clientId: 'operator', io, connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 });
      try {
        const r = await controller.request<UnregisterBrokerResponse>(ApiKey.unregisterBroker, { brokerId: id }, 0);
        if (r.errorCode !== 0 && r.errorCode !== KafkaError.brokerIdNotRegistered.code) {
          why = `UnregisterBroker: error ${r.errorCode} ${r.errorMessage ?? ''}`;
          continue;
        }
      } finally {
        await controller.close();
      }
      world.note(`node ${id} decommissioned (voter removed: ${plan.removeVoter})`);
      return null;
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    } finally {
      await client?.close();
    }
  }
  return stopped() ? null : `node ${id} could not be decommissioned: ${why}`;
}

/**
 * An operator's admin call through any running node, tried every 250 ms for up to 10 s while it
 * fails (no controller, the node it asked went down); each outcome is noted in the trace.
 */
async function operate(world: World, what: string, act: (client: KafkaClient) => Promise<string>): Promise<void> {
  const io = world.clientIo('10.0.4.2');
  const deadline = world.clock.now() + 10_000;
  for (let attempt = 0; world.clock.now() < deadline; attempt++) {
    if (attempt > 0) await delay(world.clock, 250);
    const running = world.hosts.filter((h) => h.running);
    if (running.length === 0) continue;
    const via = running[attempt % running.length]!;
    let client: KafkaClient | undefined;
    try {
      client = await KafkaClient.connect({ host: via.address, port: kafkaPort, clientId: 'operator', io,
        connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 });
      const outcome = await act(client);
      world.note(`operator ${what}: ${outcome}`);
      if (!outcome.startsWith('retry')) return;
    } catch (e) {
      world.note(`operator ${what}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await client?.close();
    }
  }
}

/** Moves a partition of the workload's topic so that node `to` holds a replica (or leads it first). */
async function moveOnto(world: World, client: KafkaClient, to: number, prng: Prng): Promise<string> {
  const md = await client.metadata([topic]);
  const t = md.topics.find((x) => x.name === topic);
  if (t === undefined || t.partitions.length === 0) return 'retry: no topic yet';
  // A partition `to` has no replica of, if any (its data moves: a new replica copies the log and
  // joins the ISR, then one of the old ones leaves); else one it has, made its first replica.
  const sorted = [...t.partitions].sort((x, y) => x.partitionIndex - y.partitionIndex);
  const away = sorted.filter((x) => !x.replicaNodes.includes(to));
  const p = prng.pick(away.length > 0 ? away : sorted);
  const current = [...p.replicaNodes];
  const leaving = prng.pick(current);
  const replicas = current.includes(to) ? [to, ...current.filter((id) => id !== to)]
    : current.map((id) => (id === leaving ? to : id));
  if (!world.hosts.some((h) => h.id === to)) return 'no such node';
  const [answer] = await alterPartitionReassignments(client, [{ topic, partition: p.partitionIndex, replicas }]);
  if (answer === undefined) return 'retry: no answer';
  if (answer.errorCode === KafkaError.notController.code) return 'retry: not the controller';
  return `${topic}-${p.partitionIndex} [${current.join(',')}] → [${replicas.join(',')}]: error ${answer.errorCode}` +
    `${answer.errorMessage === null ? '' : ` ${answer.errorMessage}`}`;
}

/** Cancels every move of the workload's topic still under way. */
async function cancelMoves(_world: World, client: KafkaClient): Promise<string> {
  const ongoing = (await listPartitionReassignments(client)).filter((m) => m.topic === topic);
  if (ongoing.length === 0) return 'nothing under way';
  const answers = await alterPartitionReassignments(client,
    ongoing.map((m) => ({ topic, partition: m.partition, replicas: null })));
  if (answers.some((a) => a.errorCode === KafkaError.notController.code)) return 'retry: not the controller';
  return `cancelled ${answers.map((a) => `${a.topic}-${a.partition}: ${a.errorCode}`).join(', ')}`;
}

async function maintain(client: KafkaClient, id: number, enabled: boolean): Promise<string> {
  const r = await alterBrokerMaintenance(client, id, enabled);
  if (r.errorCode === KafkaError.notController.code) return 'retry: not the controller';
  return `node ${id} maintenance ${enabled ? 'on' : 'off'}: error ${r.errorCode}`;
}
