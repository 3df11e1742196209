/**
 * Proves InitProducerId's id source (ProducerIdBlocks) against a fake allocator and against the
 * real controller decisions on a fake quorum: ids are handed out in order from the block, the next
 * block is asked for only when one is used up, concurrent requests share one allocation, no id is
 * handed out twice across blocks, brokers or a restart (a new instance skips the unused rest),
 * the controller is asked locally or remotely as this node is or is not the controller, and a
 * refused allocation answers COORDINATOR_LOAD_IN_PROGRESS (retriable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from '../../../src/protocol/index.js';
import { producerIdBlockSize } from '../../../src/controller/index.js';
import { ControllerDuties } from '../../../src/node/controller-duties.js';
import { ProducerIdBlocks, type ProducerIdAllocator } from '../../../src/node/producer-ids.js';
import { cluster } from '../controller/support.js';
import { FakeMetadata, manualTimer, silent, testClock } from './lifecycle-fakes.js';

class CountingAllocator implements ProducerIdAllocator {
  calls = 0;
  next = 0;
  errorCode = 0;
  readonly count: number;
  constructor(count: number) {
    this.count = count;
  }
  allocateProducerIds(): Promise<{ errorCode: number; firstProducerId: number; count: number }> {
    this.calls++;
    if (this.errorCode !== 0) {
      return Promise.resolve({ errorCode: this.errorCode, firstProducerId: -1, count: 0 });
    }
    const firstProducerId = this.next;
    this.next += this.count;
    return Promise.resolve({ errorCode: 0, firstProducerId, count: this.count });
  }
}

function blocks(local: ProducerIdAllocator, remote: ProducerIdAllocator, controller = true) {
  return new ProducerIdBlocks({ nodeId: 1, brokerEpoch: () => 1, isController: () => controller,
    local, remote });
}

test('ids come in order from one block; the next block only when it is used up', async () => {
  const local = new CountingAllocator(3);
  const remote = new CountingAllocator(3);
  const ids = blocks(local, remote);
  const got: number[] = [];
  for (let i = 0; i < 7; i++) got.push((await ids.nextProducerId()).producerId);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(local.calls, 3);
  assert.equal(remote.calls, 0);
  const elsewhere = blocks(local, remote, false);
  assert.equal((await elsewhere.nextProducerId()).producerId, 0);
  assert.equal(remote.calls, 1);
});

test('concurrent requests share one allocation and never get the same id', async () => {
  const local = new CountingAllocator(10);
  const ids = blocks(local, local);
  const answers = await Promise.all(Array.from({ length: 25 }, () => ids.nextProducerId()));
  const got = answers.map((a) => a.producerId);
  assert.equal(new Set(got).size, 25);
  assert.ok(answers.every((a) => a.errorCode === 0));
  assert.equal(local.calls, 3);
});

test('a refused allocation is COORDINATOR_LOAD_IN_PROGRESS; the next request asks again',
  async () => {
  const local = new CountingAllocator(2);
  local.errorCode = KafkaError.notController.code;
  const ids = blocks(local, local);
  assert.deepEqual(await ids.nextProducerId(),
    { errorCode: KafkaError.coordinatorLoadInProgress.code, producerId: -1 });
  local.errorCode = 0;
  assert.deepEqual(await ids.nextProducerId(), { errorCode: 0, producerId: 0 });
  assert.equal(local.calls, 2);
});

test('with the real controller: two brokers and a restart never share an id', async () => {
  const metadata = new FakeMetadata(cluster(2));
  const duties = new ControllerDuties({ metadata, metadataOffset: () => metadata.offset,
    log: silent, clock: testClock({ every: manualTimer().every }), isQuorumMember: () => true });
  duties.onLeaderChange(true);
  const broker = (nodeId: number) => new ProducerIdBlocks({ nodeId, brokerEpoch: () => nodeId,
    isController: () => nodeId === 1, local: duties, remote: duties });
  const seen = new Set<number>();
  const take = async (ids: ProducerIdBlocks, n: number) => {
    for (let i = 0; i < n; i++) {
      const { errorCode, producerId } = await ids.nextProducerId();
      assert.equal(errorCode, 0);
      assert.ok(!seen.has(producerId), `id ${producerId} handed out twice`);
      seen.add(producerId);
    }
  };
  await take(broker(1), 5);
  await take(broker(2), producerIdBlockSize + 1);
  await take(broker(1), 3); // node 1 restarted: a new block, the old block's rest is skipped
  assert.equal(metadata.image().nextProducerId, 4 * producerIdBlockSize);
});
