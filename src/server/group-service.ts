/**
 * What the group handlers may use of the group coordinator. `node/group-partitions.ts` implements
 * it over the pure core in `groups/`; handlers stay free of timers and storage. Every promise resolves
 * once the changes behind its answer are durable; none rejects (errors are Kafka codes).
 */
import type {
  CommitInput, DescribedGroup, FetchedTopic, HeartbeatInput, JoinInput, JoinResult, LeaveInput,
  LeaveResult, ListedGroup, SyncInput, SyncResult, TopicPartitionErrors, TopicPartitionsInput,
} from '../groups/index.js';

export interface GroupService {
  /** Resolves when the rebalance completes or the request fails (at most the rebalance timeout). */
  joinGroup(req: JoinInput): Promise<JoinResult>;
  /** Followers wait for the leader's assignment. */
  syncGroup(req: SyncInput): Promise<SyncResult>;
  /** Resolves with an error code (0 when fine). */
  heartbeat(req: HeartbeatInput): Promise<number>;
  leaveGroup(req: LeaveInput): Promise<LeaveResult>;
  commitOffsets(req: CommitInput): Promise<TopicPartitionErrors[]>;
  /**
   * `topics` null: every committed partition of the group. A non-zero `errorCode` (this broker
   * is not, or not yet, the group's coordinator) comes with no topics.
   */
  fetchOffsets(
    groupId: string, topics: readonly TopicPartitionsInput[] | null,
  ): Promise<{ errorCode: number; topics: FetchedTopic[] }>;
  deleteOffsets(groupId: string, topics: readonly TopicPartitionsInput[]):
    Promise<{ errorCode: number; topics: TopicPartitionErrors[] }>;
  listGroups(statesFilter: readonly string[]): Promise<ListedGroup[]>;
  describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]>;
  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]>;
}
