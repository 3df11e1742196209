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
 * slow data disk (every operation up to 50–400 ms late). A schedule is plain data, so the shrinker
 * (shrink.ts) can drop episodes and shorten them and replay the rest.
 */
import { delay, type Prng } from '../../../src/common/index.js';
import { forgedFrames } from '../../support/forged-frames.js';
import { kafkaPort, prngFor, type World } from './world.js';

export const faultKinds = [
  'kill', 'power', 'power-all', 'isolate', 'one-way', 'bridge', 'disk-full', 'bit-flip', 'forge', 'slow-disk',
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
};

/** Episodes in `windowMs`, one at a time, with quiet gaps between them. */
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
    const durationMs = prng.between(300, 6_000);
    out.push({ atMs: t, kind, nodes: kind === 'one-way' || kind === 'bridge' ? [a, b] : [a], durationMs });
    t += durationMs + prng.between(200, 7_000);
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

/** Plays `episodes` from now on, each started and undone on the world's clock. */
export async function play(
  world: World, episodes: readonly Episode[], stopped: () => boolean, played: Played[],
): Promise<void> {
  const startMs = world.clock.now();
  for (const e of episodes) {
    const wait = startMs + e.atMs - world.clock.now();
    if (wait > 0) await delay(world.clock, wait);
    if (stopped()) return;
    world.note(`fault ${describeEpisode(e)}`);
    const p: Played = { episode: e, startMs: world.clock.now(), endMs: -1 };
    played.push(p);
    start(world, e);
    await delay(world.clock, e.durationMs);
    undo(world, e);
    p.endMs = world.clock.now();
    world.note(`undone ${describeEpisode(e)}`);
  }
}

function addresses(world: World, ids: readonly number[]): string[] {
  return ids.map((id) => world.host(id).address);
}

function start(world: World, e: Episode): void {
  const all = world.hosts.map((h) => h.address);
  const [a, b] = e.nodes;
  switch (e.kind) {
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
}

function undo(world: World, e: Episode): void {
  switch (e.kind) {
    case 'kill':
    case 'power':
    case 'power-all':
      for (const h of world.hosts) if (!h.running) world.boot(h.id);
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
