/**
 * DescribeLogDirs (key 35) for `pado cluster logdirs describe`: a broker answers for its own log
 * directories only, so the caller asks every broker it wants to know about.
 */
import { ApiKey, type DescribeLogDirsResponse } from '../protocol/index.js';
import type { KafkaClient } from './client.js';

/** Topics and their partitions to describe; null: every partition the broker holds. */
export type LogDirsQuery = readonly { topic: string; partitions: readonly number[] }[] | null;

export function describeLogDirs(client: KafkaClient, query: LogDirsQuery):
  Promise<DescribeLogDirsResponse> {
  return client.request(ApiKey.describeLogDirs, {
    topics: query === null ? null : query.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
  });
}
