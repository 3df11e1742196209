/**
 * CreateTopics (key 19), v0–v7. Any broker accepts it; the controller validates name, partition
 * count, replication factor, assignments and configs, and the reply is sent once the records are
 * committed and applied. validateOnly (v1+) checks and commits nothing. A topic with an error
 * yields no records, so a request mixing good and bad topics creates exactly the good ones.
 * Version notes: v1+ errorMessage; v4+ numPartitions/replicationFactor -1 mean the defaults;
 * v5+ the reply carries the effective configs; v7+ topic ids.
 */
import { createTopics } from '../../controller/index.js';
import { describeTopicConfig } from '../../config/index.js';
import { zeroUuid, type CreateTopicsRequest, type CreateTopicsResponse } from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

type TopicOut = CreateTopicsResponse['topics'][number];

export function createTopicsHandler(broker: Broker): Handler<CreateTopicsRequest, CreateTopicsResponse> {
  return {
    apiKey: 19,
    minVersion: 0,
    maxVersion: 7,
    async handle(_ctx, req) {
      const results = await broker.propose((image) => {
        const { results, records } = createTopics(image, req.topics, broker.controllerContext);
        return { records: req.validateOnly ? [] : records, result: results };
      });
      const topics: TopicOut[] = results.map((r, i) => {
        const name = req.topics[i]?.name ?? '';
        const configs = r.errorCode === 0
          ? describeConfigs(broker, name, req, r.replicationFactor) : null;
        return {
          name,
          topicId: req.validateOnly ? zeroUuid : r.topicId,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          topicConfigErrorCode: 0,
          numPartitions: r.numPartitions,
          replicationFactor: r.replicationFactor,
          configs,
        };
      });
      return { throttleTimeMs: 0, topics };
    },
  };
}

function describeConfigs(broker: Broker, name: string, req: CreateTopicsRequest,
  replicationFactor: number): TopicOut['configs'] {
  const overrides = req.validateOnly ? {} : broker.topicOverrides(name);
  return describeTopicConfig(overrides, replicationFactor, broker.effectiveConfig().topicDefaults)
    .map((e) => ({
      name: e.name,
      value: e.value,
      readOnly: e.readOnly,
      configSource: e.source,
      isSensitive: e.isSensitive,
    }));
}
