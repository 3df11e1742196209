/**
 * Proves the OffsetForLeaderEpoch handler (key 23) on a real partition log and PartitionReplica:
 * the latest epoch ends at the log end, an older one where the next begins, an epoch newer than
 * the log's is -1/-1; a leader in a new epoch answers where the previous one ended before it
 * appends anything (the epoch starts at the log end); a stale or future currentLeaderEpoch is
 * FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH; a partition led elsewhere NOT_LEADER_OR_FOLLOWER;
 * and the response survives the wire at every version served. Also a follower's Fetch (replica
 * id ≥ 0, v12): a last fetched epoch that ends before the fetch offset gets divergingEpoch and
 * no records (KIP-595); a matching one gets the records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { emptyImage, LeaderRecoveryState, type TopicImage } from '../../../src/metadata/index.js';
import { PartitionReplica } from '../../../src/node/partition-replica.js';
import {
  decodeResponseFrame, encodeResponseFrame, KafkaError,
} from '../../../src/protocol/index.js';
import { buildBatch, validateBatches } from '../../../src/protocol/records/index.js';
import { brokerHandlers, type Broker, type RequestContext } from '../../../src/server/index.js';
import { logConfigDefaults, PartitionLog } from '../../../src/storage/index.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { storageIo } from '../../support/storage-io.js';

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 't', clientHost: '127.0.0.1', connectionId: 1,
    log: pino({ level: 'silent' }), signal: new AbortController().signal };
}

async function append(log: PartitionLog, epoch: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const records = buildBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1 }],
      compression: 'none' });
    const checked = validateBatches(records);
    assert.ok(checked.ok);
    await log.append(records, checked.batches, epoch, 0).durable;
  }
}

async function leaderWithEpochs(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'pado-ofle-'));
  const log = await PartitionLog.open(join(dir, 't-0'), { ...logConfigDefaults,
    diskReserveBytes: 0 }, storageIo);
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  await append(log, 1, 3);
  await append(log, 2, 2);
  const local = new PartitionReplica({ topic: 't', partition: 0, brokerId: 1,
    state: { leaderEpoch: 4, partitionEpoch: 4, replicas: [1, 2], isr: [1, 2] }, log, nowMs: 0,
    clock: systemClock,
    logger: pino({ level: 'silent' }), maxMessageBytes: 1 << 20, onAdvance: () => undefined });
  const partitions = [0, 1].map((partition) => ({ partition, replicas: [1, 2], isr: [1, 2],
    leader: partition === 0 ? 1 : 2, leaderEpoch: 4, partitionEpoch: 4,
    leaderRecoveryState: LeaderRecoveryState.recovered }));
  const topic: TopicImage = { name: 't', topicId: 'x', partitions, configs: new Map() };
  const image = { ...emptyImage('c'), topicsByName: new Map([['t', topic]]) };
  const broker = {
    image: () => image,
    nowMs: () => 0,
    waitForData: () => Promise.resolve(),
    dataMark: () => 0,
    partition: (name: string, index: number) => name === 't' && index === 0 ? local : undefined,
  } as unknown as Broker;
  return broker;
}

test('OffsetForLeaderEpoch answers from the leader epoch cache', async (t) => {
  const broker = await leaderWithEpochs(t);
  const handler = brokerHandlers(broker).get(23);
  assert.ok(handler !== undefined);
  const ask = (leaderEpoch: number, currentLeaderEpoch = -1, partition = 0) => ({
    replicaId: 2,
    topics: [{ topic: 't', partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
  });
  const expectations: [unknown, Record<string, number>][] = [
    [ask(1), { errorCode: 0, leaderEpoch: 1, endOffset: 3 }],
    [ask(2), { errorCode: 0, leaderEpoch: 2, endOffset: 5 }],
    // Epoch 3 was never led here: the newest before it is 2, ending where 4 starts.
    [ask(3), { errorCode: 0, leaderEpoch: 2, endOffset: 5 }],
    [ask(4, 4), { errorCode: 0, leaderEpoch: 4, endOffset: 5 }],
    [ask(5), { errorCode: 0, leaderEpoch: -1, endOffset: -1 }],
    [ask(1, 3), { errorCode: KafkaError.fencedLeaderEpoch.code, leaderEpoch: -1, endOffset: -1 }],
    [ask(1, 6), { errorCode: KafkaError.unknownLeaderEpoch.code, leaderEpoch: -1, endOffset: -1 }],
    [ask(1, -1, 1),
      { errorCode: KafkaError.notLeaderOrFollower.code, leaderEpoch: -1, endOffset: -1 }],
  ];
  for (const [request, expected] of expectations) {
    for (let v = handler.minVersion; v <= handler.maxVersion; v++) {
      const response: unknown = await handler.handle(ctx(v), request);
      const frame = Buffer.concat(encodeResponseFrame(23, v, 1, response));
      decodeResponseFrame(23, v, frame.subarray(4));
      const topics = (response as { topics: { partitions: Record<string, number>[] }[] }).topics;
      const { partition, ...answer } = topics[0]?.partitions[0] ?? {};
      assert.ok(partition !== undefined);
      assert.deepEqual(answer, expected);
    }
  }
});

test('a follower Fetch gets divergingEpoch, or the records when its epoch matches', async (t) => {
  const broker = await leaderWithEpochs(t);
  const handler = brokerHandlers(broker).get(1);
  assert.ok(handler !== undefined);
  const fetch = (fetchOffset: number, lastFetchedEpoch: number) => ({
    clusterId: null, replicaId: 2, replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0,
    sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic: 't', topicId: '', partitions: [{ partition: 0, currentLeaderEpoch: 4,
      fetchOffset, lastFetchedEpoch, logStartOffset: -1, partitionMaxBytes: 1 << 20,
      replicaDirectoryId: '' }] }],
  });
  type Out = { responses: { partitions: { errorCode: number; records: Buffer;
    divergingEpoch: { epoch: number; endOffset: number } }[] }[] };
  const diverged = await handler.handle(ctx(12), fetch(4, 1)) as Out;
  const d = diverged.responses[0]?.partitions[0];
  assert.deepEqual(d?.divergingEpoch, { epoch: 1, endOffset: 3 });
  assert.equal(d?.records.length, 0);
  const matched = await handler.handle(ctx(12), fetch(3, 1)) as Out;
  const m = matched.responses[0]?.partitions[0];
  assert.deepEqual(m?.divergingEpoch, { epoch: -1, endOffset: -1 });
  assert.equal(m?.errorCode, 0);
  const checked = validateBatches(m?.records ?? Buffer.alloc(0));
  assert.ok(checked.ok);
  assert.deepEqual(checked.batches.map((b) => [b.baseOffset, b.partitionLeaderEpoch]),
    [[3, 2], [4, 2]]);
});
