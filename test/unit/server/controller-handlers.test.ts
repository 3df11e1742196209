/**
 * Proves the handlers of controllerHandlers (AllocateProducerIds, AlterPartition, InitProducerId)
 * map requests to the PartitionControllerService / ProducerIdSource and back: AlterPartition
 * reads topic names (v0–v1) or ids (v2+), the ISR from newIsr (v0–v2) or newIsrWithEpochs (v3,
 * with each member's epoch), the recovery state from v1, and answers each partition with the
 * controller's outcome in request order; a top-level refusal has no partitions; InitProducerId
 * answers the source's id with epoch 0, or its error with -1s, and refuses transactional ids.
 * Every response encodes and decodes at every version served (the listener's path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  decodeResponseFrame, encodeResponseFrame, KafkaError,
} from '../../../src/protocol/index.js';
import {
  controllerHandlers, type AlterPartitionInput, type Handler, type RequestContext,
} from '../../../src/server/index.js';

const seen: { alter: AlterPartitionInput[]; allocate: [number, number][] } =
  { alter: [], allocate: [] };
let alterErrorCode = 0;
let nextId: { errorCode: number; producerId: number } = { errorCode: 0, producerId: 41 };

const handlers = new Map(controllerHandlers({
  reportEvent: () => Promise.resolve({ errorCode: 0, errorMessage: null }),
  allocateProducerIds: (brokerId, brokerEpoch) => {
    seen.allocate.push([brokerId, brokerEpoch]);
    return Promise.resolve({ errorCode: 0, firstProducerId: 5000, count: 1000 });
  },
  alterPartition: (req) => {
    seen.alter.push(req);
    if (alterErrorCode !== 0) return Promise.resolve({ errorCode: alterErrorCode, partitions: [] });
    return Promise.resolve({ errorCode: 0, partitions: req.partitions.map((p, i) => ({
      errorCode: i, leaderId: 1, leaderEpoch: p.leaderEpoch, isr: p.newIsr,
      leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch + 1,
    })) });
  },
}, { nextProducerId: () => Promise.resolve(nextId) }).map((h) => [h.apiKey, h as Handler]));

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 't', clientHost: '127.0.0.1', connectionId: 1,
    log: pino({ level: 'silent' }), signal: new AbortController().signal };
}

/** Handles at `version`; checks the response survives the wire at that version. */
async function call(apiKey: number, version: number, req: unknown): Promise<unknown> {
  const h = handlers.get(apiKey);
  assert.ok(h !== undefined && version >= h.minVersion && version <= h.maxVersion);
  const res = await h.handle(ctx(version), req);
  const frame = Buffer.concat(encodeResponseFrame(apiKey, version, 1, res));
  const { body } = decodeResponseFrame(apiKey, version, frame.subarray(4));
  assert.ok(body !== null);
  return res;
}

const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';

function alterRequest(version: number) {
  const partition = (partitionIndex: number) => ({
    partitionIndex, leaderEpoch: 3, partitionEpoch: 8, leaderRecoveryState: 1,
    newIsr: version <= 2 ? [1, 2] : [],
    newIsrWithEpochs: version >= 3 ? [{ brokerId: 1, brokerEpoch: 10 },
      { brokerId: 2, brokerEpoch: -1 }] : [],
  });
  return { brokerId: 1, brokerEpoch: 10, topics: [
    { topicName: version < 2 ? 't' : '', topicId: version >= 2 ? topicId : '',
      partitions: [partition(0), partition(1)] },
  ] };
}

test('AlterPartition reads every version\'s fields and answers in request order', async () => {
  for (let v = 0; v <= 3; v++) {
    seen.alter = [];
    const res = await call(56, v, alterRequest(v)) as {
      errorCode: number; topics: { partitions: { partitionIndex: number; errorCode: number;
        isr: number[]; partitionEpoch: number }[] }[] };
    const input = seen.alter[0];
    assert.ok(input !== undefined);
    assert.equal(input.brokerEpoch, 10);
    const first = input.partitions[0];
    assert.deepEqual(first, {
      topicId: v >= 2 ? topicId : '', topicName: v >= 2 ? '' : 't', partition: 0,
      leaderEpoch: 3, partitionEpoch: 8, newIsr: [1, 2], newIsrEpochs: v >= 3 ? [10, -1] : null,
      ...(v >= 1 ? { leaderRecoveryState: 1 } : {}),
    }, `v${v}`);
    assert.equal(res.errorCode, 0);
    assert.deepEqual(res.topics[0]?.partitions.map((p) => [p.partitionIndex, p.errorCode,
      p.partitionEpoch, p.isr]), [[0, 0, 9, [1, 2]], [1, 1, 9, [1, 2]]]);
  }
});

test('AlterPartition: a top-level refusal answers no partitions', async () => {
  alterErrorCode = KafkaError.staleBrokerEpoch.code;
  try {
    const res = await call(56, 3, alterRequest(3));
    assert.deepEqual(res, { throttleTimeMs: 0, errorCode: alterErrorCode, topics: [] });
  } finally {
    alterErrorCode = 0;
  }
});

test('AllocateProducerIds passes broker id and epoch and answers the block', async () => {
  const res = await call(67, 0, { brokerId: 2, brokerEpoch: 7 });
  assert.deepEqual(seen.allocate, [[2, 7]]);
  assert.deepEqual(res,
    { throttleTimeMs: 0, errorCode: 0, producerIdStart: 5000, producerIdLen: 1000 });
});

test('InitProducerId answers the next id, the source\'s error, or refuses transactions', async () => {
  const req = { transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 };
  for (let v = 0; v <= 5; v++) {
    assert.deepEqual(await call(22, v, req),
      { throttleTimeMs: 0, errorCode: 0, producerId: 41, producerEpoch: 0 });
  }
  nextId = { errorCode: KafkaError.coordinatorLoadInProgress.code, producerId: -1 };
  assert.deepEqual(await call(22, 4, req), { throttleTimeMs: 0,
    errorCode: KafkaError.coordinatorLoadInProgress.code, producerId: -1, producerEpoch: -1 });
  const tx = await call(22, 4, { ...req, transactionalId: 'tx' }) as { errorCode: number };
  assert.equal(tx.errorCode, KafkaError.unsupportedVersion.code);
});
