/**
 * The web console (issue 16 item 3) as an HTTP mount at /console on the node's admin listener:
 * the page and its modules (assets.ts), and a JSON API under /console/api/ that acts as a Kafka
 * client of the cluster through the node's own client listener (api.ts). With a SASL listener,
 * a user logs in with their SASL user name and password: the console checks them by logging in
 * to the broker, and acts as that user from then on, so the cluster's ACLs decide what they see
 * and do. Without, there is no login and the console acts as an anonymous client.
 * Bounded: every call answers within `consoleCallMsMax`, at most `consoleCallsInFlightMax` calls
 * and `consoleLoginsInFlightMax` logins at once, `consoleSessionsMax` sessions.
 */
import type { Logger } from 'pino';
import {
  ClusterClient, KafkaClient, type ClientIo, type ConnectBroker, type SaslCredentials,
} from '../client/index.js';
import {
  limits, PadoError, PadoErrorCode, type Clock, type Net, type Random, type Timer,
  type TlsClientOptions,
} from '../common/index.js';
import { textAnswer, type HttpAnswer, type HttpMount, type HttpRequest } from '../observability/index.js';
import type { SaslMechanism } from '../security/index.js';
import * as api from './api.js';
import { assets, contentSecurityPolicy, type ReadAsset } from './assets.js';
import {
  apiAnswer, apiRoute, clearedCookie, ConsoleRequestError, crossSiteRefusal, errorAnswer,
  errorStatus, jsonBody, routeMethods, securityHeaders, sessionCookie, sessionToken,
  type ApiRoute,
} from './http.js';
import { parseBrowse, parseNewTopic, parseReset, topicName } from './inputs.js';
import { SessionStore, sessionLimitsDefault, type Session, type SessionLimits } from './sessions.js';

/** The client listener the console connects to (read at each connect: ports are bound by then). */
export interface ConsoleTarget {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsClientOptions;
  /** The mechanism users log in with; null: the listener takes no login (security off). */
  readonly sasl: SaslMechanism | null;
}

export interface ConsoleOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly net: Net;
  readonly target: () => ConsoleTarget;
  readonly readAsset: ReadAsset;
  /** Bytes of this node's own replicas, "topic/partition" → bytes (other sizes are unknown). */
  readonly localSizes: () => ReadonlyMap<string, number>;
  readonly log: Logger;
  readonly sessionLimits?: SessionLimits;
}

const connectTimeoutMs = 3_000;
const userBytesMax = 255;
const passwordBytesMax = 1024;

/** A user's (or, security off, everyone's) way to the cluster: connections opened on first use. */
class Backend {
  private cluster: ClusterClient | null = null;
  private readonly open: () => ClusterClient;

  constructor(open: () => ClusterClient) {
    this.open = open;
  }

  get(): ClusterClient {
    this.cluster ??= this.open();
    return this.cluster;
  }

  /** Closes the connections (after a failure, a logout): the next call opens new ones. */
  reset(): void {
    const cluster = this.cluster;
    this.cluster = null;
    void cluster?.close();
  }
}

export class WebConsole {
  readonly mount: HttpMount;
  private readonly o: ConsoleOptions;
  private readonly sessions: SessionStore<Backend>;
  private anonymous: Backend | null = null;
  private readonly cache = new Map<string, Buffer>();
  private callsInFlight = 0;
  private loginsInFlight = 0;

  constructor(options: ConsoleOptions) {
    this.o = options;
    this.sessions = new SessionStore<Backend>(options.random, (s) => s.state.reset(),
      options.sessionLimits ?? sessionLimitsDefault);
    this.mount = { prefix: '/console', handle: (req) => this.handle(req) };
  }

  async close(): Promise<void> {
    this.sessions.endAll();
    this.anonymous?.reset();
  }

  private async handle(req: HttpRequest): Promise<HttpAnswer> {
    if (req.path === '/console') {
      return { ...textAnswer(302, 'see /console/'), headers: { location: '/console/' } };
    }
    if (!req.path.startsWith('/console/api/')) return this.asset(req);
    const route = apiRoute(req.path);
    if (route === null) return apiAnswer(404, { error: `no such console API: ${req.path}` });
    if (!routeMethods[route.kind].includes(req.method)) {
      return apiAnswer(405, { error: `${req.path} takes ${routeMethods[route.kind].join(', ')}` });
    }
    const refusal = crossSiteRefusal(req);
    if (refusal !== null) return apiAnswer(403, { error: refusal });
    if (this.callsInFlight >= limits.consoleCallsInFlightMax) {
      return apiAnswer(503, { error: 'the console is busy; retry in a moment' });
    }
    this.callsInFlight++;
    try {
      return await this.call(route, req);
    } catch (e) {
      return errorAnswer(e);
    } finally {
      this.callsInFlight--;
    }
  }

