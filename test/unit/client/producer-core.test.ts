// Proves the producer's decisions (client/producer-core.ts) without a broker or a clock: each
// partition's batches carry consecutive sequence numbers (wrapping at 2^31) under one producer id
// and epoch; a retried batch is the very same bytes with the same sequence; only one batch per
// partition is in flight; which answers are acknowledged, retried (with a doubling, capped
// backoff, within attempts and the delivery deadline) or fatal, with and without idempotence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProducerCore, retryBackoffMs, sequenceAfter, verdictOf, type ProducerCoreOptions,
  type QueuedBatch, type SendOutcome,
} from '../../../src/client/index.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { parseBatchHeader } from '../../../src/protocol/records/index.js';

const options: ProducerCoreOptions = {
  compression: 'none', producerId: 7001, producerEpoch: 3, deliveryTimeoutMs: 10_000,
  retryBackoffMs: 100, retryBackoffMaxMs: 1_000, attemptsMax: 5,
};

const records = (n: number, tag = 'v') => Array.from({ length: n }, (_, i) =>
  ({ key: null, value: Buffer.from(`${tag}${i}`), timestamp: 1_000 + i }));
const answer = (errorCode: number, baseOffset = -1): SendOutcome =>
  ({ kind: 'answer', errorCode, baseOffset, message: null });

function header(batch: QueuedBatch) {
  const parsed = parseBatchHeader(batch.bytes, 0);
  assert.ok(parsed.ok);
  assert.equal(parsed.header.recordCount, batch.recordCount);
  return {
    producerId: parsed.header.producerId,
    producerEpoch: parsed.header.producerEpoch,
    baseSequence: parsed.header.baseSequence,
  };
}

test('sequences: consecutive per partition from 0, wrapping after 2^31 - 1', () => {
  assert.equal(sequenceAfter(0, 3), 3);
  assert.equal(sequenceAfter(0x7fff_fffe, 1), 0x7fff_ffff);
  assert.equal(sequenceAfter(0x7fff_ffff, 1), 0);
  assert.equal(sequenceAfter(0x7fff_fffe, 5), 3);
  const core = new ProducerCore(options);
  const a = core.enqueue(0, records(3));
  const b = core.enqueue(0, records(2));
  const c = core.enqueue(1, records(4));
  assert.deepEqual([a, b, c].map((x) => x.baseSequence), [0, 3, 0]);
  assert.deepEqual(header(b), { producerId: 7001, producerEpoch: 3, baseSequence: 3 });
  assert.equal(core.pendingBatches, 3);
});

test('without idempotence batches carry no producer id and no sequence', () => {
  const core = new ProducerCore({ ...options, producerId: null });
  const batch = core.enqueue(0, records(2));
  assert.equal(batch.baseSequence, -1);
  assert.deepEqual(header(batch), { producerId: -1, producerEpoch: -1, baseSequence: -1 });
});

test('one batch in flight per partition; the next goes only after the first is acknowledged',
  () => {
    const core = new ProducerCore(options);
    const a = core.enqueue(0, records(2));
    const b = core.enqueue(0, records(2));
    const c = core.enqueue(1, records(1));
    assert.deepEqual(core.takeReady(0), [a, c]);
    assert.deepEqual(core.takeReady(0), [], 'heads are in flight');
    assert.deepEqual(core.complete(a, answer(0, 40), 5), { kind: 'acknowledged' });
    assert.deepEqual(core.takeReady(5), [b]);
    assert.deepEqual(core.complete(b, answer(0, 42), 6), { kind: 'acknowledged' });
    assert.deepEqual(core.complete(c, answer(0, 0), 6), { kind: 'acknowledged' });
    assert.equal(core.pendingBatches, 0);
    assert.deepEqual(core.acknowledged(), [
      { partition: 0, records: 4, batches: 2, bytes: a.bytes.length + b.bytes.length,
        firstOffset: 40, lastOffset: 43 },
      { partition: 1, records: 1, batches: 1, bytes: c.bytes.length, firstOffset: 0,
        lastOffset: 0 },
    ]);
  });

test('a retriable answer re-sends the same bytes and sequence after a doubling backoff', () => {
  const core = new ProducerCore(options);
  const a = core.enqueue(2, records(3));
  const bytes = Buffer.from(a.bytes);
  assert.deepEqual(core.takeReady(0), [a]);
  assert.deepEqual(core.complete(a, answer(KafkaError.notLeaderOrFollower.code), 10),
    { kind: 'retry', retryAtMs: 110 });
  assert.deepEqual(core.takeReady(109), [], 'not before the backoff');
  assert.equal(core.nextRetryAtMs(), 110);
  assert.deepEqual(core.takeReady(110), [a]);
  assert.deepEqual(core.complete(a, { kind: 'lost', message: 'connection closed' }, 120),
    { kind: 'retry', retryAtMs: 320 });
  assert.deepEqual(core.takeReady(320), [a]);
  assert.deepEqual(core.complete(a, { kind: 'unsent', message: 'no leader' }, 330),
    { kind: 'retry', retryAtMs: 730 });
  assert.deepEqual(core.takeReady(730), [a]);
  assert.ok(a.bytes.equals(bytes), 'the batch is never rebuilt');
  assert.equal(header(a).baseSequence, 0);
  // A new leader that already had it (copied before the old one died) answers with its offsets.
  assert.deepEqual(core.complete(a, answer(KafkaError.duplicateSequenceNumber.code), 740),
    { kind: 'acknowledged' });
  assert.equal(core.acknowledged()[0]?.records, 3);
});

