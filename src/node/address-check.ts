/**
 * Which address a node advertises, and whether others can reach it (issue 5: "the address it
 * advertises is detected — the local address it uses to reach its peers — and verified by
 * asking a peer to connect back"). The choices and messages are pure functions (unit-tested);
 * the two network steps are small: the local address of a TCP connection to a peer, and a
 * ConnectCheck request that asks whoever listens at an address for its node id.
 */
import { Connection, type ClientIo } from '../client/index.js';
import type { HostPort } from '../config/index.js';
import { ApiKey, type ConnectCheckResponse } from '../protocol/index.js';

/** 127.0.0.0/8, ::1, localhost and IPv4-mapped loopback: reachable only from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^(::ffff:)?127\./.test(h);
}

/** 0.0.0.0 / :: : the listener accepts on every interface, so it names no address to advertise. */
export function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

/** `::ffff:10.0.0.2` → `10.0.0.2`: what a dual-stack socket reports for an IPv4 peer. */
export function plainAddress(host: string): string {
  return host.toLowerCase().startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

/**
 * The address to advertise: the configured one if any; else, when the listener is bound to every
 * interface, the local address this node used to reach the peer (the interface its peers route
 * to); else the listener's own host, the only address it accepts on.
 */
export function chooseAdvertised(
  configured: HostPort | undefined,
  listener: HostPort,
  localAddress: string | undefined,
): HostPort {
  if (configured !== undefined) return configured;
  if (isWildcard(listener.host) && localAddress !== undefined) {
    return { host: plainAddress(localAddress), port: listener.port };
  }
  return { host: listener.host, port: listener.port };
}

/** How the address is written in messages: IPv6 literals in brackets. */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const advertiseHint = 'set advertised (config file: "advertised": "<host>:<port>") to an address ' +
  'the other nodes can reach';

/**
 * A loopback address works only when every node runs on this machine: refused when the peer
 * (the controller, or the node being joined) is at a non-loopback address.
 */
export function loopbackProblem(
  nodeId: number,
  advertised: HostPort,
  peerHost: string,
): string | undefined {
  if (!isLoopback(advertised.host) || isLoopback(peerHost)) return undefined;
  return `node ${nodeId} advertised ${formatHostPort(advertised)}, a loopback address, but its ` +
    `peer ${peerHost} is on another machine and cannot reach it; ${advertiseHint}, and listen ` +
    'on it (--listen 0.0.0.0:<port> listens on every interface)';
}

/** The controller could not open a connection back to the advertised address. */
export function unreachableMessage(nodeId: number, advertised: HostPort, detail: string): string {
  return `node ${nodeId} advertised ${formatHostPort(advertised)} but I cannot connect to it ` +
    `from here (${detail}); ${advertiseHint}`;
}

/** Something answered at the address, but it is another node (a copied config, a port clash). */
export function wrongNodeMessage(nodeId: number, advertised: HostPort, reachedId: number): string {
  return `node ${nodeId} advertised ${formatHostPort(advertised)} but node ${reachedId} answers ` +
    `there; give each node its own port or host, and ${advertiseHint}`;
}

/** The local address of a TCP connection from here to `peer` (then closed). */
export function localAddressTo(io: ClientIo, peer: HostPort, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = io.net.connect(peer.host, peer.port);
    const timer = io.clock.after(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer from ${formatHostPort(peer)} within ${timeoutMs} ms`));
    });
    socket.once('connect', () => {
      timer.cancel();
      const local = socket.localAddress;
      socket.destroy();
      if (local === undefined) reject(new Error('the socket reports no local address'));
      else resolve(local);
    });
    socket.once('error', (err) => {
      timer.cancel();
      reject(err);
    });
  });
}

const connectCheckVersion = 0;

/**
 * Sends ConnectCheck to `target`: with an empty `about` host it answers its own node id; with an
 * address it connects there itself and says which node it reached. Rejects when `target` cannot
 * be reached or does not answer within `timeoutMs`.
 */
export async function connectCheck(
  io: ClientIo,
  target: HostPort,
  about: HostPort | null,
  timeoutMs: number,
): Promise<ConnectCheckResponse> {
  const connection = await Connection.open({
    host: target.host, port: target.port, clientId: 'pado-connect-check',
    connectTimeoutMs: timeoutMs, io,
  });
  try {
    const request = { host: about?.host ?? '', port: about?.port ?? 0, timeoutMs };
    // The far side may itself wait up to timeoutMs for its own connection: allow both.
    const response = await connection.send(ApiKey.connectCheck, connectCheckVersion, request, true,
      timeoutMs * 2 + 1_000);
    return response as ConnectCheckResponse;
  } finally {
    connection.close();
  }
}

/** The node id answering at `address`, or an Error saying why none could be asked. */
export async function nodeIdAt(
  io: ClientIo, address: HostPort, timeoutMs: number,
): Promise<number | Error> {
  try {
    const response = await connectCheck(io, address, null, timeoutMs);
    return response.nodeId;
  } catch (err) {
    // The socket's own error (ECONNREFUSED…) says more here than a client's hints around it.
    const cause = err instanceof Error ? err.cause : undefined;
    if (cause instanceof Error) return cause;
    return err instanceof Error ? err : new Error(String(err));
  }
}
