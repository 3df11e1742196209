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
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import {
  ApiKey, decodeResponseFrame, encodeRequestFrame, KafkaError,
  type ApiVersionsResponse, type RaftMessageRequest, type RaftMessageResponse,
} from '../../src/protocol/index.js';
import type { Message } from '../../src/raft/index.js';
import { raftMessagesToWire } from '../../src/server/index.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';

const raftKvKey = 1001;
let cluster: RaftCluster;

before(async () => {
  cluster = await RaftCluster.start(3);
});
after(async () => {
  await cluster?.stop();
});

function portOf(id: number): number {
  return Number(cluster.address(id).split(':')[1]);
}

/** One frame out on a fresh socket; the first response frame back, or 'closed'. */
async function exchange(port: number, frame: Buffer): Promise<Buffer | 'closed'> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  try {
    return await new Promise<Buffer | 'closed'>((resolve, reject) => {
      let pending = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error('no answer and no close in 10 s')), 10_000);
      socket.on('data', (c: Buffer) => {
        pending = Buffer.concat([pending, c]);
        if (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          clearTimeout(timer);
          resolve(pending.subarray(4, 4 + pending.readInt32BE(0)));
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve('closed');
      });
      socket.on('error', () => undefined);
      socket.write(frame);
    });
  } finally {
    socket.destroy();
  }
}

function heartbeat(from: number, to: number, term: number): RaftMessageRequest {
  const m: Message = { type: 'heartbeat', from, to, term, commit: 0, context: '' };
  return raftMessagesToWire(from, to, [m]);
}

/** A RaftMessage frame (correlation id 7) as the project's own encoder writes it. */
function raftFrame(req: RaftMessageRequest): Buffer {
  return Buffer.concat(encodeRequestFrame(ApiKey.raftMessage, 0, 7, 'forger', req));
}

/** The errorCode of a RaftMessage answer, or 'closed'. */
async function sendRaft(id: number, frame: Buffer): Promise<number | 'closed'> {
  const answer = await exchange(portOf(id), frame);
  if (answer === 'closed') return answer;
  return (decodeResponseFrame(ApiKey.raftMessage, 0, answer).body as RaftMessageResponse).errorCode;
}

/** A heartbeat frame whose term bytes hold `term` (any int64): written over a placeholder. */
function rawTermFrame(from: number, to: number, term: bigint): Buffer {
  const placeholder = 0x1234_5678_9abc;
  const frame = raftFrame(heartbeat(from, to, placeholder));
  const marker = Buffer.alloc(8);
  marker.writeBigInt64BE(BigInt(placeholder));
  const at = frame.indexOf(marker);
  assert.ok(at > 0, 'the placeholder term is in the frame');
  frame.writeBigInt64BE(term, at);
  return frame;
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
    const put = Buffer.concat(encodeRequestFrame(raftKvKey, 0, 9, 'forger',
      { op: 1, key: 'big', value: Buffer.alloc(1024 * 1024, 7) }));
    assert.equal(await exchange(portOf(id), put), 'closed', `RaftKv put to node ${id}`);
    const versions = await exchange(portOf(id),
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
