/**
 * The control channel of a running `pado dev` (issue 16 item 5: `pado dev kill|restart <id>` from
 * another shell). The supervisor listens on a loopback HTTP port chosen by the OS and writes
 * `<data-dir>/dev-control.json` (mode 0600: its pid, that port and a random 256-bit token); a
 * second `pado dev kill 2 --data-dir <same>` reads the file and sends `POST /nodes/2/kill` with
 * the token as a bearer credential. Loopback TCP and a file work the same on Linux, macOS and
 * Windows (no Unix socket, no named pipe). Who may read the file may control the dev cluster, as
 * whoever may read its data directory may read its data anyway.
 *
 * Safety: only 127.0.0.1; a request without the exact token (compared in constant time), with a
 * Host other than 127.0.0.1:<port> (a browser page rebinding a name to loopback), or with a body
 * is refused before anything is done; one action per node at a time; the file is removed when
 * the supervisor stops (only if it still holds this supervisor's token).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PadoError, PadoErrorCode } from '../common/index.js';

export const devControlFileName = 'dev-control.json';
export const devControlActions = ['kill', 'restart'] as const;
export type DevControlAction = (typeof devControlActions)[number];

/** What the supervisor writes for its controllers. */
export interface DevControlFile {
  version: 1;
  pid: number;
  port: number;
  token: string;
}

/** An action's outcome: an HTTP status (200 done, 404 no such node, 409 not now, 500 failed). */
export interface DevControlAnswer {
  status: number;
  message: string;
}

export type DevControlHandler = (action: DevControlAction, nodeId: number) => Promise<DevControlAnswer>;

export interface DevControl {
  readonly port: number;
  close(): Promise<void>;
}

/** How the supervisor opens its channel; unit tests substitute one without sockets. */
export type StartDevControl = (dataDir: string, handler: DevControlHandler) => Promise<DevControl>;

const tokenBytes = 32;
/** Longer than a restart may take (a node's start-up wait in `runDev`) plus its stop. */
export const devControlTimeoutMs = 120_000;

export function devControlPath(dataDir: string): string {
  return join(dataDir, devControlFileName);
}

/** Pure: `/nodes/2/kill` → { action, nodeId }; anything else → null. */
export function parseControlPath(path: string): { action: DevControlAction; nodeId: number } | null {
  const m = /^\/nodes\/([1-9]\d{0,2})\/([a-z]+)$/.exec(path);
  if (m === null) return null;
  const action = devControlActions.find((a) => a === m[2]);
  return action === undefined ? null : { action, nodeId: Number(m[1]) };
}

/** Pure: whether `header` is exactly `Bearer <token>` (constant time in the token's length). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const startDevControl: StartDevControl = async (dataDir, handler) => {
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(tokenBytes).toString('hex');
  const busy = new Set<number>();
  let port = 0;
  const server = createServer((req, res) => {
    void serve(req, res, { token, port, busy, handler });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const path = devControlPath(dataDir);
  const file: DevControlFile = { version: 1, pid: process.pid, port, token };
  // Written whole under another name, then renamed: a reader never sees half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  return {
    port,
    async close() {
      if (readControlFile(dataDir)?.token === token) rmSync(path, { force: true });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

interface ServeState {
  token: string;
  port: number;
  busy: Set<number>;
  handler: DevControlHandler;
}

async function serve(req: IncomingMessage, res: ServerResponse, s: ServeState): Promise<void> {
  const answer = (status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ message })}\n`);
  };
  if (!tokenMatches(req.headers.authorization, s.token)) return answer(401, 'wrong or missing token');
  if (req.headers.host !== `127.0.0.1:${s.port}`) return answer(403, 'unexpected Host header');
  if (req.method !== 'POST') return answer(405, 'only POST');
  if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') {
    return answer(413, 'no body expected');
  }
  const target = parseControlPath(req.url ?? '');
  if (target === null) return answer(404, 'expected /nodes/<id>/kill or /nodes/<id>/restart');
  if (s.busy.has(target.nodeId)) {
    return answer(409, `node ${target.nodeId} is busy with an earlier request; try again`);
  }
  s.busy.add(target.nodeId);
  try {
    const result = await s.handler(target.action, target.nodeId);
    answer(result.status, result.message);
  } catch (err) {
    answer(500, (err as Error).message);
  } finally {
    s.busy.delete(target.nodeId);
  }
}

/** The control file of a `pado dev` on `dataDir`, or null when there is none (or it is unreadable). */
export function readControlFile(dataDir: string): DevControlFile | null {
  let text: string;
  try {
    text = readFileSync(devControlPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<DevControlFile>;
    if (value.version !== 1 || typeof value.port !== 'number' || typeof value.token !== 'string' ||
      typeof value.pid !== 'number') return null;
    return { version: 1, pid: value.pid, port: value.port, token: value.token };
  } catch {
    return null;
  }
}

/** Asks the `pado dev` running on `dataDir` to act on a node; its answer, or a PadoError. */
export async function sendDevControl(
  dataDir: string, action: DevControlAction, nodeId: number, timeoutMs = devControlTimeoutMs,
): Promise<DevControlAnswer> {
  const file = readControlFile(dataDir);
  if (file === null) {
    throw new PadoError(PadoErrorCode.notFound, `no running pado dev found for --data-dir ` +
      `${dataDir} (no readable ${devControlPath(dataDir)}); start one with \`pado dev ` +
      `--data-dir ${dataDir}\`, or give the --data-dir it was started with`);
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: file.port, method: 'POST', path: `/nodes/${nodeId}/${action}`,
      headers: { authorization: `Bearer ${file.token}`, 'content-length': '0' },
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let message = Buffer.concat(chunks).toString('utf8').trim();
        try {
          message = String((JSON.parse(message) as { message?: unknown }).message ?? message);
        } catch {
          // Not JSON: shown as it came.
        }
        resolve({ status: res.statusCode ?? 0, message });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new PadoError(PadoErrorCode.timeout,
      `pado dev (pid ${file.pid}) did not answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof PadoError ? err
      : new PadoError(PadoErrorCode.connection, `cannot reach pado dev (pid ${file.pid}) at ` +
        `127.0.0.1:${file.port} (${err.message}): it has probably stopped; ` +
        `${devControlPath(dataDir)} is left from it`)));
    req.end();
  });
}
