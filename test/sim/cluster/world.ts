/**
 * One seeded world (issue 14): several real Pado nodes — `startNode`, the whole composition — in
 * this process, on a virtual clock, a simulated network (net.ts) and simulated disks (MemFs for
 * the data directory, MemKvDisk for the Raft log and group snapshots). Nothing in it reads the
 * real clock or touches a real socket or file, so a seed replays exactly.
 *
 * The scheduler: run the earliest timer of the virtual clock, then let every microtask it caused
 * settle (one `setImmediate` turn: Node drains the microtask queue before it), then the next. The
 * world's code never uses a real macrotask, so nothing runs outside this order.
 *
 * Each host runs one incarnation of a node at a time. A crash ends the incarnation: its timers stop
 * firing, its sockets go silent (closed with a FIN for a killed process, nothing for power loss),
 * its disks reject (what survives is chosen by the seed), and the code still awaiting something of
 * it never hears back. A restart boots a new incarnation on what survived.
 */
import { pino, type Logger } from 'pino';
import {
  Prng, seededRandom, type Clock, type Net, type NetSocket, type Timer,
} from '../../../src/common/index.js';
import { nodeConfigDefaults, topicConfigDefaults, type NodeConfig } from '../../../src/config/index.js';
import { startNode, type NodeIo, type NodeView, type RunningNode } from '../../../src/node/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { MemFs } from '../../support/mem-fs.js';
import { MemKvDisk } from './mem-kv.js';
import { SimNetwork, SimSocket } from './net.js';

/** A ring of the last trace lines (the world's events and the nodes' logs), printed on failure. */
export class Trace {
  private readonly lines: string[] = [];
  private readonly max: number;
  private next = 0;
  /** Every line, when a replay asks for the whole trace. */
  readonly echo: ((line: string) => void) | null;
  /** A running hash of every line: two runs of one seed must agree on it. */
  hash = 0x811c9dc5;

  constructor(max: number, echo: ((line: string) => void) | null) {
    this.max = max;
    this.echo = echo;
  }

  add(line: string): void {
    for (let i = 0; i < line.length; i++) this.hash = Math.imul(this.hash ^ line.charCodeAt(i), 16777619) >>> 0;
    this.echo?.(line);
    if (this.lines.length < this.max) this.lines.push(line);
    else this.lines[this.next] = line;
    this.next = (this.next + 1) % this.max;
  }

  tail(): string[] {
    return this.lines.length < this.max ? [...this.lines]
      : [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
  }
}

/** A PRNG of its own for each part of the world, so a change in one leaves the others' draws alone. */
export function prngFor(seed: number, label: string): Prng {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
  return new Prng((seed ^ h) >>> 0);
}

export interface WorldOptions {
  readonly seed: number;
  readonly nodes: number;
  /** The nodes' log level in the trace ('warn' keeps a run fast; a replay asks for more). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | undefined;
  readonly traceLines?: number;
  readonly echo?: ((line: string) => void) | undefined;
  /**
   * How the cluster forms: 'voters' — every node starts with the same initialVoters list;
   * 'join' — the README's flow: node 1 starts alone, each other node joins through a running one
   * (the quorum grows to 3 voters, later nodes observe; internal topics grow with it).
   */
  readonly formation?: 'voters' | 'join';
}

/** One run of a node on a host; a crash ends it. */
class Incarnation {
  alive = true;
  readonly sockets: SimSocket[] = [];
  node: RunningNode | null = null;
  /** What the node holds, from the moment its partitions open (before it is ready). */
  inspect: (() => NodeView) | null = null;
  /** Settles when the node is ready (or failed to start). */
  started: Promise<void> | null = null;
  startError: unknown = null;

  readonly number: number;

  constructor(number: number) {
    this.number = number;
  }

  track(socket: NetSocket): NetSocket {
    const sim = socket as SimSocket;
    if (this.sockets.length > 256) {
      for (let i = this.sockets.length - 1; i >= 0; i--) if (this.sockets[i]!.isClosed) this.sockets.splice(i, 1);
    }
    this.sockets.push(sim);
    return socket;
  }
}

export class Host {
  readonly id: number;
  readonly address: string;
  fs: MemFs;
  kv: MemKvDisk;
  /** The machine has power (false between a power loss and its reboot). */
  up = true;
  current: Incarnation | null = null;
  incarnations = 0;
  /** How many times its disks were replaced. */
  disks = 0;

  constructor(id: number, fs: MemFs, kv: MemKvDisk) {
    this.id = id;
    this.address = `10.0.0.${id}`;
    this.fs = fs;
    this.kv = kv;
  }

  get running(): boolean {
    return this.current?.alive === true;
  }

