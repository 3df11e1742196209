/**
 * The controller APIs of issue 5 through one real `pado start` process (a cluster of one, so it is
 * the active controller) and Pado's own Kafka client: AlterPartition with a stale leader epoch is
 * answered FENCED_LEADER_EPOCH with the partition's current state; sent again with that state and
 * the same ISR it is accepted as a no-op (partition epoch unchanged); a stale broker epoch is a
 * top-level STALE_BROKER_EPOCH. AllocateProducerIds grants whole blocks that never overlap, and
 * InitProducerId hands out ids from a block of the node's own. The broker epoch comes from the
 * node's 'registered with the controller' log line (no API reports it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../src/client/index.js';
import {
  ApiKey, KafkaError, type AllocateProducerIdsResponse, type AlterPartitionResponse,
  type InitProducerIdResponse,
} from '../../src/protocol/index.js';
import { startBroker } from '../support/broker.js';
import { clientIo } from '../support/client-io.js';

const broker = await startBroker();
const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port, clientId: 't' });
after(async () => {
  await client.close();
  await broker.stop();
});

function brokerEpoch(): number {
  const line = broker.lines.find((l) => l.includes('"msg":"registered with the controller"'));
  const m = line === undefined ? null : /"brokerEpoch":(\d+)/.exec(line);
  assert.ok(m !== null, 'the node logs its broker epoch');
  return Number(m[1]);
}

test('AlterPartition: stale leader epoch refused with the current state, no-op ISR accepted',
  async () => {
    const created = await client.createTopics([{ name: 'isr', numPartitions: 1,
      replicationFactor: 1 }]);
    assert.equal(created.topics[0]?.errorCode, 0);
    const meta = await client.metadata(['isr']);
    const topic = meta.topics[0];
    const p = topic?.partitions[0];
    assert.ok(topic !== undefined && p !== undefined);
    const alter = (epoch: number, leaderEpoch: number, partitionEpoch: number) =>
      client.request<AlterPartitionResponse>(ApiKey.alterPartition, {
        brokerId: 1, brokerEpoch: epoch, topics: [{ topicId: topic.topicId, partitions: [{
          partitionIndex: 0, leaderEpoch, partitionEpoch, leaderRecoveryState: 0,
          newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: epoch }],
        }] }],
      }, 3);
    const stale = await alter(brokerEpoch(), p.leaderEpoch + 1, 0);
    assert.equal(stale.errorCode, 0);
    const current = stale.topics[0]?.partitions[0];
    assert.equal(current?.errorCode, KafkaError.fencedLeaderEpoch.code);
    assert.deepEqual([current?.leaderId, current?.leaderEpoch, current?.isr],
      [1, p.leaderEpoch, [1]]);
    const same = await alter(brokerEpoch(), p.leaderEpoch, current?.partitionEpoch ?? -1);
    assert.deepEqual(same.topics[0]?.partitions[0], { ...current, errorCode: 0 });
    const staleBroker = await alter(brokerEpoch() + 100, p.leaderEpoch, 0);
    assert.deepEqual([staleBroker.errorCode, staleBroker.topics.length],
      [KafkaError.staleBrokerEpoch.code, 0]);
  });

test('producer-id blocks do not overlap; InitProducerId serves ids from its own block',
  async () => {
    const ask = () => client.request<AllocateProducerIdsResponse>(ApiKey.allocateProducerIds,
      { brokerId: 1, brokerEpoch: brokerEpoch() }, 0);
    const a = await ask();
    const b = await ask();
    assert.deepEqual([a.errorCode, b.errorCode], [0, 0]);
    assert.ok(a.producerIdLen > 0);
    assert.equal(b.producerIdStart, a.producerIdStart + a.producerIdLen);
    const init = () => client.request<InitProducerIdResponse>(ApiKey.initProducerId,
      { transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, 4);
    const first = await init();
    const second = await init();
    assert.deepEqual([first.errorCode, second.errorCode, second.producerId],
      [0, 0, first.producerId + 1]);
    const granted = (id: number, block: AllocateProducerIdsResponse) =>
      id >= block.producerIdStart && id < block.producerIdStart + block.producerIdLen;
    assert.ok(!granted(first.producerId, a) && !granted(first.producerId, b));
  });
