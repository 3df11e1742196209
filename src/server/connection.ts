/**
 * One client connection: frames in, handler calls, responses out in request order (the Kafka
 * protocol requires it). Bounded: at most `inFlightMax` requests are being handled; beyond that
 * the socket is paused, as it is while the kernel send buffer is full. A frame that is too large,
 * a header or body that does not decode, or an unknown API closes this connection only, with a
 * log line that says why; the broker and every other connection go on.
 */
import type { Logger } from 'pino';
import { limits, type Clock, type NetSocket, type Timer } from '../common/index.js';
import {
  Reader,
  apiTable,
  decodeRequestHeader,
  encodeResponseFrame,
} from '../protocol/index.js';
import { FrameSplitter } from './frames.js';
import { ConnectionSession, type ListenerSecurity } from './session.js';
import type { KafkaPrincipal } from '../security/index.js';
import {
  closeConnection, type Handler, type HandlerTable, type RequestContext,
} from './handler.js';
import { unsupportedVersionResponse } from './handlers/api-versions.js';

export interface ConnectionOptions {
  readonly frameBytesMax: number;
  readonly inFlightMax: number;
  readonly handlers: HandlerTable;
  readonly log: Logger;
  readonly onClose: (connection: Connection) => void;
  /** The listener's security; absent: PLAINTEXT, every client is User:ANONYMOUS. */
  readonly security?: ListenerSecurity;
  /** The subject of the client's trusted TLS certificate, if it presented one. */
  readonly tlsPrincipal?: KafkaPrincipal | null;
  /** Closes a SASL connection still unauthenticated after limits.authenticationMsMax. */
  readonly clock?: Clock;
}

interface Slot {
  chunks: Buffer[] | null;
  done: boolean;
  /** A request to handle only once every earlier one is answered (`answeredAtItsTurn`). */
  deferred?: (() => void) | undefined;
  /** Close the connection once this response is written (a failed SASL exchange). */
  closeAfter?: boolean;
}

const apiVersionsKey = 18;
const metadataKey = 3;
const findCoordinatorKey = 10;

/**
 * Requests whose answer is a view of the cluster (Metadata, FindCoordinator), handled only when every earlier request of the
 * connection has been answered, so the view is not older than the answers before it. Requests
 * are handled concurrently and answered in order: a Metadata request behind a produce waiting for
 * its acks was computed on arrival and sent a second later, naming a leader that had died
 * meanwhile, after a fresher answer had named the new one; librdkafka (Metadata v4, no leader
 * epochs) took the later, older answer and sent to the dead broker for a minute (issue 13). Kafka
 * handles one request per connection at a time, so its answers are never older than that.
 */
function answeredAtItsTurn(apiKey: number): boolean {
  return apiKey === metadataKey || apiKey === findCoordinatorKey;
}

export class Connection {
  readonly id: number;
  private readonly socket: NetSocket;
  private readonly opts: ConnectionOptions;
  private readonly log: Logger;
  private readonly splitter: FrameSplitter;
  private readonly slots: Slot[] = [];
  private readonly abort = new AbortController();
  private closed = false;
  /** A last response is being written; nothing more is read or answered. */
  private closing = false;
  private paused = false;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private readonly clientHost: string;
  private loginDeadline: Timer | null = null;
  readonly session: ConnectionSession | undefined;

