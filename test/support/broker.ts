/**
 * Runs a real `pado start` process for integration tests: a fresh data directory under the OS temp
 * dir, the listener on 127.0.0.1 port 0, and the bound port read from the broker's own log line.
 * Every process is killed and every directory removed by `stop()`; tests call it from `t.after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const mainJs = resolve('dist/src/main.js');
/** A bound, not a target: on a busy two-core machine three brokers starting at once take 20 s. */
const startTimeoutMs = 60_000;

export interface BrokerProcess {
  readonly port: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Log lines seen so far (JSON strings from pino). */
  readonly lines: string[];
  /** Sends a signal and resolves with the exit code or signal. */
  signal(sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills (SIGKILL) if still running; removes the data dir unless keepData. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly port?: number;
  /** Listen address (default 127.0.0.1); a test network's node address with `netns`. */
  readonly host?: string;
  /** Run inside this network namespace (`ip netns exec`, which keeps the PID). */
  readonly netns?: string;
  /** No `--listen`: the config file names the listeners (`listeners`, port 0 each). */
  readonly omitListen?: boolean;
}

/** The bound port of a named listener, from its "listener serving" log line. */
export function listenerPort(broker: BrokerProcess, name: string): number {
  for (const line of broker.lines) {
    if (!line.includes('"msg":"listener serving"') || !line.includes(`"listener":"${name}"`)) continue;
    const m = /"port":(\d+)/.exec(line);
    if (m !== null) return Number(m[1]);
  }
  throw new Error(`no listener ${name} in the broker's log`);
}

/** The bound port of the HTTP admin listener, from its "http listener ready" log line. */
export function httpPort(broker: BrokerProcess): number {
  for (const line of broker.lines) {
    if (!line.includes('"msg":"http listener ready"')) continue;
    const m = /"port":(\d+)/.exec(line);
    if (m !== null) return Number(m[1]);
  }
  throw new Error('no http listener in the broker\'s log');
}

export function tempDir(prefix = 'pado-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startBroker(opts: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const host = opts.host ?? '127.0.0.1';
  const args = [
    mainJs, 'start', ...(opts.omitListen === true ? [] : ['--listen', `${host}:${opts.port ?? 0}`]),
    '--data-dir', dataDir,
    '--log-level', 'info', ...(opts.args ?? []),
    // Many brokers share this machine: each takes a free port for HTTP unless the test names one.
    ...(opts.args?.includes('--http-listen') === true ? [] : ['--http-listen', `${host}:0`]),
  ];
  const command = opts.netns === undefined ? process.execPath : 'ip';
  const argv = opts.netns === undefined ? args : ['netns', 'exec', opts.netns, process.execPath, ...args];
  const proc = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => res({ code, signal })),
  );
  let listening: number | null = null;
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`broker did not start in ${startTimeoutMs} ms:\n${lines.join('\n')}`)), startTimeoutMs);
    const onLine = (line: string) => {
      lines.push(line);
      const m = /"msg":"kafka listener ready"/.test(line) ? /"port":(\d+)/.exec(line) : null;
      if (m) listening = Number(m[1]);
      // Ready = the node finished starting (controller elected, broker registered, groups loaded).
      if (listening !== null && /"msg":"node started"/.test(line)) {
        clearTimeout(timer);
        res(listening);
      }
    };
    createInterface({ input: proc.stdout! }).on('line', onLine);
    createInterface({ input: proc.stderr! }).on('line', (l) => lines.push(l));
    void exited.then((e) => {
      clearTimeout(timer);
      rej(new Error(`broker exited (${e.code ?? e.signal}) before listening:\n${lines.join('\n')}`));
    });
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  return {
    port,
    bootstrap: `${host}:${port}`,
    dataDir,
    proc,
    pid: proc.pid!,
    lines,
    async signal(sig) {
      if (running) proc.kill(sig);
      return exited;
    },
    async stop(stopOpts = {}) {
      if (running) {
        proc.kill('SIGKILL');
        await exited;
      }
      if (!stopOpts.keepData && opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
