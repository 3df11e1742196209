/**
 * The durable changes of the group coordinator. The host persists them (in order) before it sends
 * the responses produced by the same call, and replays them at start-up to rebuild groups and
 * committed offsets — the role Kafka gives __consumer_offsets (OffsetCommit and GroupMetadata
 * keys; a tombstone removes a key). The last record for a key wins.
 */

export interface OffsetCommitRecord {
  readonly type: 'offset';
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  readonly commitTimestampMs: number;
  /** Explicit expiry (OffsetCommit v2–v4 retentionTimeMs); null: the group's retention rules. */
  readonly expireTimestampMs: number | null;
}

export interface OffsetRemovedRecord {
  readonly type: 'offsetRemoved';
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

export interface GroupMemberRecord {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  /** The member's metadata for the group's selected protocol. */
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

/** Written when a generation becomes stable, when a group becomes empty, and on static rejoin. */
export interface GroupMetadataRecord {
  readonly type: 'group';
  readonly groupId: string;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly generationId: number;
  readonly leaderId: string | null;
  /** When the group entered its current state (Empty groups' offsets expire from here). */
  readonly stateSinceMs: number;
  readonly members: readonly GroupMemberRecord[];
}

export interface GroupRemovedRecord {
  readonly type: 'groupRemoved';
  readonly groupId: string;
}

export type GroupRecord =
  | OffsetCommitRecord
  | OffsetRemovedRecord
  | GroupMetadataRecord
  | GroupRemovedRecord;
