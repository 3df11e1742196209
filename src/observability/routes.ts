/**
 * The HTTP admin listener's routes (issue 16 item 1; DESIGN.md "Processes and ports": HTTP on
 * 127.0.0.1:9644): `/metrics` (Prometheus text), `/health` (the process answers: for systemd's
 * and Docker's liveness checks) and `/ready` (this node serves clients — registered, unfenced and
 * caught up with the metadata log: for load balancers and for scripts that wait for a node).
 * Plain functions of a request; the node's I/O wiring owns the socket (node/io/system-http.ts).
 */
import type { NodeMetrics } from './metrics.js';

export interface HttpRequest {
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface AdminRoutesOptions {
  readonly metrics: NodeMetrics;
  /** Null when ready, else why not (shown in the 503's body). */
  readonly notReady: () => string | null;
}

const text = (status: number, body: string): HttpResponse =>
  ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` });

export function adminRoutes(o: AdminRoutesOptions): (req: HttpRequest) => Promise<HttpResponse> {
  return async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'only GET and HEAD');
    switch (req.path) {
      case '/metrics': {
        const { contentType, text: body } = await o.metrics.render();
        return { status: 200, contentType, body };
      }
      case '/health':
        return text(200, 'ok');
      case '/ready': {
        const why = o.notReady();
        return why === null ? text(200, 'ready') : text(503, `not ready: ${why}`);
      }
      case '/':
        return text(200, 'pado: /metrics /health /ready');
      default:
        return text(404, `no such page: ${req.path} (try /metrics, /health or /ready)`);
    }
  };
}
