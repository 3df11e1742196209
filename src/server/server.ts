/**
 * The Kafka listener: accepts connections (bounded count) and hands each to a Connection.
 * `close()` stops accepting, lets in-flight requests finish until the deadline, then destroys
 * what is left.
 */
import type { Logger } from 'pino';
import {
  delay, PadoError, PadoErrorCode, type Clock, type Net, type NetListener, type NetSocket,
  type TlsRefusal, type TlsServerOptions,
} from '../common/index.js';
import { userPrincipal, type KafkaPrincipal } from '../security/index.js';
import { Connection } from './connection.js';
import type { HandlerTable } from './handler.js';
import type { ListenerSecurity } from './session.js';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  readonly frameBytesMax: number;
  readonly inFlightMax: number;
  readonly connectionsMax: number;
  readonly net: Net;
  readonly clock: Clock;
  /** The listener's name and security; absent: PLAINTEXT. */
  readonly security?: ListenerSecurity;
  /** Serve TLS with this identity (SSL and SASL_SSL listeners). */
  readonly tls?: TlsServerOptions;
  /** A TLS handshake failed, or a client presented an untrusted certificate. */
  readonly onTlsRefused?: (refusal: TlsRefusal) => void;
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
      const { tls, onTlsRefused } = this.opts;
      this.bound = await this.opts.net.listen(this.opts.host, this.opts.port,
        (socket) => this.accept(socket), {
          ...(tls === undefined ? {} : { tls }),
          ...(onTlsRefused === undefined ? {} : { onTlsRefused }),
        });
    } catch (e) {
      throw listenError(e as Error, this.opts.host, this.opts.port);
    }
    return { host: this.opts.host, port: this.bound.port };
  }

  /** A renewed certificate: new connections use it, open ones keep theirs. */
  setTls(tls: TlsServerOptions): void {
    this.bound?.setTls?.(tls);
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
    const tlsPrincipal = certificatePrincipal(socket);
    if (tlsPrincipal === 'untrusted') {
      this.opts.onTlsRefused?.({ remoteAddress: socket.remoteAddress,
        reason: 'client certificate not trusted (ssl.truststore.location)' });
      socket.destroy();
      return;
    }
    const { security } = this.opts;
    const connection = new Connection(socket, this.nextId++, {
      frameBytesMax: this.opts.frameBytesMax,
      inFlightMax: this.opts.inFlightMax,
      handlers: this.handlers,
      log: this.opts.log,
      onClose: (c) => this.connections.delete(c),
      ...(security === undefined ? {} : { security }),
      tlsPrincipal,
      clock: this.opts.clock,
    });
    this.connections.add(connection);
  }
}

/**
 * The principal of a TLS client certificate, as Kafka's default principal builder names it: the
 * subject's distinguished name in RFC 2253 order (most specific first): "CN=alice,O=home".
 * null: no certificate (ANONYMOUS, or SASL decides). 'untrusted': one that does not chain to the
 * truststore (with ssl.client.auth=requested Node lets it through; Kafka refuses it, and so do we).
 */
export function certificatePrincipal(socket: NetSocket): KafkaPrincipal | null | 'untrusted' {
  const subject = socket.getPeerCertificate?.()?.subject;
  if (subject === undefined || Object.keys(subject).length === 0) return null;
  if (socket.authorized !== true) return 'untrusted';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(subject)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${escapeDn(v)}`);
  }
  return userPrincipal(parts.reverse().join(','));
}

/** RFC 2253 §2.4: characters that would change a DN's structure are escaped. */
function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}

/**
 * A bind failure is an operating error, not a bug: name the address and what to do, so startup
 * prints one clear line instead of a stack trace.
 */
export function listenError(e: Error, host: string, port: number,
  which = { name: '', flag: '--listen' }): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const address = `${host}:${port}`;
  const why = code === 'EADDRINUSE'
    ? 'the address is already in use (another process listens there)'
    : code === 'EADDRNOTAVAIL' ? 'no local interface has that address'
    : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
    : null;
  if (why === null) return e;
  return new PadoError(PadoErrorCode.connection,
    `cannot listen on ${address}${which.name}: ${why}; stop the other process or choose another ` +
    `address with ${which.flag} host:port`, { cause: e });
}
