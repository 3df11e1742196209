/**
 * Inputs and outputs of the coordinator. Field names follow the Kafka messages (JoinGroup,
 * SyncGroup, …) so handlers pass decoded requests through; responses carry no wire-version detail.
 */
import type { ProtocolOffer } from './protocol-selection.js';
import type { Token } from './group.js';

export interface JoinInput {
  readonly groupId: string;
  /** '' for a member that does not have an id yet. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly ProtocolOffer[];
  /** JoinGroup v4+: a new dynamic member first gets its id with MEMBER_ID_REQUIRED (KIP-394). */
  readonly requireKnownMemberId: boolean;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface JoinedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Every member with its metadata for the leader; empty for the others. */
  readonly members: readonly JoinedMember[];
}

export interface SyncInput {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v5+; null when the version does not carry it. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/** A completed JoinGroup or SyncGroup, answered once its records are durable. */
export type GroupOutput =
  | { readonly kind: 'join'; readonly token: Token; readonly result: JoinResult }
  | { readonly kind: 'sync'; readonly token: Token; readonly result: SyncResult };

export interface HeartbeatInput {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveInput {
  readonly groupId: string;
  readonly members: readonly LeavingMember[];
}

export interface LeaveResult {
  readonly errorCode: number;
  readonly members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface CommitInput {
  readonly groupId: string;
  /** -1: a commit from outside group management (simple consumer, admin). */
  readonly generationIdOrMemberEpoch: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v2–v4; -1 for the broker's retention rules. */
  readonly retentionTimeMs: number;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly {
      readonly partitionIndex: number;
      readonly committedOffset: number;
      readonly committedLeaderEpoch: number;
      readonly committedMetadata: string | null;
    }[];
  }[];
}

export interface PartitionError {
  partitionIndex: number;
  errorCode: number;
}

export interface TopicPartitionErrors {
  name: string;
  partitions: PartitionError[];
}

export interface FetchedOffset {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchedTopic {
  name: string;
  partitions: FetchedOffset[];
}

export interface TopicPartitionsInput {
  readonly name: string;
  readonly partitionIndexes: readonly number[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
}

/** Sees every state change; tests check legality with it, the driver logs with it. */
export interface GroupObserver {
  transition(groupId: string, from: string, to: string, generationId: number): void;
}
