/**
 * Raft's configuration: timing in ticks (node/ maps ticks to milliseconds), flow-control bounds,
 * and the seams (storage, PRNG, logger). Defaults follow etcd-io/raft's and the thesis (§9.3:
 * election timeout ≫ heartbeat interval ≫ round trip).
 */
import { assert, type Prng } from '../common/index.js';
import type { RaftLogStorage } from './storage.js';
import { type NodeId, type RaftLogger, silentLogger } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: RaftLogStorage;
  /** The only source of randomness: election timeouts are drawn from it. */
  readonly prng: Prng;
  readonly logger: RaftLogger;
  /** A follower campaigns after a random timeout in [this, 2 × this) ticks without a leader. */
  readonly electionTimeoutTicks: number;
  readonly heartbeatTimeoutTicks: number;
  /** Pre-vote (thesis §9.6): a partitioned node rejoining does not bump everyone's term. */
  readonly preVote: boolean;
  /** Check-quorum (thesis §6.2): a leader that hears from no quorum for a timeout steps down. */
  readonly checkQuorum: boolean;
  /** Entry bytes per append message (at least one entry is always sent). */
  readonly appendBytesMax: number;
  /** Appends in flight per follower, and their bytes, in the pipelined replicate state. */
  readonly inflightCountMax: number;
  readonly inflightBytesMax: number;
  /** Bytes proposed but not yet applied beyond which proposals are refused. */
  readonly uncommittedBytesMax: number;
  /** Committed-entry bytes handed out per Ready. */
  readonly committedBytesMax: number;
  /** Read-index requests waiting for confirmation. */
  readonly readIndexPendingMax: number;
  /** Heartbeat answers without a snapshot acknowledgement before the snapshot is re-sent. */
  readonly snapshotRetryHeartbeats: number;
}

export const raftConfigDefaults = {
  logger: silentLogger,
  electionTimeoutTicks: 10,
  heartbeatTimeoutTicks: 1,
  preVote: true,
  checkQuorum: true,
  appendBytesMax: 1024 * 1024,
  inflightCountMax: 256,
  inflightBytesMax: 32 * 1024 * 1024,
  uncommittedBytesMax: 64 * 1024 * 1024,
  committedBytesMax: 64 * 1024 * 1024,
  readIndexPendingMax: 4096,
  snapshotRetryHeartbeats: 20,
} as const;

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'storage' | 'prng'> &
  Partial<Omit<RaftConfig, 'id' | 'storage' | 'prng'>>;

export function raftConfig(input: RaftConfigInput): RaftConfig {
  const config: RaftConfig = { ...raftConfigDefaults, ...input };
  checkRaftConfig(config);
  return config;
}

function checkRaftConfig(c: RaftConfig): void {
  assert(c.id > 0 && Number.isInteger(c.id), `raft id ${c.id} must be a positive integer`);
  assert(c.heartbeatTimeoutTicks >= 1, 'heartbeat timeout of at least one tick');
  // Followers must hear several heartbeats per election timeout or they campaign needlessly.
  assert(c.electionTimeoutTicks > 2 * c.heartbeatTimeoutTicks,
    'election timeout must exceed two heartbeat intervals');
  assert(c.inflightCountMax >= 1 && c.inflightBytesMax >= c.appendBytesMax,
    'the in-flight window must hold at least one full append');
  assert(c.uncommittedBytesMax >= c.appendBytesMax, 'uncommitted bound below one append');
  assert(c.committedBytesMax >= 1 && c.readIndexPendingMax >= 1, 'bounds must be positive');
  assert(c.snapshotRetryHeartbeats >= 1, 'snapshot retry after at least one heartbeat');
}
