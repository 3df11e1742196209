/**
 * `pado dev --nodes N`: a local cluster on one machine for development. Starts N `pado start`
 * children (this same Node binary and main.js, no shell, so it runs on Windows too) with ids 1..N,
 * listeners 127.0.0.1:basePort+i-1, data under <data-dir>/dev-<id> and the same --initial-voters;
 * prefixes their log lines with [n<id>]; prints the bootstrap list and the nodes' pids once every
 * node serves clients ("node started": registered, unfenced, caught up). The first SIGINT/SIGTERM
 * stops every child (SIGTERM, then SIGKILL past the deadline); a second kills them at once. A child
 * that exits before the cluster is ready (a start-up failure) stops the rest; one that dies after
 * is reported and the others keep running (issue 16 item 5: a dev cluster is one to break).
 * Once ready, `pado dev kill <id>` and `pado dev restart <id>` from another shell reach this
 * supervisor through its control channel (dev-control.ts; the verbs are dev-node.ts): it SIGKILLs
 * the node, or starts it again with the same ports and data directory.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { limits } from '../common/index.js';
import { argumentError, intOption, stringOption } from './args.js';
import { signalExitCode } from './start.js';
import { defineVerb, ExitCode, type CliContext, type Signal } from './verb.js';
import {
  startDevControl, type DevControl, type DevControlAction, type DevControlAnswer, type DevControlHandler,
  type StartDevControl,
} from './dev-control.js';

export interface DevArgs {
  nodes: number;
  basePort: number;
  dataDir: string;
  logLevel: string | undefined;
}

/** A laptop cluster: 9 nodes is already more than 5 voters plus observers need. */
export const devNodesMax = 9;
export const devBasePortDefault = 9092;
/**
 * Node i's HTTP admin listener (metrics, health, readiness) is 552 above its Kafka port: 9644+i-1
 * with the default base port, and two dev clusters on different base ports never share one.
 */
export const devHttpPortOffset = 9644 - 9092;
export const devDataDirDefault = './data';
/** The children's own shutdown deadline, plus time for them to flush their logs and exit. */
export const devStopMsMax = limits.shutdownMsMax + 1_000;

export interface DevNodePlan {
  nodeId: number;
  port: number;
  dataDir: string;
  /** Arguments after main.js. */
  args: string[];
}

export interface DevPlan {
  nodes: DevNodePlan[];
  /** `127.0.0.1:9092,127.0.0.1:9093,…`, what clients are given. */
  bootstrap: string;
}

/** Pure: the children to start for `args`. */
export function planDevCluster(args: DevArgs): DevPlan {
  const ids = Array.from({ length: args.nodes }, (_, i) => i + 1);
  const port = (id: number): number => args.basePort + id - 1;
  const voters = ids.map((id) => `${id}@127.0.0.1:${port(id)}`).join(',');
  const nodes = ids.map((id) => {
    const dataDir = join(args.dataDir, `dev-${id}`);
    const childArgs = ['start', '--node-id', String(id), '--listen', `127.0.0.1:${port(id)}`,
      '--http-listen', `127.0.0.1:${port(id) + devHttpPortOffset}`,
      '--data-dir', dataDir, '--initial-voters', voters];
    if (args.logLevel !== undefined) childArgs.push('--log-level', args.logLevel);
    return { nodeId: id, port: port(id), dataDir, args: childArgs };
  });
  return { nodes, bootstrap: ids.map((id) => `127.0.0.1:${port(id)}`).join(',') };
}

export const dev = defineVerb<DevArgs>({
  command: 'dev',
  description: 'Run a local N-node cluster (for development); Ctrl+C stops it',
  options: [
    { flags: '--nodes <count>', description: `Number of nodes, 1–${devNodesMax} (default 3)` },
    { flags: '--base-port <port>', description: 'Port of node 1; node i listens on base+i-1 ' +
      `(default ${devBasePortDefault})` },
    { flags: '--data-dir <dir>', description: `Parent of the dev-<id> data directories ` +
      `(default ${devDataDirDefault})` },
    { flags: '--log-level <level>', description: 'fatal … trace, passed to every node' },
  ],
  examples: ['pado dev --nodes 3', 'pado dev --nodes 3 --base-port 19092 --data-dir /tmp/pado'],
  parse(_positionals, options) {
    const nodes = intOption(options, 'nodes', '--nodes', 1, devNodesMax, '--nodes 3') ?? 3;
    const basePort = intOption(options, 'basePort', '--base-port', 1, 65535 - nodes + 1 - devHttpPortOffset,
      '--base-port 9092') ?? devBasePortDefault;
    const dataDir = stringOption(options, 'dataDir') ?? devDataDirDefault;
    if (dataDir === '') throw argumentError('--data-dir: empty; write e.g. --data-dir ./data');
    return { nodes, basePort, dataDir, logLevel: stringOption(options, 'logLevel') };
  },
  run: (args, ctx) => runDev(args, ctx, spawnPadoNode, startDevControl),
});

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** One running child, as `runDev` needs it; tests substitute fakes. */
export interface DevChild {
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** Called with every line the child writes to stdout or stderr. */
  onLine(listener: (line: string) => void): void;
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** The process id, when there is a process. */
  readonly pid?: number | undefined;
}

