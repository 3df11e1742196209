/**
 * Raft measures (issue 4) on three local `pado start` processes with --initial-voters, every Raft
 * write fsynced, driven through the test-only RaftKv API (key 1001) over one connection:
 * - throughput: `proposals` puts of 100-byte values, `concurrency` in flight at the leader;
 *   proposals/s and commit latency p50/p99 (request sent → answered, i.e. committed by a quorum
 *   and applied on the leader). Also the latency of one put at a time (no batching to hide behind).
 * - failover: SIGKILL the leader by PID and time until a survivor commits a put (polled every
 *   20 ms through putAnywhere); the killed node restarts and catches up before the next round.
 * Each run starts a fresh cluster; median and spread over `runs` runs, `kills` kills per run.
 */
import { performance } from 'node:perf_hooks';
import { kvOp, RaftCluster } from '../test/support/raft-cluster.js';
import { percentile, spread } from './support.js';

export interface RaftBenchOptions {
  readonly runs: number;
  readonly proposals: number;
  readonly concurrency: number;
  readonly sequential: number;
  readonly kills: number;
}

export const raftDefaults: RaftBenchOptions = {
  runs: 5, proposals: 5_000, concurrency: 32, sequential: 200, kills: 2,
};

const value = Buffer.alloc(100, 0x61);

async function leaderOf(c: RaftCluster, hint?: number): Promise<number> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const id = await c.putAnywhere('probe', value, hint);
    if (id !== undefined) return id;
    if (performance.now() > deadline) throw new Error('no leader within 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function throughput(c: RaftCluster, leader: number, opts: RaftBenchOptions) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (next < opts.proposals) {
      const n = next++;
      const t0 = performance.now();
      const r = await c.kv(leader, kvOp.put, `k${n % 1000}`, value);
      if (r.errorCode !== 0) throw new Error(`put failed with ${r.errorCode}`);
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    proposalsPerSec: opts.proposals / seconds,
    p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
  };
}

async function sequentialP50(c: RaftCluster, leader: number, count: number): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await c.kv(leader, kvOp.put, `s${i}`, value);
    if (r.errorCode !== 0) throw new Error(`put failed with ${r.errorCode}`);
    latencies.push(performance.now() - t0);
  }
  return percentile(latencies.sort((a, b) => a - b), 50);
}

/** Kill the leader, time to the next commit, restart it and wait until it serves that write. */
async function failover(
  c: RaftCluster, leader: number, round: number,
): Promise<{ ms: number; leader: number }> {
  await c.kill(leader);
  const killed = performance.now();
  const key = `after-kill-${round}`;
  let next: number | undefined;
  while (next === undefined || next === leader) {
    next = await c.putAnywhere(key, value);
    if (performance.now() - killed > 30_000) throw new Error('no commit within 30 s of the kill');
    if (next === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - killed;
  await c.startNode(leader);
  const deadline = performance.now() + 30_000;
  for (;;) {
    const r = await c.kv(leader, kvOp.get, key, null).catch(() => undefined);
    if (r?.errorCode === 0 && r.value !== null) break;
    if (performance.now() > deadline) throw new Error(`node ${leader} did not catch up`);
    await new Promise((res) => setTimeout(res, 20));
  }
  return { ms, leader: next };
}

async function oneRun(opts: RaftBenchOptions) {
  const c = await RaftCluster.start(3, { testRaftKv: true });
  try {
    let leader = await leaderOf(c);
    const t = await throughput(c, leader, opts);
    const seqP50Ms = await sequentialP50(c, leader, opts.sequential);
    const failovers: number[] = [];
    for (let k = 0; k < opts.kills; k++) {
      const f = await failover(c, leader, k);
      failovers.push(f.ms);
      leader = f.leader;
    }
    return { ...t, seqP50Ms, failovers };
  } finally {
    await c.stop();
  }
}

export async function raft(opts: RaftBenchOptions = raftDefaults): Promise<object> {
  const runs: Awaited<ReturnType<typeof oneRun>>[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const r = await oneRun(opts);
    process.stderr.write(`raft run ${i + 1}: ${JSON.stringify(r)}\n`);
    runs.push(r);
  }
  return {
    measure: 'raft',
    nodes: 3,
    proposals: opts.proposals,
    concurrency: opts.concurrency,
    valueBytes: value.length,
    proposalsPerSec: spread(runs.map((r) => r.proposalsPerSec)),
    commitP50Ms: spread(runs.map((r) => r.p50Ms)),
    commitP99Ms: spread(runs.map((r) => r.p99Ms)),
    sequentialCommitP50Ms: spread(runs.map((r) => r.seqP50Ms)),
    killToCommitMs: spread(runs.flatMap((r) => r.failovers)),
    kills: runs.reduce((n, r) => n + r.failovers.length, 0),
    runs: opts.runs,
  };
}
