/**
 * The production Net: Node's TCP and TLS (common/net.ts). Its sockets are NetSockets as they
 * are (a TLSSocket is a net.Socket): no wrapper on the hot path.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { isIP } from 'node:net';
import {
  connect as tlsConnect, createSecureContext, createServer as createTlsServer,
  type ConnectionOptions, type SecureContextOptions, type TLSSocket,
} from 'node:tls';
import type {
  ConnectOptions, ListenOptions, Net, NetListener, NetSocket, TlsClientOptions, TlsServerOptions,
} from '../../common/index.js';

/**
 * A server certificate is always checked: it must chain to `ca` and name the host connected to
 * (an IP address in its subjectAltName for an IP). SNI is sent only for names (RFC 6066 forbids
 * IP literals).
 */
function tlsClientOptions(host: string, tls: TlsClientOptions): ConnectionOptions {
  const servername = tls.servername ?? host;
  return {
    rejectUnauthorized: true,
    ...(isIP(servername) === 0 ? { servername } : {}),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.pfx === undefined ? {} : { pfx: tls.pfx }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    ...(tls.checkHostname === false ? { checkServerIdentity: () => undefined } : {}),
  };
}

export const systemNet: Net = {
  listen(host, port, accept, options: ListenOptions = {}): Promise<NetListener> {
    const server = options.tls === undefined
      ? createServer({ noDelay: true, pauseOnConnect: true }, accept)
      : tlsServer(options.tls, accept, options);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const addr = server.address();
        if (addr === null || typeof addr === 'string') {
          server.close();
          reject(new Error('listener has no address'));
          return;
        }
        resolve({
          port: addr.port,
          close: () => new Promise<void>((done) => server.close(() => done())),
          ...(options.tls === undefined ? {} : {
            setTls: (next: TlsServerOptions) => {
              (server as ReturnType<typeof createTlsServer>).setSecureContext(contextOptions(next));
            },
          }),
        });
      });
    });
  },
  connect: (host, port, options: ConnectOptions = {}) => options.tls === undefined
    ? connect({ host, port, noDelay: true })
    : tlsConnect({ host, port, ...tlsClientOptions(host, options.tls) }).setNoDelay(true),
};

function contextOptions(tls: TlsServerOptions): SecureContextOptions {
  const out: SecureContextOptions = tls.pfx !== undefined
    ? { pfx: tls.pfx } : { key: tls.pem, cert: tls.pem };
  if (tls.passphrase !== undefined) out.passphrase = tls.passphrase;
  if (tls.ca !== undefined) out.ca = tls.ca;
  return out;
}

/** Throws the system's error (bad PEM, wrong passphrase) so start-up can name the file. */
export function checkTlsOptions(tls: TlsServerOptions): void {
  createSecureContext(contextOptions(tls));
}

/**
 * Sockets are handed over once the handshake is done, paused (like pauseOnConnect for TCP): a
 * stream delivers nothing until its reader resumes it. A client that fails the handshake never
 * reaches the broker; `onTlsRefused` says why.
 */
function tlsServer(tls: TlsServerOptions, accept: (socket: NetSocket) => void,
  options: ListenOptions): Server {
  const server = createTlsServer({
    ...contextOptions(tls),
    requestCert: tls.requestCert,
    rejectUnauthorized: tls.requireCert,
    noDelay: true,
    // A handshake that does not finish in 10 s holds a connection slot for nothing.
    handshakeTimeout: 10_000,
  }, (socket: TLSSocket) => {
    socket.pause();
    accept(socket);
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket | Socket) => {
    options.onTlsRefused?.({ remoteAddress: socket.remoteAddress, reason: err.message });
    socket.destroy();
  });
  return server;
}
