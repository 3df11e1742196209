/**
 * The node's Kafka listeners (issue 15): one per configured listener, each with its security
 * protocol. The inter-broker listener (config.listen) carries peer traffic and serves every API;
 * the others are client listeners (server/listener-apis.ts). TLS listeners read their keystore
 * and truststore at start (a bad file stops start-up with its name) and re-read them every
 * minute, so a renewed certificate is served without a restart; SASL listeners authenticate
 * against the SCRAM credentials of the metadata image.
 */
import type { Logger } from 'pino';
import {
  PadoError, PadoErrorCode, limits, type Net, type Timer, type TlsClientOptions,
  type TlsServerOptions,
} from '../common/index.js';
import {
  plainInTheClear, securityProtocolIds, usesSasl, usesTls, type ListenerConfig, type NodeConfig,
} from '../config/index.js';
import { emptyImage, type BrokerEndpoint, type MetadataImage } from '../metadata/index.js';
import {
  KafkaListener, WarnLimiter, accessControl, clientListenerHandlers, peerWarnBurst,
  peerWarnIntervalMs, withAuthorization, type Access, type AuthRefusal, type HandlerTable,
  type ListenerSecurity,
} from '../server/index.js';
import {
  PlainVerifyCache, saslServer, scramMechanismCode, type SaslMechanism, type ScramCredential,
  type ScramMechanism,
} from '../security/index.js';
import type { ScramMechanismCode } from '../protocol/index.js';
import type { ConsoleTarget } from '../console/index.js';
import type { NodeIo } from './io/index.js';
import { checkTlsOptions } from './io/index.js';

/** How often TLS files are re-read for a renewed certificate (tests: PADO_TEST_TLS_RELOAD_MS). */
const tlsReloadIntervalMs = 60_000;
const secretFile = 'sasl.secret';
const secretBytes = 32;

export interface BoundListener {
  readonly config: ListenerConfig;
  readonly listener: KafkaListener;
  /** The bound address (port 0 resolved). */
  host: string;
  port: number;
}

export class NodeListeners {
  private readonly bound: BoundListener[];
  private readonly interBrokerName: string;
  private readonly log: Logger;
  private readonly reload: TlsReload | null;
  private readonly checkHostname: boolean;
  /** ACL checks on client listeners (config authorizer); null: none. */
  private readonly access: Access | null;
  private readonly reloadEveryMs: number;
  private timer: Timer | null = null;

  private constructor(bound: BoundListener[], interBrokerName: string, log: Logger,
    reload: TlsReload | null, checkHostname: boolean, access: Access | null,
    reloadEveryMs: number) {
    this.access = access;
    this.reloadEveryMs = reloadEveryMs;
    this.bound = bound;
    this.interBrokerName = interBrokerName;
    this.log = log;
    this.reload = reload;
    this.checkHostname = checkHostname;
  }

  /**
   * Prepares every listener (reads TLS files, the SASL secret); `image` gives the credentials
   * once the metadata quorum is open (before that, every SASL login fails as an unknown user).
   */
  static async open(config: NodeConfig, log: Logger, io: NodeIo,
    image: () => MetadataImage | undefined): Promise<NodeListeners> {
    const list = listenerConfigs(config);
    const interBrokerName = config.interBrokerListenerName ?? (list[0] as ListenerConfig).name;
    const serverLog = log.child({ module: 'server' });
    const tls = list.some((l) => usesTls(l.securityProtocol)) ? await TlsReload.load(config, io)
      : null;
    const sasl = list.some((l) => usesSasl(l.securityProtocol))
      ? await saslDeps(config, io, image) : null;
    const refusals = refusalLog(serverLog, io);
    for (const name of plainInTheClear(config)) {
      log.warn({ listener: name }, 'SASL PLAIN on a listener without TLS sends passwords in ' +
        'the clear; use SASL_SSL, or drop PLAIN from sasl.enabled.mechanisms');
    }
    const bound = list.map((c) => ({
      config: c, host: c.host, port: c.port,
      listener: new KafkaListener({
        host: c.host, port: c.port, log: serverLog.child({ listener: c.name }),
        frameBytesMax: config.socketRequestMaxBytes,
        inFlightMax: limits.inFlightRequestsPerConnectionMax,
        connectionsMax: limits.connectionsMax,
        net: io.net, clock: io.clock,
        security: listenerSecurity(c, config, sasl, refusals, io),
        ...(usesTls(c.securityProtocol) && tls !== null
          ? { tls: listenerTls(tls.current, c, interBrokerName) } : {}),
        onTlsRefused: (r) => refusals({ listenerName: c.name, remote: r.remoteAddress ?? '',
          mechanism: null, reason: `TLS: ${r.reason}`, principal: null }),
      }),
    }));
    const access = config.authorizer === undefined ? null : accessControl(
      () => image() ?? emptyImage(''), { superUsers: new Set(config.superUsers),
        allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound }, serverLog, io.clock);
    const testReloadMs = Number(io.env['PADO_TEST_TLS_RELOAD_MS']);
    return new NodeListeners(bound, interBrokerName, log, tls,
      config.ssl?.endpointIdentificationAlgorithm !== '', access,
      testReloadMs > 0 ? testReloadMs : tlsReloadIntervalMs);
  }

