/**
 * What the Raft handlers may use of the Raft driver (node/raft-driver.ts implements it). Handlers
 * stay free of timers, storage and the core; messages are decoded here, stepped there.
 */
import type { Message, NodeId } from '../raft/index.js';

export interface RaftService {
  readonly nodeId: NodeId;
  /**
   * Whether `id` may send us Raft messages: a member of the configuration this node knows, or a
   * node in its address book (one it could answer: Raft replies travel on our own connection to
   * the sender, so a sender we have no address for could change our state but never hear back).
   * A joining node's configuration is empty until it gets the log; before it asks to join it
   * learns every broker's address (node/join.ts), so the leader is known when its append comes.
   */
  isPeer(id: NodeId): boolean;
  /** Hands a batch received from a peer to Raft (effects leave in a later Ready); never throws. */
  receive(messages: readonly Message[]): void;
}

/** The answer to a test key-value operation (RaftKv API); errors are Kafka codes. */
export interface RaftKvResult {
  readonly errorCode: number;
  /** The leader this node knows, or -1: where a client should retry NOT_LEADER_OR_FOLLOWER. */
  readonly leaderId: number;
  readonly value: Buffer | null;
  /** The log index the put was applied at, or the read index of a get. */
  readonly index: number;
}

/**
 * TEST ONLY: the replicated key-value store the Raft process test and bench drive. A production
 * node has none: node/ registers the RaftKv handler only when a test asks (PADO_TEST_RAFT_KV=1).
 */
export interface RaftKvService {
  /** Linearizable: served after a read-index round, once applied up to it. */
  get(key: string): Promise<RaftKvResult>;
  /** Resolves once the put is committed and applied here (or refused). */
  put(key: string, value: Buffer): Promise<RaftKvResult>;
}
