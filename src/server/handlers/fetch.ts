/**
 * Fetch (key 1), v4–v17 (v4 is the first that returns RecordBatch v2 with lastStableOffset).
 * Behaviour:
 * - Reads whole batches from the fetch offset up to the high watermark; per partition at most
 *   partitionMaxBytes, in all at most maxBytes — except that the first batch found is returned
 *   even when larger, so a consumer always makes progress (KIP-74).
 * - Long poll: when fewer than minBytes are ready, waits for new data up to maxWaitMs
 *   (capped by limits.fetchWaitMsMax) and reads again.
 * - Fetch sessions (KIP-227) are declined: we answer sessionId 0, so clients send full fetches;
 *   a request naming a session we never created gets FETCH_SESSION_ID_NOT_FOUND.
 * - currentLeaderEpoch (v9+) newer than ours → UNKNOWN_LEADER_EPOCH, older → FENCED_LEADER_EPOCH.
 * - read_committed sees the same as read_uncommitted: there are no transactions yet (LSO = HW).
 * - A partition whose next batch is damaged (fails its CRC, or is missing) answers
 *   KAFKA_STORAGE_ERROR, retriable, and the whole fetch is answered at once (Kafka completes a
 *   delayed fetch on a partition error too): its leader is handing the partition to a healthy
 *   replica, and clients find it after a metadata refresh. Never an empty answer that would make
 *   a consumer wait at the bad batch for ever.
 * Version notes: v7+ sessions; v11+ rackId / preferredReadReplica; v12+ flexible; v13+ topic ids.
 */
import { limits } from '../../common/index.js';
import { KafkaError, type FetchRequest, type FetchResponse } from '../../protocol/index.js';
import type { Broker, LocalPartition } from '../broker.js';
import type { Handler, RequestContext } from '../handler.js';
import { partitionNotHere } from '../partition-errors.js';

type TopicOut = FetchResponse['responses'][number];
type PartitionOut = TopicOut['partitions'][number];
type PartitionIn = FetchRequest['topics'][number]['partitions'][number];

/** Kafka answers "no records" with an empty record set, never null: librdkafka rejects size -1. */
const noRecords = Buffer.alloc(0);

export function fetchHandler(broker: Broker): Handler<FetchRequest, FetchResponse> {
  return {
    apiKey: 1,
    minVersion: 4,
    maxVersion: 17,
    async handle(ctx, req) {
      if (req.sessionId !== 0) {
        return { ...emptyResponse(), errorCode: KafkaError.fetchSessionIdNotFound.code };
      }
      const deadline = broker.nowMs() + Math.min(Math.max(req.maxWaitMs, 0), limits.fetchWaitMsMax);
      for (;;) {
        const mark = broker.dataMark();
        const { responses, bytes, locals, damaged } = await readAll(broker, ctx, req);
        const remaining = deadline - broker.nowMs();
        if (bytes >= req.minBytes || remaining <= 0 || ctx.signal.aborted || locals.length === 0 ||
          damaged) {
          return { ...emptyResponse(), responses };
        }
        await broker.waitForData(locals, remaining, ctx.signal, replicaIdOf(ctx, req) >= 0, mark);
        // The connection is gone: reading again would report a follower's old fetch offset to
        // its leader after the follower may have moved on (truncated), and nobody gets the answer.
        if (ctx.signal.aborted) return { ...emptyResponse(), responses: [] };
      }
    },
  };
}

function emptyResponse(): FetchResponse {
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [] };
}

async function readAll(broker: Broker, ctx: RequestContext, req: FetchRequest) {
  const image = broker.image();
  const useIds = ctx.apiVersion >= 13;
  let budget = Math.min(req.maxBytes, limits.fetchResponseBytesMax);
  let bytes = 0;
  let damaged = false;
  const locals: LocalPartition[] = [];
  const responses: TopicOut[] = [];
  for (const t of req.topics) {
    const topic = useIds ? image.topicsById.get(t.topicId) : image.topicsByName.get(t.topic);
    const partitions: PartitionOut[] = [];
    for (const p of t.partitions) {
      const local = topic === undefined ? undefined : broker.partition(topic.name, p.partition);
      if (local === undefined) {
        const code = topic === undefined
          ? (useIds ? KafkaError.unknownTopicId : KafkaError.unknownTopicOrPartition).code
          : partitionNotHere(image, topic.name, p.partition).errorCode;
        partitions.push(errorPartition(p.partition, code));
        continue;
      }
      locals.push(local);
      const out = await readOne(local, p, budget, bytes === 0, replicaIdOf(ctx, req),
        broker.nowMs());
      const size = out.records?.length ?? 0;
      damaged ||= out.errorCode === KafkaError.kafkaStorageError.code;
      bytes += size;
      budget = Math.max(0, budget - size);
      partitions.push(out);
    }
    responses.push({ topic: t.topic, topicId: t.topicId, partitions });
  }
  return { responses, bytes, locals, damaged };
}

/** The fetching replica's id (v15+ in replicaState), or -1 for a consumer. */
function replicaIdOf(ctx: RequestContext, req: FetchRequest): number {
  return ctx.apiVersion >= 15 ? req.replicaState.replicaId : req.replicaId;
}

async function readOne(
  local: LocalPartition,
  p: PartitionIn,
  budget: number,
  first: boolean,
  replicaId: number,
  nowMs: number,
): Promise<PartitionOut> {
  const epochError = checkEpoch(local, p.currentLeaderEpoch);
  if (epochError !== 0) return errorPartition(p.partition, epochError);
  const maxBytes = Math.min(p.partitionMaxBytes, budget);
  const base = { ...errorPartition(p.partition, 0) };
  if (maxBytes <= 0 && !first) {
    return { ...base, highWatermark: local.highWatermark(), lastStableOffset: local.highWatermark(),
      logStartOffset: local.logStartOffset() };
  }
  const read = replicaId >= 0
    ? await local.readAsReplica(p.fetchOffset, p.lastFetchedEpoch, Math.max(maxBytes, 1),
      replicaId, nowMs)
    : { ...await local.read(p.fetchOffset, Math.max(maxBytes, 1)), divergingEpoch: null };
  // KIP-74: only the first non-empty partition may exceed the limits (by its first batch).
  const fits = first || read.records === null || read.records.length <= maxBytes;
  return {
    ...base,
    errorCode: read.errorCode,
    highWatermark: read.highWatermark,
    lastStableOffset: read.highWatermark,
    logStartOffset: read.logStartOffset,
    divergingEpoch: read.divergingEpoch ?? base.divergingEpoch,
    records: (fits ? read.records : null) ?? noRecords,
  };
}

export function checkEpoch(local: LocalPartition, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch === -1 || currentLeaderEpoch === local.leaderEpoch) return 0;
  return currentLeaderEpoch > local.leaderEpoch
    ? KafkaError.unknownLeaderEpoch.code
    : KafkaError.fencedLeaderEpoch.code;
}

function errorPartition(partitionIndex: number, errorCode: number): PartitionOut {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: noRecords,
  };
}
