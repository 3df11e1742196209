/**
 * CreatePartitions (key 37), v0–v3. Grows a topic; the new count must be larger than the current
 * one (INVALID_PARTITIONS), explicit assignments are checked like CreateTopics'. validateOnly
 * commits nothing. A topic named twice in one request gets INVALID_REQUEST for both entries.
 */
import { createPartitions } from '../../controller/index.js';
import { KafkaError, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../../protocol/index.js';
import type { MetadataRecord } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export function createPartitionsHandler(
  broker: Broker,
): Handler<CreatePartitionsRequest, CreatePartitionsResponse> {
  return {
    apiKey: 37,
    minVersion: 0,
    maxVersion: 3,
    async handle(_ctx, req) {
      const counts = new Map<string, number>();
      for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const results = await broker.propose((image) => {
        const records: MetadataRecord[] = [];
        const result = req.topics.map((t) => {
          if ((counts.get(t.name) ?? 0) > 1) {
            const errorMessage = `topic '${t.name}' appears more than once`;
            return { name: t.name, errorCode: KafkaError.invalidRequest.code, errorMessage };
          }
          const { outcome, records: more } = createPartitions(image, t, broker.controllerContext);
          records.push(...more);
          return { name: t.name, ...outcome };
        });
        return { records: req.validateOnly ? [] : records, result };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
