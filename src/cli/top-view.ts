/**
 * The pure part of `pado top`: a broker's `/metrics` text (Prometheus exposition, Kafka's metric
 * names, observability/metrics.ts) reduced to the counters top needs; two scrapes of every broker
 * turned into per-second rates per broker and per topic; and the frame as text.
 */
import { formatBytes } from './cluster/logdirs-describe.js';
import { formatTable } from './output.js';

/** What top reads of one scrape. Counters are totals since the broker started. */
export interface MetricsSample {
  bytesIn: ReadonlyMap<string, number>;
  bytesOut: ReadonlyMap<string, number>;
  messagesIn: ReadonlyMap<string, number>;
  /** Requests answered, every API. */
  requests: number;
  /** Partitions this broker leads whose ISR is smaller than their replicas. */
  underReplicated: number;
}

/** One broker's scrape: its sample, or why there is none. */
export interface BrokerScrape {
  /** -1 when only the HTTP address is known (--http). */
  brokerId: number;
  http: string;
  atMs: number;
  sample: MetricsSample | null;
  error: string | null;
}

export interface GroupLag {
  group: string;
  state: string;
  /** Sum of the partitions' lag (committed ones); null when it could not be read. */
  lag: number | null;
}

export interface BrokerRates {
  brokerId: number;
  http: string;
  /** Per second; null on the first scrape, after an error or a restart (a counter went back). */
  bytesInPerSec: number | null;
  bytesOutPerSec: number | null;
  recordsInPerSec: number | null;
  requestsPerSec: number | null;
  underReplicated: number | null;
  error: string | null;
}

export interface TopicRates {
  topic: string;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  recordsInPerSec: number;
}

export interface TopView {
  brokers: BrokerRates[];
  topics: TopicRates[];
  groups: GroupLag[];
  underReplicated: number;
  groupLag: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Pure: the counters top reads from an exposition text; unknown lines are skipped. */
export function parseMetrics(text: string): MetricsSample {
  const bytesIn = new Map<string, number>();
  const bytesOut = new Map<string, number>();
  const messagesIn = new Map<string, number>();
  let requests = 0;
  let underReplicated = 0;
  const perTopic: Record<string, Map<string, number>> = {
    kafka_server_brokertopicmetrics_bytesin_total: bytesIn,
    kafka_server_brokertopicmetrics_bytesout_total: bytesOut,
    kafka_server_brokertopicmetrics_messagesin_total: messagesIn,
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (m === null) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const name = m[1] ?? '';
    const labels = new Map([...(m[2] ?? '').matchAll(labelPair)].map((p) =>
      [p[1] ?? '', (p[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))]));
    const topics = perTopic[name];
    if (topics !== undefined) {
      const topic = labels.get('topic');
      if (topic !== undefined) topics.set(topic, (topics.get(topic) ?? 0) + value);
    } else if (name === 'kafka_network_requestmetrics_totaltime_seconds_count') {
      requests += value;
    } else if (name === 'kafka_server_replicamanager_underreplicatedpartitions') {
      underReplicated += value;
    }
  }
  return { bytesIn, bytesOut, messagesIn, requests, underReplicated };
}

/** (next − prev) / seconds, or null when unknown or the counter went back (a restart). */
function rate(prev: number | undefined, next: number | undefined, seconds: number): number | null {
  if (prev === undefined || next === undefined || seconds <= 0 || next < prev) return null;
  return (next - prev) / seconds;
}

function sum(map: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const v of map.values()) total += v;
  return total;
}

