/**
 * Produce (key 0), v3–v11 (v3 is the first with RecordBatch v2; older message formats are not
 * served, so clients negotiate v3+). Behaviour:
 * - acks 0: no response at all; 1: answered once the batch is durable on the leader (fsync, or
 *   written when the topic sets flush.durable=false); -1: refused with NOT_ENOUGH_REPLICAS when the
 *   ISR is smaller than min.insync.replicas, else answered once the high watermark passes it
 *   (every ISR member fsynced it), with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
 *   min.insync.replicas meanwhile, or REQUEST_TIMED_OUT after the request's timeoutMs.
 * - An unknown topic is created when auto.create.topics.enable is on, else UNKNOWN_TOPIC_OR_PARTITION.
 * - Per partition: exactly one batch (as Kafka requires from v3), CRC32C checked (CORRUPT_MESSAGE),
 *   size ≤ max.message.bytes (MESSAGE_TOO_LARGE), idempotent sequences checked; errors change nothing.
 * - Transactions are not served yet: a transactional produce gets INVALID_RECORD with a message
 *   that says so, and nothing is written.
 * Version notes: v5+ logStartOffset; v8+ recordErrors/errorMessage; v9+ flexible; v10+ currentLeader.
 */
import { KafkaError, type ProduceRequest, type ProduceResponse } from '../../protocol/index.js';
import { internalTopics } from '../../metadata/index.js';
import type { Broker, ProduceAcks, ProduceOutcome } from '../broker.js';
import { partitionNotHere } from '../partition-errors.js';
import type { Handler } from '../handler.js';

type PartitionOut = ProduceResponse['responses'][number]['partitionResponses'][number];

export function produceHandler(broker: Broker): Handler<ProduceRequest, ProduceResponse> {
  return {
    apiKey: 0,
    minVersion: 3,
    maxVersion: 11,
    async handle(ctx, req) {
      const validAcks = req.acks === 0 || req.acks === 1 || req.acks === -1;
      if (validAcks && broker.autoCreateTopics) {
        const image = broker.image();
        const missing = req.topicData.map((t) => t.name).filter((n) => !image.topicsByName.has(n));
        if (missing.length > 0) await broker.autoCreate(missing);
      }
      const now = broker.nowMs();
      const responses = await Promise.all(
        req.topicData.map(async (topic) => ({
          name: topic.name,
          partitionResponses: await Promise.all(
            topic.partitionData.map(async (p) => {
              const outcome = validAcks
                ? await produceOne(broker, topic.name, p.index, p.records, req, now,
                  ctx.connectionId)
                : failure(KafkaError.invalidRequiredAcks, `acks must be 0, 1 or -1, got ${req.acks}`);
              return partitionResponse(p.index, outcome);
            }),
          ),
        })),
      );
      if (req.acks === 0) return null;
      return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
    },
  };
}

async function produceOne(
  broker: Broker,
  topic: string,
  index: number,
  records: Buffer | null,
  req: ProduceRequest,
  nowMs: number,
  source: number,
): Promise<ProduceOutcome> {
  const partition = broker.partition(topic, index);
  if (partition === undefined) {
    const why = partitionNotHere(broker.image(), topic, index);
    return failure({ code: why.errorCode }, why.message);
  }
  if (internalTopics.has(topic)) {
    return failure(KafkaError.invalidTopicException, `cannot produce to the internal topic '${topic}'`);
  }
  if (req.transactionalId !== null) {
    return failure(KafkaError.invalidRecord, 'transactions are not supported by this broker yet');
  }
  if (records === null || records.length === 0) {
    return failure(KafkaError.corruptMessage, 'the produce request carries no record batch');
  }
  const configs = broker.topicConfig(topic);
  const maxBytes = configs?.['max.message.bytes'] ?? 0;
  if (records.length > maxBytes) {
    return failure(
      KafkaError.messageTooLarge,
      `batch of ${records.length} bytes is larger than max.message.bytes=${maxBytes}`,
    );
  }
  // acks=0 needs no answer, so waiting for the leader's fsync (as acks=1) costs nothing extra.
  const acks: ProduceAcks = {
    requiredAcks: req.acks === -1 ? -1 : 1,
    minIsr: configs?.['min.insync.replicas'] ?? 1,
    timeoutMs: Math.max(req.timeoutMs, 0),
    source,
  };
  return partition.produce(records, nowMs, acks);
}

function failure(error: { code: number }, message: string): ProduceOutcome {
  return { errorCode: error.code, errorMessage: message, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
}

function partitionResponse(index: number, o: ProduceOutcome): PartitionOut {
  return {
    index,
    errorCode: o.errorCode,
    baseOffset: o.baseOffset,
    logAppendTimeMs: o.logAppendTimeMs,
    logStartOffset: o.logStartOffset,
    recordErrors: [],
    errorMessage: o.errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}
