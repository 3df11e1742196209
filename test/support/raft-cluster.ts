/**
 * A Raft group of real `pado start` processes on 127.0.0.1 for the process test and the raft
 * bench: free ports are picked first (the voters list needs them up front), each node gets its
 * own data directory that survives a SIGKILL and restart, and — for a cluster started with
 * `testRaftKv` (PADO_TEST_RAFT_KV=1 in each node's environment) — the test-only RaftKv API
 * (key 1001) is spoken through the project's own client. Without it the nodes are production
 * nodes, which do not serve RaftKv. With `tmpfsBytes` each node's data directory is on a tmpfs of
 * its own (mounted here, needs root: see `tmpfsAllowed`), so a test can fill one node's disk.
 * `stop()` kills every process, unmounts the tmpfs mounts, and removes the dirs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, join } from 'node:path';
import { KafkaClient } from '../../src/client/index.js';
import type { RaftKvResponse } from '../../src/protocol/index.js';
import { testRaftKvEnv } from '../../src/node/raft-kv.js';
import { rotateKeyFile } from '../../src/cli/security/rotate-key.js';
import { startBroker, tempDir, type BrokerProcess } from './broker.js';
import { waitFor } from './run.js';
import type { TestNetwork } from './netns.js';
import { clientIo } from './client-io.js';

export const raftKvApiKey = 1001;
export const kvOp = { get: 0, put: 1 } as const;
const notLeader = 6;

/** Ports free right now: all bound at once (so distinct), then released for the nodes. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(0, '127.0.0.1', () => res());
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

/** Mounts a tmpfs of `bytes` on `dir` (which must exist); false when this machine refuses. */
export function mountTmpfs(dir: string, bytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir],
      { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts `dir`; lazily (detached now, freed once unused) if it is still busy. */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}

