/**
 * The simulated network of a world: byte streams between hosts, delivered on the world's virtual
 * clock after a seeded latency, in order per direction. They behave as TCP does for the code
 * above it: a packet dropped or duplicated on the wire is only a delay, so a stream never loses,
 * repeats or reorders bytes; a partition (a blocked link) stalls it, retransmitting with Linux's
 * doubling timeout until the link heals or someone's timeout closes the connection; a connect's
 * SYN lost to a partition goes again on Linux's schedule; a peer whose process was killed closes
 * it (FIN), one whose machine lost power says nothing until it reboots, then resets it.
 * Each host gets its own `Net` (`netFor`), so the world knows who sends what.
 */
import { EventEmitter } from 'node:events';
import type { Net, NetListener, NetSocket, Prng } from '../../../src/common/index.js';
import type { ManualClock } from '../../support/manual-clock.js';

export interface LinkFaults {
  /** Latency range of one delivery, ms. */
  readonly latencyMsMin: number;
  readonly latencyMsMax: number;
}

const defaultFaults: LinkFaults = { latencyMsMin: 1, latencyMsMax: 3 };

type Accept = (socket: NetSocket) => void;

export class SimNetwork {
  private readonly clock: ManualClock;
  private readonly prng: Prng;
  private readonly listeners = new Map<string, Accept>();
  /** Blocked directions, "from>to" by host. */
  private readonly blocked = new Set<string>();
  private nextPort = 40_000;
  faults: LinkFaults = defaultFaults;
  /** Bytes delivered, for the world's statistics. */
  deliveredBytes = 0;
  /** Whether a host's machine is running (a stream to a dead process there is reset). */
  isUp: (host: string) => boolean = () => true;

  constructor(clock: ManualClock, prng: Prng) {
    this.clock = clock;
    this.prng = prng;
  }

  netFor(host: string): Net {
    return {
      listen: (bindHost, port, accept) => this.listen(host, bindHost, port, accept),
      connect: (toHost, port) => this.connect(host, toHost, port),
    };
  }

  /** Blocks the direction `from` → `to` only (an asymmetric partition). */
  block(from: string, to: string): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cuts both directions between `a` and `b`. */
  cut(a: string, b: string): void {
    this.blocked.add(`${a}>${b}`);
    this.blocked.add(`${b}>${a}`);
  }

  /** Cuts `host` from every other host in `others`. */
  isolate(host: string, others: readonly string[]): void {
    for (const o of others) if (o !== host) this.cut(host, o);
  }

  healAll(): void {
    this.blocked.clear();
  }

  canReach(from: string, to: string): boolean {
    return !this.blocked.has(`${from}>${to}`);
  }

  /** A host's process died: its listeners go (connections are closed by their owners' end). */
  unlistenHost(host: string): void {
    for (const key of [...this.listeners.keys()]) if (key.startsWith(`${host}:`)) this.listeners.delete(key);
  }

  latency(): number {
    const { latencyMsMin: lo, latencyMsMax: hi } = this.faults;
    return lo + this.prng.below(hi - lo + 1);
  }

  after(ms: number, fn: () => void): void {
    this.clock.after(ms, fn);
  }

  now(): number {
    return this.clock.now();
  }

  private listen(host: string, bindHost: string, port: number, accept: Accept): Promise<NetListener> {
    const chosen = port === 0 ? this.nextPort++ : port;
    const key = `${bindHost === '0.0.0.0' ? host : bindHost}:${chosen}`;
    if (this.listeners.has(key)) {
      return Promise.reject(Object.assign(new Error(`listen EADDRINUSE ${key}`), { code: 'EADDRINUSE' }));
    }
    this.listeners.set(key, accept);
    return Promise.resolve({
      port: chosen,
      close: async () => {
        if (this.listeners.get(key) === accept) this.listeners.delete(key);
      },
    });
  }

  private connect(from: string, toHost: string, port: number): NetSocket {
    const client = new SimSocket(this, from, toHost);
    this.handshake(client, from, toHost, `${toHost}:${port}`, this.now(), 0);
    return client;
  }

  /**
   * The SYN sent `attempt` retransmissions after the first (at `firstMs`). As Linux does
   * (tcp_syn_retries 6, a 1 s initial RTO doubling each time), a SYN or its answer lost to a
   * blocked link, or to a machine without power, goes again 1, 3, 7, 15, 31 and 63 s after the
   * first, and the connect fails at 127 s (ETIMEDOUT) — callers' own timeouts end it long before.
   * A lost SYN used to be lost for good: a connect begun during a partition waited out its
   * caller's whole timeout however soon the partition healed (seed 7274 on 65635c3). The server's
   * listener sees the connection when the handshake completes, as accept() does.
   */
  private handshake(
    client: SimSocket, from: string, toHost: string, key: string, firstMs: number, attempt: number,
  ): void {
    const again = (): void => {
      const nextMs = firstMs + synRtoMs * (2 ** (attempt + 1) - 1);
      this.after(Math.max(0, nextMs - this.now()), () => {
        if (client.isClosed) return;
        if (attempt + 1 > synRetries) {
          client.failConnect(Object.assign(new Error(`connect ETIMEDOUT ${key}`), { code: 'ETIMEDOUT' }));
        } else {
          this.handshake(client, from, toHost, key, firstMs, attempt + 1);
        }
      });
    };
    this.after(this.latency(), () => {
      if (client.isClosed) return;
      if (!this.canReach(from, toHost) || !this.isUp(toHost)) return again();
      const listening = this.listeners.has(key);
      // The answer, SYN-ACK or RST, on its way back.
      this.after(this.latency(), () => {
        if (client.isClosed) return;
        if (!this.canReach(toHost, from) || !this.isUp(toHost)) return again();
        const accept = this.listeners.get(key);
        if (!listening || accept === undefined) {
          client.failConnect(Object.assign(new Error(`connect ECONNREFUSED ${key}`),
            { code: 'ECONNREFUSED' }));
          return;
        }
        const server = new SimSocket(this, toHost, from);
        server.paused = true; // accepted paused (pauseOnConnect), as the real listener does
        server.peer = client;
        client.peer = server;
        accept(server);
        client.connected();
      });
    });
  }
}

