/**
 * The wire side of the SASL gate tests (test/integration/security-fuzz.test.ts): `GateLink` is
 * one connection to a listener that writes request frames (pipelined or one at a time) and reads
 * every frame the broker sends back; `GateMirror` replays, answer by answer, the broker's
 * per-connection SASL state (server/session.ts) and says whether the broker was allowed to send
 * each answer, and why it stopped reading when it closed the connection.
 *
 * What the mirror holds the broker to: responses come in request order and every request read is
 * answered or closes the connection (server/connection.ts; true of the handlers an
 * unauthenticated client reaches, which answer at once — a logged-in client's pending answers
 * may die with the connection, so callers wait for them before a frame that closes it), so the
 * answers are a prefix of the frames sent, each answering the frame at its position (same
 * correlation id). Before a handshake only ApiVersions and SaslHandshake are answered; after a
 * successful v1 handshake only SaslAuthenticate; after a v0 handshake every frame is a raw SASL
 * token and so is every answer; a connection without credentials never completes a login. The
 * first frame not answered is classified the way the broker's connection decides (header, the
 * session, API key, version, body), with the broker's own close reasons, so the test can compare
 * the tallies with its log (over TLS the last answers may be lost: see `lossyTail`).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import {
  ApiKey, apiTable, decodeRequestHeader, decodeResponseFrame, Reader,
  type SaslAuthenticateResponse, type SaslHandshakeResponse,
} from '../../src/protocol/index.js';
import { limits } from '../../src/common/index.js';

/** The API versions a listener serves, as its ApiVersions answer lists them. */
export type Served = ReadonlyMap<number, { readonly min: number; readonly max: number }>;

export type GateState = 'handshake' | 'authenticate' | 'raw' | 'authenticated';

/** The broker's close reasons (server/connection.ts `close(reason)`), and 'none'. */
export type CloseCause = 'malformed request header' | 'unsupported api key' |
  'unsupported api version' | 'not authenticated' | 'malformed request' |
  'SASL authentication failed' | 'oversize frame' | 'sent elsewhere' | 'none' |
  'unknown (answers lost)';

export interface FrameHead {
  readonly apiKey: number;
  readonly version: number;
  readonly correlationId: number;
}

export interface GateOutcome {
  /** Frames written. */
  readonly sent: number;
  /** Frames the broker read: the answered ones and the one it closed the connection on. */
  readonly read: number;
  /** Answers by API name ('raw token' for the answers of a v0 exchange). */
  readonly answers: ReadonlyMap<string, number>;
  readonly closed: 'broker' | 'timeout';
  readonly cause: CloseCause;
  /**
   * The API the broker closed the connection on, as its header names it ('raw token',
   * 'undecodable header', 'oversize'); null when unknown.
   */
  readonly closedOn: string | null;
  /** Answers the broker must not have sent, and other breaches; empty when all is well. */
  readonly violations: readonly string[];
  /** The mirrored state when the connection closed. */
  readonly state: GateState;
}

const answerTimeoutMs = 15_000;

/** The request header of a frame (size prefix included) as the broker reads it, or null. */
export function frameHead(frame: Buffer): FrameHead | null {
  if (frame.length < 4) return null;
  const r = new Reader(frame.subarray(4));
  const h = decodeRequestHeader(r);
  return r.failed ? null
    : { apiKey: h.requestApiKey, version: h.requestApiVersion, correlationId: h.correlationId };
}

/** `frame` with correlation id `id` (bytes 8–11), when it is long enough to carry one. */
export function stamped(frame: Buffer, id: number): Buffer {
  if (frame.length < 12) return frame;
  const out = Buffer.from(frame);
  out.writeInt32BE(id, 8);
  return out;
}

const apiName = (key: number): string => apiTable.get(key)?.name ?? `api ${key}`;

export class GateMirror {
  private readonly served: Served;
  private readonly credentialed: boolean;
  private readonly lossyTail: boolean;
  private readonly frames: Buffer[] = [];
  private answered = 0;
  private lastAnswerFailedLogin = false;
  private stateNow: GateState = 'handshake';
  readonly answers = new Map<string, number>();
  readonly violations: string[] = [];

  /**
   * `credentialed`: this connection logs in for real (else a login is itself a breach).
   * `lossyTail`: a TLS connection, whose last answers the broker may drop when it closes it
   * (it destroys the socket with their encrypted bytes still queued): the answers that arrive
   * are still checked, but where the broker stopped reading cannot be told.
   */
  constructor(served: Served, opts: { credentialed?: boolean; lossyTail?: boolean } = {}) {
    this.served = served;
    this.credentialed = opts.credentialed === true;
    this.lossyTail = opts.lossyTail === true;
  }

  get state(): GateState {
    return this.stateNow;
  }

  get sentCount(): number {
    return this.frames.length;
  }

  sent(frame: Buffer): void {
    this.frames.push(frame);
  }

