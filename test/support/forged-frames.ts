/**
 * Forged peer frames (issue 13, break 7), shared by the forged-peer integration test and the
 * forged-peer chaos nemesis: RaftMessage (key 1000) frames built with the project's own encoder,
 * the same frames with their term bytes overwritten by any int64, truncated or garbage frames,
 * and a RaftKv (key 1001, test-only) put; each sent over a fresh plain TCP connection to a node's
 * Kafka port, as any client could. `exchange` answers with the first response frame or 'closed'
 * (the broker refused the frame and closed the connection); it never waits more than 10 s.
 * `forgedFrames` is the burst the chaos nemesis and the whole-cluster simulation send.
 */
import { connect, type Socket } from 'node:net';
import {
  ApiKey, decodeResponseFrame, encodeRequestFrame, KafkaError, type RaftMessageRequest,
  type RaftMessageResponse,
} from '../../src/protocol/index.js';
import type { Prng } from '../../src/common/index.js';
import type { Message } from '../../src/raft/index.js';
import { raftMessagesToWire } from '../../src/server/index.js';

export const raftKvKey = 1001;
const answerMsMax = 10_000;

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

function open(to: PeerAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(to.port, to.host, () => resolve(s));
    s.once('error', reject);
  });
}

/** One frame out on a fresh socket; the first response frame back, or 'closed'. */
export async function exchange(to: PeerAddress, frame: Buffer): Promise<Buffer | 'closed'> {
  const socket = await open(to);
  try {
    return await new Promise<Buffer | 'closed'>((resolve, reject) => {
      let pending = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error('no answer and no close in 10 s')),
        answerMsMax);
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

/**
 * Bytes out on a fresh socket, then the socket closed by us: for frames that never complete (a
 * length prefix promising more than is sent), which the broker can only drop with the connection.
 */
export async function sendAndClose(to: PeerAddress, bytes: Buffer): Promise<void> {
  const socket = await open(to);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.write(bytes, () => resolve()));
  socket.destroy();
}

export function heartbeat(from: number, to: number, term: number, commit = 0):
  RaftMessageRequest {
  const m: Message = { type: 'heartbeat', from, to, term, commit, context: '' };
  return raftMessagesToWire(from, to, [m]);
}

/** A RaftMessage frame (correlation id 7) as the project's own encoder writes it. */
export function raftFrame(req: RaftMessageRequest): Buffer {
  return Buffer.concat(encodeRequestFrame(ApiKey.raftMessage, 0, 7, 'forger', req));
}

/** The errorCode of a RaftMessage answer, or 'closed'. */
export async function sendRaft(to: PeerAddress, frame: Buffer): Promise<number | 'closed'> {
  const answer = await exchange(to, frame);
  if (answer === 'closed') return answer;
  return (decodeResponseFrame(ApiKey.raftMessage, 0, answer).body as RaftMessageResponse).errorCode;
}

/** A heartbeat frame whose term bytes hold `term` (any int64): written over a placeholder. */
export function rawTermFrame(from: number, to: number, term: bigint): Buffer {
  const placeholder = 0x1234_5678_9abc;
  const frame = raftFrame(heartbeat(from, to, placeholder));
  const marker = Buffer.alloc(8);
  marker.writeBigInt64BE(BigInt(placeholder));
  const at = frame.indexOf(marker);
  if (at <= 0) throw new Error('the placeholder term is not in the frame');
  frame.writeBigInt64BE(term, at);
  return frame;
}

/** `frame`'s body cut to `bodyBytes`, its length prefix saying so (a whole frame, a short body). */
export function truncatedFrame(frame: Buffer, bodyBytes: number): Buffer {
  const out = Buffer.from(frame.subarray(0, 4 + bodyBytes));
  out.writeInt32BE(bodyBytes, 0);
  return out;
}

/** A frame of `bodyBytes` seeded random bytes behind a true length prefix. */
export function garbageFrame(prng: Prng, bodyBytes: number): Buffer {
  const out = prng.fill(Buffer.alloc(4 + bodyBytes));
  out.writeInt32BE(bodyBytes, 0);
  return out;
}

/** A RaftKv (test-only API 1001) put of `valueBytes`: production nodes close the connection. */
export function raftKvPutFrame(valueBytes: number): Buffer {
  return Buffer.concat(encodeRequestFrame(raftKvKey, 0, 9, 'forger',
    { op: 1, key: 'big', value: Buffer.alloc(valueBytes, 7) }));
}

/** What a forged frame should get: an error code, 'closed', or 'any' (Raft may take it). */
export type ForgedExpectation = number | 'closed' | 'any';

export interface ForgedFrame {
  readonly name: string;
  readonly bytes: Buffer;
  readonly expect: ForgedExpectation;
  /** Sent with `sendAndClose`: the frame never completes, so no answer can come. */
  readonly unfinished?: boolean;
}

/**
 * The forged-peer burst to node `to` (voters `ids`): the frames of the forged-peer integration
 * test, with what each must get, plus seeded truncated, bit-flipped and garbage ones.
 */
export function forgedFrames(to: number, ids: readonly number[], prng: Prng): ForgedFrame[] {
  const claimed = prng.pick(ids.filter((id) => id !== to));
  const invalid = KafkaError.invalidRequest.code;
  const valid = raftFrame(heartbeat(claimed, to, 5));
  const body = valid.length - 4;
  const flipped = Buffer.from(valid);
  const flipAt = 4 + prng.below(body);
  flipped[flipAt] = flipped[flipAt]! ^ (1 << prng.below(8));
  const unfinished = Buffer.from(valid.subarray(0, 4 + prng.below(body)));
  const rawGarbage = prng.fill(Buffer.alloc(4 + prng.below(512)));
  const frames: ForgedFrame[] = [
    { name: 'term 2^53-1', bytes: raftFrame(heartbeat(claimed, to, 2 ** 53 - 1)), expect: invalid },
    { name: 'term 2^50', bytes: raftFrame(heartbeat(claimed, to, 2 ** 50)), expect: invalid },
    { name: 'unknown sender', bytes: raftFrame(heartbeat(99, to, 5)), expect: invalid },
    { name: 'term bytes 2^53', bytes: rawTermFrame(claimed, to, 2n ** 53n), expect: 'closed' },
    { name: 'term -1', bytes: rawTermFrame(claimed, to, -1n), expect: invalid },
    // Within the bound: Raft takes it (it may cost an election, as unauthenticated peers can).
    { name: 'term 1,000,000', bytes: raftFrame(heartbeat(claimed, to, 1_000_000)), expect: 'any' },
    { name: 'term 1,000,001, commit 2^40',
      bytes: raftFrame(heartbeat(claimed, to, 1_000_001, 2 ** 40)), expect: 'any' },
    { name: `truncated frame`, bytes: truncatedFrame(valid, prng.below(body)), expect: 'closed' },
    { name: 'unfinished frame', bytes: unfinished, expect: 'any', unfinished: true },
    { name: `bit ${flipAt} flipped`, bytes: flipped, expect: 'any' },
    { name: 'garbage frame', bytes: garbageFrame(prng, 1 + prng.below(1024)), expect: 'any' },
    { name: 'raw garbage', bytes: rawGarbage, expect: 'any', unfinished: true },
    { name: 'RaftKv put', bytes: raftKvPutFrame(64 * 1024), expect: 'closed' },
  ];
  return frames;
}
