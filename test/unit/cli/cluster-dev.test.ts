// Proves `pado dev` without processes: argv parsing (defaults, bounds, messages), the plan of
// children (ids, ports, data dirs, one shared --initial-voters, the bootstrap list), log-line
// prefixing, and the supervisor on fake children driven step by step: the bootstrap line appears
// only when every node is ready; a signal SIGTERMs every child and exits 0 once they stop; a
// second signal SIGKILLs them and exits at once; a child that exits on its own is named with its
// code and the others are stopped (exit 1); the control channel's kill and restart (`pado dev
// kill|restart <id>`): SIGKILL, reported, others untouched; a restart spawns the same plan again
// and answers once it is ready; unknown ids and nodes not running are refused; every node killed
// on request does not end pado dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseArgv, type CliContext, type Signal } from '../../../src/cli/index.js';
import {
  formatChildLine, parseLogLine, planDevCluster, runDev,
  type ChildExit, type DevArgs, type DevChild, type DevNodePlan,
} from '../../../src/cli/dev.js';
import type { DevControlHandler } from '../../../src/cli/dev-control.js';
import { isPadoError } from '../../../src/common/index.js';
import { clientIo } from '../../support/client-io.js';

function parse(line: string): unknown {
  return parseArgv(line.split(' ').filter((w) => w !== ''), {}).args;
}

test('dev: defaults and flags', () => {
  assert.deepEqual(parse('dev'),
    { nodes: 3, basePort: 9092, dataDir: './data', logLevel: undefined });
  assert.deepEqual(parse('dev --nodes 5 --base-port 19092 --data-dir /tmp/d --log-level debug'),
    { nodes: 5, basePort: 19092, dataDir: '/tmp/d', logLevel: 'debug' });
});

test('dev: out-of-range values are usage errors that say what to write', () => {
  for (const [line, message] of [
    ['dev --nodes 0', /--nodes: '0' is not an integer in 1–9; write e.g. --nodes 3/],
    ['dev --nodes 10', /--nodes: '10' is not an integer in 1–9/],
    ['dev --nodes 3 --base-port 65534', /--base-port: '65534' is not an integer in 1–64981/],
    ['dev --base-port x', /--base-port: 'x'/],
  ] as const) {
    assert.throws(() => parse(line), (e: unknown) => {
      assert.ok(isPadoError(e, 'PADO_INVALID_ARGUMENT'), String(e));
      assert.match(e.message, message);
      return true;
    }, line);
  }
});

const args: DevArgs = { nodes: 3, basePort: 9092, dataDir: 'data', logLevel: undefined };

test('dev: plan gives ids 1..N, consecutive ports, own data dirs, the same voters', () => {
  const plan = planDevCluster(args);
  assert.equal(plan.bootstrap, '127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
  const voters = '1@127.0.0.1:9092,2@127.0.0.1:9093,3@127.0.0.1:9094';
  assert.deepEqual(plan.nodes[1], {
    nodeId: 2, port: 9093, dataDir: join('data', 'dev-2'),
    args: ['start', '--node-id', '2', '--listen', '127.0.0.1:9093', '--http-listen', '127.0.0.1:9645',
      '--data-dir',
      join('data', 'dev-2'), '--initial-voters', voters],
  });
  assert.ok(plan.nodes.every((n) => n.args.includes(voters)));
  const debug = planDevCluster({ ...args, nodes: 1, logLevel: 'debug' });
  assert.deepEqual(debug.nodes[0]?.args.slice(-2), ['--log-level', 'debug']);
});

test('dev: log lines get [n<id>], pretty on a terminal', () => {
  const line = '{"level":30,"time":"2026-01-02T03:04:05.678Z","nodeId":2,"port":9093,' +
    '"msg":"kafka listener ready"}';
  assert.equal(formatChildLine(2, line, parseLogLine(line), false), `[n2] ${line}\n`);
  assert.equal(formatChildLine(2, line, parseLogLine(line), true),
    '[n2] 03:04:05.678 INFO  kafka listener ready port=9093\n');
  assert.equal(formatChildLine(3, '    at x (y.js:1)', null, true), '[n3]     at x (y.js:1)\n');
  assert.equal(parseLogLine('{not json'), null);
});

interface FakeChild extends DevChild {
  plan: DevNodePlan;
  kills: string[];
  emit(line: string): void;
  exit(e: ChildExit): void;
}

function fakeChild(plan: DevNodePlan, exitOnTerm: boolean): FakeChild {
  let listener = (_line: string): void => undefined;
  let resolveExit = (_e: ChildExit): void => undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    resolveExit = resolve;
  });
  const kills: string[] = [];
  return {
    plan, kills, exited,
    onLine: (l) => {
      listener = l;
    },
    emit: (line) => listener(line),
    exit: (e) => resolveExit(e),
    kill(signal) {
      kills.push(signal);
      if (signal === 'SIGKILL') resolveExit({ code: null, signal: 'SIGKILL' });
      else if (exitOnTerm) resolveExit({ code: 0, signal: null });
    },
  };
}

