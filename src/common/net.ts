/**
 * The network as a node sees it (DESIGN.md "The I/O boundary"): listen for and open TCP-like byte
 * streams. Production wires Node's `net` (node/io/system-net.ts), whose sockets satisfy
 * `NetSocket` as they are (no wrapper on the hot path); the whole-cluster simulator wires streams
 * it can delay, drop, partition and cut.
 */

/** A connected byte stream: the part of Node's net.Socket that Pado uses. */
export interface NetSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  /** The send buffer is past its high-water mark: wait for 'drain' before writing more. */
  readonly writableNeedDrain: boolean;
  /** Queues `data`; `written` runs once it is handed to the system. */
  write(data: Uint8Array, written?: (err?: Error | null) => void): boolean;
  /** Batches writes until `uncork` (one send for a frame's parts). */
  cork(): void;
  uncork(): void;
  /** Stops, then restarts, 'data' events (backpressure on a reader). */
  pause(): this;
  resume(): this;
  setNoDelay(noDelay?: boolean): this;
  /** Closes at once; 'close' follows. */
  destroy(error?: Error): this;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close' | 'connect' | 'drain', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  /** 'secureConnect': a TLS socket's handshake is done (it follows 'connect'). */
  once(event: 'close' | 'connect' | 'drain' | 'secureConnect', listener: () => void): this;
  removeAllListeners(
    event?: 'data' | 'error' | 'close' | 'connect' | 'drain' | 'secureConnect'): this;
  /**
   * TLS only (Node's TLSSocket): the certificate the peer presented and whether it chains to a
   * trusted authority. Absent on plain sockets.
   */
  readonly authorized?: boolean;
  /** TLS only: true (Node's TLSSocket.encrypted). */
  readonly encrypted?: boolean;
  getPeerCertificate?(detailed?: boolean): PeerCertificate;
}

/** The part of a peer's X.509 certificate Pado reads (its subject names the principal). */
export interface PeerCertificate {
  readonly subject?: Readonly<Record<string, string | string[] | undefined>> | undefined;
}

/**
 * A TLS listener's identity and trust, as file contents (node/ reads the files, and re-reads them
 * to reload a renewed certificate without a restart).
 */
export interface TlsServerOptions {
  /** PEM: the private key and the certificate chain (or `pfx`). */
  readonly pem?: Buffer;
  /** PKCS12 instead of `pem`. */
  readonly pfx?: Buffer;
  readonly passphrase?: string;
  /** PEM certificate authorities that client certificates must chain to. */
  readonly ca?: Buffer;
  /** Ask clients for a certificate (ssl.client.auth requested or required). */
  readonly requestCert: boolean;
  /** Refuse a client without a trusted certificate (ssl.client.auth=required). */
  readonly requireCert: boolean;
}

/** Why a TLS handshake failed, as the listener reports it (the connection is already closed). */
export interface TlsRefusal {
  readonly remoteAddress: string | undefined;
  readonly reason: string;
}

/** A bound listener. */
export interface NetListener {
  /** The bound port (the one asked for, or the system's choice for port 0). */
  readonly port: number;
  /** Stops accepting; resolves once the listener is closed (open connections are not touched). */
  close(): Promise<void>;
  /** TLS listeners: new connections use these (a renewed certificate); open ones keep theirs. */
  setTls?(options: TlsServerOptions): void;
}

/** A TLS client's trust and identity, as file contents (the caller reads the files). */
export interface TlsClientOptions {
  /** PEM certificate authorities to trust; absent: the system's. */
  readonly ca?: Buffer;
  /** PEM client certificate chain and key, for a server that asks for one (mutual TLS). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** PKCS12 instead of cert and key. */
  readonly pfx?: Buffer;
  readonly passphrase?: string;
  /** The name the server certificate must carry; absent: the host connected to. */
  readonly servername?: string;
  /**
   * Check that the server certificate names the host (ssl.endpoint.identification.algorithm
   * https, the default); false checks only that it chains to `ca`.
   */
  readonly checkHostname?: boolean;
}

export interface ConnectOptions {
  /** Speak TLS: the socket emits 'secureConnect' once the server's certificate checked out. */
  readonly tls?: TlsClientOptions;
}

export interface ListenOptions {
  /** Serve TLS: accepted sockets are handed over after the handshake. */
  readonly tls?: TlsServerOptions;
  /** A TLS handshake failed (untrusted, expired or missing client certificate, not TLS…). */
  readonly onTlsRefused?: (refusal: TlsRefusal) => void;
}

export interface Net {
  /**
   * Binds `host:port`; each accepted connection is handed to `accept` paused (call `resume` to
   * read). Rejects with the system's error (its `code`: EADDRINUSE, EADDRNOTAVAIL, EACCES…).
   */
  listen(host: string, port: number, accept: (socket: NetSocket) => void,
    options?: ListenOptions): Promise<NetListener>;
  /** Starts connecting: the socket emits 'connect' once open, or 'error'. */
  connect(host: string, port: number, options?: ConnectOptions): NetSocket;
}
