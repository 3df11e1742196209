/**
 * Followers copy their leaders (issue 6) with 3 real `pado start` processes: records produced to
 * the leader of an RF=3 partition reach both followers byte for byte (same offsets and epochs, so
 * the same log file); after a SIGKILL of that leader the new leader serves every one of them, in
 * order; the old leader, restarted on its data, catches up with what the new leader wrote since
 * (OffsetForLeaderEpoch, then Fetch). acks=all: produces are acknowledged once every ISR member
 * fsynced them; with min.insync.replicas=3, once a SIGKILLed follower is fenced (and so dropped
 * from the ISR) the leader refuses acks=all with NOT_ENOUGH_REPLICAS (19). Waits are conditions with deadlines; every process is killed in `after`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFetchedRecords, KafkaClient } from '../../src/client/index.js';
import { sessionTimeoutMsDefault } from '../../src/controller/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { IdempotentProducer } from '../support/idempotent-produce.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';

const movedWithinMs = sessionTimeoutMsDefault + 8_000;
const topic = 'copied';
let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3);
});
after(async () => {
  await cluster?.stop();
});

function withClient<T>(id: number, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  return cluster.withClient(id, f);
}

async function leaderSeenBy(id: number): Promise<{ leaderId: number; leaderEpoch: number }> {
  const md = await withClient(id, (c) => c.metadata([topic]));
  const p = md.topics[0]?.partitions[0];
  return { leaderId: p?.leaderId ?? -1, leaderEpoch: p?.leaderEpoch ?? -1 };
}

/** acks=all produces of v<from>… to `leader`, one record each, idempotent (retried if need be). */
async function produce(leader: number, from: number, count: number): Promise<void> {
  const producer = new IdempotentProducer();
  await withClient(leader, async (c) => {
    for (let i = from; i < from + count; i++) {
      await producer.send(c, topic, 0, `v${i}`, movedWithinMs);
    }
  });
}

async function logBytes(id: number): Promise<Buffer> {
  const file = join(cluster.dataDir(id), `${topic}-0`, '00000000000000000000.log');
  return readFile(file).catch(() => Buffer.alloc(0));
}

/** Every node in `ids` holds exactly the leader's log file. */
async function copiedTo(leader: number, ids: readonly number[]): Promise<void> {
  await waitFor(`the log of ${leader} copied to ${ids.join(',')}`, async () => {
    const expected = await logBytes(leader);
    if (expected.length === 0) return undefined;
    for (const id of ids) if (!expected.equals(await logBytes(id))) return undefined;
    return true;
  }, movedWithinMs);
}

async function values(id: number): Promise<string[]> {
  return withClient(id, async (c) => {
    const out: string[] = [];
    for (let offset = 0, round = 0; round < 100; round++) {
      const r = await c.fetch([{ topic, partition: 0, offset }], { maxWaitMs: 0 });
      const fetched = decodeFetchedRecords(r.responses[0]?.partitions[0]?.records ?? null);
      if (fetched.nextOffset === null) break;
      for (const record of fetched.records) out.push(record.value?.toString() ?? '');
      offset = fetched.nextOffset;
    }
    return out;
  });
}

test('followers copy the leader; a new leader serves everything; the old one catches up',
  async () => {
    await waitFor('three brokers', async () =>
      ((await withClient(1, (c) => c.metadata([]))).brokers.length === 3 ? true : undefined));
    const created = await withClient(1, (c) =>
      c.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 3 }]));
    assert.equal(created.topics[0]?.errorCode, 0);
    const first = await waitFor('a leader', async () => {
      const seen = await leaderSeenBy(1).catch(() => undefined);
      return seen !== undefined && seen.leaderId > 0 ? seen : undefined;
    });
    await produce(first.leaderId, 0, 20);
    const others = cluster.ids.filter((id) => id !== first.leaderId);
    await copiedTo(first.leaderId, others);

    await cluster.kill(first.leaderId);
    const second = await waitFor('a new leader', async () => {
      const seen = await leaderSeenBy(others[0]!).catch(() => undefined);
      return seen !== undefined && seen.leaderId > 0 && seen.leaderId !== first.leaderId
        ? seen : undefined;
    }, movedWithinMs);
    assert.ok(second.leaderEpoch > first.leaderEpoch);
    const expected = Array.from({ length: 20 }, (_, i) => `v${i}`);
    // A new leader's HW is what it learnt as a follower, one fetch behind: it reaches the log end
    // once the other ISR member has fetched in the new epoch (KIP-101; Kafka does the same).
    const served = await waitFor('the new leader serving all 20', async () => {
      const got = await values(second.leaderId).catch(() => []);
      return got.length >= expected.length ? got : undefined;
    }, movedWithinMs);
    assert.deepEqual(served, expected);

    await produce(second.leaderId, 20, 5);
    await cluster.startNode(first.leaderId);
    await copiedTo(second.leaderId, cluster.ids.filter((id) => id !== second.leaderId));
  });

/** One acks=all produce of `value` to `name`; its partition error code. */
async function produceAll(id: number, name: string, value: string): Promise<number> {
  return withClient(id, async (c) => {
    const batch = buildBatch({ records: [{ key: null, value: Buffer.from(value),
      timestamp: Date.now() }], compression: 'none' });
    const r = await c.produce(name, 0, batch, -1, 3_000);
    return r?.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
  });
}

test('acks=all is acknowledged by 3 live replicas; with min.insync.replicas=3 and one follower ' +
  'SIGKILLed and fenced it is refused with NOT_ENOUGH_REPLICAS', async () => {
  const strict = 'strict';
  const created = await withClient(anyNode(), (c) => c.createTopics([{ name: strict,
    numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '3' } }]));
  assert.equal(created.topics[0]?.errorCode, 0);
  const leader = await waitFor('a leader of strict', async () => {
    const md = await withClient(anyNode(), (c) => c.metadata([strict])).catch(() => undefined);
    const p = md?.topics[0]?.partitions[0];
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p.leaderId : undefined;
  }, movedWithinMs);
  // Every replica live and in the ISR: the HW passes the batch once all three fsynced it.
  await waitFor('an acks=all produce acknowledged', async () =>
    ((await produceAll(leader, strict, 'ok').catch(() => -1)) === 0 ? true : undefined),
  movedWithinMs);
  const follower = cluster.ids.find((id) => id !== leader)!;
  await cluster.kill(follower);
  // Once the controller fences it, the ISR is 2 < 3: refused before anything is appended.
  await waitFor('NOT_ENOUGH_REPLICAS after the follower is fenced', async () =>
    ((await produceAll(leader, strict, 'refused').catch(() => -1)) === 19 ? true : undefined),
  movedWithinMs);
});

/** A live node to ask (the first test may have killed and restarted any of them). */
function anyNode(): number {
  return cluster.ids[0]!;
}
