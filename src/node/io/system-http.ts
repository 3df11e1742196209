/**
 * The HTTP admin listener's socket (issue 16): node:http serving the routes of observability/
 * (`/metrics`, `/health`, `/ready`), and the process metrics prom-client reads from the process
 * itself (RSS, event-loop delay, heap, GC). Bounded: requests have no body to speak of (anything
 * but GET and HEAD is answered 405 by the routes), headers are cut at 16 KiB, an idle or slow
 * connection is closed after 10 s, and at most 64 connections are open at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse } from '../../observability/index.js';

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

export type ListenHttp = (host: string, port: number,
  handle: (req: HttpRequest) => Promise<HttpResponse>, log: Logger) => Promise<HttpListener>;

const connectionsMax = 64;
const requestTimeoutMs = 10_000;

export const listenSystemHttp: ListenHttp = (host, port, handle, log) => new Promise((resolve, reject) => {
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: requestTimeoutMs },
    (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      handle({ method: req.method ?? 'GET', path }).then((answer) => {
        res.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      }, (err: unknown) => {
        log.error({ err, path }, 'http request failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    });
  server.maxConnections = connectionsMax;
  server.headersTimeout = requestTimeoutMs;
  server.keepAliveTimeout = 5_000;
  server.setTimeout(requestTimeoutMs);
  server.once('error', reject);
  server.listen(port, host, () => {
    server.off('error', reject);
    server.on('error', (err) => log.error({ err }, 'http listener error'));
    const address = server.address();
    resolve({
      port: typeof address === 'object' && address !== null ? address.port : port,
      close: () => new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
    });
  });
});

/** The process's own metrics (prom-client's defaults: RSS, CPU, event-loop delay, heap, GC). */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
}

/** A monotonic clock with sub-millisecond resolution, for request latency. */
export const monotonicMs = (): number => performance.now();
