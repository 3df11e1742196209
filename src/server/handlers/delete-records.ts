/**
 * DeleteRecords (key 21), v0–v2: advances a partition's log start offset. offset -1 means the
 * high watermark; an offset above it → OFFSET_OUT_OF_RANGE. Whole segments below the new start
 * are removed; the start offset itself is persisted before the reply.
 */
import { KafkaError, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';
import { partitionNotHere } from '../partition-errors.js';

export function deleteRecordsHandler(broker: Broker): Handler<DeleteRecordsRequest, DeleteRecordsResponse> {
  return {
    apiKey: 21,
    minVersion: 0,
    maxVersion: 2,
    async handle(_ctx, req) {
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitions.map(async (p) => {
              const local = broker.partition(t.name, p.partitionIndex);
              if (local === undefined) {
                const { errorCode } = partitionNotHere(broker.image(), t.name, p.partitionIndex);
                return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode };
              }
              const target = p.offset === -1 ? local.highWatermark() : p.offset;
              const result = await local.deleteRecords(target);
              return { partitionIndex: p.partitionIndex, ...result };
            }),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  };
}
