/**
 * One TCP connection to a broker: size-prefixed frames, correlation ids, a bounded map of requests
 * in flight, a timeout per request. Knows nothing about which API it carries beyond asking the
 * codec to encode and decode (src/protocol).
 */
import {
  limits, PadoError, PadoErrorCode, type Clock, type Net, type NetSocket, type Random,
  type Timer,
} from '../common/index.js';
import { decodeResponseFrame, encodeRequestFrame } from '../protocol/index.js';
import { saslLogin, type ClientSecurity } from './security.js';

/**
 * What a client is handed (DESIGN.md "The I/O boundary"): sockets and time, and how to secure
 * every connection it opens (TLS, a SASL login; SCRAM's nonces come from `random`).
 */
export interface ClientIo {
  readonly net: Net;
  readonly clock: Clock;
  readonly security?: ClientSecurity;
  readonly random?: Random;
}

/** Requests of a login: a broker answers in well under this, or the connection is no good. */
const loginTimeoutMs = 10_000;
/** A session is renewed this long before it ends (or halfway through a shorter one). */
const renewBeforeEndMs = 30_000;
/** SaslHandshake and SaslAuthenticate: a renewal's own requests. */
const saslKeys: ReadonlySet<number> = new Set([17, 36]);

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  connectTimeoutMs: number;
  io: ClientIo;
}

interface Pending {
  apiKey: number;
  version: number;
  resolve(body: unknown): void;
  reject(error: Error): void;
  timer: Timer;
}

/** Requests awaiting a response on one connection; more is a caller bug or a stuck broker. */
export const clientInFlightMax = limits.inFlightRequestsPerConnectionMax;

export class Connection {
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  /** Bytes received but not yet a whole frame. Invariant: bufferedBytes = sum of chunk lengths. */
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private closedError: Error | null = null;
  private relogin: Timer | null = null;
  /** A session renewal in progress: other requests wait for it. */
  private renewing: Promise<void> | null = null;
  private readonly socket: NetSocket;
  private readonly options: ConnectionOptions;