  /** Binds every listener; answers the inter-broker one's address (what peers are told). */
  async listen(): Promise<{ host: string; port: number }> {
    for (const b of this.bound) {
      const at = await b.listener.listen();
      b.port = at.port;
    }
    const inter = this.interBroker();
    return { host: inter.host, port: inter.port };
  }

  /** The inter-broker listener serves `table`; client listeners all but the peer-only APIs. */
  serve(table: HandlerTable, clock: NodeIo['clock']): void {
    const warn = limitedWarn(this.log, clock,
      'closing connection: a broker-only API on a client listener',
      (r: { listener: string; apiKey: number }) => r);
    const refused = (listener: string, apiKey: number) => warn({ listener, apiKey });
    for (const b of this.bound) {
      b.listener.serve(b.config.name === this.interBrokerName ? table
        : this.clientTable(table, b.config.name, refused));
      this.log.info({ listener: b.config.name, securityProtocol: b.config.securityProtocol,
        host: b.host, port: b.port }, 'listener serving');
    }
    if (this.reload !== null) {
      const reload = this.reload;
      this.timer = clock.every(this.reloadEveryMs, () => {
        void reload.check(this.log).then((next) => {
          if (next === null) return;
          for (const b of this.bound) {
            if (usesTls(b.config.securityProtocol)) {
              b.listener.setTls(listenerTls(next, b.config, this.interBrokerName));
            }
          }
        });
      });
    }
  }

  /** A client listener's APIs: no broker-only ones, and each checked when ACLs are on. */
  private clientTable(table: HandlerTable, name: string,
    refused: (listener: string, apiKey: number) => void): HandlerTable {
    const served = clientListenerHandlers(table, (apiKey) => refused(name, apiKey));
    return this.access === null ? served
      : withAuthorization(served, this.access, (apiKey) => refused(name, apiKey));
  }

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  /**
   * How this node reaches its peers: over TLS with its own certificate when the inter-broker
   * listener is SSL (the TLS files as last loaded), else undefined (plain TCP).
   */
  peerTls(): TlsClientOptions | undefined {
    const inter = this.interBroker();
    if (this.reload === null || inter.config.securityProtocol !== 'SSL') return undefined;
    const t = this.reload.current;
    return {
      ...(t.ca === undefined ? {} : { ca: t.ca }),
      ...(t.pfx === undefined ? {} : { pfx: t.pfx }),
      ...(t.pem === undefined ? {} : { cert: t.pem, key: t.pem }),
      ...(t.passphrase === undefined ? {} : { passphrase: t.passphrase }),
      checkHostname: this.checkHostname,
    };
  }

  /**
   * What the broker registers: every listener as its clients reach it, the inter-broker one
   * first (at `interBroker`, the address peers know). A listener without an advertised address
   * bound to a wildcard (0.0.0.0, ::) is advertised at the inter-broker host: the one name a
   * user gives (or `--join` detects) serves every listener. Undefined for the one-listener node.
   */
  endpoints(interBroker: { host: string; port: number }): BrokerEndpoint[] | undefined {
    if (this.bound.length === 1 && this.bound[0]?.config.name === 'PLAINTEXT') return undefined;
    const inter = this.interBroker();
    const rest = this.bound.filter((b) => b !== inter);
    return [inter, ...rest].map((b) => {
      const at = b === inter ? interBroker : b.config.advertised ??
        { host: wildcard(b.host) ? interBroker.host : b.host, port: b.port };
      return { name: b.config.name, host: at.host, port: at.port,
        securityProtocol: securityProtocolIds[b.config.securityProtocol] };
    });
  }