  private async asset(req: HttpRequest): Promise<HttpAnswer> {
    const asset = assets.get(req.path);
    if (asset === undefined) return textAnswer(404, `no such console page: ${req.path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return textAnswer(405, 'only GET and HEAD');
    let body = this.cache.get(req.path);
    if (body === undefined) {
      body = await this.o.readAsset(asset.file);
      this.cache.set(req.path, body);
    }
    const html = asset.contentType.startsWith('text/html');
    return { status: 200, contentType: asset.contentType, body,
      headers: { ...securityHeaders, ...(html ? { 'content-security-policy': contentSecurityPolicy } : {}) } };
  }

  private async call(route: ApiRoute, req: HttpRequest): Promise<HttpAnswer> {
    const nowMs = this.o.clock.now();
    const security = this.o.target().sasl !== null;
    const session = security ? this.sessions.use(sessionToken(req), nowMs) : undefined;
    switch (route.kind) {
      case 'session':
        return apiAnswer(200, { security, user: session?.user ?? null,
          mechanism: this.o.target().sasl });
      case 'login': return this.login(req, nowMs);
      case 'logout':
        if (session !== undefined) this.sessions.end(session.token);
        return apiAnswer(200, { user: null }, { 'set-cookie': clearedCookie });
      default:
        break;
    }
    if (security && session === undefined) {
      return apiAnswer(401, { error: 'log in first (your session ended or never began)' });
    }
    const backend = session?.state ?? this.anonymousBackend();
    try {
      const value = await this.withinDeadline(this.work(route, req, backend.get()));
      return apiAnswer(route.kind === 'topics' && req.method === 'POST' ? 201 : 200, value);
    } catch (e) {
      // Connections may be stuck or broken: the next call starts on fresh ones.
      if (errorStatus(e) >= 500) backend.reset();
      throw e;
    }
  }

  private work(route: ApiRoute, req: HttpRequest, cluster: ClusterClient): Promise<unknown> {
    switch (route.kind) {
      case 'overview': return api.overview(cluster);
      case 'topics':
        if (req.method === 'POST') {
          const input = parseNewTopic(jsonBody(req));
          return api.createTopic(cluster, input).then(() => ({ created: input.name }));
        }
        return api.topics(cluster);
      case 'topic': {
        const name = topicName(route.topic);
        if (req.method === 'DELETE') return api.deleteTopic(cluster, name).then(() => ({ deleted: name }));
        return api.topicDetail(cluster, name, this.o.localSizes());
      }
      case 'groups': return api.groups(cluster);
      case 'group': return api.group(cluster, groupId(route.group));
      case 'group-reset':
        return api.resetGroup(cluster, groupId(route.group), parseReset(jsonBody(req)))
          .then((reset) => ({ reset }));
      case 'messages': return api.browse(cluster, parseBrowse(req.query));
      default:
        throw new ConsoleRequestError(404, 'no such console API');
    }
  }

  private withinDeadline<T>(work: Promise<T>): Promise<T> {
    const ms = limits.consoleCallMsMax;
    let timer: Timer | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = this.o.clock.after(ms, () => reject(new PadoError(PadoErrorCode.timeout,
        `the cluster did not answer within ${ms} ms; see the overview or \`pado cluster health\``)));
    });
    return Promise.race([work, late]).finally(() => timer?.cancel());
  }

  private anonymousBackend(): Backend {
    this.anonymous ??= new Backend(() => this.cluster(undefined));
    return this.anonymous;
  }

  private cluster(sasl: SaslCredentials | undefined): ClusterClient {
    const target = this.o.target();
    return new ClusterClient([{ host: target.host, port: target.port }],
      this.connector(target, sasl), this.o.clock);
  }

  private connector(target: ConsoleTarget, sasl: SaslCredentials | undefined): ConnectBroker {
    const security = { ...(target.tls === undefined ? {} : { tls: target.tls }),
      ...(sasl === undefined ? {} : { sasl }) };
    const io: ClientIo = { net: this.o.net, clock: this.o.clock, random: this.o.random, security };
    return (a) => KafkaClient.connect({ host: a.host, port: a.port, clientId: 'pado-console',
      connectTimeoutMs, requestTimeoutMs: limits.consoleCallMsMax, io });
  }

  private async login(req: HttpRequest, nowMs: number): Promise<HttpAnswer> {
    const target = this.o.target();
    if (target.sasl === null) {
      return apiAnswer(400, { error: 'security is off on this listener: no login is needed' });
    }
    const body = jsonBody(req);
    const user = body['username'];
    const password = body['password'];
    if (typeof user !== 'string' || user === '' || Buffer.byteLength(user) > userBytesMax ||
      typeof password !== 'string' || Buffer.byteLength(password) > passwordBytesMax) {
      return apiAnswer(400, { error: 'give a user name and a password' });
    }
    if (this.loginsInFlight >= limits.consoleLoginsInFlightMax) {
      return apiAnswer(503, { error: 'too many logins at once; retry in a moment' });
    }
    const sasl: SaslCredentials = { mechanism: target.sasl, username: user, password };
    this.loginsInFlight++;
    try {
      const client = await this.withinDeadline(this.connector(target, sasl)(target));
      await client.close();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.o.log.warn({ user, reason }, 'console login refused');
      // A refused login says "SASL login … failed"; anything else is the broker not answering.
      const status = reason.includes('SASL login') ? 401 : errorStatus(e) === 504 ? 504 : 502;
      return apiAnswer(status, { error: status === 401 ? `login refused: ${reason}` : reason });
    } finally {
      this.loginsInFlight--;
    }
    const session: Session<Backend> = this.sessions.create(user,
      new Backend(() => this.cluster(sasl)), nowMs);
    this.o.log.info({ user, sessions: this.sessions.size }, 'console login');
    return apiAnswer(200, { user, security: true, mechanism: target.sasl },
      { 'set-cookie': sessionCookie(session.token, this.sessions.cookieMaxAgeSeconds) });
  }
}

/** Group ids: Kafka takes any non-empty string; bounded as the CLI bounds them. */
function groupId(raw: string): string {
  if (raw === '' || raw.length > 255) {
    throw new ConsoleRequestError(400, 'a group id has 1 to 255 characters');
  }
  return raw;
}
