/**
 * Broker reports as cluster events (issue 16: disk low/full/ok, corrupt data): the disk state
 * with its hysteresis; the controller records only the kinds brokers report, from a broker at its
 * epoch, at most 20 per minute per broker, at the kind's severity; the reporter sends each change
 * of disk state once, one corrupt-data report per partition per minute, to itself when it is the
 * controller, and tries again while the controller moves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSeverity } from '../../../src/metadata/index.js';
import { KafkaError, type ReportClusterEventRequest } from '../../../src/protocol/index.js';
import { ControllerDuties } from '../../../src/node/controller-duties.js';
import { diskState, EventReporter } from '../../../src/node/event-reporter.js';
import type { PartitionControllerService } from '../../../src/server/index.js';
import type { LogDamage } from '../../../src/storage/index.js';
import { cluster } from '../controller/support.js';
import { FakeMetadata, silent, testClock } from './lifecycle-fakes.js';
import { ManualClock } from '../../support/manual-clock.js';

const mib = 1024 * 1024;

test('disk state: full under the reserve, low under four, fine again only above four and a half', () => {
  const r = 64 * mib;
  assert.equal(diskState('ok', 300 * mib, r), 'ok');
  assert.equal(diskState('ok', 255 * mib, r), 'low');
  assert.equal(diskState('low', 270 * mib, r), 'low', 'hysteresis');
  assert.equal(diskState('low', 289 * mib, r), 'ok');
  assert.equal(diskState('low', 63 * mib, r), 'full');
  assert.equal(diskState('full', 100 * mib, r), 'low');
});

function duties() {
  const metadata = new FakeMetadata(cluster(3));
  metadata.nowMs = 5_000;
  const d = new ControllerDuties({ metadata, metadataOffset: () => metadata.offset, log: silent,
    clock: testClock({ every: () => ({ cancel: () => undefined }) }), isQuorumMember: () => true });
  d.onLeaderChange(true);
  return { metadata, d };
}

const report = (over: Partial<ReportClusterEventRequest> = {}): ReportClusterEventRequest => ({
  brokerId: 2, brokerEpoch: 2, kind: 'corrupt-data', severity: 0, topic: null,
  message: 'corrupt data in t-0 from offset 7', ...over });

test('the controller records broker reports at the kind\'s severity; refuses others, stale, too many', async () => {
  const { metadata, d } = duties();
  assert.deepEqual(await d.reportEvent(report()), { errorCode: 0, errorMessage: null });
  const e = metadata.image().events.at(-1)!;
  assert.deepEqual([e.kind, e.severity, e.brokerId, e.message, e.timeMs],
    ['corrupt-data', EventSeverity.error, 2, 'broker 2: corrupt data in t-0 from offset 7', 5_000]);
  assert.equal((await d.reportEvent(report({ kind: 'broker-fenced' }))).errorCode, KafkaError.invalidRequest.code);
  assert.equal((await d.reportEvent(report({ kind: 'disk-low', message: 'x\u001b[2J\u001b]0;pwned\u0007\ny' }))).errorCode, 0);
  assert.equal(metadata.image().events.at(-1)?.message, 'broker 2: x [2J ]0;pwned  y', 'control characters blanked');
  assert.equal((await d.reportEvent(report({ brokerEpoch: 9 }))).errorCode, KafkaError.staleBrokerEpoch.code);
  assert.equal((await d.reportEvent(report({ topic: 'nope', kind: 'disk-low' }))).errorCode, 0);
  assert.equal(metadata.image().events.at(-1)?.topic, null, 'an unknown topic is not named');
  // Broker 2 has used 4 of its 20 (the stale one counts; a refused kind is refused before).
  for (let i = 4; i < 20; i++) assert.equal((await d.reportEvent(report())).errorCode, 0);
  assert.equal((await d.reportEvent(report())).errorCode, KafkaError.throttlingQuotaExceeded.code,
    'broker 2: 20 reports this minute');
  assert.equal((await d.reportEvent(report({ brokerId: 1, brokerEpoch: 1 }))).errorCode, 0, 'another broker');
  d.onLeaderChange(false);
  assert.equal((await d.reportEvent(report({ brokerId: 1, brokerEpoch: 1 }))).errorCode, KafkaError.notController.code);
});

test('the reporter: each disk change once; one damage report per partition per minute; retries', async () => {
  const clock = new ManualClock(0);
  const sent: { via: string; req: ReportClusterEventRequest }[] = [];
  let refuse = 0;
  const service = (via: string): PartitionControllerService => ({
    allocateProducerIds: () => Promise.reject(new Error('unused')),
    alterPartition: () => Promise.reject(new Error('unused')),
    reportEvent: (req) => {
      sent.push({ via, req });
      if (refuse > 0) {
        refuse--;
        return Promise.resolve({ errorCode: KafkaError.notController.code, errorMessage: null });
      }
      return Promise.resolve({ errorCode: 0, errorMessage: null });
    },
  });
  let controller = false;
  const r = new EventReporter({ nodeId: 2, brokerEpoch: () => 7, isController: () => controller,
    local: service('local'), remote: service('remote'), clock, log: silent });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  r.diskMeasured(1000 * mib, 64 * mib);
  r.diskMeasured(200 * mib, 64 * mib);
  r.diskMeasured(210 * mib, 64 * mib);
  r.diskMeasured(10 * mib, 64 * mib);
  controller = true;
  r.diskMeasured(900 * mib, 64 * mib);
  await settle();
  assert.deepEqual(sent.map((s) => [s.via, s.req.kind, s.req.brokerEpoch]),
    [['remote', 'disk-low', 7], ['remote', 'disk-full', 7], ['local', 'disk-ok', 7]]);
  assert.match(sent[1]!.req.message, /^data disk full: 10 MiB free, under the 64 MiB reserve; produce is refused/);
  sent.length = 0;
  const damage: LogDamage = { offset: 42, kind: 'corrupt', file: '00.log', position: 0, detail: 'CRC32C 0x1',
    foundBy: 'scrub' } as LogDamage;
  refuse = 1;
  r.damageFound('t', 0, damage);
  r.damageFound('t', 0, damage);
  r.damageFound('t', 1, damage);
  await settle();
  assert.deepEqual(sent.map((s) => [s.req.kind, s.req.topic]), [['corrupt-data', 't'], ['corrupt-data', 't']]);
  clock.advance(1_000);
  await settle();
  assert.equal(sent.length, 3, 'the refused one tried again after 1 s');
  clock.advance(60_000);
  r.damageFound('t', 0, damage);
  await settle();
  assert.equal(sent.length, 4, 'a minute later the same partition is news again');
});
