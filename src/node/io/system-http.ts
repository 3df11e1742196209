/**
 * The HTTP admin listener's socket (issue 16): node:http serving the routes of observability/
 * (`/metrics`, `/health`, `/ready`, the event feed, the console), and the process metrics
 * prom-client reads from the process itself (RSS, event-loop delay, heap, GC). Bounded: a request
 * body beyond 1 MiB is answered 413 and its connection closed, headers are cut at 16 KiB, an idle
 * or slow connection is closed after 10 s, at most 64 connections are open at once and at most 16
 * of them streaming (server-sent events, which are exempt from the idle timeout and get a comment
 * line every 15 s so that proxies keep them).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import {
  isStream, textAnswer, type HttpHandler, type HttpRequest, type HttpStream,
} from '../../observability/index.js';

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

export type ListenHttp = (host: string, port: number, handle: HttpHandler, log: Logger) =>
  Promise<HttpListener>;

const connectionsMax = 64;
const streamsMax = 16;
const requestTimeoutMs = 10_000;
const bodyBytesMax = 1024 * 1024;
const keepStreamAliveMs = 15_000;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > bodyBytesMax) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export const listenSystemHttp: ListenHttp = (host, port, handle, log) => new Promise((resolve, reject) => {
  const streams = new Set<() => void>();
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://pado');
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`request body larger than ${bodyBytesMax} bytes\n`);
      return;
    }
    const request: HttpRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams,
      headers: headersOf(req), body };
    const answer = await handle(request);
    if (isStream(answer)) {
      await stream(answer, res);
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store',
      ...answer.headers });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  };
  const stream = async (answer: HttpStream, res: ServerResponse): Promise<void> => {
    if (streams.size >= streamsMax) {
      const busy = textAnswer(503, `at most ${streamsMax} event streams at once`);
      res.writeHead(busy.status, { 'content-type': busy.contentType });
      res.end(busy.body);
      return;
    }
    res.socket?.setTimeout(0);
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store',
      ...answer.headers });
    let end = (): void => {};
    const closed = new Promise<void>((done) => { end = done; });
    streams.add(end);
    res.once('close', end);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepStreamAliveMs);
    try {
      await answer.stream((chunk) => res.write(chunk), closed);
    } finally {
      clearInterval(keepAlive);
      streams.delete(end);
      res.end();
    }
  };
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: requestTimeoutMs },
    (req: IncomingMessage, res: ServerResponse) => {
      serve(req, res).catch((err: unknown) => {
        log.error({ err, path: req.url }, 'http request failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
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
        for (const end of streams) end();
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
