/**
 * Proves that a replica added to an old partition catches up although its leader's log no longer
 * starts at 0 (issue 13: `__consumer_offsets` partitions are trimmed after each checkpoint, and
 * retention trims every topic): two ReplicaManagers on real logs, the follower's ReplicaFetcher
 * talking to the leader's PartitionReplica directly. The first fetch (offset 0) is answered
 * OFFSET_OUT_OF_RANGE with the leader's log start; the follower starts over, empty, there; it
 * then copies the rest and the leader proposes it for the ISR. Rounds are driven one by one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { nodeConfigDefaults } from '../../../src/config/index.js';
import {
  emptyImage, LeaderRecoveryState, type MetadataImage, type TopicImage,
} from '../../../src/metadata/index.js';
import { ApiKey, type FetchRequest } from '../../../src/protocol/index.js';
import { buildBatch } from '../../../src/protocol/records/index.js';
import { ReplicaFetcher } from '../../../src/node/replica-fetcher.js';
import { ReplicaManager } from '../../../src/node/replica-manager.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { storageIo } from '../../support/storage-io.js';

const log = pino({ level: 'silent' });

/** Topic `t`, one partition led by broker 1 at leader epoch 2; brokers 1 and 2 live. */
function imageOf(replicas: number[], partitionEpoch: number): MetadataImage {
  const partition = { partition: 0, replicas, isr: [1], leader: 1, leaderEpoch: 2,
    partitionEpoch, leaderRecoveryState: LeaderRecoveryState.recovered };
  const topic: TopicImage = { name: 't', topicId: 'id-t', partitions: [partition],
    configs: new Map() };
  const brokers = new Map([1, 2].map((brokerId) => [brokerId, { brokerId, incarnationId: 'i',
    host: 'h', port: 9092, rack: null, brokerEpoch: 1, endpoints: [], fenced: false }]));
  return { ...emptyImage('c'), brokers, topicsById: new Map([['id-t', topic]]),
    topicsByName: new Map([['t', topic]]) };
}

test('a new replica of a trimmed partition starts at the leader\'s log start and joins the ISR',
  async (t) => {
    const dirs = await Promise.all([1, 2].map(() => mkdtemp(join(tmpdir(), 'pado-catch-up-'))));
    const [one, two] = await Promise.all([1, 2].map((nodeId) => ReplicaManager.open(
      { ...nodeConfigDefaults(), nodeId, dataDir: dirs[nodeId - 1] as string, diskReserveBytes: 0 },
      log, storageIo)));
    assert.ok(one !== undefined && two !== undefined);
    t.after(() => Promise.all([one.close(), two.close()]));
    t.after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
    const proposals: number[][] = [];
    one.onIsrChange = (_r, p) => proposals.push([...p.newIsr]);

    // The leader alone writes 10 batches, then deletes the first 6 (as a checkpoint does).
    const alone = imageOf([1], 0);
    await one.applyImage(emptyImage('c'), alone);
    await two.applyImage(emptyImage('c'), alone);
    const leader = one.get('t', 0);
    assert.ok(leader !== undefined);
    for (let i = 0; i < 10; i++) {
      const batch = buildBatch({ records: [{ key: null, value: Buffer.from(`v${i}`),
        timestamp: 1 }], compression: 'none' });
      assert.equal((await leader.produce(batch, Date.now())).errorCode, 0);
    }
    assert.equal((await leader.deleteRecords(6)).errorCode, 0);
    assert.equal(leader.logStartOffset(), 6);

    const grown = imageOf([1, 2], 1);
    await one.applyImage(alone, grown);
    await two.applyImage(alone, grown);
    const slot = two.follower('t', 0);
    assert.ok(slot !== undefined);
    const fetcher = new ReplicaFetcher({
      nodeId: 2, sourceId: 1, log, clock: systemClock,
      partitions: () => [two.follower('t', 0)].filter((s) => s !== undefined),
      isCurrent: (s) => two.follower(s.topic, s.partition) === s,
      send: async <R>(apiKey: number, _version: number, request: unknown): Promise<R> => {
        assert.equal(apiKey, ApiKey.fetch, 'an empty log asks no OffsetForLeaderEpoch');
        const p = (request as FetchRequest).topics[0]?.partitions[0];
        assert.ok(p !== undefined);
        const read = await leader.readAsReplica(p.fetchOffset, p.lastFetchedEpoch,
          p.partitionMaxBytes, 2, Date.now());
        return { responses: [{ topic: 't', partitions: [{ partitionIndex: 0,
          errorCode: read.errorCode, highWatermark: read.highWatermark,
          logStartOffset: read.logStartOffset, records: read.records,
          divergingEpoch: read.divergingEpoch ?? { epoch: -1, endOffset: -1 } }] }] } as R;
      },
    });

    assert.equal(await fetcher.round(), true, 'OFFSET_OUT_OF_RANGE: start over at 6');
    assert.deepEqual([slot.log.logStartOffset, slot.log.logEndOffset, slot.replica.logEndOffset],
      [6, 6, 6]);
    assert.deepEqual(proposals, []);
    assert.equal(await fetcher.round(), true, 'copies offsets 6–9');
    assert.equal(slot.log.logEndOffset, 10);
    assert.deepEqual(slot.log.leaderEpochs.entries(), [{ epoch: 2, startOffset: 6 }]);
    await fetcher.round();
    assert.deepEqual(proposals, [[1, 2]], 'caught up: proposed for the ISR');
  });
