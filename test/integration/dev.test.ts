/**
 * Proves `pado dev --nodes 3` end to end with real processes: it is started as a child process on
 * three consecutive free ports and a temporary data dir; once it prints the bootstrap line, kcat
 * -L succeeds against each of the three listeners (each answers with at least itself in the broker
 * list) and `pado cluster info` / `cluster health --format json` answer; with the printed list as
 * --bootstrap, `pado produce` and `pado consume` move 300 lines through an RF 3 topic with 3
 * partitions, each line once; `pado top --once` reaches every node's HTTP listener at its default
 * address (Kafka port + 552). Then `pado dev kill 2` (a second process, through the supervisor's
 * control channel): `pado dev` reports node 2 killed and keeps nodes 1 and 3 running, which take
 * 30 more lines from kcat and serve all 330 to kcat; `pado dev restart 2` answers once node 2
 * serves clients, `pado cluster health` becomes healthy again (node 2 back in every ISR), and
 * kcat reads all 330 lines from node 2 alone. Then node 2 is SIGKILLed from outside by the pid
 * the restart printed: `pado dev` reports it and keeps nodes 1 and 3 running, and they still
 * serve all 330 lines. Then one SIGINT
 * to `pado dev` alone (not its process group) must stop the rest: `pado dev` exits 1 (a node died
 * on the way) and no listener accepts connections within 10 s. Cleanup (also on failure) sends two signals, which kill every
 * node at once, then SIGKILL.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tempDir, mainJs } from '../support/broker.js';
import { run, waitFor } from '../support/run.js';

const nodeCount = 3;
const readyMsMax = 30_000;
const stopMsMax = 10_000;
const metadataMsMax = 30_000;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port with `count` free ports from it: random bases in 20000–59999, bounded attempts. */
async function freeConsecutivePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    // The Kafka ports and the HTTP ones 552 above them (cli/dev.ts).
    for (let i = 0; i < count && free; i++) free = await portFree(base + i) && await portFree(base + 552 + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const dataDir = tempDir('pado-dev-');
let dev: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;

after(async () => {
  if (dev !== undefined && dev.exitCode === null && dev.signalCode === null) {
    // Two signals: the second makes `pado dev` SIGKILL every node before it exits.
    dev.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    dev.kill('SIGTERM');
    const timer = setTimeout(() => dev?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('pado dev --nodes 3: bootstrap line, every node answers, survives pado dev kill 2 and a node\'s death, restarts it, SIGINT stops the rest', async () => {
  const basePort = await freeConsecutivePorts(nodeCount);
  const ports = Array.from({ length: nodeCount }, (_, i) => basePort + i);
  const proc = spawn(process.execPath, [mainJs, 'dev', '--nodes', String(nodeCount),
    '--base-port', String(basePort), '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  dev = proc;
  exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  let bootstrap: string | undefined;
  const pids = new Map<number, number>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    const m = /^pado dev: \d+ node\(s\) ready; bootstrap servers: (\S+)$/.exec(line);
    if (m) bootstrap = m[1];
    const p = /^pado dev: node pids: (.*)$/.exec(line);
    if (p) for (const pair of (p[1] ?? '').split(' ')) pids.set(Number(pair.split('=')[0]), Number(pair.split('=')[1]));
  });
  createInterface({ input: proc.stderr! }).on('line', (line) => lines.push(line));

  await waitFor('the bootstrap line', () => bootstrap ?? (proc.exitCode !== null
    ? Promise.reject(new Error(`pado dev exited ${proc.exitCode}:\n${lines.join('\n')}`))
    : undefined), readyMsMax, 50);
  assert.equal(bootstrap, ports.map((p) => `127.0.0.1:${p}`).join(','));
  for (const id of [1, 2, 3]) {
    assert.ok(lines.some((l) => l.startsWith(`[n${id}] `)), `node ${id}'s log lines are prefixed`);
  }

  // A listener may be up before the metadata quorum has elected its first leader, so each
  // node gets until `metadataMsMax` to answer Metadata.
  const expected = ports.map((p) => `127.0.0.1:${p}`).sort();
  const topicLists: string[] = [];
  for (const port of ports) {
    // Every node lists all three brokers (they register themselves once the quorum is up).
    const md = await waitFor(`kcat -L against 127.0.0.1:${port} listing all three`, async () => {
      const r = await run('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-J', '-m', '5'],
        { timeoutMs: 10_000 }).catch(() => undefined);
      if (r?.code !== 0) return undefined;
      const parsed = JSON.parse(r.stdout) as { brokers: { name: string }[]; topics: { topic: string }[] };
      const names = parsed.brokers.map((b) => b.name).sort();
      return names.join(',') === expected.join(',') ? parsed : undefined;
    }, metadataMsMax, 200);
    topicLists.push(md.topics.map((t) => t.topic).sort().join(','));
  }
  assert.equal(new Set(topicLists).size, 1, `the same topics everywhere: ${topicLists.join(' | ')}`);

  const info = await run(process.execPath, [mainJs, 'cluster', 'info', '--bootstrap',
    `127.0.0.1:${ports[1]}`], { timeoutMs: 20_000 });
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^controller: /m);
  const health = await run(process.execPath, [mainJs, 'cluster', 'health', '--bootstrap',
    `127.0.0.1:${ports[2]}`, '--format', 'json'], { timeoutMs: 20_000 });
  const report = JSON.parse(health.stdout) as { healthy: boolean; problems: unknown[] };
  assert.equal(health.code, 0, JSON.stringify(report.problems));
  assert.equal(report.healthy, true);

  // The printed list works as it is: every partition reached at its leader, each line once.
  const list = bootstrap ?? '';
  const pado = (args: string[], input?: string) => run(process.execPath,
    [mainJs, ...args, '--bootstrap', list], { timeoutMs: 30_000,
      ...(input === undefined ? {} : { input }) });
  const created = await pado(['topic', 'create', 'dev-lines', '-p', '3', '-r', '3']);
  assert.equal(created.code, 0, created.stderr);
  const sent = Array.from({ length: 300 }, (_, i) => `line ${i}`);
  const produced = await pado(['produce', 'dev-lines'], sent.join('\n') + '\n');
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await pado(['consume', 'dev-lines', '--from-beginning', '-e']);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.deepEqual(consumed.stdout.split('\n').filter((l) => l !== '').sort(), [...sent].sort());

  // `pado top` finds every node's HTTP listener by itself (Kafka port + 552, as pado dev sets).
  const topped = await pado(['top', '--once', '--format', 'json']);
  assert.equal(topped.code, 0, topped.stderr);
  const topFrame = JSON.parse(topped.stdout) as { brokers: { brokerId: number; http: string; error: null }[] };
  assert.deepEqual(topFrame.brokers.map((b) => [b.brokerId, b.http, b.error]),
    ports.map((p, i) => [i + 1, `127.0.0.1:${p + 552}`, null]));

  // `pado dev kill 2` from another shell: the supervisor SIGKILLs it, says so and keeps the
  // others, which take produces and serve every line (kcat).
  const survivors = [ports[0], ports[2]].map((p) => `127.0.0.1:${p}`).join(',');
  const control = (verb: string) => run(process.execPath, [mainJs, 'dev', verb, '2', '--data-dir', dataDir],
    { timeoutMs: 150_000 });
  const killed = await control('kill');
  assert.equal(killed.code, 0, killed.stderr);
  assert.match(killed.stdout, /^node 2 \(pid \d+\) killed with SIGKILL/);
  await waitFor('pado dev reports node 2 killed on request', () => (lines.some((l) =>
    /^pado dev: node 2 was killed by SIGKILL on request; node\(s\) 1,3 keep running/.test(l))
    ? true : undefined), 10_000);
  assert.equal(proc.exitCode, null, 'pado dev is still running');
  const more = Array.from({ length: 30 }, (_, i) => `more ${i}`);
  const kcatProduced = await run('kcat', ['-b', survivors, '-P', '-t', 'dev-lines', '-X', 'acks=all'],
    { input: more.join('\n') + '\n', timeoutMs: 60_000 });
  assert.equal(kcatProduced.code, 0, kcatProduced.stderr);
  const all = [...sent, ...more].sort();
  const kcatConsume = (brokers: string) => waitFor(`kcat reads every line from ${brokers}`, async () => {
    const r = await run('kcat', ['-b', brokers, '-C', '-t', 'dev-lines', '-o', 'beginning', '-e',
      '-q'], { timeoutMs: 30_000 }).catch(() => undefined);
    const got = r?.stdout.split('\n').filter((l) => l !== '') ?? [];
    return r?.code === 0 && got.length === all.length ? got.sort() : undefined;
  }, 30_000, 500);
  assert.deepEqual(await kcatConsume(survivors), all);

  // `pado dev restart 2`: answered once it serves clients again; the cluster heals (node 2
  // back in every ISR) and node 2 alone serves every line.
  const restarted = await control('restart');
  assert.equal(restarted.code, 0, restarted.stderr);
  const newPid = Number(/^node 2 restarted \(pid (\d+)\) and serves clients$/m.exec(restarted.stdout)?.[1]);
  assert.ok(newPid > 0 && newPid !== pids.get(2), restarted.stdout);
  await waitFor('cluster health is healthy again', async () => {
    const r = await run(process.execPath, [mainJs, 'cluster', 'health', '--bootstrap', list],
      { timeoutMs: 20_000 });
    return r.code === 0 ? true : undefined;
  }, 60_000, 500);
  assert.deepEqual(await kcatConsume(`127.0.0.1:${ports[1]}`), all);

  // A node dies from outside (its new pid): pado dev says so and keeps the other two, which
  // still serve every line.
  const victim = newPid;
  process.kill(victim, 'SIGKILL');
  await waitFor('pado dev reports node 2', () => (lines.some((l) =>
    /^pado dev: node 2 was killed by SIGKILL; node\(s\) 1,3 keep running/.test(l)) ? true : undefined), 10_000);
  assert.equal(proc.exitCode, null, 'pado dev is still running');
  const after = await waitFor('nodes 1 and 3 serve every line', async () => {
    const r = await run(process.execPath, [mainJs, 'consume', 'dev-lines', '--from-beginning', '-e',
      '--bootstrap', survivors], { timeoutMs: 30_000 });
    const got = r.stdout.split('\n').filter((l) => l !== '');
    return r.code === 0 && got.length === all.length ? got : undefined;
  }, 30_000, 500);
  assert.deepEqual(after.sort(), all);

  proc.kill('SIGINT');
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => {
    setTimeout(() => r('timeout'), stopMsMax).unref();
  })]);
  assert.equal(code, 1, `a node died on the way: ${lines.slice(-20).join('\n')}`);
  await waitFor('every listener to close', async () => {
    const open = await Promise.all(ports.map(accepts));
    return open.every((o) => !o) ? true : undefined;
  }, 1_000, 50);
});
