/**
 * For tests that run `pado` verbs against a real cluster: a started cluster with every broker
 * live, and the CLI as a bounded child process (node + dist/src/main.js) given `--bootstrap`.
 */
import { mainJs } from './broker.js';
import { RaftCluster } from './raft-cluster.js';
import { run, type RunResult } from './run.js';

/** `size` nodes, each a voter, all live brokers (waits at most `liveTimeoutMs`). */
export async function startLiveCluster(size: number, liveTimeoutMs = 40_000):
  Promise<{ cluster: RaftCluster; bootstrap: string }> {
  const cluster = await RaftCluster.start(size);
  try {
    await cluster.allLive(liveTimeoutMs);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return { cluster, bootstrap: cluster.bootstrap() };
}

/** `pado <args> --bootstrap <bootstrap>`, killed after `timeoutMs`. */
export function padoCli(args: readonly string[], bootstrap: string,
  timeoutMs = 120_000): Promise<RunResult> {
  return run(process.execPath, [mainJs, ...args, '--bootstrap', bootstrap], { timeoutMs });
}