  get node(): RunningNode | null {
    return this.current?.alive === true ? this.current.node : null;
  }

  /** The running node's view, also while it starts (null when down or not that far yet). */
  get inspect(): (() => NodeView) | null {
    return this.current?.alive === true ? this.current.inspect : null;
  }
}

export const kafkaPort = 9092;
/** Partitions of __consumer_offsets in the world's nodes. */
export const offsetsTopicPartitions = 3;

export class World {
  readonly seed: number;
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly startMs: number;
  readonly net: SimNetwork;
  readonly hosts: Host[] = [];
  readonly trace: Trace;
  private readonly logLevel: 'debug' | 'info' | 'warn';
  /** Errors that escaped into the world (an unhandled rejection in a node is a failure). */
  readonly escaped: string[] = [];
  steps = 0;
  /** Runs after every step (the invariants' check). */
  afterStep: (() => void) | null = null;
  readonly formation: 'voters' | 'join';
  /** Hosts whose disks were replaced and that await their operator (faults.ts): nobody else boots them. */
  readonly replacing = new Set<number>();
  /** In the 'join' formation: the running node each host joined through (its config keeps it). */
  private readonly joinTargets = new Map<number, number>();

  constructor(options: WorldOptions) {
    this.seed = options.seed;
    this.startMs = this.clock.now();
    this.logLevel = options.logLevel ?? 'warn';
    this.formation = options.formation ?? 'voters';
    this.trace = new Trace(options.traceLines ?? 400, options.echo ?? null);
    this.net = new SimNetwork(this.clock, prngFor(options.seed, 'net'));
    this.net.isUp = (address) => this.hosts.find((h) => h.address === address)?.up ?? true;
    for (let id = 1; id <= options.nodes; id++) this.hosts.push(new Host(id, this.newFs(`fs${id}`), this.newKv(`kv${id}`)));
  }

  private newFs(label: string): MemFs {
    const turn = (): Promise<void> => new Promise((resolve) => this.clock.soon(resolve));
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => this.clock.after(ms, resolve));
    return new MemFs(prngFor(this.seed, label), undefined, undefined, turn, sleep);
  }

  private newKv(label: string): MemKvDisk {
    return new MemKvDisk(prngFor(this.seed, label), () => new Promise((resolve) => this.clock.soon(resolve)));
  }

  /** Host `id`'s disks die and are replaced by empty ones (the host must be down). */
  replaceDisks(id: number): void {
    const host = this.host(id);
    if (host.running) throw new Error(`host ${id} is running`);
    host.disks++;
    host.fs = this.newFs(`fs${id}.${host.disks}`);
    host.kv = this.newKv(`kv${id}.${host.disks}`);
    this.note(`node ${id}'s disks replaced by empty ones`);
  }

  /** Virtual ms since the world began. */
  get elapsedMs(): number {
    return this.clock.now() - this.startMs;
  }

  note(event: string): void {
    this.trace.add(`${String(this.elapsedMs).padStart(8)} world ${event}`);
  }

  host(id: number): Host {
    const h = this.hosts[id - 1];
    if (h === undefined) throw new Error(`no host ${id}`);
    return h;
  }

  /**
   * Host `id` joins the cluster through host `through` at its next boot on empty disks: in the
   * 'join' formation, and for a node whose disks were replaced (whatever the formation).
   */
  joinThrough(id: number, through: number): void {
    this.joinTargets.set(id, through);
  }

  /**
   * The node config of host `id`: the first voters are every host of the world, or, in the 'join'
   * formation, node 1 starts a cluster of one and every other node joins through its target.
   */
  configOf(id: number): NodeConfig {
    const voters = this.hosts.map((h) => ({ id: h.id, host: h.address, port: kafkaPort }));
    const through = this.joinTargets.get(id);
    const formation = through !== undefined ? { join: { host: this.host(through).address, port: kafkaPort } }
      : this.formation === 'voters' ? { initialVoters: voters } : {};
    return {
      ...nodeConfigDefaults(),
      nodeId: id,
      listen: { host: this.host(id).address, port: kafkaPort },
      dataDir: '/data',
      ...formation,
      defaultReplicationFactor: Math.min(3, this.hosts.length),
      offsetsTopicPartitions,
      logLevel: this.logLevel,
      diskReserveBytes: 1024 * 1024,
      // Small segments: rolling, retention and recovery across segments happen within a run.
      topicDefaults: { ...topicConfigDefaults, 'segment.bytes': 64 * 1024 },
    };
  }

