// Proves `pado cluster logdirs describe`'s pure parts and the DescribeLogDirs handler's: argv
// parsing (three words joined into one command, --topics, --broker, defaults); the rows, sorted,
// and totals per broker and overall from answers with errors mixed in; bytes shown in binary
// units; the request built from Metadata (an unknown topic is an error naming it); and on the
// broker side the offset lag (0 for a leader; the leader's HW minus a follower's log end, never
// negative, 0 while unknown) and the topic filter (null asks all; partitions not asked are left out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeArgv, parseArgv } from '../../../src/cli/index.js';
import {
  formatBytes, formatLogDirs, logDirsQuery, logDirsView, type BrokerLogDirs,
} from '../../../src/cli/cluster/logdirs-describe.js';
import { logDirTopics, offsetLag } from '../../../src/server/handlers/describe-log-dirs.js';
import { isPadoError } from '../../../src/common/index.js';
import type { MetadataResponse } from '../../../src/protocol/index.js';

test('logdirs: argv', () => {
  assert.deepEqual(normalizeArgv(['cluster', 'logdirs', 'describe', '--broker', '2']),
    ['cluster logdirs describe', '--broker', '2']);
  assert.deepEqual(normalizeArgv(['cluster', 'info']), ['cluster info']);
  const args = parseArgv(['cluster', 'logdirs', 'describe'], {}).args;
  assert.deepEqual(args, { bootstrap: [{ host: '127.0.0.1', port: 9092 }], format: 'table',
    topics: null, broker: undefined });
  assert.deepEqual(parseArgv(['cluster', 'logdirs', 'describe', '--topics', 'a,b', '--topics', 'c,a',
    '--broker', '3', '--format', 'json'], {}).args, { bootstrap: [{ host: '127.0.0.1', port: 9092 }],
    format: 'json', topics: ['a', 'b', 'c'], broker: 3 });
  assert.throws(() => parseArgv(['cluster', 'logdirs', 'describe', '--broker', 'x'], {}),
    (e: unknown) => isPadoError(e, 'PADO_INVALID_ARGUMENT') && /--broker/.test(e.message));
});

const answer = (logDir: string, topics: [string, [number, number, number][]][], total = -1) => ({
  throttleTimeMs: 0, errorCode: 0, results: [{ errorCode: 0, logDir, totalBytes: total,
    usableBytes: total < 0 ? -1 : total / 4,
    topics: topics.map(([name, ps]) => ({ name, partitions: ps.map(([partitionIndex, partitionSize,
      offsetLag]) => ({ partitionIndex, partitionSize, offsetLag, isFutureKey: false })) })) }],
});

test('logdirs: rows sorted, totals per broker and overall, errors kept', () => {
  const answers: BrokerLogDirs[] = [
    { brokerId: 2, answer: answer('/d2', [['b', [[1, 2048, 0], [0, 1024, 5]]], ['a', [[0, 10, 0]]]],
      4 * 1024 ** 3), error: null },
    { brokerId: 3, answer: null, error: '127.0.0.1:9094: connect ECONNREFUSED' },
    { brokerId: 1, answer: { ...answer('/d1', []), errorCode: 31 }, error: null },
  ];
  const view = logDirsView(answers);
  assert.deepEqual(view.rows.map((r) => [r.broker, r.topic, r.partition, r.sizeBytes, r.offsetLag]),
    [[2, 'a', 0, 10, 0], [2, 'b', 0, 1024, 5], [2, 'b', 1, 2048, 0]]);
  assert.deepEqual(view.brokers, [
    { broker: 1, dir: null, partitions: 0, sizeBytes: 0, totalBytes: -1, usableBytes: -1,
      error: 'error code 31' },
    { broker: 2, dir: '/d2', partitions: 3, sizeBytes: 3082, totalBytes: 4 * 1024 ** 3,
      usableBytes: 1024 ** 3, error: null },
    { broker: 3, dir: null, partitions: 0, sizeBytes: 0, totalBytes: -1, usableBytes: -1,
      error: '127.0.0.1:9094: connect ECONNREFUSED' },
  ]);
  assert.equal(view.sizeBytes, 3082);
  assert.equal(formatLogDirs(view), [
    'BROKER  DIR  TOPIC  PARTITION  SIZE     LAG',
    '2       /d2  a      0          10 B     0',
    '2       /d2  b      0          1.0 KiB  5',
    '2       /d2  b      1          2.0 KiB  0',
    '',
    'broker 1: not described (error code 31)',
    'broker 2: 3 partition replica(s), 3.0 KiB in /d2; volume 4.0 GiB, 1.0 GiB usable',
    'broker 3: not described (127.0.0.1:9094: connect ECONNREFUSED)',
    'total: 3 partition replica(s), 3.0 KiB on 1 broker(s)',
    '',
  ].join('\n'));
  assert.deepEqual([0, 1023, 1536, 5 * 1024 ** 2, -1].map(formatBytes),
    ['0 B', '1023 B', '1.5 KiB', '5.0 MiB', '-']);
});

test('logdirs: the request names every partition of the topics asked', () => {
  const metadata = { topics: [{ name: 't', errorCode: 0, partitions: [{ partitionIndex: 0 },
    { partitionIndex: 1 }] }, { name: 'gone', errorCode: 3, partitions: [] }] } as unknown as MetadataResponse;
  assert.equal(logDirsQuery(null, metadata), null);
  assert.deepEqual(logDirsQuery(['t'], metadata), [{ topic: 't', partitions: [0, 1] }]);
  for (const name of ['gone', 'missing']) {
    assert.throws(() => logDirsQuery([name], metadata), (e: unknown) =>
      isPadoError(e, 'PADO_NOT_FOUND') && e.message.includes(`topic '${name}' does not exist`));
  }
});

test('DescribeLogDirs handler: offset lag and the topic filter', () => {
  const replica = (topic: string, partition: number, role: 'leader' | 'follower', logEndOffset: number,
    leaderHighWatermark?: number) => ({ topic, partition, role, sizeBytes: partition * 100, logEndOffset,
    ...(leaderHighWatermark === undefined ? {} : { leaderHighWatermark }) });
  assert.equal(offsetLag(replica('t', 0, 'leader', 50, 80)), 0);
  assert.equal(offsetLag(replica('t', 0, 'follower', 50, 80)), 30);
  assert.equal(offsetLag(replica('t', 0, 'follower', 90, 80)), 0);
  assert.equal(offsetLag(replica('t', 0, 'follower', 50, -1)), 0);
  assert.equal(offsetLag(replica('t', 0, 'follower', 50)), 0);
  const replicas = [replica('z', 1, 'leader', 1), replica('a', 2, 'follower', 5, 9),
    replica('z', 0, 'follower', 3, 3)];
  assert.deepEqual(logDirTopics(replicas, null), [
    { name: 'a', partitions: [{ partitionIndex: 2, partitionSize: 200, offsetLag: 4, isFutureKey: false }] },
    { name: 'z', partitions: [
      { partitionIndex: 0, partitionSize: 0, offsetLag: 0, isFutureKey: false },
      { partitionIndex: 1, partitionSize: 100, offsetLag: 0, isFutureKey: false }] },
  ]);
  assert.deepEqual(logDirTopics(replicas, [{ topic: 'z', partitions: [1, 7] },
    { topic: 'nope', partitions: [0] }]).map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
  [['z', [1]]]);
});