/** Linux's SYN retransmission: the initial RTO (TCP_TIMEOUT_INIT) and tcp_syn_retries. */
const synRtoMs = 1_000;
const synRetries = 6;

/**
 * Retransmission while a link is blocked, as Linux does for data: the first after tcp_rto_min
 * (200 ms), each next one twice as late (up to TCP_RTO_MAX, 120 s), back to the minimum once
 * bytes get through. A stream stalled by a partition resumes at its next retransmission after
 * the heal, not at once — up to about as long again as it was stalled.
 */
const rtoMinMs = 200;
const rtoMaxMs = 120_000;

type Segment = Buffer | 'fin';

/** One end of a simulated connection. */
export class SimSocket extends EventEmitter implements NetSocket {
  readonly remoteAddress: string;
  readonly remotePort = 0;
  readonly localAddress: string;
  readonly writableNeedDrain = false;
  peer: SimSocket | null = null;
  paused = false;
  private closed = false;
  /** Its process died: its code hears nothing more. */
  private silenced = false;
  private readonly inbox: Buffer[] = [];
  /** Sent and not yet delivered, in order; the pump delivers them after the link's latency. */
  private readonly outbox: Segment[] = [];
  private pumping = false;
  /** The next retransmission's delay (see rtoMinMs). */
  private rtoMs = rtoMinMs;
  private readonly network: SimNetwork;

  constructor(network: SimNetwork, local: string, remote: string) {
    super();
    this.network = network;
    this.localAddress = local;
    this.remoteAddress = remote;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    return this.silenced ? false : super.emit(event, ...args);
  }

  connected(): void {
    if (this.closed) return;
    this.emit('connect');
    if (this.outbox.length > 0) this.pump(this.network.latency());
  }

  failConnect(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('error', err);
    this.emit('close');
  }

  write(data: Uint8Array, written?: (err?: Error | null) => void): boolean {
    if (this.closed) {
      if (written !== undefined) this.network.after(0, () => written(new Error('write after close')));
      return false;
    }
    this.outbox.push(Buffer.from(data));
    if (this.peer !== null) this.pump(this.network.latency());
    if (written !== undefined) this.network.after(0, () => written(null));
    return true;
  }

  private pump(ms: number): void {
    if (this.pumping) return;
    this.pumping = true;
    this.network.after(ms, () => {
      this.pumping = false;
      this.deliver();
    });
  }

  private deliver(): void {
    const peer = this.peer;
    if (peer === null || this.outbox.length === 0) return;
    if (!this.network.canReach(this.localAddress, this.remoteAddress)) {
      this.retransmit();
      return;
    }
    if (peer.silenced) {
      // The peer's process is gone: a rebooted machine answers with a reset, a dead one not at all.
      if (this.network.isUp(this.remoteAddress)) this.reset();
      else this.retransmit();
      return;
    }
    this.rtoMs = rtoMinMs;
    for (const segment of this.outbox.splice(0)) {
      if (segment === 'fin') peer.finReceived();
      else peer.receive(segment);
    }
  }

  private retransmit(): void {
    this.pump(this.rtoMs);
    this.rtoMs = Math.min(this.rtoMs * 2, rtoMaxMs);
  }

  private reset(): void {
    this.outbox.length = 0;
    if (this.closed) return;
    this.closed = true;
    this.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    this.emit('close');
  }

  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.network.deliveredBytes += chunk.length;
    if (this.paused) {
      this.inbox.push(chunk);
      return;
    }
    this.emit('data', chunk);
  }

  private finReceived(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.length = 0;
    this.emit('close');
  }

  cork(): void {}
  uncork(): void {}

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    while (!this.paused && this.inbox.length > 0 && !this.closed) this.emit('data', this.inbox.shift()!);
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  destroy(): this {
    if (this.closed) return this;
    this.closed = true;
    this.network.after(0, () => this.emit('close'));
    // The FIN follows the bytes sent before it (the kernel still delivers them).
    this.outbox.push('fin');
    if (this.peer !== null) this.pump(this.network.latency());
    return this;
  }

  /**
   * The owner's process is gone: its code hears nothing more. A killed process's kernel closes the
   * connection (`fin`: the peer sees it close); a machine that lost power sends nothing.
   */
  kill(fin: boolean): void {
    if (fin) this.destroy();
    this.silenced = true;
    this.inbox.length = 0;
    if (!fin) {
      this.closed = true;
      this.outbox.length = 0;
    }
  }
}
