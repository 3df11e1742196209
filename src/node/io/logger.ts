/**
 * The root logger (STYLE.md §8): pino with `base: { nodeId }`, payload-ish keys redacted, and a
 * buffered, never-blocking destination flushed on shutdown. On a terminal, lines are formatted by a small
 * built-in formatter: pino-pretty is only a devDependency and must not be needed at run time.
 */
import { write as fsWrite } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../../config/index.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LogLevel;
  nodeId: number;
  /** Human-readable lines (for a TTY) instead of JSON. */
  pretty: boolean;
  /** File descriptor to write to; 1 (stdout) unless a test or tool says otherwise. */
  fd?: number;
}

/**
 * Record contents and credentials never reach the log, whatever a caller binds. Paths cover the
 * key itself and one level of nesting (`{ request: { records } }`).
 */
const redactedKeys = ['records', 'value', 'payload', 'headers', 'password', 'authBytes', 'token'];
export const redactPaths = redactedKeys.flatMap((k) => [k, `*.${k}`]);

/** Bytes buffered before a write; a quiet broker's lines still go out within `lingerMs`. */
const bufferBytesMin = 4096;
const lingerMs = 200;
/** Bytes kept while the reader is slow; beyond it the oldest lines are dropped, never the broker. */
const bufferBytesMax = 4 * 1024 * 1024;
/** How long a shutdown waits for buffered log lines to be written. */
const flushMsMax = 1_000;

const destinations = new WeakMap<Logger, FdDestination>();

/**
 * Our own log destination instead of sonic-boom: sonic-boom sleeps the whole thread while a pipe is
 * full and retries a broken pipe (EPIPE) forever in its sync flush, which turned
 * `pado start | head` into a broker that ignored Ctrl+C. This one writes asynchronously, never
 * blocks the event loop, bounds what it holds, and goes quiet when its reader is gone.
 */
export class FdDestination {
  private readonly fd: number;
  private readonly minBytes: number;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private writing = false;
  private broken = false;
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  droppedBytes = 0;

  constructor(fd: number, minBytes: number) {
    this.fd = fd;
    this.minBytes = minBytes;
  }

  write(line: string): void {
    if (this.broken) return;
    const chunk = Buffer.from(line);
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > bufferBytesMax && this.chunks.length > 1) {
      const dropped = this.chunks.shift() as Buffer;
      this.bytes -= dropped.length;
      this.droppedBytes += dropped.length;
    }
    if (this.bytes >= this.minBytes) this.kick();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, lingerMs);
      this.timer.unref();
    }
  }

  /** Calls back once everything written so far is out (or given up on). */
  flush(cb: () => void): void {
    if (this.chunks.length === 0 && !this.writing) return cb();
    this.waiters.push(cb);
    this.kick();
  }

  private kick(): void {
    if (this.writing || this.chunks.length === 0) return;
    if (this.broken) return this.settle();
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    this.bytes = 0;
    this.writing = true;
    writeAll(this.fd, data, (err) => {
      this.writing = false;
      if (err !== null) {
        this.broken = true; // EPIPE, EBADF…: the reader is gone; drop from now on
        this.chunks = [];
        this.bytes = 0;
      }
      if (this.chunks.length > 0) this.kick();
      else this.settle();
    });
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Writes all of `data`, retrying partial writes and EAGAIN (a full pipe) without blocking. */
function writeAll(fd: number, data: Buffer, done: (err: NodeJS.ErrnoException | null) => void): void {
  fsWrite(fd, data, 0, data.length, null, (err, written) => {
    if (err !== null && err.code === 'EAGAIN') {
      setTimeout(() => writeAll(fd, data, done), 20).unref();
      return;
    }
    if (err !== null) return done(err);
    if (written < data.length) return writeAll(fd, data.subarray(written), done);
    done(null);
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  // A TTY reader wants each line now; a pipe or file is read later, so buffer for throughput.
  const out = new FdDestination(fd, options.pretty ? 0 : bufferBytesMin);
  const stream: DestinationStream = options.pretty ? prettyStream(out) : out;
  const log = pino(
    {
      level: options.level,
      base: { nodeId: options.nodeId },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
  destinations.set(log, out);
  return log;
}


/** Writes out anything buffered; resolves within `flushMsMax` whatever the reader does. */
export function flushLogger(log: Logger): Promise<void> {
  const out = destinations.get(log);
  if (out === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, flushMsMax);
    out.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const levelNames: Readonly<Record<number, string>> = {
  10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL',
};
const skippedKeys = new Set(['level', 'time', 'msg', 'nodeId', 'pid', 'hostname']);

function prettyStream(out: DestinationStream): DestinationStream {
  return { write: (line: string) => out.write(formatPrettyLine(line)) };
}

/** `12:00:01.250 INFO  [n1] became leader term=3 leaderId=1` — data as key=value, errors last. */
export function formatPrettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry['time'] === 'string' ? entry['time'].slice(11, 23) : '';
  const level = levelNames[Number(entry['level'])] ?? String(entry['level']);
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (skippedKeys.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      stack = `\n    ${String((value as { stack?: unknown }).stack ?? JSON.stringify(value))}`;
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  const data = fields.length === 0 ? '' : ` ${fields.join(' ')}`;
  return `${time} ${level} [n${String(entry['nodeId'])}] ${String(entry['msg'] ?? '')}` +
    `${data}${stack}\n`;
}
