/**
 * Issue 13 (break 7): forged peer frames against a real three-node cluster must not hurt it. Raw
 * frames go to every node's Kafka port over plain TCP, as any client could send them:
 * - RaftMessage (key 1000) heartbeats with term 2^53−1 and 2^50 (safe integers, but beyond the
 *   bound peer input may carry) and from an id that is no member: each answered INVALID_REQUEST;
 * - a heartbeat whose term bytes say 2^53 (not a safe integer): the codec refuses the frame and the
 *   connection closes, as for any malformed client frame;
 * - a heartbeat with term 1,000,000 from a claimed voter: within the bound, so Raft takes it (it
 *   may cost an election — unauthenticated peers can do that, see src/server/README.md);
 * - RaftKv (key 1001, test-only) put: a production node does not serve it (the connection is
 *   closed, as for any unknown API) and does not list it in ApiVersions.
 * Then: every process is still running, the quorum still commits (a topic is created, and kafkajs
 * produces to it and consumes back), and a restarted node starts and rejoins (a node that crashes
 * at start-up on its persisted state fails `startNode`). Waits are conditions with deadlines.
 * The frame builders live in test/support/forged-frames.ts (the forged-peer chaos nemesis uses
 * them too).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import {
  ApiKey, decodeResponseFrame, encodeRequestFrame, KafkaError, type ApiVersionsResponse,
} from '../../src/protocol/index.js';
import {
  exchange as exchangeWith, heartbeat, raftFrame, raftKvKey, raftKvPutFrame, rawTermFrame,
  sendRaft as sendRaftWith,
} from '../support/forged-frames.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';

let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3);
});
after(async () => {
  await cluster?.stop();
});

function peer(id: number) {
  return { host: cluster.host(id), port: Number(cluster.address(id).split(':')[1]) };
}

/** One frame out to node `id` on a fresh socket; the first response frame back, or 'closed'. */
function exchange(id: number, frame: Buffer): Promise<Buffer | 'closed'> {
  return exchangeWith(peer(id), frame);
}

/** The errorCode of a RaftMessage answer from node `id`, or 'closed'. */
function sendRaft(id: number, frame: Buffer): Promise<number | 'closed'> {
  return sendRaftWith(peer(id), frame);
}

function alive(id: number): boolean {
  const p = cluster.process(id)?.proc;
  return p !== undefined && p.exitCode === null && p.signalCode === null;
}

const invalidRequest = KafkaError.invalidRequest.code;

test('forged RaftMessage frames are refused on every node', async () => {
  for (const to of [1, 2, 3]) {
    const claimed = to === 1 ? 2 : 1;
    assert.equal(await sendRaft(to, raftFrame(heartbeat(claimed, to, 2 ** 53 - 1))),
      invalidRequest, `term 2^53-1 to node ${to}`);
    assert.equal(await sendRaft(to, raftFrame(heartbeat(claimed, to, 2 ** 50))), invalidRequest,
      `term 2^50 to node ${to}`);
    assert.equal(await sendRaft(to, raftFrame(heartbeat(99, to, 5))), invalidRequest,
      `unknown sender to node ${to}`);
    assert.equal(await sendRaft(to, rawTermFrame(claimed, to, 2n ** 53n)), 'closed',
      `term 2^53 to node ${to}`);
    assert.equal(await sendRaft(to, rawTermFrame(claimed, to, -1n)), invalidRequest,
      `term -1 to node ${to}`);
  }
  // Within the bound: Raft may take it (and elect anew); it must not hurt.
  assert.equal(await sendRaft(1, raftFrame(heartbeat(2, 1, 1_000_000))), 0);
  for (const id of [1, 2, 3]) assert.ok(alive(id), `node ${id} still runs`);
});

test('a production node neither serves nor lists RaftKv', async () => {
  for (const id of [1, 2, 3]) {
    const put = raftKvPutFrame(1024 * 1024);
    assert.equal(await exchange(id, put), 'closed', `RaftKv put to node ${id}`);
    const versions = await exchange(id,
      Buffer.concat(encodeRequestFrame(ApiKey.apiVersions, 0, 3, 'probe', {})));
    assert.notEqual(versions, 'closed');
    const body = decodeResponseFrame(ApiKey.apiVersions, 0, versions as Buffer)
      .body as ApiVersionsResponse;
    assert.ok(body.apiKeys.some((k) => k.apiKey === ApiKey.raftMessage));
    assert.ok(!body.apiKeys.some((k) => k.apiKey === raftKvKey), `node ${id} lists RaftKv`);
  }
});

async function produceAndConsume(topic: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'forged-peer', logLevel: logLevel.NOTHING,
    brokers: [1, 2, 3].map((id) => cluster.address(id)), retry: { retries: 8 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(`topic ${topic} created`, async () => {
      const made = await admin.createTopics({ topics: [{ topic, numPartitions: 1,
        replicationFactor: 3 }], waitForLeaders: true }).catch(() => undefined);
      if (made === undefined) return undefined;
      const md = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      return md?.topics[0]?.partitions[0]?.leader !== undefined ? true : undefined;
    }, 30_000, 250);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  const values = ['a', 'b', 'c'];
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  const seen: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      seen.push(message.value?.toString() ?? '');
    } });
    await waitFor('the records consumed back', () => (seen.length >= values.length ? true
      : undefined), 30_000);
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(seen, values);
}

test('after the forged frames the quorum commits and a restarted node rejoins', async () => {
  for (const id of [1, 2, 3]) assert.ok(alive(id), `node ${id} still runs`);
  await produceAndConsume('after-forgery');
  // A node that persisted a poisoned value would fail here, at start-up.
  await cluster.kill(2);
  await cluster.startNode(2);
  assert.ok(alive(2));
  for (const id of [1, 3]) assert.ok(alive(id), `node ${id} still runs`);
  await produceAndConsume('after-restart');
});
