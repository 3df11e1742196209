/**
 * DescribeLogDirs (key 35), v0–v4 (kafka-python's `describe_log_dirs` sends v0, Kafka's admin
 * client v1+; v2+ flexible, v3 adds the top-level error code, v4 the volume's total and usable
 * bytes, KIP-827). A Pado broker has one log directory, its data directory, so the answer has one
 * result: each partition this broker holds a replica of (of the topics asked; null asks all),
 * with the bytes of its segments and its offset lag — 0 for a leader, and for a follower the
 * records the partition has committed that it lacks: the leader's high watermark in its last
 * fetch answer minus its log end, never below 0 (Kafka's "lag of the log's LEO w.r.t. the
 * partition's HW"). A partition this broker does not hold is left out, as Kafka does. There are
 * no future logs (AlterReplicaLogDirs): isFutureKey is always false. Authorization: DESCRIBE on
 * the cluster (authorization-admin.ts).
 */
import type {
  DescribeLogDirsRequest, DescribeLogDirsResponse, DescribeLogDirsResponseTopic,
} from '../../protocol/index.js';
import type { Handler } from '../handler.js';

/** One local replica, as DescribeLogDirs reports it. */
export interface LogDirReplica {
  readonly topic: string;
  readonly partition: number;
  readonly role: 'leader' | 'follower';
  readonly sizeBytes: number;
  readonly logEndOffset: number;
  /** A follower's: the leader's high watermark in its last answer (-1 or absent: unknown). */
  readonly leaderHighWatermark?: number;
}

/** What the handler needs of the node. */
export interface LogDirsSource {
  /** The data directory, as an absolute path. */
  readonly logDir: string;
  replicas(): readonly LogDirReplica[];
  /** The volume's total and usable bytes; -1 where unknown. */
  volume(): Promise<{ totalBytes: number; usableBytes: number }>;
}

/** Pure: the offset lag of one replica (see the file comment). */
export function offsetLag(r: LogDirReplica): number {
  if (r.role === 'leader') return 0;
  const hw = r.leaderHighWatermark ?? -1;
  return hw < 0 ? 0 : Math.max(0, hw - r.logEndOffset);
}

/** Pure: the topics of the answer, by name, partitions by index, filtered by the request. */
export function logDirTopics(replicas: readonly LogDirReplica[],
  asked: DescribeLogDirsRequest['topics']): DescribeLogDirsResponseTopic[] {
  const wanted = asked === null ? null
    : new Map(asked.map((t) => [t.topic, new Set(t.partitions)]));
  const byTopic = new Map<string, LogDirReplica[]>();
  for (const r of replicas) {
    if (wanted !== null && wanted.get(r.topic)?.has(r.partition) !== true) continue;
    byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
  }
  return [...byTopic].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, rs]) => ({
    name,
    partitions: rs.sort((a, b) => a.partition - b.partition).map((r) => ({
      partitionIndex: r.partition, partitionSize: r.sizeBytes, offsetLag: offsetLag(r),
      isFutureKey: false,
    })),
  }));
}

export function describeLogDirsHandler(
  source: LogDirsSource,
): Handler<DescribeLogDirsRequest, DescribeLogDirsResponse> {
  return {
    apiKey: 35,
    minVersion: 0,
    maxVersion: 4,
    async handle(_ctx, req) {
      const { totalBytes, usableBytes } = await source.volume();
      return {
        throttleTimeMs: 0, errorCode: 0,
        results: [{ errorCode: 0, logDir: source.logDir,
          topics: logDirTopics(source.replicas(), req.topics), totalBytes, usableBytes }],
      };
    },
  };
}