function harness(exitOnTerm = true) {
  const waiters: ((s: Signal) => void)[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const children: FakeChild[] = [];
  const ctx: CliContext = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    stdin: (async function* empty() {})(),
    env: {},
    stdoutIsTty: false,
    connect: () => Promise.reject(new Error('no network in this test')),
    clientIo,
    signals: { next: () => new Promise((resolve) => waiters.push(resolve)) },
    exitNow: (code: number) => {
      exits.push(code);
      return undefined as never;
    },
  };
  const control: { handler: DevControlHandler | null; closed: boolean } = { handler: null, closed: false };
  const done = runDev(args, ctx, (plan) => {
    const child = fakeChild(plan, exitOnTerm);
    children.push(child);
    return child;
  }, (_dir, handler) => {
    control.handler = handler;
    return Promise.resolve({ port: 1, close: () => {
      control.closed = true;
      return Promise.resolve();
    } });
  });
  const ready = (c: FakeChild): void =>
    c.emit(`{"level":30,"nodeId":${c.plan.nodeId},"msg":"node started"}`);
  return { ctx, out, err, exits, children, done, ready, control,
    send: (s: Signal) => waiters.shift()?.(s), waiting: () => waiters.length };
}

/** Resolves once `cond` holds, checking after each turn of the event loop (bounded). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

const bootstrapLine = 'pado dev: 3 node(s) ready; bootstrap servers: ' +
  '127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094\npado dev: node pids: 1=? 2=? 3=?\n';

test('dev: bootstrap once all are ready; a signal stops every child; exit 0', async () => {
  const h = harness();
  assert.equal(h.children.length, 3);
  assert.equal(h.waiting(), 1, 'signals are awaited before children run');
  h.ready(h.children[0]!);
  h.ready(h.children[1]!);
  h.ready(h.children[1]!);
  assert.ok(!h.out.includes(bootstrapLine));
  h.ready(h.children[2]!);
  assert.equal(h.out.filter((l) => l === bootstrapLine).length, 1);
  assert.ok(h.out[0]?.startsWith('[n1] {'));
  h.send('SIGINT');
  assert.equal(await h.done, 0);
  assert.deepEqual(h.children.map((c) => c.kills), [['SIGTERM'], ['SIGTERM'], ['SIGTERM']]);
  assert.deepEqual(h.exits, []);
});

test('dev: a second signal kills every child and exits at once', async () => {
  const h = harness(false);
  h.send('SIGTERM');
  await until(() => h.waiting() === 1 && h.children.every((c) => c.kills.length === 1));
  h.send('SIGINT');
  await until(() => h.exits.length === 1);
  assert.deepEqual(h.exits, [130]);
  assert.deepEqual(h.children.map((c) => c.kills), [['SIGTERM', 'SIGKILL'],
    ['SIGTERM', 'SIGKILL'], ['SIGTERM', 'SIGKILL']]);
  assert.equal(await h.done, 1, 'killed children did not stop cleanly');
});

test('dev: a child exiting on its own is named and the others are stopped; exit 1', async () => {
  const h = harness();
  h.ready(h.children[0]!);
  h.children[1]!.exit({ code: 1, signal: null });
  assert.equal(await h.done, 1);
  assert.match(h.err.join(''), /node 2 exited with code 1 before it was ready.*port 9093/);
  assert.deepEqual(h.children.map((c) => c.kills), [['SIGTERM'], [], ['SIGTERM']]);
  assert.equal(h.waiting(), 1, 'a signal during the stop still kills at once');
});

test('dev: once ready, a node that dies is reported and the others keep running; Ctrl+C stops them; exit 1', async () => {
  const h = harness();
  for (const c of h.children) h.ready(c);
  h.children[1]!.exit({ code: null, signal: 'SIGKILL' });
  await until(() => h.err.join('').includes('node 2 was killed by SIGKILL'));
  assert.match(h.err.join(''), /node 2 was killed by SIGKILL; node\(s\) 1,3 keep running/);
  assert.deepEqual(h.children.map((c) => c.kills), [[], [], []], 'nobody else was stopped');
  h.send('SIGINT');
  assert.equal(await h.done, 1, 'a node died on the way');
  assert.deepEqual(h.children.map((c) => c.kills), [['SIGTERM'], [], ['SIGTERM']]);
});

test('dev: once ready, when every node has died pado dev ends; exit 1', async () => {
  const h = harness();
  for (const c of h.children) h.ready(c);
  for (const c of h.children) c.exit({ code: null, signal: 'SIGKILL' });
  assert.equal(await h.done, 1);
  assert.match(h.err.join(''), /every node has exited/);
});

test('dev: the control channel kills a node and restarts it on the same plan', async () => {
  const h = harness();
  for (const c of h.children) h.ready(c);
  await until(() => h.control.handler !== null);
  const control = h.control.handler!;
  assert.match(h.out.join(''), /`pado dev kill <id> --data-dir data` and `pado dev restart <id>/);
  assert.deepEqual(await control('kill', 7), { status: 404,
    message: 'no node 7 in this pado dev (nodes 1–3)' });
  const killed = await control('kill', 2);
  assert.equal(killed.status, 200);
  assert.match(killed.message, /^node 2 \(pid \?\) killed with SIGKILL; `pado dev restart 2`/);
  assert.deepEqual(h.children.map((c) => c.kills), [[], ['SIGKILL'], []]);
  await until(() => h.err.join('').includes('node 2 was killed by SIGKILL on request'));
  assert.match(h.err.join(''), /node 2 was killed by SIGKILL on request; node\(s\) 1,3 keep running/);
  assert.equal((await control('kill', 2)).status, 409, 'not running');

  const restarting = control('restart', 2);
  await until(() => h.children.length === 4);
  const again = h.children[3]!;
  assert.deepEqual(again.plan, h.children[1]!.plan, 'same ports, data dir and arguments');
  h.ready(again);
  assert.deepEqual(await restarting, { status: 200,
    message: 'node 2 restarted (pid ?) and serves clients' });

  // A running node is stopped (SIGTERM) before it starts again.
  const second = control('restart', 2);
  await until(() => h.children.length === 5);
  assert.deepEqual(again.kills, ['SIGTERM']);
  assert.match(h.err.join(''), /node 2 exited with code 0 for a restart/);
  h.children[4]!.exit({ code: 1, signal: null });
  assert.deepEqual(await second, { status: 500, message: 'node 2 exited with code 1 before ' +
    'it was ready; see its [n2] lines in pado dev\'s output' });

  // Every node killed on request: pado dev waits for restarts instead of ending.
  for (const id of [1, 3]) assert.equal((await control('kill', id)).status, 200);
  assert.match(h.err.join(''), /node 3 was killed by SIGKILL on request; no node is running/);
  h.send('SIGINT');
  assert.equal(await h.done, 1, 'nodes died on the way');
  assert.ok(h.control.closed, 'the channel is closed');
  assert.equal((await control('restart', 1)).status, 409, 'no restart while stopping');
});
