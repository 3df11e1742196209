/**
 * Group coordinator settings and bounds. Names keep Kafka's broker config keys in the comments so
 * operators' knowledge carries over; the group bounds live here (not common/limits.ts) because
 * only the coordinator uses them.
 */
import { assert } from '../common/index.js';

export interface GroupConfig {
  /** group.min.session.timeout.ms (Kafka: 6000). */
  readonly sessionTimeoutMsMin: number;
  /** group.max.session.timeout.ms (Kafka: 1800000). */
  readonly sessionTimeoutMsMax: number;
  /**
   * group.initial.rebalance.delay.ms. Kafka's default is 3000 so that consumers started together
   * land in one generation; we default to 100 ms: consumers started by one process (or a test)
   * arrive within a few ms, and a single consumer should not wait seconds for its first poll.
   */
  readonly initialRebalanceDelayMs: number;
  /** group.max.size: members (joined or awaiting their member id) per group. */
  readonly membersPerGroupMax: number;
  /** Groups this coordinator keeps; a join that would create one more is refused. */
  readonly groupsMax: number;
  /** Committed partitions per group. */
  readonly offsetsPerGroupMax: number;
  /** offsets.retention.minutes (Kafka: 7 days), in ms. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms (Kafka: 600000). */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (Kafka: 4096). */
  readonly offsetMetadataBytesMax: number;
  /**
   * Kafka's GroupCoordinator.NewMemberJoinTimeoutMs (5 min): how long a member that has never
   * completed a join may stay waiting in a rebalance before it is dropped.
   */
  readonly newMemberJoinTimeoutMs: number;
}

export const defaultGroupConfig: GroupConfig = {
  sessionTimeoutMsMin: 6_000,
  sessionTimeoutMsMax: 1_800_000,
  initialRebalanceDelayMs: 100,
  membersPerGroupMax: 1_000,
  groupsMax: 10_000,
  offsetsPerGroupMax: 100_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataBytesMax: 4096,
  newMemberJoinTimeoutMs: 300_000,
};

/** Asserts the relations between settings (a config that breaks them is a bug upstream). */
export function checkGroupConfig(c: GroupConfig): void {
  assert(c.sessionTimeoutMsMin > 0, 'session timeout minimum must be positive');
  assert(c.sessionTimeoutMsMin <= c.sessionTimeoutMsMax, 'session timeout min <= max');
  assert(c.initialRebalanceDelayMs >= 0, 'initial rebalance delay must not be negative');
  assert(c.membersPerGroupMax >= 1 && c.groupsMax >= 1, 'groups and members bounds >= 1');
  assert(c.offsetsPerGroupMax >= 1, 'offsets per group >= 1');
  assert(c.offsetsRetentionMs > 0 && c.offsetsRetentionCheckIntervalMs > 0, 'retention > 0');
}
