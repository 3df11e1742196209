/**
 * Kafka's "range" assignor (Java RangeAssignor, librdkafka rdkafka_range_assignor.c): per topic,
 * the members subscribed to it in sorted order each take a contiguous range of partitions; the
 * first `partitions % members` members take one extra. Same input, same output as the Java and
 * librdkafka leaders, so whichever member leads, the group sees the same split.
 */
import type { TopicPartitions } from './consumer-protocol.js';

export const rangeAssignorName = 'range';

export interface AssignorMember {
  memberId: string;
  /** Static members sort by instance id (Java MemberInfo.compareTo), so restarts keep ranges. */
  groupInstanceId: string | null;
  topics: readonly string[];
}

/**
 * Assignment per member id (every member present, possibly with nothing). Topics missing from
 * `partitionCounts` (unknown to the cluster) are left out; partitions are listed ascending.
 */
export function rangeAssign(
  members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>,
): Map<string, TopicPartitions[]> {
  const out = new Map<string, TopicPartitions[]>();
  for (const m of members) out.set(m.memberId, []);
  const sorted = [...members].sort(compareMembers);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic);
    if (count === undefined || count <= 0) continue;
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    subscribers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      if (length === 0) return;
      const partitions = Array.from({ length }, (_, k) => start + k);
      out.get(m.memberId)!.push({ topic, partitions });
    });
  }
  return out;
}

function compareMembers(a: AssignorMember, b: AssignorMember): number {
  // Java: members with an instance id sort before those without, then by instance id, member id.
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    const byInstance = compareStrings(a.groupInstanceId, b.groupInstanceId);
    if (byInstance !== 0) return byInstance;
  } else if (a.groupInstanceId !== null) {
    return -1;
  } else if (b.groupInstanceId !== null) {
    return 1;
  }
  return compareStrings(a.memberId, b.memberId);
}

/** Code-unit order, as Java's String.compareTo (localeCompare would differ from other leaders). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
