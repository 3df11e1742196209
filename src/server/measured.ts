/**
 * Wraps a handler table so each request is measured (issue 16's metrics): the time from its
 * arrival at the handler to its answer, per API; for Produce the bytes and records appended per
 * topic; for Fetch the bytes returned per topic, to consumers or to follower replicas. Read from
 * the decoded request and the response the handler gives, so no handler knows about metrics; the
 * cost per request is one clock read, one histogram observe and, for Produce and Fetch, a walk
 * over the partitions already in hand.
 */
import { ApiKey, type FetchRequest, type FetchResponse, type ProduceRequest,
  type ProduceResponse } from '../protocol/index.js';
import { closeConnection, type Handler, type HandlerTable } from './handler.js';

export interface RequestObserver {
  /** A monotonic clock with sub-millisecond resolution, ms. */
  nowMs(): number;
  requestDone(apiKey: number, seconds: number): void;
  produced(topic: string, bytes: number, records: number): void;
  fetched(topic: string, bytes: number, byFollower: boolean): void;
}

export function measured(table: HandlerTable, o: RequestObserver,
  topicName: (topicId: string) => string | undefined): HandlerTable {
  const out = new Map<number, Handler>();
  for (const [apiKey, inner] of table) {
    const account = apiKey === ApiKey.produce
      ? (req: unknown, res: unknown) => accountProduce(o, req as ProduceRequest, res as ProduceResponse | null)
      : apiKey === ApiKey.fetch
        ? (req: unknown, res: unknown) => accountFetch(o, req as FetchRequest, res as FetchResponse, topicName)
        : undefined;
    out.set(apiKey, {
      apiKey, minVersion: inner.minVersion, maxVersion: inner.maxVersion,
      handle(ctx, request) {
        const startMs = o.nowMs();
        const done = (response: unknown): void => {
          o.requestDone(apiKey, (o.nowMs() - startMs) / 1000);
          if (account !== undefined && response !== closeConnection) account(request, response);
        };
        const result = inner.handle(ctx, request);
        if (result instanceof Promise) {
          return result.then((response) => {
            done(response);
            return response;
          });
        }
        done(result);
        return result;
      },
    });
  }
  return out;
}

/** Records in a produced records buffer (RecordBatch v2: recordCount at byte 57 of each batch). */
function recordCount(records: Buffer): number {
  let count = 0;
  let at = 0;
  while (at + 61 <= records.length) {
    count += records.readInt32BE(at + 57);
    at += 12 + records.readInt32BE(at + 8);
  }
  return count;
}

function accountProduce(o: RequestObserver, req: ProduceRequest, res: ProduceResponse | null): void {
  req.topicData.forEach((topic, t) => {
    // The answer lists topics and partitions in the request's order; looked up only if not.
    let answered = res?.responses[t];
    if (answered !== undefined && answered.name !== topic.name) {
      answered = res?.responses.find((r) => r.name === topic.name);
    }
    let bytes = 0;
    let records = 0;
    topic.partitionData.forEach((p, i) => {
      if (p.records === null) return;
      let answer = answered?.partitionResponses[i];
      if (answer !== undefined && answer.index !== p.index) {
        answer = answered?.partitionResponses.find((r) => r.index === p.index);
      }
      // acks=0 has no answer: what was sent is counted.
      if (res !== null && answer?.errorCode !== 0) return;
      bytes += p.records.length;
      records += recordCount(p.records);
    });
    if (bytes > 0) o.produced(topic.name, bytes, records);
  });
}

function accountFetch(o: RequestObserver, req: FetchRequest, res: FetchResponse | null,
  topicName: (topicId: string) => string | undefined): void {
  if (res === null) return;
  const byFollower = req.replicaId >= 0 || req.replicaState.replicaId >= 0;
  for (const topic of res.responses) {
    let bytes = 0;
    for (const p of topic.partitions) bytes += p.records?.length ?? 0;
    if (bytes === 0) continue;
    const name = topic.topic !== '' ? topic.topic : topicName(topic.topicId);
    if (name !== undefined) o.fetched(name, bytes, byFollower);
  }
}
