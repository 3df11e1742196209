/**
 * Starts this node's Raft group member when the config names initial voters: the level-backed
 * log under <dataDir>/__raft (bootstrapped with the voter ids on first start), the driver, the
 * transport to the other voters' Kafka listeners, and — TEST ONLY — the replicated key-value
 * store behind the RaftKv API. Without initialVoters nothing here runs.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NodeConfig, RaftVoterAddress } from '../config/index.js';
import { raftKvHandler, raftMessageHandler, type Handler } from '../server/index.js';
import { RaftStore } from '../storage/index.js';
import { RaftDriver } from './raft-driver.js';
import { RaftKv, RaftKvMachine } from './raft-kv.js';
import { RaftTransport } from './raft-transport.js';

export interface RaftGroup {
  readonly driver: RaftDriver;
  /** RaftMessage and (test-only) RaftKv, for the Kafka listener. */
  readonly handlers: readonly Handler<never, unknown>[];
  /** Call once the listener serves: starts ticking and sending. */
  start(): void;
  close(): Promise<void>;
}

export async function openRaftGroup(
  config: NodeConfig, voters: readonly RaftVoterAddress[], log: Logger,
): Promise<RaftGroup> {
  const store = await RaftStore.open(join(config.dataDir, '__raft'), {
    bootstrapVoters: voters.map((v) => v.id),
  });
  const machine = new RaftKvMachine();
  const driver = new RaftDriver({ nodeId: config.nodeId, store, stateMachine: machine, log });
  const transport = new RaftTransport({
    self: config.nodeId,
    peers: voters,
    log,
    events: {
      unreachable: (to) => driver.reportUnreachable(to),
      snapshotStatus: (to, delivered) => driver.reportSnapshot(to, delivered),
    },
  });
  const status = driver.status();
  log.info({ voters: voters.map((v) => v.id), term: status.term, commit: status.commit },
    'raft group opened');
  return {
    driver,
    handlers: [raftMessageHandler(driver), raftKvHandler(new RaftKv(driver, machine))],
    start: () => driver.start(transport),
    async close() {
      await driver.close();
      await store.close();
    },
  };
}
