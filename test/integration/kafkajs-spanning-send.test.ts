/**
 * A kafkajs 2.2.4 caveat, shown so nobody mistakes it for broker loss (issue 13, break 1): its
 * producer's `send` keeps one response per broker (`sendMessages`' responsePerBroker). When one
 * send spans partitions led by different brokers and one leader dies, the retry regroups the
 * partitions by their new leaders and skips every broker that already answered this send — so a
 * partition whose leadership moved onto such a broker is never sent again, and the send resolves.
 *
 * How: 3 brokers; partition 0 on [1, 2] led by 1, partition 1 on [2, 3] led by 2. Broker 1 is
 * SIGSTOPped, then one idempotent acks=all send carries a record for each partition: broker 2
 * answers partition 1, broker 1 cannot answer. Once the controller has moved partition 0 to
 * broker 2, broker 1 is SIGKILLed; kafkajs retries and resolves. The proof is on the wire: the
 * resolved send has no response for partition 0, and partition 0's log on broker 2 never got the
 * record. A second producer's send of partition 0 alone (one partition per send, what Pado's chaos
 * workloads and README recommend), made at the same moment, is retried to broker 2 and stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { decodeFetchedRecords, type KafkaClient } from '../../src/client/index.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';

const topic = 'spans';

/**
 * The leader `asked` names, -1 when it cannot say now: while the stopped broker is the controller,
 * every broker's lease lapses until a new one is elected, and they close client connections.
 */
async function leaderOf(cluster: RaftCluster, asked: number, partition: number) {
  const md = await cluster.withClient(asked, (c) => c.metadata([topic]), 3_000)
    .catch(() => undefined);
  return md?.topics[0]?.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
}

/** Partition `partition`'s values as broker `id` serves them, retried while it cannot answer. */
function valuesAt(cluster: RaftCluster, id: number, partition: number): Promise<string[]> {
  return waitFor(`partition ${partition} read from broker ${id}`, () =>
    cluster.withClient(id, (c) => values(c, partition), 3_000).catch(() => undefined), 20_000);
}

async function values(c: KafkaClient, partition: number): Promise<string[]> {
  const r = await c.fetch([{ topic, partition, offset: 0 }], { maxWaitMs: 0 });
  const part = r.responses[0]?.partitions[0];
  assert.equal(part?.errorCode, 0);
  return decodeFetchedRecords(part.records).records.map((rec) => rec.value?.toString() ?? '');
}

test('kafkajs: a send spanning brokers resolves without re-sending a partition whose leader ' +
  'moved onto a broker that already answered', { timeout: 120_000 }, async (t) => {
  const cluster = await RaftCluster.start(3);
  t.after(() => cluster.stop());
  const kafka = new Kafka({
    clientId: 'spanning', brokers: cluster.ids.map((id) => cluster.address(id)),
    logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 20 },
  });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, replicaAssignment: [
    { partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 3] },
  ] }] });
  await waitFor('leaders 1 and 2', async () =>
    (await leaderOf(cluster, 2, 0)) === 1 && (await leaderOf(cluster, 2, 1)) === 2
      ? true : undefined, 20_000);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const single = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  for (const p of [producer, single]) {
    await p.connect();
    t.after(() => p.disconnect());
    // Connections and metadata to both leaders, as a running application has them.
    await p.send({ topic, acks: -1, messages: [
      { partition: 0, value: 'warm-0' }, { partition: 1, value: 'warm-1' }] });
  }

  const pid1 = cluster.process(1)!.pid;
  process.kill(pid1, 'SIGSTOP');
  const sent = producer.send({ topic, acks: -1, timeout: 20_000, messages: [
    { partition: 0, value: 'spanning-0' }, { partition: 1, value: 'spanning-1' }] });
  const sentAlone = single.send({ topic, acks: -1, timeout: 20_000, messages: [
    { partition: 0, value: 'alone-0' }] });
  // Broker 2 has answered its part (partition 1 replicated on 2 and 3), broker 1 cannot.
  await waitFor('partition 1 stored', async () =>
    (await valuesAt(cluster, 2, 1)).includes('spanning-1') ? true : undefined, 20_000);
  await waitFor('partition 0 moved to broker 2', async () =>
    (await leaderOf(cluster, 2, 0)) === 2 ? true : undefined, 20_000);
  await cluster.kill(1);

  const result = await sent;
  const answered = result.map((r) => r.partition).sort();
  assert.deepEqual(answered, [1], 'kafkajs resolved the send with no response for partition 0');
  const p0 = await valuesAt(cluster, 2, 0);
  assert.ok(!p0.includes('spanning-0'),
    `no Produce carried partition 0's record after the failure; partition 0 holds ${p0.join(',')}`);

  // One partition per send: the retry went to the new leader, which stored the record.
  const alone = await sentAlone;
  assert.deepEqual(alone.map((r) => r.partition), [0]);
  const after = await valuesAt(cluster, 2, 0);
  assert.ok(after.includes('alone-0'), `partition 0 holds ${after.join(',')}`);
});
