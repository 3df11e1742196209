/**
 * The root logger (STYLE.md §8): pino with `base: { nodeId }`, payload-ish keys redacted, and a
 * buffered destination flushed on shutdown. On a terminal, lines are formatted by a small
 * built-in formatter: pino-pretty is only a devDependency and must not be needed at run time.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/index.js';

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

/** Bytes buffered before a write; a crash loses at most this much, a shutdown flushes it. */
const bufferBytesMin = 4096;

interface Flushable {
  flushSync(): void;
}
const destinations = new WeakMap<Logger, Flushable>();

export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  // A TTY reader wants each line now; a pipe or file is read later, so buffer for throughput.
  const sonic = pino.destination({
    dest: fd, sync: options.pretty, minLength: options.pretty ? 0 : bufferBytesMin,
  });
  const stream: DestinationStream = options.pretty ? prettyStream(sonic) : sonic;
  const log = pino(
    {
      level: options.level,
      base: { nodeId: options.nodeId },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
  destinations.set(log, sonic);
  return log;
}

/** Writes out anything buffered; call on shutdown before the process exits. */
export function flushLogger(log: Logger): void {
  try {
    destinations.get(log)?.flushSync();
  } catch {
    // The destination may not be open yet (nothing was written); nothing to flush then.
  }
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
