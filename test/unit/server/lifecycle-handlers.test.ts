/**
 * Proves the KRaft lifecycle handlers (BrokerRegistration, BrokerHeartbeat, UnregisterBroker,
 * DescribeQuorum) map requests to the ControllerService / QuorumView and back: every field reaches
 * the service, every answer reaches the response, a registration without a listener is
 * INVALID_REQUEST, DescribeQuorum for anything but __cluster_metadata-0 is
 * UNKNOWN_TOPIC_OR_PARTITION; and every response encodes and decodes at every version served
 * (generated codec, the same path the listener uses).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  decodeResponseFrame, encodeResponseFrame, KafkaError,
} from '../../../src/protocol/index.js';
import {
  lifecycleHandlers, type BrokerHeartbeatInput, type BrokerRegistrationInput,
  type ControllerService,
  type Handler, type QuorumStatus, type RequestContext,
} from '../../../src/server/index.js';

const seen: { registration?: BrokerRegistrationInput; heartbeat?: BrokerHeartbeatInput;
  unregister?: number } = {};
const controller: ControllerService = {
  registerBroker: (req) => {
    seen.registration = req;
    return Promise.resolve({ errorCode: 0, brokerEpoch: 17 });
  },
  brokerHeartbeat: (req) => {
    seen.heartbeat = req;
    return Promise.resolve(
      { errorCode: 0, isCaughtUp: true, isFenced: false, shouldShutdown: true });
  },
  unregisterBroker: (id) => {
    seen.unregister = id;
    const errorCode = KafkaError.brokerIdNotRegistered.code;
    return Promise.resolve({ errorCode, errorMessage: 'no' });
  },
};
const status: QuorumStatus = {
  leaderId: 2, leaderEpoch: 5, highWatermark: 99,
  voters: [{ replicaId: 1, logEndOffset: 99 }, { replicaId: 2, logEndOffset: 100 }],
  observers: [{ replicaId: 4, logEndOffset: -1 }],
};
const handlers = new Map(lifecycleHandlers(controller, { quorumStatus: () => status })
  .map((h) => [h.apiKey, h as Handler]));

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 't', clientHost: '127.0.0.1', connectionId: 1,
    log: pino({ level: 'silent' }), signal: new AbortController().signal };
}

/** Handles at every served version; checks the response survives the wire; returns the last. */
async function call(apiKey: number, req: unknown): Promise<Record<string, unknown>> {
  const h = handlers.get(apiKey);
  assert.ok(h !== undefined);
  let last: unknown = null;
  for (let v = h.minVersion; v <= h.maxVersion; v++) {
    const res = await h.handle(ctx(v), req);
    const frame = Buffer.concat(encodeResponseFrame(apiKey, v, 1, res));
    const { body } = decodeResponseFrame(apiKey, v, frame.subarray(4));
    assert.ok(body !== null);
    last = res;
  }
  return last as Record<string, unknown>;
}

test('BrokerRegistration passes the first listener and answers the epoch', async () => {
  const res = await call(62, {
    brokerId: 3, clusterId: 'c', incarnationId: 'AAAAAAAAAAAAAAAAAAAAAQ',
    listeners: [{ name: 'PLAINTEXT', host: '10.0.0.3', port: 9092, securityProtocol: 0 }],
    features: [], rack: 'r1', isMigratingZkBroker: false, logDirs: [], previousBrokerEpoch: -1,
  });
  assert.deepEqual(seen.registration, { brokerId: 3, clusterId: 'c',
    incarnationId: 'AAAAAAAAAAAAAAAAAAAAAQ', host: '10.0.0.3', port: 9092, rack: 'r1' });
  assert.deepEqual(res, { throttleTimeMs: 0, errorCode: 0, brokerEpoch: 17 });
  const none = await call(62, { brokerId: 3, clusterId: 'c', incarnationId: 'x', listeners: [],
    features: [], rack: null });
  assert.equal(none.errorCode, KafkaError.invalidRequest.code);
});

test('BrokerHeartbeat passes offset and shutdown wish, answers the verdict', async () => {
  const res = await call(63, { brokerId: 3, brokerEpoch: 17, currentMetadataOffset: 40,
    wantFence: false, wantShutDown: true, offlineLogDirs: [] });
  assert.deepEqual(seen.heartbeat, { brokerId: 3, brokerEpoch: 17, currentMetadataOffset: 40,
    wantFence: false, wantShutdown: true });
  assert.deepEqual(res, { throttleTimeMs: 0, errorCode: 0, isCaughtUp: true, isFenced: false,
    shouldShutDown: true });
});

test('UnregisterBroker answers the controller\'s code and message', async () => {
  const res = await call(64, { brokerId: 9 });
  assert.equal(seen.unregister, 9);
  assert.deepEqual(res, { throttleTimeMs: 0, errorCode: KafkaError.brokerIdNotRegistered.code,
    errorMessage: 'no' });
});

test('DescribeQuorum reports the local Raft status for __cluster_metadata-0 only', async () => {
  const ask = (topicName: string) => ({ topics: [{ topicName, partitions: [{ partitionIndex: 0 }] }] });
  type Answer = { errorCode: number; topics: { partitions: Record<string, unknown>[] }[] };
  const res = await call(55, ask('__cluster_metadata')) as Answer;
  assert.equal(res.errorCode, 0);
  const p = res.topics[0]?.partitions[0];
  assert.equal(p?.leaderId, 2);
  assert.equal(p?.leaderEpoch, 5);
  assert.equal(p?.highWatermark, 99);
  assert.deepEqual((p?.currentVoters as { replicaId: number; logEndOffset: number }[])
    .map((v) => [v.replicaId, v.logEndOffset]), [[1, 99], [2, 100]]);
  assert.deepEqual((p?.observers as { replicaId: number }[]).map((v) => v.replicaId), [4]);
  const other = await call(55, ask('orders'));
  assert.equal(other.errorCode, KafkaError.unknownTopicOrPartition.code);
});