  /**
   * The listener the web console connects to as a client: a client listener with SASL first (its
   * users log in and their ACLs apply), then another client listener, the inter-broker one only
   * when it is the only listener. Reached as its clients reach it, over TLS checked against the
   * truststore — never with this node's certificate, which would make the console a node.
   */
  consoleTarget(interBroker: { host: string; port: number },
    mechanisms: readonly SaslMechanism[]): ConsoleTarget {
    const inter = this.interBroker();
    const rank = ['SASL_PLAINTEXT', 'SASL_SSL', 'PLAINTEXT', 'SSL'];
    const clients = this.bound.length === 1 ? this.bound : this.bound.filter((b) => b !== inter);
    const b = [...clients].sort((x, y) => rank.indexOf(x.config.securityProtocol) -
      rank.indexOf(y.config.securityProtocol))[0] as BoundListener;
    const at = b === inter ? interBroker : b.config.advertised ??
      { host: wildcard(b.host) ? interBroker.host : b.host, port: b.port };
    const ca = this.reload?.current.ca;
    return { host: at.host, port: at.port,
      sasl: usesSasl(b.config.securityProtocol) ? mechanisms[0] ?? 'SCRAM-SHA-512' : null,
      ...(usesTls(b.config.securityProtocol)
        ? { tls: { ...(ca === undefined ? {} : { ca }), checkHostname: this.checkHostname } } : {}) };
  }

  async close(deadlineMs: number): Promise<void> {
    this.timer?.cancel();
    await Promise.all(this.bound.map((b) => b.listener.close(deadlineMs)));
  }

  private interBroker(): BoundListener {
    return this.bound.find((b) => b.config.name === this.interBrokerName) ??
      (this.bound[0] as BoundListener);
  }
}

const wildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]';

/**
 * The inter-broker SSL listener always asks for a certificate and refuses a connection without
 * one that chains to the truststore: only nodes of the cluster reach Raft and replication.
 */
function listenerTls(tls: TlsServerOptions, c: ListenerConfig, interBroker: string):
  TlsServerOptions {
  return c.name === interBroker && c.securityProtocol === 'SSL'
    ? { ...tls, requestCert: true, requireCert: true } : tls;
}

/** Pado's simple form (`listen` alone) is one PLAINTEXT listener. */
function listenerConfigs(config: NodeConfig): ListenerConfig[] {
  return config.listeners ?? [{ name: 'PLAINTEXT', host: config.listen.host,
    port: config.listen.port, securityProtocol: 'PLAINTEXT' }];
}

type SaslDeps = { credentials: (user: string, m: ScramMechanism) => ScramCredential | undefined;
  secret: Buffer; cache: PlainVerifyCache };

async function saslDeps(config: NodeConfig, io: NodeIo,
  image: () => MetadataImage | undefined): Promise<SaslDeps> {
  return {
    credentials: (user, mechanism) => image()?.scramCredentials.get(user)
      ?.get(scramMechanismCode(mechanism) as ScramMechanismCode),
    secret: await nodeSecret(config, io),
    cache: new PlainVerifyCache(),
  };
}

/**
 * The secret behind unknown users' fake SCRAM salts (security/scram-server.ts): random once per
 * node, kept in its data directory so a restart answers a probe the same way.
 */
async function nodeSecret(config: NodeConfig, io: NodeIo): Promise<Buffer> {
  const path = `${config.dataDir}/${secretFile}`;
  const existing = await io.disk.readFile(path);
  if (existing !== undefined && existing.length === secretBytes) return existing;
  const secret = io.random.bytes(secretBytes);
  await io.disk.writeFileDurable(path, secret);
  return secret;
}

function listenerSecurity(c: ListenerConfig, config: NodeConfig, sasl: SaslDeps | null,
  onRefused: (r: AuthRefusal) => void, io: NodeIo): ListenerSecurity {
  const mechanisms = usesSasl(c.securityProtocol) ? [...config.saslEnabledMechanisms] : [];
  return {
    listenerName: c.name,
    securityProtocol: c.securityProtocol,
    saslMechanisms: mechanisms,
    newSaslServer: (mechanism) => sasl === null ? undefined : saslServer(mechanism, {
      credentials: sasl.credentials, random: io.random, secret: sasl.secret,
      plainCache: sasl.cache,
    }),
    reauthMs: config.connectionsMaxReauthMs,
    now: () => io.clock.now(),
    onRefused,
  };
}

/**
 * A warn line per refusal, rate-limited (a client decides how often it happens): at most a few
 * lines per 10 s, the next one counting those left out.
 */