/** Whether this process may mount a tmpfs (root, and not in a locked-down container). */
export function tmpfsAllowed(): boolean {
  const dir = tempDir('pado-tmpfs-probe-');
  try {
    if (!mountTmpfs(dir, 1024 * 1024)) return false;
    unmount(dir);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class RaftCluster {
  readonly ids: readonly number[];
  private readonly ports = new Map<number, number>();
  private readonly root = tempDir('pado-raft-');
  private readonly procs = new Map<number, BrokerProcess>();
  private readonly clients = new Map<number, KafkaClient>();
  /** Extra `pado start` arguments of every node (a shared `--config` file). */
  private readonly extraArgs: string[] = [];
  /** Set: each node runs in its own namespace of this network, on its address there. */
  readonly network: TestNetwork | undefined;
  /** Extra environment of every node (the test-only RaftKv switch). */
  private readonly env: Record<string, string> = {};
  /** Data directories given by the test (e.g. a tmpfs it mounted); the others live under root. */
  private readonly ownDataDirs = new Map<number, string>();
  /** Per node, the tmpfs this cluster mounted for its data directory (`tmpfsBytes`). */
  private readonly mounts = new Map<number, string>();
  /**
   * Encryption at rest (`atRest`): per node an SSL inter-broker listener on these ports (Raft
   * and replication over mutual TLS) beside the PLAINTEXT client listener at `address`, and a
   * master key file of its own.
   */
  private readonly brokerPorts = new Map<number, number>();
  private secure: { readonly keystore: string; readonly truststore: string;
    readonly config: Record<string, unknown> } | undefined;

  private constructor(ports: readonly number[], network?: TestNetwork) {
    this.ids = ports.map((_, i) => i + 1);
    ports.forEach((port, i) => this.ports.set(i + 1, port));
    this.network = network;
  }

  /** Node `id`'s listen host. */
  host(id: number): string {
    return this.network?.hostOf(id) ?? '127.0.0.1';
  }

  /** The data directory of node `id` (kept across restarts). */
  dataDir(id: number): string {
    return this.ownDataDirs.get(id) ?? join(this.root, `node-${id}`);
  }

  /** The tmpfs holding node `id`'s data directory (`tmpfsBytes`), or undefined. */
  mountOf(id: number): string | undefined {
    return this.mounts.get(id);
  }

  /**
   * `config`: a JSON node config every node starts with (Kafka keys work, as in a file).
   * `testRaftKv`: serve the test-only RaftKv API (production nodes do not).
   * `network`: run each node in its namespace (port 9092 on its own address).
   * `dataDirs`: node id → a data directory the caller owns (never removed by `stop`).
   * `tmpfsBytes`: each node's data directory on a tmpfs of this size, mounted here and unmounted
   * by `stop` once the processes are gone (throws when mounting is refused: see `tmpfsAllowed`).
   * `atRest`: encryption at rest on every node, with the TLS files it needs between nodes.
   */
  static async start(size: number,
    opts: { config?: Record<string, unknown>; testRaftKv?: boolean; network?: TestNetwork;
      dataDirs?: Readonly<Record<number, string>>; tmpfsBytes?: number;
      atRest?: { readonly keystore: string; readonly truststore: string } } = {}):
    Promise<RaftCluster> {
    const ports = opts.network !== undefined ? Array.from({ length: size }, () => 9092)
      : await freePorts(size);
    const cluster = new RaftCluster(ports, opts.network);
    if (opts.testRaftKv === true) cluster.env[testRaftKvEnv] = '1';
    for (const [id, dir] of Object.entries(opts.dataDirs ?? {})) {
      cluster.ownDataDirs.set(Number(id), dir);
    }
    try {
      if (opts.tmpfsBytes !== undefined) cluster.mountAll(opts.tmpfsBytes);
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    if (opts.atRest !== undefined) {
      const brokerPorts = opts.network !== undefined ? ports.map(() => 9093)
        : await freePorts(size);
      brokerPorts.forEach((port, i) => cluster.brokerPorts.set(i + 1, port));
      cluster.secure = { ...opts.atRest, config: opts.config ?? {} };
      for (const id of cluster.ids) {
        rotateKeyFile(join(cluster.root, `master-${id}.key`), randomBytes(32));
      }
    } else if (opts.config !== undefined) {
      const file = join(cluster.root, 'config.json');
      writeFileSync(file, JSON.stringify(opts.config));
      cluster.extraArgs.push('--config', file);
    }
    // Every start settles before a failure is thrown: a node still starting when another failed
    // would otherwise register after stop() and outlive the test (its pipes keep the runner alive).
    const started = await Promise.allSettled(cluster.ids.map((id) => cluster.startNode(id)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await cluster.stop();
      throw failed.reason;
    }
    return cluster;
  }

  /** Every node listed as a live broker by node 1's Metadata (waits at most `timeoutMs`). */
  async allLive(timeoutMs = 20_000): Promise<void> {
    await waitFor(`${this.ids.length} live brokers`, async () => {
      const md = await this.withClient(1, (c) => c.metadata([])).catch(() => undefined);
      return md?.brokers.length === this.ids.length ? true : undefined;
    }, timeoutMs);
  }

  /** The comma-separated list of every node's client address (what `pado dev` prints). */
  bootstrap(): string {
    return this.ids.map((id) => this.address(id)).join(',');
  }

  /** host:port of node `id`'s listener (fixed across restarts). */
  address(id: number): string {
    return `${this.host(id)}:${this.ports.get(id)}`;
  }

  /** `f` on a fresh connection to node `id` (Pado's own client), closed afterwards. */
  async withClient<T>(id: number, f: (c: KafkaClient) => Promise<T>,
    timeoutMs = 5_000): Promise<T> {
    const client = await KafkaClient.connect({ io: clientIo, host: this.host(id), port: this.ports.get(id) as number,
      connectTimeoutMs: Math.min(timeoutMs, 1_000), requestTimeoutMs: timeoutMs });
    try {
      return await f(client);
    } finally {
      await client.close();
    }
  }

  voters(): string {
    return this.ids.map((id) => `${id}@${this.peerAddress(id)}`).join(',');
  }

  /** host:port of node `id`'s inter-broker listener (the client one, unless `atRest`). */
  peerAddress(id: number): string {
    const port = this.secure === undefined ? this.ports.get(id) : this.brokerPorts.get(id);
    return `${this.host(id)}:${port}`;
  }

  /** With `atRest`, node `id`'s config file: its two listeners, TLS files and master key. */
  private secureConfigArgs(id: number): string[] {
    const secure = this.secure;
    if (secure === undefined) return [];
    const file = join(this.root, `config-${id}.json`);
    writeFileSync(file, JSON.stringify({
      ...secure.config,
      listeners: `BROKER://${this.peerAddress(id)},CLIENT://${this.address(id)}`,
      'listener.security.protocol.map': 'BROKER:SSL,CLIENT:PLAINTEXT',
      'inter.broker.listener.name': 'BROKER',
      'ssl.keystore.location': secure.keystore,
      'ssl.truststore.location': secure.truststore,
      'encryption.master.key.file': join(this.root, `master-${id}.key`),
    }));
    return ['--config', file];
  }

  /** Every process's log lines, per node, in start order (PADO_TEST_LOGS=<dir> writes them). */
  private readonly logs = new Map<number, string[][]>();

  /** Starts (or restarts, on its old data) node `id`; resolves once its listener serves. */
  async startNode(id: number): Promise<BrokerProcess> {
    const proc = await startBroker({
      dataDir: this.dataDir(id),
      port: this.ports.get(id) as number,
      host: this.host(id),
      ...(this.network === undefined ? {} : { netns: this.network.nsOf(id) }),
      ...(this.secure === undefined ? {} : { omitListen: true }),
      args: ['--node-id', String(id), '--initial-voters', this.voters(), ...this.extraArgs,
        ...this.secureConfigArgs(id)],
      env: this.env,
    });
    this.procs.set(id, proc);
    this.logs.set(id, [...(this.logs.get(id) ?? []), proc.lines]);
    return proc;
  }

  process(id: number): BrokerProcess | undefined {
    return this.procs.get(id);
  }

  /** SIGKILL by PID; the data directory stays for a restart. */
  async kill(id: number): Promise<void> {
    this.dropClient(id);
    const proc = this.procs.get(id);
    this.procs.delete(id);
    await proc?.stop({ keepData: true });
  }

  /** SIGTERM (a clean stop: controlled shutdown, logs closed) and wait for the exit; data kept. */
  async terminate(id: number): Promise<void> {
    this.dropClient(id);
    const proc = this.procs.get(id);
    this.procs.delete(id);
    if (proc === undefined) return;
    await proc.signal('SIGTERM');
    await proc.stop({ keepData: true });
  }

  running(): number[] {
    return this.ids.filter((id) => this.procs.has(id));
  }

  async kv(id: number, op: number, key: string, value: Buffer | null,
    timeoutMs = 5_000): Promise<RaftKvResponse> {
    const client = await this.client(id, timeoutMs);
    try {
      return await client.request<RaftKvResponse>(raftKvApiKey, { op, key, value }, 0);
    } catch (e) {
      this.dropClient(id);
      throw e;
    }
  }

  /**
   * One put through whichever node leads: asks `hint` first and follows NOT_LEADER answers.
   * Resolves with the leader that applied it, or undefined if no attempt succeeded.
   */
  async putAnywhere(key: string, value: Buffer, hint?: number): Promise<number | undefined> {
    const order = [...new Set([hint, ...this.running()])].filter(
      (id): id is number => id !== undefined && this.procs.has(id));
    for (let i = 0, at = order[0]; i < order.length + 1 && at !== undefined; i++) {
      const r = await this.kv(at, kvOp.put, key, value).catch(() => undefined);
      if (r?.errorCode === 0) return at;
      const next = r?.errorCode === notLeader && this.procs.has(r.leaderId) ? r.leaderId
        : order[(order.indexOf(at) + 1) % order.length];
      at = next;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    for (const id of [...this.clients.keys()]) this.dropClient(id);
    await Promise.all([...this.procs.values()].map((p) => p.stop({ keepData: true })));
    this.procs.clear();
    for (const [id, mount] of this.mounts) {
      unmount(mount);
      this.mounts.delete(id);
    }
    rmSync(this.root, { recursive: true, force: true });
    // PADO_TEST_LOGS=<dir>: keep every node's log (a repeated run that failed can be studied).
    const keep = process.env.PADO_TEST_LOGS;
    if (keep !== undefined && keep !== '') {
      mkdirSync(keep, { recursive: true });
      for (const [id, runs] of this.logs) {
        writeFileSync(join(keep, `${basename(this.root)}-node-${id}.log`),
          runs.map((r) => r.join('\n')).join('\n---- restart\n'));
      }
    }
  }

  /** A tmpfs per node under root, its data directory inside (the mount root holds fillers). */
  private mountAll(bytes: number): void {
    for (const id of this.ids) {
      if (this.ownDataDirs.has(id)) continue;
      const mount = join(this.root, `tmpfs-${id}`);
      mkdirSync(mount);
      if (!mountTmpfs(mount, bytes)) {
        throw new Error(`cannot mount a tmpfs on ${mount} (needs root)`);
      }
      this.mounts.set(id, mount);
      const data = join(mount, 'data');
      mkdirSync(data);
      this.ownDataDirs.set(id, data);
    }
  }

  private async client(id: number, timeoutMs: number): Promise<KafkaClient> {
    const known = this.clients.get(id);
    if (known !== undefined) return known;
    const client = await KafkaClient.connect({ io: clientIo,
      host: this.host(id), port: this.ports.get(id) as number, clientId: 'raft-test',
      connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs,
    });
    this.clients.set(id, client);
    return client;
  }

  private dropClient(id: number): void {
    const client = this.clients.get(id);
    this.clients.delete(id);
    void client?.close();
  }
}