  /** Boots host `id` (a new incarnation on what its disks hold); `settled` waits for readiness. */
  boot(id: number): Incarnation {
    const host = this.host(id);
    if (host.running) throw new Error(`host ${id} is running`);
    host.up = true;
    const inc = new Incarnation(++host.incarnations);
    host.current = inc;
    const io = this.ioFor(host, inc);
    const log = this.loggerFor(host, inc);
    this.note(`boot node ${id} (incarnation ${inc.number})`);
    const hooks = { starting: (inspect: () => NodeView) => { if (inc.alive) inc.inspect = inspect; } };
    inc.started = startNode(this.configOf(id), log, io, hooks).then((node) => {
      if (!inc.alive) return;
      inc.node = node;
      this.note(`node ${id} ready`);
    }, (e: unknown) => {
      if (!inc.alive) return;
      inc.startError = e;
      this.note(`node ${id} failed to start: ${String(e)}`);
    });
    return inc;
  }

  /**
   * Ends host `id`'s incarnation. `power`: the machine loses power (unsynced writes go as the seed
   * says, peers hear nothing, the host stays down until `boot`); otherwise the process is killed
   * (SIGKILL: the page cache survives, so nothing written is lost; peers see their connections close).
   */
  crash(id: number, power: boolean): void {
    const host = this.host(id);
    const inc = host.current;
    if (inc === null || !inc.alive) return;
    inc.alive = false;
    this.note(`${power ? 'power loss on' : 'kill'} node ${id}`);
    this.net.unlistenHost(host.address);
    for (const s of inc.sockets) s.kill(!power);
    if (power) {
      host.up = false;
      host.fs = host.fs.crash();
      host.kv = host.kv.crash();
    } else {
      host.fs = host.fs.reopen();
      host.kv = host.kv.reopen();
    }
  }

  /** Runs the world for `ms` of virtual time. */
  async runFor(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    await this.settle();
    while (this.clock.runNext(until)) {
      this.steps++;
      await this.settle();
      this.afterStep?.();
    }
    this.clock.jumpTo(until);
  }

  /** Runs until `done()` holds (checked after every step) or `maxMs` pass; whether it held. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const until = this.clock.now() + maxMs;
    await this.settle();
    while (!done()) {
      if (!this.clock.runNext(until)) {
        this.clock.jumpTo(until);
        return done();
      }
      this.steps++;
      await this.settle();
      this.afterStep?.();
    }
    return true;
  }

  /** Runs until `work` settles (or `maxMs` pass: then throws); its value. */
  async await<T>(work: Promise<T>, maxMs: number, what: string): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
    work.then((value) => { outcome = { ok: true, value }; }, (error: unknown) => { outcome = { ok: false, error }; });
    const held = await this.runUntil(() => outcome !== null, maxMs);
    if (!held || outcome === null) throw new Error(`${what}: not done within ${maxMs} ms of virtual time`);
    const o = outcome as { ok: true; value: T } | { ok: false; error: unknown };
    if (!o.ok) throw o.error;
    return o.value;
  }

  /** Lets the microtasks of the last step run (the world has no other macrotasks). */
  private settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** A client's own view of the network and time (clients are hosts 10.0.1.N; they never crash). */
  clientIo(name: string): { net: Net; clock: Clock } {
    return { net: this.net.netFor(name), clock: this.clock };
  }

  private ioFor(host: Host, inc: Incarnation): NodeIo {
    const world = this.clock;
    const live = (fn: () => void) => (): void => {
      if (inc.alive) fn();
    };
    const clock: Clock = {
      now: () => world.now(),
      after: (ms, fn) => world.after(ms, live(fn)),
      every: (ms, fn) => {
        const timer: Timer = world.every(ms, () => {
          if (inc.alive) fn();
          else timer.cancel();
        });
        return timer;
      },
      soon: (fn) => world.soon(live(fn)),
    };
    const net = this.net.netFor(host.address);
    const hostNet: Net = {
      listen: (bindHost, port, accept) => net.listen(bindHost, port, (socket) => {
        if (inc.alive) accept(inc.track(socket));
        else (socket as SimSocket).kill(true);
      }),
      connect: (toHost, port) => inc.track(net.connect(toHost, port)),
    };
    return {
      clock,
      random: seededRandom(prngFor(this.seed, `random${host.id}.${inc.number}`)),
      net: hostNet,
      disk: host.fs,
      openKv: host.kv.open,
      env: {},
    };
  }

  private loggerFor(host: Host, inc: Incarnation): Logger {
    const trace = this.trace;
    const startMs = this.startMs;
    const clock = this.clock;
    return pino({
      level: this.logLevel,
      base: { n: host.id, i: inc.number },
      timestamp: () => `,"t":${clock.now() - startMs}`,
    }, { write: (line: string) => trace.add(line.trimEnd()) });
  }
}