  /** One frame from the broker (size prefix removed). */
  reply(body: Buffer): void {
    const at = this.answered++;
    const frame = this.frames[at];
    if (frame === undefined) {
      this.breach(`an answer (${body.length} bytes) to no request: ${hex(body)}`);
      return;
    }
    if (this.stateNow === 'raw') return this.rawReply(body);
    const head = frameHead(frame);
    const correlationId = body.length >= 4 ? body.readInt32BE(0) : NaN;
    if (head === null || head.correlationId !== correlationId) {
      this.breach(`answer ${at} (correlation id ${correlationId}) does not answer frame ${at}` +
        ` ${hex(frame)}`);
      return;
    }
    this.count(apiName(head.apiKey));
    if (!this.allows(head, frame)) {
      this.breach(`${apiName(head.apiKey)} v${head.version} answered in state ` +
        `${this.stateNow}: frame ${hex(frame)} answer ${hex(body)}`);
    }
    this.advance(head, body);
  }

  /** Why the broker stopped reading, once it has closed the connection. */
  finish(closed: 'broker' | 'timeout'): GateOutcome {
    const cause = closed === 'timeout' ? 'none' : this.closeCause();
    if (closed === 'timeout') this.breach(`no close ${answerTimeoutMs} ms after the last frame`);
    const read = this.answered + (cause === 'none' || (cause === 'SASL authentication failed' &&
      this.lastAnswerFailedLogin) ? 0 : 1);
    return { sent: this.frames.length, read, answers: this.answers, closed, cause,
      closedOn: this.closedOn(cause), violations: this.violations, state: this.stateNow };
  }

  private closedOn(cause: CloseCause): string | null {
    if (cause === 'none' || cause === 'unknown (answers lost)') return null;
    if (cause === 'SASL authentication failed') {
      return this.lastAnswerFailedLogin ? apiName(ApiKey.saslAuthenticate) : 'raw token';
    }
    if (cause === 'oversize frame') return 'oversize';
    const frame = this.frames[this.answered];
    const head = frame === undefined ? null : frameHead(frame);
    return head === null ? 'undecodable header' : apiName(head.apiKey);
  }

  private allows(head: FrameHead, frame: Buffer): boolean {
    const apiKey = head.apiKey;
    switch (this.stateNow) {
      case 'handshake': return apiKey === ApiKey.apiVersions || apiKey === ApiKey.saslHandshake;
      case 'authenticate': return apiKey === ApiKey.saslAuthenticate;
      case 'raw': return false;
      case 'authenticated': return this.served.has(apiKey) && !fromReplica(head, frame);
    }
  }

  private advance(head: FrameHead, body: Buffer): void {
    this.lastAnswerFailedLogin = false;
    if (head.apiKey === ApiKey.saslHandshake && this.stateNow === 'handshake') {
      const r = this.decode<SaslHandshakeResponse>(head, body);
      if (r?.errorCode === 0) this.stateNow = head.version === 0 ? 'raw' : 'authenticate';
    } else if (head.apiKey === ApiKey.saslAuthenticate && this.stateNow === 'authenticate') {
      const r = this.decode<SaslAuthenticateResponse>(head, body);
      if (r === null) return;
      if (r.errorCode !== 0) this.lastAnswerFailedLogin = true;
      else if (!isScramChallenge(r.authBytes)) this.loggedIn(r.authBytes);
    }
  }

  /** A v0 exchange's answer: a SCRAM challenge, or the end of a login. */
  private rawReply(token: Buffer): void {
    this.count('raw token');
    if (!isScramChallenge(token)) this.loggedIn(token);
  }

  private loggedIn(last: Buffer): void {
    if (!this.credentialed) this.breach(`logged in without credentials (last token ${hex(last)})`);
    this.stateNow = 'authenticated';
  }

  private decode<T>(head: FrameHead, body: Buffer): T | null {
    try {
      return decodeResponseFrame(head.apiKey, head.version, body).body as T;
    } catch (err) {
      this.breach(`undecodable ${apiName(head.apiKey)} answer: ${String(err)}`);
      return null;
    }
  }

  private closeCause(): CloseCause {
    if (this.lastAnswerFailedLogin) return 'SASL authentication failed';
    if (this.lossyTail) return 'unknown (answers lost)';
    const frame = this.frames[this.answered];
    if (frame === undefined) {
      this.breach('closed with every frame answered and no failed login');
      return 'none';
    }
    const size = frame.length >= 4 ? frame.readInt32BE(0) : 0;
    if (size < 0 || size > limits.requestBytesMax) return 'oversize frame';
    if (this.stateNow === 'raw') return 'SASL authentication failed';
    const head = frameHead(frame);
    if (head === null) return 'malformed request header';
    // The session decides on the API key alone, before the key and version are checked.
    if (this.stateNow !== 'authenticated' && !this.allows(head, frame)) return 'not authenticated';
    const range = this.served.get(head.apiKey);
    if (range === undefined) return 'unsupported api key';
    if (head.version < range.min || head.version > range.max) {
      // ApiVersions of any version is answered (KIP-511), so it cannot be why the broker closed.
      if (head.apiKey === ApiKey.apiVersions) {
        this.breach(`ApiVersions v${head.version} unanswered`);
      }
      return 'unsupported api version';
    }
    if (fromReplica(head, frame)) return 'sent elsewhere';
    return 'malformed request';
  }