export type SpawnDevNode = (plan: DevNodePlan) => DevChild;

/** dist/src/cli/dev.js → dist/src/main.js: the children run the same build as this process. */
const mainJs = fileURLToPath(new URL('../main.js', import.meta.url));

/**
 * A real child process. Own process group on POSIX (detached): a terminal's Ctrl+C goes to the
 * foreground group, and a child that got it directly would take our SIGTERM as its *second*
 * signal and skip its graceful stop. Windows has no such groups; kill() there is immediate.
 */
export function spawnPadoNode(plan: DevNodePlan): DevChild {
  const child = spawn(process.execPath, [mainJs, ...plan.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  return {
    exited,
    pid: child.pid,
    onLine(listener) {
      createInterface({ input: child.stdout }).on('line', listener);
      createInterface({ input: child.stderr }).on('line', listener);
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

interface Member {
  plan: DevNodePlan;
  child: DevChild;
  /** The current child has logged that it serves clients. */
  ready: boolean;
  exit: ChildExit | null;
  /** Why the current child is being stopped by `pado dev kill|restart`; null: not on request. */
  stopping: DevControlAction | null;
  /** Told when the current child becomes ready (true) or exits first (false). */
  whenReady: ((ready: boolean) => void) | null;
}

type Outcome = { kind: 'signal'; signal: Signal } | { kind: 'failed'; member: Member } | { kind: 'all-gone' };

/** The line a node logs once it serves clients (registered, unfenced, caught up): cli/start.ts. */
const readyMessage = 'node started';
/** How long `pado dev restart` waits for the node to serve clients again. */
export const devRestartReadyMsMax = 60_000;

/**
 * The supervisor. `startControl` (null in unit tests without a channel) opens the channel of
 * `pado dev kill|restart` (dev-control.ts) once the cluster is ready.
 */
export async function runDev(
  args: DevArgs, ctx: CliContext, spawnNode: SpawnDevNode,
  startControl: StartDevControl | null = null,
): Promise<number> {
  const plan = planDevCluster(args);
  // Await signals before the first child exists: main.ts exits at once on a signal nobody
  // awaits, which would leave the children running.
  const firstSignal = ctx.signals.next();
  let clusterReady = false;
  let closing = false;
  let settle: (outcome: Outcome) => void = () => undefined;
  const settled = new Promise<Outcome>((resolve) => { settle = resolve; });
  const members: Member[] = [];
  let controlReady: Promise<DevControl | null> = Promise.resolve(null);
  const onReady = (member: Member): void => {
    member.whenReady?.(true);
    member.whenReady = null;
    if (clusterReady || !members.every((m) => m.ready)) return;
    clusterReady = true;
    const pids = members.map((m) => `${m.plan.nodeId}=${m.child.pid ?? '?'}`).join(' ');
    ctx.stdout.write(`pado dev: ${plan.nodes.length} node(s) ready; bootstrap servers: ` +
      `${plan.bootstrap}\npado dev: node pids: ${pids}\n`);
    if (startControl !== null) controlReady = openControl(args, ctx, startControl, control);
  };
  const onExit = (member: Member): void => {
    member.whenReady?.(false);
    member.whenReady = null;
    // Before the cluster was ever ready a node's exit is a start-up failure: stop everything.
    // After, a dev cluster is one to break: the death is reported and the others keep running
    // (all of them gone ends pado dev, unless some were killed on request: they may come back).
    if (!clusterReady) settle({ kind: 'failed', member });
    else if (members.every((m) => m.exit !== null) && members.every((m) => m.stopping === null)) {
      settle({ kind: 'all-gone' });
    } else if (!closing) ctx.stderr.write(nodeDiedMessage(member, members));
  };
  const startChild = (member: Member): void => {
    const child = spawnNode(member.plan);
    Object.assign(member, { child, ready: false, exit: null, stopping: null });
    child.onLine((line) => {
      const entry = parseLogLine(line);
      ctx.stdout.write(formatChildLine(member.plan.nodeId, line, entry, ctx.stdoutIsTty));
      if (member.child !== child || member.ready || entry?.['msg'] !== readyMessage) return;
      member.ready = true;
      onReady(member);
    });
    void child.exited.then((exit) => {
      if (member.child !== child) return;
      member.exit = exit;
      onExit(member);
    });
  };
  for (const node of plan.nodes) {
    const member: Member = { plan: node, child: noChild, ready: false, exit: null, stopping: null,
      whenReady: null };
    members.push(member);
    startChild(member);
  }
  const control: DevControlHandler = (action, nodeId) => {
    const member = members.find((m) => m.plan.nodeId === nodeId);
    if (member === undefined) {
      return Promise.resolve({ status: 404, message: `no node ${nodeId} in this pado dev ` +
        `(nodes 1–${members.length})` });
    }
    if (closing) return Promise.resolve({ status: 409, message: 'pado dev is stopping' });
    return action === 'kill' ? killMember(member) : restartMember(member, () => closing, startChild);
  };
  const outcome = await Promise.race<Outcome>([
    firstSignal.then((signal) => ({ kind: 'signal', signal })), settled]);
  closing = true;
  // The next signal (the first, if a child's exit came first) kills everything at once.
  void (outcome.kind === 'signal' ? ctx.signals.next() : firstSignal).then(async (signal) => {
    ctx.stderr.write(`pado dev: ${signal} while stopping: killing every node now\n`);
    for (const member of members) member.child.kill('SIGKILL');
    void (await controlReady)?.close();
    ctx.exitNow(signalExitCode(signal));
  });
  const running = members.filter((m) => m.exit === null).length;
  ctx.stderr.write(outcome.kind === 'failed' ? unexpectedExitMessage(outcome.member)
    : outcome.kind === 'all-gone' ? 'pado dev: every node has exited\n'
      : `pado dev: ${outcome.signal}: stopping ${running} node(s) within ${devStopMsMax} ms ` +
        '(again to kill them now)\n');
  const clean = await stopAll(members, ctx);
  await (await controlReady)?.close();
  const died = members.some((m) => m.exit !== null && m.exit.code !== 0);
  return outcome.kind === 'signal' && clean && !died ? ExitCode.ok : ExitCode.failure;
}

/** A placeholder replaced by the first spawn, before anything reads it. */
const noChild: DevChild = {
  exited: new Promise<ChildExit>(() => undefined),
  onLine: () => undefined,
  kill: () => undefined,
};

async function openControl(args: DevArgs, ctx: CliContext, startControl: StartDevControl,
  handler: DevControlHandler): Promise<DevControl | null> {
  try {
    const control = await startControl(args.dataDir, handler);
    const dir = args.dataDir === devDataDirDefault ? '' : ` --data-dir ${args.dataDir}`;
    ctx.stdout.write(`pado dev: \`pado dev kill <id>${dir}\` and \`pado dev restart <id>${dir}\` ` +
      'from another shell kill and restart a node\n');
    return control;
  } catch (err) {
    ctx.stderr.write(`pado dev: no control channel (${(err as Error).message}); ` +
      '`pado dev kill|restart` will not reach this pado dev\n');
    return null;
  }
}

/** `pado dev kill <id>`: SIGKILL, answered once the process is gone. */
async function killMember(member: Member): Promise<DevControlAnswer> {
  const id = member.plan.nodeId;
  if (member.exit !== null) {
    return { status: 409, message: `node ${id} is not running; \`pado dev restart ${id}\` ` +
      'starts it' };
  }
  const pid = member.child.pid ?? '?';
  member.stopping = 'kill';
  member.child.kill('SIGKILL');
  await member.child.exited;
  return { status: 200, message: `node ${id} (pid ${pid}) killed with SIGKILL; ` +
    `\`pado dev restart ${id}\` starts it again on its data` };
}

/**
 * `pado dev restart <id>`: a running node is stopped first (SIGTERM, a controlled shutdown;
 * SIGKILL past `devStopMsMax`), then started again with the same arguments — ports and data
 * directory — and answered once it serves clients, exits, or `devRestartReadyMsMax` passes.
 */
async function restartMember(member: Member, closing: () => boolean,
  startChild: (member: Member) => void): Promise<DevControlAnswer> {
  const id = member.plan.nodeId;
  if (member.exit === null) {
    member.stopping = 'restart';
    member.child.kill('SIGTERM');
    if (await within(member.child.exited, devStopMsMax) === 'timeout') member.child.kill('SIGKILL');
    await member.child.exited;
  }
  if (closing()) return { status: 409, message: 'pado dev is stopping' };
  const ready = new Promise<boolean>((resolve) => { member.whenReady = resolve; });
  startChild(member);
  const pid = member.child.pid ?? '?';
  const outcome = await within(ready, devRestartReadyMsMax);
  if (outcome === true) {
    return { status: 200, message: `node ${id} restarted (pid ${pid}) and serves clients` };
  }
  if (outcome === 'timeout') {
    return { status: 504, message: `node ${id} (pid ${pid}) was started but does not serve ` +
      `clients after ${devRestartReadyMsMax} ms; see its [n${id}] lines in pado dev's output` };
  }
  return { status: 500, message: `node ${id} ${describeExit(member.exit)} before it was ready; ` +
    `see its [n${id}] lines in pado dev's output` };
}

/** `promise`'s value, or 'timeout' after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describeExit(exit: ChildExit | null): string {
  const e = exit ?? { code: null, signal: null };
  return e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

function nodeDiedMessage(member: Member, members: readonly Member[]): string {
  const id = member.plan.nodeId;
  if (member.stopping === 'restart') {
    return `pado dev: node ${id} ${describeExit(member.exit)} for a restart\n`;
  }
  const alive = members.filter((m) => m.exit === null).map((m) => m.plan.nodeId);
  const how = member.stopping === 'kill' ? ' on request' : '';
  const rest = alive.length === 0 ? 'no node is running' : `node(s) ${alive.join(',')} keep running`;
  return `pado dev: node ${id} ${describeExit(member.exit)}${how}; ${rest} (the cluster moves ` +
    `its leaderships; see its [n${id}] lines above). \`pado dev restart ${id}\` starts it ` +
    'again on its data; Ctrl+C stops the rest\n';
}

function unexpectedExitMessage(member: Member): string {
  const { nodeId, port } = member.plan;
  const hint = member.ready ? `see its [n${nodeId}] lines above`
    : `before it was ready; see its [n${nodeId}] lines above (if port ${port} is in use, ` +
      'choose another with --base-port)';
  return `pado dev: node ${nodeId} ${describeExit(member.exit)} ${hint}; stopping the other nodes\n`;
}

/**
 * SIGTERM to every running child, SIGKILL to those still running after `devStopMsMax`. Resolves
 * once all have exited (SIGKILL cannot be refused), true if every one stopped with code 0.
 */
async function stopAll(members: readonly Member[], ctx: CliContext): Promise<boolean> {
  const running = members.filter((m) => m.exit === null);
  for (const member of running) member.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), devStopMsMax);
  });
  const allExited = Promise.all(members.map((m) => m.child.exited));
  const first = await Promise.race([allExited, deadline]);
  clearTimeout(timer);
  if (first === 'timeout') {
    const stuck = members.filter((m) => m.exit === null);
    ctx.stderr.write(`pado dev: node(s) ${stuck.map((m) => m.plan.nodeId).join(',')} still ` +
      `running after ${devStopMsMax} ms; killing them\n`);
    for (const member of stuck) member.child.kill('SIGKILL');
  }
  const exits = await allExited;
  return first !== 'timeout' && running.every((m) => exits[members.indexOf(m)]?.code === 0);
}

/** A pino JSON line as an object; null for anything else (a crash's stack trace, say). */
export function parseLogLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

const levelNames: Readonly<Record<number, string>> = {
  10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL',
};
/** Fields the pretty line shows in its own place, or that the [n<id>] prefix already says. */
const prettySkippedKeys = new Set(['level', 'time', 'msg', 'nodeId', 'pid', 'hostname']);

/**
 * `[n2] <line>` as the child wrote it; on a terminal, a JSON line becomes
 * `[n2] 12:00:01.250 INFO  kafka listener ready port=9093`.
 */
export function formatChildLine(
  nodeId: number, line: string, entry: Record<string, unknown> | null, pretty: boolean,
): string {
  if (!pretty || entry === null) return `[n${nodeId}] ${line}\n`;
  const time = typeof entry['time'] === 'string' ? entry['time'].slice(11, 23) : '';
  const level = levelNames[Number(entry['level'])] ?? String(entry['level']);
  const fields: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (prettySkippedKeys.has(key)) continue;
    fields.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  const data = fields.length === 0 ? '' : ` ${fields.join(' ')}`;
  return `[n${nodeId}] ${time} ${level} ${String(entry['msg'] ?? '')}${data}\n`;
}
