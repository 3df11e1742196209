/**
 * ListOffsets (key 2), v1–v10. Per partition: timestamp -1 → latest (the high watermark),
 * -2 → earliest (log start offset), -4 (earliest local, v8+) and -5 (earliest tiered, v9+) →
 * log start offset too, since every segment is local; a timestamp ≥ 0 → the first offset whose
 * batch max timestamp is at or after it (time index), or -1 when there is none. -3 (the record
 * with the largest timestamp, v7+) is not served yet and gets UNSUPPORTED_VERSION.
 * currentLeaderEpoch (v4+) is checked like Fetch.
 */
import { KafkaError, type ListOffsetsRequest, type ListOffsetsResponse } from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';
import { checkEpoch } from './fetch.js';
import { partitionNotHere } from '../partition-errors.js';

type PartitionOut = ListOffsetsResponse['topics'][number]['partitions'][number];

export function listOffsetsHandler(broker: Broker): Handler<ListOffsetsRequest, ListOffsetsResponse> {
  return {
    apiKey: 2,
    minVersion: 1,
    maxVersion: 10,
    async handle(_ctx, req) {
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitions.map((p) => listOne(broker, t.name, p.partitionIndex, p.timestamp, p.currentLeaderEpoch)),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}

async function listOne(
  broker: Broker,
  topic: string,
  index: number,
  timestamp: number,
  currentLeaderEpoch: number,
): Promise<PartitionOut> {
  const base = { partitionIndex: index, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
  const local = broker.partition(topic, index);
  if (local === undefined) return { ...base, errorCode: partitionNotHere(broker.image(), topic, index).errorCode };
  const epochError = checkEpoch(local, currentLeaderEpoch);
  if (epochError !== 0) return { ...base, errorCode: epochError };
  const leaderEpoch = local.leaderEpoch;
  switch (timestamp) {
    case -1:
      return { ...base, offset: local.highWatermark(), leaderEpoch };
    case -2:
    case -4:
    case -5:
      return { ...base, offset: local.logStartOffset(), leaderEpoch };
    case -3:
      return { ...base, errorCode: KafkaError.unsupportedVersion.code };
  }
  if (timestamp < 0) return { ...base, errorCode: KafkaError.invalidRequest.code };
  const found = await local.offsetForTimestamp(timestamp);
  if (found === null) return { ...base, leaderEpoch };
  // The time index is per batch: the record's own timestamp is not at hand, so -1 (clients use the offset).
  return { ...base, offset: found, leaderEpoch };
}
