/**
 * The HTTP admin listener's routes (issue 16 items 1–3; DESIGN.md "Processes and ports": HTTP on
 * 127.0.0.1:9644): `/metrics` (Prometheus text), `/health` (the process answers: for systemd's
 * and Docker's liveness checks), `/ready` (this node serves clients — registered, unfenced and
 * caught up with the metadata log: for load balancers and for scripts that wait for a node), and
 * whatever is mounted under a path prefix (the event feed, the web console). Plain functions of a
 * request; the node's I/O wiring owns the socket (node/io/system-http.ts).
 */
import type { NodeMetrics } from './metrics.js';

export interface HttpRequest {
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The query string's parameters. */
  readonly query: URLSearchParams;
  /** Header names in lower case (node:http's form); repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The request body (bounded by the socket layer: larger requests are answered 413 there). */
  readonly body: Buffer;
}

/** A whole answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** Extra response headers (set-cookie, location, …). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A streamed answer (server-sent events): the socket layer sends the head, then calls `stream`,
 * which writes chunks with `send` until it returns or `closed` resolves (the client went away, or
 * the listener closes). `send` returns false when the socket's buffer is full: stop and wait.
 */
export interface HttpStream {
  readonly status: number;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
  stream(send: (chunk: string) => boolean, closed: Promise<void>): Promise<void>;
}

export type HttpResponse = HttpAnswer | HttpStream;

export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>;

/** A handler for every path equal to `prefix` or under `prefix/`. */
export interface HttpMount {
  readonly prefix: string;
  readonly handle: HttpHandler;
}

export interface AdminRoutesOptions {
  readonly metrics: NodeMetrics;
  /** Null when ready, else why not (shown in the 503's body). */
  readonly notReady: () => string | null;
  /**
   * Served before the built-in pages, first match wins; each takes any method it wants. Read per
   * request: a mount added to the array later is served from then on.
   */
  readonly mounts?: readonly HttpMount[];
}

export const textAnswer = (status: number, body: string): HttpAnswer =>
  ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` });

export const jsonAnswer = (status: number, value: unknown): HttpAnswer =>
  ({ status, contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(value)}\n` });

export function isStream(r: HttpResponse): r is HttpStream {
  return 'stream' in r;
}

function mountFor(mounts: readonly HttpMount[], path: string): HttpMount | undefined {
  return mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
}

export function adminRoutes(o: AdminRoutesOptions): HttpHandler {
  const mounts = o.mounts ?? [];
  return async (req) => {
    const pages = ['/metrics', '/health', '/ready', ...mounts.map((m) => m.prefix)];
    const mount = mountFor(mounts, req.path);
    if (mount !== undefined) return mount.handle(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return textAnswer(405, 'only GET and HEAD');
    switch (req.path) {
      case '/metrics': {
        const { contentType, text: body } = await o.metrics.render();
        return { status: 200, contentType, body };
      }
      case '/health':
        return textAnswer(200, 'ok');
      case '/ready': {
        const why = o.notReady();
        return why === null ? textAnswer(200, 'ready') : textAnswer(503, `not ready: ${why}`);
      }
      case '/':
        return textAnswer(200, `pado: ${pages.join(' ')}`);
      default:
        return textAnswer(404, `no such page: ${req.path} (try ${pages.join(', ')})`);
    }
  };
}