test('backoff doubles from the base and stops at the cap', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 60].map((n) => retryBackoffMs(n, 100, 1_000)),
    [100, 200, 400, 800, 1_000, 1_000]);
});

test('retries end at attemptsMax or the delivery deadline with what was not acknowledged', () => {
  const core = new ProducerCore({ ...options, attemptsMax: 2 });
  const a = core.enqueue(0, records(3));
  core.enqueue(0, records(4));
  core.takeReady(0);
  assert.equal(core.complete(a, answer(KafkaError.notEnoughReplicas.code), 0).kind, 'retry');
  core.takeReady(100);
  assert.deepEqual(core.complete(a, answer(KafkaError.notEnoughReplicas.code), 100), {
    kind: 'fatal', failure: { partition: 0, errorCode: 19, message: null, reason: 'exhausted',
      attempts: 2, recordsNotAcknowledged: 7 },
  });

  const late = new ProducerCore({ ...options, deliveryTimeoutMs: 1_000 });
  const b = late.enqueue(1, records(1));
  late.takeReady(0);
  assert.equal(late.complete(b, answer(KafkaError.requestTimedOut.code), 800).kind, 'retry');
  late.takeReady(900);
  const decision = late.complete(b, answer(KafkaError.requestTimedOut.code), 950);
  assert.equal(decision.kind === 'fatal' && decision.failure.reason, 'exhausted');
});

test('an out-of-order sequence or an unknown code stops at once, naming the partition', () => {
  const core = new ProducerCore(options);
  const a = core.enqueue(4, records(1));
  core.takeReady(0);
  const decision = core.complete(a, { kind: 'answer', errorCode: 45, baseOffset: -1,
    message: 'producer 7001: outOfOrderSequence' }, 0);
  assert.deepEqual(decision, { kind: 'fatal', failure: { partition: 4, errorCode: 45,
    message: 'producer 7001: outOfOrderSequence', reason: 'refused', attempts: 1,
    recordsNotAcknowledged: 1 } });
});

test('verdicts: idempotent retries what Kafka retries; acks=1 only what proves no append', () => {
  const { code } = { code: (name: keyof typeof KafkaError) => KafkaError[name].code };
  const table: [number, string, string][] = [
    [0, 'acknowledged', 'acknowledged'],
    [code('duplicateSequenceNumber'), 'acknowledged', 'fatal'],
    [code('notLeaderOrFollower'), 'retry', 'retry'],
    [code('leaderNotAvailable'), 'retry', 'retry'],
    [code('unknownTopicOrPartition'), 'retry', 'retry'],
    [code('notEnoughReplicas'), 'retry', 'fatal'],
    [code('notEnoughReplicasAfterAppend'), 'retry', 'fatal'],
    [code('requestTimedOut'), 'retry', 'fatal'],
    [code('kafkaStorageError'), 'retry', 'fatal'],
    [code('fencedLeaderEpoch'), 'retry', 'fatal'],
    [code('outOfOrderSequenceNumber'), 'fatal', 'fatal'],
    [code('invalidProducerEpoch'), 'fatal', 'fatal'],
    [code('unknownProducerId'), 'fatal', 'fatal'],
    [code('messageTooLarge'), 'fatal', 'fatal'],
    [code('corruptMessage'), 'fatal', 'fatal'],
  ];
  for (const [errorCode, idempotent, plain] of table) {
    assert.equal(verdictOf(errorCode, true), idempotent, `idempotent ${errorCode}`);
    assert.equal(verdictOf(errorCode, false), plain, `acks=1 ${errorCode}`);
  }
});

test('without idempotence a lost answer is not retried: the batch may have been written', () => {
  const core = new ProducerCore({ ...options, producerId: null });
  const a = core.enqueue(0, records(2));
  core.takeReady(0);
  const decision = core.complete(a, { kind: 'lost', message: 'connection closed' }, 0);
  assert.equal(decision.kind === 'fatal' && decision.failure.reason, 'unknown');
  const b = new ProducerCore({ ...options, producerId: null });
  const c = b.enqueue(0, records(2));
  b.takeReady(0);
  assert.equal(b.complete(c, { kind: 'unsent', message: 'connection refused' }, 0).kind, 'retry');
});
