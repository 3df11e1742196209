/**
 * Forged peer frames (issue 13, break 7), shared by the forged-peer integration test and the
 * forged-peer chaos nemesis: RaftMessage (key 1000) frames built with the project's own encoder,
 * the same frames with their term bytes overwritten by any int64, truncated or garbage frames,
 * and a RaftKv (key 1001, test-only) put; each sent over a fresh plain TCP connection to a node's
 * Kafka port, as any client could. `exchange` answers with the first response frame or 'closed'
 * (the broker refused the frame and closed the connection); it never waits more than 10 s.
 */
import { connect, type Socket } from 'node:net';
import {
  ApiKey, decodeResponseFrame, encodeRequestFrame, type RaftMessageRequest,
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
