// Proves the `pado start` lifecycle on a fake node and scripted signals: the first signal stops
// the node and exits 0; a second signal while stopping exits at once with 130/143; a startup
// failure propagates (runCli turns it into one line on stderr and exit 1). Logging is silenced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, signalExitCode, type StartNode } from '../../../src/cli/start.js';
import { createLogger, flushLogger } from '../../../src/node/io/logger.js';
import { runCli, type CliContext, type Signal } from '../../../src/cli/index.js';
import { clientIo } from '../../support/client-io.js';

interface Script {
  ctx: CliContext;
  send(signal: Signal): void;
  /** Signal waiters registered so far and not yet served. */
  waiting(): number;
  exits: number[];
  stderr: string[];
}

function script(): Script {
  const waiters: ((s: Signal) => void)[] = [];
  const exits: number[] = [];
  const stderr: string[] = [];
  const ctx: CliContext = {
    stdout: { write: () => true },
    stderr: { write: (t: string) => stderr.push(t) },
    stdin: (async function* empty() {})(),
    env: { PADO_LOG_LEVEL: 'silent' },
    stdoutIsTty: false,
    connect: () => Promise.reject(new Error('no network in this test')),
    clientIo,
    signals: { next: () => new Promise((resolve) => waiters.push(resolve)) },
    exitNow: (code: number) => {
      exits.push(code);
      return undefined as never;
    },
  };
  return { ctx, exits, stderr, send: (s) => waiters.shift()?.(s), waiting: () => waiters.length };
}

function fakeNode(startNode: StartNode): Parameters<typeof runNode>[2] {
  return { startNode, createLogger, flushLogger };
}

/** Resolves once `cond` holds, checking after each turn of the event loop (bounded). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

/** A fake node's `inspect`: the CLI never asks. */
const unused = (): never => {
  throw new Error('not used');
};

test('first signal stops the node and exits 0', async () => {
  const s = script();
  let started = false;
  let stopped = false;
  const done = runNode({ flags: {} }, s.ctx, fakeNode(async () => {
    started = true;
    return { address: { host: '127.0.0.1', port: 9092 }, inspect: unused, stop: async () => { stopped = true; } };
  }));
  await until(() => started && s.waiting() === 1);
  s.send('SIGTERM');
  assert.equal(await done, 0);
  assert.ok(stopped);
  assert.deepEqual(s.exits, []);
});

test('a second signal while stopping exits at once', async () => {
  const s = script();
  let finishStop = (): void => undefined;
  let stopping = false;
  const done = runNode({ flags: {} }, s.ctx, fakeNode(async () => ({
    address: { host: '127.0.0.1', port: 9092 },
    inspect: unused,
    stop: () => new Promise<void>((resolve) => {
      stopping = true;
      finishStop = resolve;
    }),
  })));
  await until(() => s.waiting() === 1);
  s.send('SIGINT');
  await until(() => stopping && s.waiting() === 1);
  s.send('SIGINT');
  await until(() => s.exits.length > 0);
  assert.deepEqual(s.exits, [130]);
  finishStop();
  assert.equal(await done, 0);
  assert.equal(signalExitCode('SIGTERM'), 143);
});

test('a config error is one line on stderr and exit 1', async () => {
  const s = script();
  const code = await runCli(['start', '--listen', '127.0.0.1:70000'], s.ctx);
  assert.equal(code, 1);
  assert.deepEqual(s.stderr, ['pado: config listen.port: 70000 is not a port ' +
    '(0–65535; 0 picks a free port); write e.g. --listen 127.0.0.1:9092\n']);
});

test('a startup failure propagates to the caller', async () => {
  const s = script();
  const failing = fakeNode(() => Promise.reject(new Error('disk gone')));
  await assert.rejects(runNode({ flags: {} }, s.ctx, failing), /disk gone/);
});
