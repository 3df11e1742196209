/**
 * Raft's values: entries, hard state, snapshots, configurations and messages, as plain objects so
 * a transport can encode them and a transcript can print them. Entries and messages are treated
 * as immutable once created: the core shares them between its log, messages and Readies.
 */

/** A member of the group. 0 is never a member: it means "none" (no leader, no vote). */
export type NodeId = number;
export type Term = number;
/** Log position, 1-based; index 0 is the empty log's sentinel. */
export type Index = number;

export const noneId: NodeId = 0;

export const EntryType = { normal: 'normal', confChange: 'confChange' } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/**
 * One log entry. A `normal` entry with empty data is the marker a new leader appends (thesis §6.4):
 * hosts skip it. A `confChange` entry carries an encoded ConfChange (conf-change.ts).
 */
export interface Entry {
  readonly index: Index;
  readonly term: Term;
  readonly type: EntryType;
  readonly data: Buffer;
}

/** What must be durable before any vote or append acknowledgement leaves the node (thesis §3.8). */
export interface HardState {
  readonly term: Term;
  /** Whom this node voted for in `term`, or noneId. */
  readonly vote: NodeId;
  /** Highest index known committed; may be persisted lazily (losing it only delays applying). */
  readonly commit: Index;
}

/** The membership in force. Invariant: voters and learners are disjoint; voters is non-empty. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** Last entry the snapshot covers, and its term: the log resumes at index + 1. */
  readonly index: Index;
  readonly term: Term;
  /** Membership as of `index`. */
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The host's state-machine image; opaque to Raft. */
  readonly data: Buffer;
}

export const ConfChangeType = {
  addVoter: 'addVoter',
  addLearner: 'addLearner',
  removeNode: 'removeNode',
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** One single-server membership change (thesis §4.1); `addVoter` on a learner promotes it. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

export const Role = {
  follower: 'follower',
  preCandidate: 'preCandidate',
  candidate: 'candidate',
  leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** Sender's term; for preVote and a granted preVoteResponse, the term the campaign would use. */
  readonly term: Term;
}

/** AppendEntries (§3.5): entries follow (index, logTerm); `commit` is the leader's commit. */
export interface AppendMessage extends Envelope {
  readonly type: 'append';
  readonly index: Index;
  readonly logTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: Index;
}

/**
 * Reply to append or snapshot. Accepted: `index` is the follower's last matching index. Rejected:
 * `index` is the rejected append's index, and (`hintIndex`, `hintTerm`) name the follower's last
 * entry at or below it whose term is ≤ the leader's logTerm, so the leader skips a whole term's
 * worth of mismatched entries per round trip (thesis §5.3 "fast log backtracking").
 */
export interface AppendResponseMessage extends Envelope {
  readonly type: 'appendResponse';
  readonly index: Index;
  readonly reject: boolean;
  readonly hintIndex: Index;
  readonly hintTerm: Term;
}

/** RequestVote and its pre-vote dry run (thesis §9.6); `transfer` marks a leadership transfer. */
export interface VoteMessage extends Envelope {
  readonly type: 'vote' | 'preVote';
  readonly index: Index;
  readonly logTerm: Term;
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends Envelope {
  readonly type: 'voteResponse' | 'preVoteResponse';
  readonly reject: boolean;
}

/** `commit` is min(follower's match, leader's commit): never past the follower's log. */
export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: Index;
  /** Read-index round this heartbeat confirms leadership for, or '' (thesis §6.4). */
  readonly context: string;
}

export interface HeartbeatResponseMessage extends Envelope {
  readonly type: 'heartbeatResponse';
  readonly context: string;
}

/** InstallSnapshot, sent whole (the host may chunk it on the wire). */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** Leadership transfer: start an election now, skipping pre-vote and leases (thesis §3.10). */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeoutNow';
}

/** A follower's read-index request forwarded to the leader. */
export interface ReadIndexMessage extends Envelope {
  readonly type: 'readIndex';
  readonly context: string;
}

export interface ReadIndexResponseMessage extends Envelope {
  readonly type: 'readIndexResponse';
  readonly index: Index;
  readonly context: string;
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;

export type MessageType = Message['type'];

/** A linearizable read may be served once the host has applied up to `index` (thesis §6.4). */
export interface ReadState {
  readonly index: Index;
  readonly context: string;
}

/** Tiny logger seam (pino-compatible); simulations and transcripts capture it. */
export interface RaftLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLogger: RaftLogger = {
  debug() {},
  info() {},
  warn() {},
};

/** Bytes an entry counts for in flow control and size limits. */
export function entryBytes(entry: Entry): number {
  return entry.data.length + entryOverheadBytes;
}
/** Index, term and type: what an entry costs besides its payload, roughly as encoded. */
export const entryOverheadBytes = 24;
