/**
 * The Kafka listener: accepts connections (bounded count) and hands each to a Connection.
 * `close()` stops accepting, lets in-flight requests finish until the deadline, then destroys
 * what is left.
 */
import type { Logger } from 'pino';
import {
  delay, PadoError, PadoErrorCode, type Clock, type Net, type NetListener, type NetSocket,
} from '../common/index.js';
import { Connection } from './connection.js';
import type { HandlerTable } from './handler.js';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  readonly frameBytesMax: number;
  readonly inFlightMax: number;
  readonly connectionsMax: number;
  readonly net: Net;
  readonly clock: Clock;
}

export class KafkaListener {
  private readonly opts: ListenerOptions;
  private bound: NetListener | null = null;
  private readonly connections = new Set<Connection>();
  /** Sockets accepted (paused) before `serve` was called; bounded by connectionsMax. */
  private early: NetSocket[] = [];
  private handlers: HandlerTable | null = null;
  private nextId = 1;

  /**
   * Binding and serving are two steps: the node binds first (it must know its port to register
   * itself) and serves once every handler's state is loaded. A client that connects in between
   * waits (its socket is paused) instead of meeting a half-started broker.
   */
  constructor(opts: ListenerOptions) {
    this.opts = opts;
  }

  serve(handlers: HandlerTable): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const socket of early) this.accept(socket);
  }

  async listen(): Promise<{ host: string; port: number }> {
    try {
      this.bound = await this.opts.net.listen(this.opts.host, this.opts.port,
        (socket) => this.accept(socket));
    } catch (e) {
      throw listenError(e as Error, this.opts.host, this.opts.port);
    }
    return { host: this.opts.host, port: this.bound.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting; waits for in-flight requests up to `deadlineMs`; then closes every socket. */
  async close(deadlineMs: number): Promise<void> {
    const closed = this.bound?.close() ?? Promise.resolve();
    const idle = Promise.all([...this.connections].map((c) => c.idle()));
    const late = new AbortController();
    await Promise.race([idle, delay(this.opts.clock, deadlineMs, late.signal)]);
    late.abort();
    for (const c of [...this.connections]) c.close('shutdown');
    for (const s of this.early) s.destroy();
    this.early = [];
    await closed;
  }

  private accept(socket: NetSocket): void {
    if (this.connections.size + this.early.length >= this.opts.connectionsMax) {
      this.opts.log.warn({ connectionsMax: this.opts.connectionsMax }, 'refusing connection: too many open');
      socket.destroy();
      return;
    }
    if (this.handlers === null) {
      this.early.push(socket);
      return;
    }
    const connection = new Connection(socket, this.nextId++, {
      frameBytesMax: this.opts.frameBytesMax,
      inFlightMax: this.opts.inFlightMax,
      handlers: this.handlers,
      log: this.opts.log,
      onClose: (c) => this.connections.delete(c),
    });
    this.connections.add(connection);
  }
}

/**
 * A bind failure is an operating error, not a bug: name the address and what to do, so startup
 * prints one clear line instead of a stack trace.
 */
function listenError(e: Error, host: string, port: number): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const address = `${host}:${port}`;
  const why = code === 'EADDRINUSE'
    ? 'the address is already in use (another process listens there)'
    : code === 'EADDRNOTAVAIL' ? 'no local interface has that address'
    : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
    : null;
  if (why === null) return e;
  return new PadoError(PadoErrorCode.connection,
    `cannot listen on ${address}: ${why}; stop the other process or choose another address ` +
    'with --listen host:port', { cause: e });
}
