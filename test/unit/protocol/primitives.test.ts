/**
 * Proves the Reader/Writer primitives on edge values: varint/varlong round trips at their bounds,
 * int64 → number refusing values beyond ±2^53, uuid string form, header versions per API, and
 * frames with zero-copy record chunks that decode back to the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiKey, decodeRequestHeader, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame,
  KafkaError, kafkaErrorByCode, Reader, requestHeaderVersion, responseHeaderVersion,
  sizeVarint, sizeVarlong, Writer, zeroUuid, type FetchResponse, type ProduceRequest,
  decodeProduceRequest,
} from '../../../src/protocol/index.js';

test('varints round-trip at their bounds', () => {
  const ints = [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)];
  const longs = [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 40, -(2 ** 40) - 7];
  const w = new Writer(ints.reduce((n, v) => n + sizeVarint(v), 0)
    + longs.reduce((n, v) => n + sizeVarlong(v), 0));
  for (const v of ints) w.varint(v);
  for (const v of longs) w.varlong(v);
  const r = new Reader(Buffer.concat(w.finish()));
  assert.deepEqual(ints.map(() => r.varint()), ints);
  assert.deepEqual(longs.map(() => r.varlong()), longs);
  r.expectEnd();
  assert.equal(r.failed, false);
});

test('int64 beyond ±2^53 fails the reader; int64Big reads it', () => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(2n ** 60n);
  const r = new Reader(b);
  assert.equal(r.int64(), 0);
  assert.equal(r.failed, true);
  assert.equal(new Reader(b).int64Big(), 2n ** 60n);
  b.writeBigInt64BE(-(2n ** 53n) + 1n);
  assert.equal(new Reader(b).int64(), -(2 ** 53) + 1);
});

test('uuids use base64url without padding', () => {
  const r = new Reader(Buffer.alloc(16));
  assert.equal(r.uuid(), zeroUuid);
  assert.equal(zeroUuid.length, 22);
});

test('header versions follow flexibility; ApiVersions responses always use v0', () => {
  assert.equal(requestHeaderVersion(ApiKey.produce, 8), 1);
  assert.equal(requestHeaderVersion(ApiKey.produce, 9), 2);
  assert.equal(responseHeaderVersion(ApiKey.produce, 9), 1);
  assert.equal(requestHeaderVersion(ApiKey.apiVersions, 3), 2);
  assert.equal(responseHeaderVersion(ApiKey.apiVersions, 3), 0);
  assert.equal(requestHeaderVersion(ApiKey.saslHandshake, 1), 1);
});

test('a request frame decodes back through decodeRequestHeader', () => {
  const msg: ProduceRequest = {
    transactionalId: null, acks: -1, timeoutMs: 30_000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(5000, 7) }] }],
  };
  const frame = Buffer.concat(encodeRequestFrame(ApiKey.produce, 9, 42, 'cli', msg));
  assert.equal(frame.readInt32BE(0), frame.length - 4);
  const r = new Reader(frame, 4);
  const h = decodeRequestHeader(r);
  assert.deepEqual(h, { requestApiKey: 0, requestApiVersion: 9, correlationId: 42, clientId: 'cli' });
  const back = decodeProduceRequest(r, 9);
  r.expectEnd();
  assert.equal(r.failed, false);
  assert.ok(back.topicData[0]?.partitionData[0]?.records?.equals(Buffer.alloc(5000, 7)));
});

test('a fetch response keeps large records as separate chunks, not copies', () => {
  const records = Buffer.alloc(4096, 1);
  const msg: FetchResponse = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
    responses: [{ topic: 't', topicId: zeroUuid, partitions: [{
      partitionIndex: 0, errorCode: 0, highWatermark: 10, lastStableOffset: 10, logStartOffset: 0,
      divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: 1, leaderEpoch: 3 },
      snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: null,
      preferredReadReplica: -1, records,
    }] }],
  };
  const chunks = encodeResponseFrame(ApiKey.fetch, 12, 7, msg);
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], records);
  const frame = Buffer.concat(chunks);
  const { correlationId, body } = decodeResponseFrame(ApiKey.fetch, 12, frame.subarray(4));
  assert.equal(correlationId, 7);
  assert.deepEqual((body as FetchResponse).responses[0]?.partitions[0]?.currentLeader,
    { leaderId: 1, leaderEpoch: 3 });
});

test('error codes are unique and looked up by code', () => {
  assert.equal(KafkaError.unknownTopicOrPartition.code, 3);
  assert.equal(KafkaError.invalidRecord.code, 87);
  assert.equal(KafkaError.unknownTopicId.code, 100);
  assert.equal(kafkaErrorByCode(56)?.name, 'KAFKA_STORAGE_ERROR');
  const codes = Object.values(KafkaError).map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
});
