/**
 * What the console's API accepts, checked before anything reaches the cluster (pure): a new
 * topic, an offset reset, a message-browser query; and how a record's bytes are shown. A record's
 * key, value and header values are bytes from anyone: shown as text only when they are valid
 * UTF-8 without control characters (other than tab and line breaks), else as hex, and cut at
 * `consoleFieldBytesMax`. The page puts them in text nodes, never in HTML.
 */
import { limits } from '../common/index.js';
import { validateTopicName } from '../config/index.js';
import type { DecodedRecord } from '../protocol/records/index.js';
import { ConsoleRequestError } from './http.js';

const partitionsMax = 10_000;
const replicationFactorMax = 32;
const configEntriesMax = 64;

export interface NewTopicInput {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

function bad(message: string): ConsoleRequestError {
  return new ConsoleRequestError(400, message);
}

export function topicName(raw: unknown): string {
  if (typeof raw !== 'string') throw bad('a topic name is required');
  const problem = validateTopicName(raw);
  if (problem !== null) throw bad(problem);
  return raw;
}

function intIn(raw: unknown, what: string, min: number, max: number): number {
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(`${what} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

export function parseNewTopic(body: Record<string, unknown>): NewTopicInput {
  const configs: Record<string, string> = {};
  const raw = body['configs'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad('configs must be an object of name → value');
  }
  const entries = Object.entries(raw);
  if (entries.length > configEntriesMax) throw bad(`at most ${configEntriesMax} configs`);
  for (const [name, value] of entries) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw bad(`config ${name}: give the value as a string`);
    }
    configs[name] = String(value);
  }
  return {
    name: topicName(body['name']),
    partitions: body['partitions'] === undefined ? -1
      : intIn(body['partitions'], 'partitions', 1, partitionsMax),
    replicationFactor: body['replicationFactor'] === undefined ? -1
      : intIn(body['replicationFactor'], 'replicationFactor', 1, replicationFactorMax),
    configs,
  };
}

export type ResetTarget =
  | { readonly kind: 'start' }
  | { readonly kind: 'end' }
  | { readonly kind: 'offset'; readonly offset: number };

export interface ResetInput {
  topic: string;
  /** null: every partition of the topic. */
  partitions: number[] | null;
  to: ResetTarget;
}

export function parseReset(body: Record<string, unknown>): ResetInput {
  const topic = topicName(body['topic']);
  const raw = body['partitions'];
  let partitions: number[] | null = null;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || raw.length > partitionsMax) throw bad('partitions: a list of numbers');
    partitions = [...new Set(raw.map((p) => intIn(p, 'a partition', 0, partitionsMax - 1)))]
      .sort((a, b) => a - b);
  }
  const to = body['to'];
  switch (to) {
    case 'start': return { topic, partitions, to: { kind: 'start' } };
    case 'end': return { topic, partitions, to: { kind: 'end' } };
    case 'offset':
      return { topic, partitions,
        to: { kind: 'offset', offset: intIn(body['offset'], 'offset', 0, Number.MAX_SAFE_INTEGER) } };
    default:
      throw bad('to must be "start", "end" or "offset" (with an offset)');
  }
}

/** The new offset of a partition whose log holds [start, end): a given offset is clamped. */
export function resetOffset(to: ResetTarget, start: number, end: number): number {
  switch (to.kind) {
    case 'start': return start;
    case 'end': return end;
    case 'offset': return Math.min(end, Math.max(start, to.offset));
  }
}

export type BrowseFrom =
  | { readonly kind: 'start' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'timestamp'; readonly timestampMs: number };

export interface BrowseInput {
  topic: string;
  partition: number;
  from: BrowseFrom;
  limit: number;
}

const isoRe = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A time as unix ms (digits) or ISO 8601 (a time without a zone is UTC). */
export function parseTimestamp(raw: string): number {
  const text = raw.trim();
  let ms = NaN;
  if (/^\d{1,15}$/.test(text)) ms = Number(text);
  else if (isoRe.test(text)) ms = Date.parse(/T.*(Z|[+-]\d{2}:\d{2})$|^[^T]*$/.test(text) ? text : `${text}Z`);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw bad(`timestamp '${raw}' is neither unix milliseconds nor an ISO 8601 time ` +
      '(e.g. 2024-05-01T12:00:00Z)');
  }
  return ms;
}

export function parseBrowse(query: URLSearchParams): BrowseInput {
  const offset = query.get('offset');
  const timestamp = query.get('timestamp');
  if (offset !== null && offset !== '' && timestamp !== null && timestamp !== '') {
    throw bad('give an offset or a timestamp, not both');
  }
  const limitRaw = query.get('limit');
  let from: BrowseFrom = { kind: 'start' };
  if (offset !== null && offset !== '') {
    from = { kind: 'offset', offset: intIn(offset, 'offset', 0, Number.MAX_SAFE_INTEGER) };
  } else if (timestamp !== null && timestamp !== '') {
    from = { kind: 'timestamp', timestampMs: parseTimestamp(timestamp) };
  }
  return {
    topic: topicName(query.get('topic') ?? undefined),
    partition: intIn(query.get('partition') ?? '0', 'partition', 0, partitionsMax - 1),
    from,
    limit: limitRaw === null || limitRaw === '' ? 50
      : intIn(limitRaw, 'limit', 1, limits.consoleBrowseRecordsMax),
  };
}

/** Bytes as the page shows them. */
export interface ShownBytes {
  /** 'text': valid UTF-8, printable; 'hex': anything else. */
  readonly encoding: 'text' | 'hex';
  readonly data: string;
  /** The whole field's size; `truncated` when more than the shown part. */
  readonly sizeBytes: number;
  readonly truncated: boolean;
}

export interface ShownRecord {
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: ShownBytes | null;
  readonly value: ShownBytes | null;
  readonly headers: readonly { readonly key: ShownBytes; readonly value: ShownBytes | null }[];
}

// C0 controls but tab, line feed and carriage return; DEL and C1 controls; U+FFFD (bad UTF-8).
const unprintableRe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/;

export function showBytes(buf: Buffer, bytesMax = limits.consoleFieldBytesMax): ShownBytes {
  const shown = buf.length > bytesMax ? buf.subarray(0, bytesMax) : buf;
  const truncated = shown.length < buf.length;
  // A cut may split a character: the text is checked up to the last whole one.
  const whole = truncated ? shown.subarray(0, utf8Boundary(shown)) : shown;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(whole);
  const printable = !unprintableRe.test(text) && Buffer.from(text, 'utf8').equals(whole);
  return printable
    ? { encoding: 'text', data: text, sizeBytes: buf.length, truncated }
    : { encoding: 'hex', data: shown.toString('hex'), sizeBytes: buf.length, truncated };
}

/** Where the last whole UTF-8 character of `buf` ends (its length, unless it ends mid-way). */
function utf8Boundary(buf: Buffer): number {
  let i = buf.length - 1;
  // At most 3 continuation bytes (10xxxxxx) follow a character's first byte.
  for (let k = 0; i >= 0 && k < 3 && ((buf[i] as number) & 0xc0) === 0x80; k++) i--;
  if (i < 0) return buf.length;
  const first = buf[i] as number;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return buf.length - i < length ? i : buf.length;
}

export function showRecord(r: DecodedRecord): ShownRecord {
  return {
    offset: r.offset,
    timestampMs: r.timestamp,
    key: r.key === null ? null : showBytes(r.key),
    value: r.value === null ? null : showBytes(r.value),
    headers: r.headers.map((h) => ({ key: showBytes(Buffer.from(h.key, 'utf8')),
      value: h.value === null ? null : showBytes(h.value) })),
  };
}