  private count(name: string): void {
    this.answers.set(name, (this.answers.get(name) ?? 0) + 1);
  }

  private breach(what: string): void {
    this.violations.push(what);
  }
}

/**
 * A follower's Fetch or OffsetForLeaderEpoch (replica id ≥ 0), which a client listener refuses
 * (server/listener-apis.ts) even to a logged-in client.
 */
function fromReplica(head: FrameHead, frame: Buffer): boolean {
  if (head.apiKey !== ApiKey.fetch && head.apiKey !== ApiKey.offsetForLeaderEpoch) return false;
  const r = new Reader(frame.subarray(4));
  decodeRequestHeader(r);
  const request = apiTable.get(head.apiKey)?.decodeRequest(r, head.version) as
    { replicaId?: number; replicaState?: { replicaId: number } } | undefined;
  if (r.failed || request === undefined) return false;
  if (head.apiKey === ApiKey.offsetForLeaderEpoch) {
    return head.version >= 3 && (request.replicaId ?? -1) >= 0;
  }
  const replicaId = head.version >= 15 ? request.replicaState?.replicaId : request.replicaId;
  return (replicaId ?? -1) >= 0;
}

function isScramChallenge(token: Buffer): boolean {
  return token.subarray(0, 2).toString('latin1') === 'r=';
}

function hex(b: Buffer): string {
  return b.length <= 256 ? b.toString('hex')
    : `${b.subarray(0, 256).toString('hex')}…(${b.length} bytes)`;
}

export interface GateTarget {
  readonly host: string;
  readonly port: number;
  /** TLS options (a CA to trust, maybe a client certificate); absent: plain TCP. */
  readonly tls?: ConnectionOptions;
}

/** One connection: frames out, every answer to the mirror, and the close the test waits for. */
export class GateLink {
  readonly mirror: GateMirror;
  private readonly socket: Socket;
  private pending: Buffer = Buffer.alloc(0);
  private closedFlag = false;
  private readonly waiters: ((r: Buffer | 'closed') => void)[] = [];
  private readonly closeWaiters: (() => void)[] = [];

  private constructor(socket: Socket, mirror: GateMirror) {
    this.socket = socket;
    this.mirror = mirror;
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('close', () => this.onClose());
  }

  /** Connects (and completes the TLS handshake); rejects if either fails. */
  static open(to: GateTarget, mirror: GateMirror): Promise<GateLink> {
    return new Promise((resolve, reject) => {
      const socket: Socket = to.tls === undefined ? netConnect(to.port, to.host)
        : tlsConnect({ ...to.tls, host: to.host, port: to.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${to.host}:${to.port} in ${answerTimeoutMs} ms`));
      }, answerTimeoutMs);
      socket.once(to.tls === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        resolve(new GateLink(socket, mirror));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Writes frames back to back (pipelined); the broker reads them in order. */
  write(frames: readonly Buffer[]): void {
    for (const f of frames) this.mirror.sent(f);
    if (this.closedFlag) return;
    this.socket.cork();
    for (const f of frames) this.socket.write(f);
    this.socket.uncork();
  }

  /** Writes one frame; the next frame the broker sends, or 'closed'. */
  request(frame: Buffer): Promise<Buffer | 'closed'> {
    return new Promise((resolve) => {
      if (this.closedFlag) return resolve('closed');
      this.waiters.push(resolve);
      this.write([frame]);
    });
  }

  /** Waits for the broker to close the connection (bounded); then it is closed either way. */
  async finish(): Promise<GateOutcome> {
    const how = await new Promise<'broker' | 'timeout'>((resolve) => {
      if (this.closedFlag) return resolve('broker');
      const timer = setTimeout(() => resolve('timeout'), answerTimeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve('broker');
      });
    });
    this.socket.destroy();
    return this.mirror.finish(how);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    // Bounded: each pass takes one whole frame off `pending`.
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > limits.requestBytesMax) {
        this.mirror.violations.push(`a response frame of ${size} bytes`);
        this.socket.destroy();
        return;
      }
      if (this.pending.length < 4 + size) return;
      const body = this.pending.subarray(4, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      this.mirror.reply(body);
      this.waiters.shift()?.(body);
    }
  }

  private onClose(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const w of this.waiters.splice(0)) w('closed');
    for (const w of this.closeWaiters.splice(0)) w();
  }
}