function limitedWarn<T>(log: Logger, clock: NodeIo['clock'], msg: string,
  fields: (t: T) => Record<string, unknown>): (t: T) => void {
  const limiter = new WarnLimiter({ burst: peerWarnBurst, intervalMs: peerWarnIntervalMs,
    nowMs: () => clock.now() });
  return (t) => {
    const suppressed = limiter.take();
    if (suppressed !== undefined) log.warn({ ...fields(t), suppressed }, msg);
  };
}

/** Refused logins and TLS handshakes, for the operator. */
const refusalLog = (log: Logger, io: NodeIo): (r: AuthRefusal) => void =>
  limitedWarn(log, io.clock, 'authentication refused', (r: AuthRefusal) => ({
    listener: r.listenerName, remote: r.remote, mechanism: r.mechanism, reason: r.reason,
    principal: r.principal }));

/** The TLS files as last loaded; `check` re-reads them and answers new options if they changed. */
class TlsReload {
  current: TlsServerOptions;
  private readonly read: () => Promise<TlsServerOptions>;

  private constructor(current: TlsServerOptions, read: () => Promise<TlsServerOptions>) {
    this.current = current;
    this.read = read;
  }

  static async load(config: NodeConfig, io: NodeIo): Promise<TlsReload> {
    const read = () => readTls(config, io);
    const first = await read();
    tlsUsable(first, config);
    return new TlsReload(first, read);
  }

  async check(log: Logger): Promise<TlsServerOptions | null> {
    let next: TlsServerOptions;
    try {
      next = await this.read();
      if (sameTls(next, this.current)) return null;
      checkTlsOptions(next);
    } catch (err) {
      log.warn({ err }, 'TLS files changed but cannot be used; serving the previous certificate');
      return null;
    }
    this.current = next;
    log.info('TLS certificate reloaded');
    return next;
  }
}

async function readTls(config: NodeConfig, io: NodeIo): Promise<TlsServerOptions> {
  const ssl = config.ssl;
  if (ssl === undefined) throw new Error('unreachable: the config requires ssl for TLS');
  const file = async (path: string, key: string): Promise<Buffer> => {
    const data = await io.disk.readFile(path);
    if (data === undefined) {
      throw new PadoError(PadoErrorCode.configInvalid, `config ${key}: ${path} does not exist; ` +
        'give the path of an existing file (pado security init makes them)');
    }
    return data;
  };
  const keystore = await file(ssl.keystoreLocation, 'ssl.keystore.location');
  const ca = ssl.truststoreLocation === undefined ? undefined
    : await file(ssl.truststoreLocation, 'ssl.truststore.location');
  return {
    ...(ssl.keystoreType === 'PKCS12' ? { pfx: keystore } : { pem: keystore }),
    ...(ssl.keyPassword === undefined ? {} : { passphrase: ssl.keyPassword }),
    ...(ca === undefined ? {} : { ca }),
    requestCert: ssl.clientAuth !== 'none',
    requireCert: ssl.clientAuth === 'required',
  };
}

function tlsUsable(tls: TlsServerOptions, config: NodeConfig): void {
  try {
    checkTlsOptions(tls);
  } catch (e) {
    throw new PadoError(PadoErrorCode.configInvalid, `config ssl.keystore.location: ` +
      `${config.ssl?.keystoreLocation ?? ''} cannot be used (${(e as Error).message}); it must ` +
      'hold the private key and its certificate chain in PEM (ssl.key.password if the key is ' +
      'encrypted)', { cause: e });
  }
  if (config.ssl?.clientAuth !== 'none' && tls.ca === undefined) {
    throw new PadoError(PadoErrorCode.configInvalid, 'config ssl.client.auth: client ' +
      'certificates are checked against ssl.truststore.location; set it to the CA\'s PEM file');
  }
}

function sameTls(a: TlsServerOptions, b: TlsServerOptions): boolean {
  const same = (x: Buffer | undefined, y: Buffer | undefined) =>
    x === undefined ? y === undefined : y !== undefined && x.equals(y);
  return same(a.pem, b.pem) && same(a.pfx, b.pfx) && same(a.ca, b.ca);
}

/**
 * The node's Net as its peers need it: every connection it opens (Raft, replica fetches, the
 * controller, joins, address checks — all go to peers' inter-broker listeners) speaks TLS with
 * the node's certificate when `tls()` gives options; listening is unchanged.
 */
export function peerNet(net: Net, tls: () => TlsClientOptions | undefined): Net {
  return {
    listen: (host, port, accept, options) => net.listen(host, port, accept, options),
    connect: (host, port, options = {}) => {
      const peer = options.tls ?? tls();
      return net.connect(host, port, peer === undefined ? options : { ...options, tls: peer });
    },
  };
}