  constructor(socket: NetSocket, id: number, opts: ConnectionOptions) {
    this.socket = socket;
    this.id = id;
    this.opts = opts;
    this.log = opts.log.child({ connectionId: id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    this.splitter = new FrameSplitter(opts.frameBytesMax);
    this.clientHost = `/${socket.remoteAddress ?? ''}`;
    this.session = opts.security === undefined ? undefined : new ConnectionSession(opts.security,
      `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`, opts.tlsPrincipal ?? null);
    if (this.session?.principal === null && opts.clock !== undefined) {
      this.loginDeadline = opts.clock.after(limits.authenticationMsMax, () => {
        if (this.session?.principal !== null) return;
        this.log.debug({ authenticationMsMax: limits.authenticationMsMax },
          'closing connection: not authenticated in time');
        this.close('not authenticated in time');
      });
    }
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.log.debug({ err }, 'connection error'));
    socket.on('close', () => this.onClosed());
    socket.resume(); // accepted paused (pauseOnConnect) until the broker serves
  }

  get inFlight(): number {
    return this.slots.length;
  }

  /** Resolves once no request is in flight (used by shutdown). */
  idle(): Promise<void> {
    if (this.slots.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.log.debug({ reason }, 'closing connection');
    this.socket.destroy();
    this.onClosed();
  }

  private onData(chunk: Buffer): void {
    this.splitter.push(chunk);
    this.drainFrames();
  }

  /**
   * Not re-entrant: a synchronous handler's response flushes, and flushing asks for more frames;
   * the outer loop picks those up, so a burst of small requests never deepens the stack.
   */
  private drainFrames(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      this.drainLoop();
    } finally {
      this.draining = false;
    }
    this.updatePause();
  }

  private drainLoop(): void {
    while (!this.closed && !this.closing && this.slots.length < this.opts.inFlightMax) {
      // Before a SASL connection has authenticated, only small frames (Kafka's
      // sasl.server.max.receive.size): nobody unknown makes the broker buffer 100 MiB.
      const unknown = this.session !== undefined && this.session.principal === null;
      const next = this.splitter.next(unknown
        ? Math.min(limits.unauthenticatedFrameBytesMax, this.opts.frameBytesMax)
        : this.opts.frameBytesMax);
      if (next.kind === 'need') break;
      if (next.kind === 'oversize') {
        this.log.warn(
          { frameBytes: next.size, frameBytesMax: this.opts.frameBytesMax },
          'closing connection: request frame size out of bounds (socket.request.max.bytes)',
        );
        this.close('oversize frame');
        return;
      }
      this.onFrame(next.frame);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.session?.rawTokens === true) return this.onRawToken(this.session, frame);
    const r = new Reader(frame);
    const header = decodeRequestHeader(r);
    if (r.failed) return this.protocolViolation('malformed request header', { reason: r.error });
    const { requestApiKey: apiKey, requestApiVersion: version, correlationId } = header;
    // The session decides first, on the API key alone: an unauthenticated client reaches neither
    // the version check (whose ApiVersions answer would otherwise come after a v1 handshake,
    // when only SaslAuthenticate may) nor the warn-level protocol-violation logs.
    const admission = this.session?.admits(apiKey) ?? 'serve';
    if (admission !== 'serve') {
      this.log.debug({ apiKey, admission }, 'closing connection: not authenticated');
      return this.close(admission === 'expired' ? 'session expired' : 'not authenticated');
    }
    const handler = this.opts.handlers.get(apiKey);
    const api = apiTable.get(apiKey);
    if (handler === undefined || api === undefined) {
      return this.protocolViolation('unsupported api key', { apiKey, version });
    }
    if (version < handler.minVersion || version > handler.maxVersion) {
      if (apiKey === apiVersionsKey) {
        // KIP-511: answer v0 with UNSUPPORTED_VERSION and our ranges so the client can fall back.
        this.respond(this.newSlot(), apiKey, 0, correlationId, unsupportedVersionResponse(this.opts.handlers));
        return;
      }
      return this.protocolViolation('unsupported api version', { apiKey, version });
    }
    const request = api.decodeRequest(r, version);
    if (r.failed) return this.protocolViolation('malformed request', { apiKey, version, reason: r.error });
    const slot = this.newSlot();
    const ctx: RequestContext = {
      apiVersion: version,
      correlationId,
      clientId: header.clientId,
      clientHost: this.clientHost,
      connectionId: this.id,
      log: this.log,
      signal: this.abort.signal,
      session: this.session,
    };
    if (answeredAtItsTurn(apiKey) && this.slots.length > 1) {
      slot.deferred = () => this.dispatch(slot, handler, ctx, request);
    } else {
      this.dispatch(slot, handler, ctx, request);
    }
  }

  /**
   * A client of SaslHandshake v0 sends its SASL tokens as bare frames (a length, the bytes) and
   * reads the server's the same way; a failed exchange closes the connection (KIP-43).
   */
  private onRawToken(session: ConnectionSession, token: Buffer): void {
    const reply = session.rawToken(token);
    if (reply === null) return this.close('SASL authentication failed');
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(reply.length, 0);
    const slot = this.newSlot();
    slot.chunks = [size, reply];
    slot.done = true;
    this.flush();
  }

  private dispatch(slot: Slot, handler: Handler, ctx: RequestContext, request: unknown): void {
    const { apiKey } = handler;
    const { apiVersion: version, correlationId } = ctx;
    let result: unknown;
    try {
      result = handler.handle(ctx, request);
    } catch (err) {
      return this.handlerFailed(err, apiKey, version);
    }
    if (result instanceof Promise) {
      result.then(
        (response: unknown) => this.respond(slot, apiKey, version, correlationId, response),
        (err: unknown) => this.handlerFailed(err, apiKey, version),
      );
    } else {
      this.respond(slot, apiKey, version, correlationId, result);
    }
  }

  private newSlot(): Slot {
    const slot: Slot = { chunks: null, done: false };
    this.slots.push(slot);
    return slot;
  }

  private respond(slot: Slot, apiKey: number, version: number, correlationId: number, response: unknown) {
    if (this.closed || this.closing) return;
    if (response === closeConnection) {
      this.log.debug({ apiKey, version }, 'closing connection: this broker sends its client elsewhere');
      this.close('sent elsewhere');
      return;
    }
    slot.done = true;
    // A failed SASL exchange is answered, then the connection closes (Kafka does).
    if (this.session?.loginFailed === true) slot.closeAfter = true;
    if (response !== null) {
      try {
        slot.chunks = encodeResponseFrame(apiKey, version, correlationId, response);
      } catch (err) {
        return this.handlerFailed(err, apiKey, version);
      }
    }
    this.flush();
  }

  /** Writes finished responses at the head of the queue, in request order. */
  private flush(): void {
    let wrote = false;
    while (this.slots.length > 0 && (this.slots[0] as Slot).done) {
      const slot = this.slots.shift() as Slot;
      if (slot.chunks === null) continue;
      if (!wrote) this.socket.cork();
      wrote = true;
      const last = slot.chunks.length - 1;
      slot.chunks.forEach((c, i) => {
        if (slot.closeAfter === true && i === last) {
          this.socket.write(c, () => this.close('SASL authentication failed'));
        } else {
          this.socket.write(c);
        }
      });
      if (slot.closeAfter === true) {
        this.socket.uncork();
        this.closing = true;
        return;
      }
    }
    if (wrote) this.socket.uncork();
    const head = this.slots[0];
    if (head?.deferred !== undefined) {
      const run = head.deferred;
      head.deferred = undefined;
      run();
      return;
    }
    if (this.slots.length === 0) this.notifyIdle();
    this.drainFrames();
  }

  private updatePause(): void {
    const shouldPause =
      this.slots.length >= this.opts.inFlightMax || this.socket.writableNeedDrain;
    if (shouldPause && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!shouldPause && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private maybeResume(): void {
    this.drainFrames();
  }

  private protocolViolation(what: string, fields: Record<string, unknown>): void {
    this.log.warn(fields, `closing connection: ${what}`);
    this.close(what);
  }

  private handlerFailed(err: unknown, apiKey: number, version: number): void {
    this.log.error({ err, apiKey, version }, 'closing connection: request handler failed');
    this.close('handler failed');
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.loginDeadline?.cancel();
    this.abort.abort();
    this.slots.length = 0;
    this.notifyIdle();
    this.opts.onClose(this);
  }
}
