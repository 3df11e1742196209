/**
 * Shared pieces of the benchmarks: a `pado start` process on 127.0.0.1 port 0 with /proc sampling
 * (peak RSS, CPU time), bounded child-process runs timed with a monotonic clock, input files for
 * kcat, and the statistics every measure reports (median and spread of ≥ 5 runs).
 *
 * Everything started here is killed and every temp dir removed by the caller's `finally`; nothing
 * listens beyond 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const mainJs = resolve('dist/src/main.js');
const brokerStartMsMax = 20_000;
const brokerStopMsMax = 10_000;
/** Lines of broker output kept for error messages; the rest is drained and dropped. */
const brokerLinesKeptMax = 200;
/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (`getconf CLK_TCK`). */
const clockTicksPerSecond = 100;

export interface Broker {
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  /** Peak resident set (VmHWM) so far, in KiB. */
  peakRssKiB(): number;
  /** User + system CPU time used so far, in ms. */
  cpuMs(): number;
  /** System (kernel) CPU time so far, in ms: writes, fsync, socket copies on the broker's behalf. */
  systemCpuMs(): number;
  /** SIGTERM (graceful: lets --cpu-prof write its file), SIGKILL after a deadline, rm data dir. */
  stop(): Promise<void>;
}

export interface BrokerOptions {
  /** Extra flags for node itself, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /**
   * A node config (Kafka keys) written to a file and passed with --config. With `listeners` in
   * it there is no --listen, and `clientListener` names the listener whose port clients get.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly clientListener?: string;
}

export const MiB = 1024 * 1024;

/** Options of the measures that take a run count and a payload in MiB per run. */
export interface RunsMibOptions {
  readonly runs: number;
  readonly mib: number;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const dataDir = tempDir('pado-bench-data-');
  const configArgs: string[] = [];
  if (opts.config !== undefined) {
    const file = join(tempDir('pado-bench-config-'), 'pado.json');
    writeFileSync(file, JSON.stringify(opts.config));
    configArgs.push('--config', file);
  }
  const listen = opts.config?.['listeners'] === undefined ? ['--listen', '127.0.0.1:0'] : [];
  const args = [...(opts.nodeArgs ?? []), mainJs, 'start', ...listen, '--http-listen', '127.0.0.1:0',
    '--data-dir', dataDir, '--log-level', 'info', ...configArgs];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(proc, 'exit');
  let port: number;
  try {
    port = await readPort(proc, exited, opts.clientListener);
  } catch (err) {
    proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const pid = proc.pid;
  if (pid === undefined) throw new Error('broker has no pid');
  return {
    port, pid, dataDir,
    peakRssKiB: () => readPeakRssKiB(pid),
    cpuMs: () => {
      const cpu = readCpuMs(pid);
      return cpu.userMs + cpu.systemMs;
    },
    systemCpuMs: () => readCpuMs(pid).systemMs,
    stop: async () => {
      await stopProcess(proc, exited);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the port from the `kafka listener ready` log line. */
function readPort(proc: ChildProcess, exited: Promise<unknown>, listener?: string):
  Promise<number> {
  const lines: string[] = [];
  const keep = (line: string): void => {
    if (lines.length < brokerLinesKeptMax) lines.push(line);
  };
  return new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(
      `broker did not start in ${brokerStartMsMax} ms:\n${lines.join('\n')}`)), brokerStartMsMax);
    let port: number | null = null;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      keep(line);
      const ready = listener === undefined ? /"msg":"kafka listener ready"/.test(line)
        : line.includes('"msg":"listener serving"') && line.includes(`"listener":"${listener}"`);
      const m = ready ? /"port":(\d+)/.exec(line) : null;
      if (m !== null) port = Number(m[1]);
      // Measure only once the node has finished starting (controller elected, groups loaded).
      if (port === null || !/"msg":"node started"/.test(line)) return;
      clearTimeout(timer);
      res(port);
    });
    createInterface({ input: proc.stderr! }).on('line', keep);
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`broker exited before listening:\n${lines.join('\n')}`));
    });
  });
}

async function stopProcess(proc: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), brokerStopMsMax);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set (VmHWM) of a process, KiB. */
export function readPeakRssKiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]);
}

/** CPU time a process used so far (utime, stime from /proc). */
export function readCpuMs(pid: number): { userMs: number; systemMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may hold spaces; fields after the closing paren start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[14 - 3]);
  const systemTicks = Number(fields[15 - 3]);
  const msPerTick = 1000 / clockTicksPerSecond;
  return { userMs: userTicks * msPerTick, systemMs: systemTicks * msPerTick };
}

export interface TimedRun {
  readonly code: number | null;
  readonly elapsedMs: number;
  readonly stderr: string;
}

/**
 * Runs a command with stdout to /dev/null (output is not what we time) and a hard timeout.
 * stderr is kept, truncated, for error messages.
 */
export async function timedRun(
  cmd: string, args: readonly string[], timeoutMs: number,
): Promise<TimedRun> {
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, elapsedMs: performance.now() - started, stderr };
}

/**
 * Writes `count` lines of exactly `valueBytes` printable bytes each, so kcat's default `\n`
 * delimiter yields records of exactly that size. Written in ~1 MiB chunks: bounded memory.
 */
export async function writeLinesFile(path: string, count: number, valueBytes: number): Promise<void> {
  const line = Buffer.alloc(valueBytes + 1);
  for (let i = 0; i < valueBytes; i++) line[i] = 0x21 + ((i * 7) % 94);
  line[valueBytes] = 0x0a;
  const linesPerChunk = Math.max(1, Math.floor((1 << 20) / line.length));
  const chunk = Buffer.concat(new Array<Buffer>(linesPerChunk).fill(line));
  const out = createWriteStream(path);
  for (let written = 0; written < count; written += linesPerChunk) {
    const lines = Math.min(linesPerChunk, count - written);
    const ok = out.write(lines === linesPerChunk ? chunk : chunk.subarray(0, lines * line.length));
    if (!ok) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median and range of per-run values, rounded to 3 significant decimals for the JSON line. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(percentile(sorted, 50)),
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no values');
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