  private constructor(socket: NetSocket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => {
      this.fail(this.connectionError(`connection failed: ${e.message}`, e));
    });
    socket.on('close', () => this.fail(this.connectionError('connection closed by the broker')));
  }

  static async open(options: ConnectionOptions): Promise<Connection> {
    const connection = await Connection.connect(options);
    const sasl = options.io.security?.sasl;
    if (sasl === undefined) return connection;
    try {
      await connection.login();
    } catch (e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private static connect(options: ConnectionOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const tls = options.io.security?.tls;
      const socket = options.io.net.connect(options.host, options.port,
        tls === undefined ? {} : { tls });
      const timer = options.io.clock.after(options.connectTimeoutMs, () => {
        socket.destroy();
        reject(connectionError(options, `no answer within ${options.connectTimeoutMs} ms`));
      });
      // A Net may speak TLS of its own accord (a node's peer connections): its socket says so.
      const secure = tls !== undefined || socket.encrypted === true;
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        timer.cancel();
        socket.removeAllListeners('error');
        resolve(new Connection(socket, options));
      });
      socket.once('error', (e) => {
        timer.cancel();
        reject(connectionError(options, e.message, e));
      });
    });
  }

  /**
   * Sends one request. With `expectResponse` false (Produce with acks=0, where Kafka sends no
   * response) the promise resolves with null once the bytes are handed to the socket.
   */
  send(
    apiKey: number, version: number, msg: unknown, expectResponse: boolean, timeoutMs: number,
  ): Promise<unknown> {
    // KIP-368: while the session is renewed, other requests wait (the broker would refuse one
    // that arrives after the old session ended and before the new one began).
    const renewing = this.renewing;
    if (renewing !== null && !saslKeys.has(apiKey)) {
      return renewing.then(() => this.send(apiKey, version, msg, expectResponse, timeoutMs));
    }
    return this.sendNow(apiKey, version, msg, expectResponse, timeoutMs);
  }

  private sendNow(
    apiKey: number, version: number, msg: unknown, expectResponse: boolean, timeoutMs: number,
  ): Promise<unknown> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.pending.size >= clientInFlightMax) {
      return Promise.reject(new PadoError(PadoErrorCode.connection,
        `${clientInFlightMax} requests already in flight to ${this.address()}; await some first`));
    }
    const correlationId = this.nextCorrelationId;
    // Correlation ids are int32 on the wire; wrap before overflow.
    this.nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1;
    const frame = encodeRequestFrame(apiKey, version, correlationId, this.options.clientId, msg);
    if (!expectResponse) {
      return new Promise((resolve) => this.writeFrame(frame, () => resolve(null)));
    }
    return new Promise((resolve, reject) => {
      const timer = this.options.io.clock.after(timeoutMs, () => {
        this.pending.delete(correlationId);
        reject(new PadoError(PadoErrorCode.timeout,
          `no response from ${this.address()} within ${timeoutMs} ms (api ${apiKey})`));
      });
      this.pending.set(correlationId, { apiKey, version, resolve, reject, timer });
      this.writeFrame(frame);
    });
  }

  /** Parts written under one cork: one syscall, and large record payloads are not copied. */
  private writeFrame(parts: readonly Buffer[], written?: () => void): void {
    this.socket.cork();
    parts.forEach((part, i) => {
      this.socket.write(part, i === parts.length - 1 ? written : undefined);
    });
    this.socket.uncork();
  }

  close(): void {
    this.fail(this.connectionError('connection closed'));
  }

  /**
   * The SASL login, and again before the session it opens ends (KIP-368: at 85 % of its
   * lifetime, so a long-lived connection — a consumer, a follower's fetcher — is never cut).
   */
  private async login(): Promise<void> {
    const { io } = this.options;
    const sasl = io.security?.sasl;
    if (sasl === undefined || this.closedError !== null) return;
    if (io.random === undefined) {
      throw new PadoError(PadoErrorCode.invalidArgument, 'a SASL login needs ClientIo.random');
    }
    const lifetimeMs = await saslLogin(
      (apiKey, version, msg) => this.send(apiKey, version, msg, true, loginTimeoutMs),
      sasl, io.random, this.address());
    if (lifetimeMs <= 0 || this.closedError !== null) return;
    this.relogin?.cancel();
    // Early enough that a long poll in flight and two round trips fit before the session ends.
    const renewInMs = Math.max(lifetimeMs / 2, lifetimeMs - renewBeforeEndMs);
    this.relogin = io.clock.after(Math.floor(renewInMs), () => {
      const renewing = this.login().catch((e: unknown) =>
        this.fail(this.connectionError(`re-authentication failed: ${(e as Error).message}`)))
        .finally(() => {
          if (this.renewing === renewing) this.renewing = null;
        });
      this.renewing = renewing;
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    // Bounded: each pass consumes one whole frame; chunks are joined once per complete frame,
    // not on every arrival, so a large fetch response is copied once.
    while (this.bufferedBytes >= 4) {
      const size = this.peekFrameSize();
      if (size < 4 || size > limits.requestBytesMax) {
        this.fail(this.connectionError(`response frame of ${size} bytes is malformed`));
        return;
      }
      if (this.bufferedBytes < 4 + size) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.bufferedBytes = rest.length;
      this.onFrame(all.subarray(4, 4 + size));
    }
  }

  /** The int32 size prefix, which may straddle chunks. Requires bufferedBytes >= 4. */
  private peekFrameSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.alloc(4);
    let at = 0;
    for (const chunk of this.chunks) {
      at += chunk.copy(head, at, 0, Math.min(chunk.length, 4 - at));
      if (at === 4) break;
    }
    return head.readInt32BE(0);
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const entry = this.pending.get(correlationId);
    // A response after its timeout finds no entry; it is dropped, as the caller has moved on.
    if (entry === undefined) return;
    this.pending.delete(correlationId);
    entry.timer.cancel();
    try {
      entry.resolve(decodeResponseFrame(entry.apiKey, entry.version, frame).body);
    } catch (e) {
      entry.reject(new PadoError(PadoErrorCode.protocolDecode,
        `cannot decode the response to api ${entry.apiKey} v${entry.version}: ${String(e)}`,
        { cause: e }));
    }
  }

  private fail(error: Error): void {
    if (this.closedError !== null) return;
    this.closedError = error;
    this.relogin?.cancel();
    for (const entry of this.pending.values()) {
      entry.timer.cancel();
      entry.reject(error);
    }
    this.pending.clear();
    this.socket.destroy();
  }

  private address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  private connectionError(message: string, cause?: unknown): PadoError {
    return connectionError(this.options, message, cause);
  }
}

function connectionError(options: ConnectionOptions, message: string, cause?: unknown): PadoError {
  return new PadoError(PadoErrorCode.connection,
    `broker ${options.host}:${options.port}: ${message}; is \`pado start\` running there? ` +
    '(set the address with --bootstrap host:port)', cause === undefined ? undefined : { cause });
}
