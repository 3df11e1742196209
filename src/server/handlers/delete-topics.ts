/**
 * DeleteTopics (key 20), v0–v6. By name (v0–v5 topicNames, v6 topics[].name) or by id (v6).
 * Unknown → UNKNOWN_TOPIC_OR_PARTITION (by name) or UNKNOWN_TOPIC_ID (by id). The reply is sent
 * once the removal is committed; the partition directories are deleted as the image changes.
 */
import { deleteTopic } from '../../controller/index.js';
import type { MetadataRecord } from '../../metadata/index.js';
import { zeroUuid, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export function deleteTopicsHandler(broker: Broker): Handler<DeleteTopicsRequest, DeleteTopicsResponse> {
  return {
    apiKey: 20,
    minVersion: 0,
    maxVersion: 6,
    async handle(ctx, req) {
      const wanted =
        ctx.apiVersion >= 6
          ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
          : req.topicNames.map((name) => ({ name, topicId: null }));
      const responses = await broker.propose((image) => {
        const records: MetadataRecord[] = [];
        const seen = new Set<string>();
        const result = wanted.map((w) => {
          const { outcome, topic, records: more } = deleteTopic(image, w.name, w.topicId);
          if (topic !== null && !seen.has(topic.topicId)) {
            seen.add(topic.topicId);
            records.push(...more);
          }
          return {
            name: topic?.name ?? w.name,
            topicId: topic?.topicId ?? w.topicId ?? zeroUuid,
            errorCode: outcome.errorCode,
            errorMessage: outcome.errorMessage,
          };
        });
        return { records, result };
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}
