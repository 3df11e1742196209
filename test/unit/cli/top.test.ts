// Proves `pado top`'s pure parts: argv (--once, --count, --http, defaults, bad addresses); the
// Prometheus text read for the counters top needs (per-topic bytes and records, request counts
// summed over APIs, under-replicated partitions; comments, other metrics and escaped labels
// skipped); rates from two scrapes (per broker and per topic across brokers; none on a first
// scrape, a failed one, or a counter that went back after a restart); the frame's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv } from '../../../src/cli/index.js';
import {
  formatTop, parseMetrics, topView, type BrokerScrape, type MetricsSample,
} from '../../../src/cli/top-view.js';
import { isPadoError } from '../../../src/common/index.js';

test('top: argv', () => {
  const bootstrap = [{ host: '127.0.0.1', port: 9092 }];
  assert.deepEqual(parseArgv(['top'], {}).args, { bootstrap, format: 'table', http: null, count: null });
  assert.deepEqual(parseArgv(['top', '--once', '--http', '10.0.0.1:9644,10.0.0.2:9644'], {}).args,
    { bootstrap, format: 'table', count: 1,
      http: [{ host: '10.0.0.1', port: 9644 }, { host: '10.0.0.2', port: 9644 }] });
  assert.equal((parseArgv(['top', '--count', '5'], {}).args as { count: number }).count, 5);
  for (const bad of [['top', '--count', '0'], ['top', '--http', 'nope']]) {
    assert.throws(() => parseArgv(bad, {}), (e: unknown) => isPadoError(e, 'PADO_INVALID_ARGUMENT'));
  }
});

const text = (bytesIn: number, requests: number, urp: number) => `# HELP x
# TYPE kafka_server_brokertopicmetrics_bytesin_total counter
kafka_server_brokertopicmetrics_bytesin_total{topic="a"} ${bytesIn}
kafka_server_brokertopicmetrics_bytesin_total{topic="we\\"ird"} 5
kafka_server_brokertopicmetrics_messagesin_total{topic="a"} ${bytesIn / 10}
kafka_server_brokertopicmetrics_bytesout_total{topic="a"} 7
kafka_server_brokertopicmetrics_replicationbytesout_total{topic="a"} 999
kafka_network_requestmetrics_totaltime_seconds_count{request="Produce"} ${requests}
kafka_network_requestmetrics_totaltime_seconds_count{request="Fetch"} 1
kafka_network_requestmetrics_totaltime_seconds_sum{request="Fetch"} 3
kafka_server_replicamanager_underreplicatedpartitions ${urp}
pado_up 1
`;

test('top: the counters read from /metrics', () => {
  const s = parseMetrics(text(1000, 41, 2));
  assert.deepEqual([...s.bytesIn], [['a', 1000], ['we"ird', 5]]);
  assert.deepEqual([...s.messagesIn], [['a', 100]]);
  assert.deepEqual([...s.bytesOut], [['a', 7]]);
  assert.equal(s.requests, 42);
  assert.equal(s.underReplicated, 2);
});

const scrape = (http: string, atMs: number, sample: MetricsSample | null, brokerId = 1): BrokerScrape =>
  ({ brokerId, http, atMs, sample, error: sample === null ? 'unreachable (refused)' : null });

test('top: rates per broker and per topic; none without two good scrapes or after a restart', () => {
  const prev = [scrape('h1', 0, parseMetrics(text(1000, 41, 0))), scrape('h2', 0, null, 2),
    scrape('h3', 0, parseMetrics(text(5000, 100, 0)), 3)];
  const next = [scrape('h1', 2000, parseMetrics(text(3000, 81, 1))),
    scrape('h2', 2000, parseMetrics(text(10, 1, 0)), 2), scrape('h3', 2000, parseMetrics(text(100, 2, 3)), 3),
    scrape('h4', 2000, null, 4)];
  const view = topView(prev, next, [{ group: 'g', state: 'Stable', lag: 12 },
    { group: 'f', state: 'Empty', lag: null }, { group: 'h', state: 'Stable', lag: 30 }]);
  assert.deepEqual(view.brokers.map((b) => [b.brokerId, b.bytesInPerSec, b.recordsInPerSec,
    b.requestsPerSec, b.bytesOutPerSec, b.underReplicated, b.error]), [
    [1, 1000, 100, 20, 0, 1, null],
    [2, null, null, null, null, 0, null],
    [3, null, null, null, 0, 3, null],
    [4, null, null, null, null, null, 'unreachable (refused)'],
  ]);
  assert.deepEqual(view.topics, [
    { topic: 'a', bytesInPerSec: 1000, bytesOutPerSec: 0, recordsInPerSec: 100 },
    { topic: 'we"ird', bytesInPerSec: 0, bytesOutPerSec: 0, recordsInPerSec: 0 },
  ]);
  assert.deepEqual(view.groups.map((g) => g.group), ['h', 'g', 'f']);
  assert.equal(view.underReplicated, 4);
  assert.equal(view.groupLag, 42);
  const shown = formatTop(view, 'pado top  12:00:00 UTC', 1);
  assert.equal(shown, [
    'pado top  12:00:00 UTC',
    '',
    'BROKER  HTTP  IN                     OUT    RECORDS-IN/S  REQUESTS/S  UNDER-REPLICATED',
    '1       h1    1000 B/s               0 B/s  100           20          1',
    '2       h2    -                      -      -             -           0',
    '3       h3    -                      0 B/s  -             -           3',
    '4       h4    unreachable (refused)  -      -             -           -',
    'under-replicated partitions: 4',
    '',
    'TOPIC  IN        OUT    RECORDS-IN/S',
    'a      1000 B/s  0 B/s  100',
    '(1 more topics)',
    '',
    'GROUP  STATE   LAG',
    'h      Stable  30',
    '(2 more groups)',
    'consumer-group lag: 42',
    '',
  ].join('\n'));
});