/** Pure: rates between two scrapes of each broker (matched by HTTP address). */
export function topView(prev: readonly BrokerScrape[], next: readonly BrokerScrape[],
  groups: readonly GroupLag[]): TopView {
  const before = new Map(prev.map((s) => [s.http, s]));
  const topics = new Map<string, TopicRates>();
  const brokers = next.map((s): BrokerRates => {
    const p = before.get(s.http);
    const a = p?.sample ?? null;
    const b = s.sample;
    const seconds = p === undefined ? 0 : (s.atMs - p.atMs) / 1000;
    const none = { bytesInPerSec: null, bytesOutPerSec: null, recordsInPerSec: null, requestsPerSec: null };
    if (b === null) return { brokerId: s.brokerId, http: s.http, ...none, underReplicated: null, error: s.error };
    if (a === null) return { brokerId: s.brokerId, http: s.http, ...none, underReplicated: b.underReplicated, error: null };
    const rates = { bytesInPerSec: rate(sum(a.bytesIn), sum(b.bytesIn), seconds),
      bytesOutPerSec: rate(sum(a.bytesOut), sum(b.bytesOut), seconds),
      recordsInPerSec: rate(sum(a.messagesIn), sum(b.messagesIn), seconds),
      requestsPerSec: rate(a.requests, b.requests, seconds) };
    const names = new Set([...b.bytesIn.keys(), ...b.bytesOut.keys(), ...b.messagesIn.keys()]);
    for (const topic of names) {
      const t = topics.get(topic) ?? { topic, bytesInPerSec: 0, bytesOutPerSec: 0, recordsInPerSec: 0 };
      t.bytesInPerSec += rate(a.bytesIn.get(topic) ?? 0, b.bytesIn.get(topic), seconds) ?? 0;
      t.bytesOutPerSec += rate(a.bytesOut.get(topic) ?? 0, b.bytesOut.get(topic), seconds) ?? 0;
      t.recordsInPerSec += rate(a.messagesIn.get(topic) ?? 0, b.messagesIn.get(topic), seconds) ?? 0;
      topics.set(topic, t);
    }
    return { brokerId: s.brokerId, http: s.http, ...rates, underReplicated: b.underReplicated, error: null };
  });
  return {
    brokers,
    topics: [...topics.values()].sort((x, y) => y.bytesInPerSec + y.bytesOutPerSec -
      (x.bytesInPerSec + x.bytesOutPerSec) || (x.topic < y.topic ? -1 : 1)),
    groups: [...groups].sort((x, y) => (y.lag ?? -1) - (x.lag ?? -1) || (x.group < y.group ? -1 : 1)),
    underReplicated: brokers.reduce((n, b) => n + (b.underReplicated ?? 0), 0),
    groupLag: groups.reduce((n, g) => n + (g.lag ?? 0), 0),
  };
}

const perSec = (bytes: number | null): string => (bytes === null ? '-' : `${formatBytes(Math.round(bytes))}/s`);
const count = (n: number | null): string => (n === null ? '-' : n < 10 ? n.toFixed(1) : String(Math.round(n)));

/** Pure: one frame of text; `rowsMax` bounds the topic and group tables (the busiest first). */
export function formatTop(view: TopView, header: string, rowsMax: number): string {
  const brokers = formatTable([
    { key: 'broker', title: 'BROKER' }, { key: 'http', title: 'HTTP' }, { key: 'in', title: 'IN' },
    { key: 'out', title: 'OUT' }, { key: 'records', title: 'RECORDS-IN/S' },
    { key: 'requests', title: 'REQUESTS/S' }, { key: 'urp', title: 'UNDER-REPLICATED' },
  ], view.brokers.map((b) => ({ broker: b.brokerId < 0 ? '-' : b.brokerId, http: b.http,
    in: b.error ?? perSec(b.bytesInPerSec), out: perSec(b.bytesOutPerSec),
    records: count(b.recordsInPerSec), requests: count(b.requestsPerSec),
    urp: b.underReplicated === null ? '-' : b.underReplicated })));
  const topics = view.topics.length === 0 ? 'no topic traffic yet\n' : formatTable([
    { key: 'topic', title: 'TOPIC' }, { key: 'in', title: 'IN' }, { key: 'out', title: 'OUT' },
    { key: 'records', title: 'RECORDS-IN/S' },
  ], view.topics.slice(0, rowsMax).map((t) => ({ topic: t.topic, in: perSec(t.bytesInPerSec),
    out: perSec(t.bytesOutPerSec), records: count(t.recordsInPerSec) })));
  const groups = view.groups.length === 0 ? 'no consumer groups\n' : formatTable([
    { key: 'group', title: 'GROUP' }, { key: 'state', title: 'STATE' }, { key: 'lag', title: 'LAG' },
  ], view.groups.slice(0, rowsMax).map((g) => ({ group: g.group, state: g.state, lag: g.lag })));
  const more = (n: number, what: string): string => (n > rowsMax ? `(${n - rowsMax} more ${what})\n` : '');
  return `${header}\n\n${brokers}under-replicated partitions: ${view.underReplicated}\n\n` +
    `${topics}${more(view.topics.length, 'topics')}\n${groups}${more(view.groups.length, 'groups')}` +
    `consumer-group lag: ${view.groupLag}\n`;
}
