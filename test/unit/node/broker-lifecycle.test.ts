/**
 * Proves the broker side (BrokerLifecycle) against the real ControllerDuties on a fake one-node
 * metadata quorum, in virtual time (the injected sleep advances a fake clock and yields a
 * macrotask, so nothing waits on real timers): it registers, heartbeats and is unfenced, resolving
 * registered(); it retries a refused registration with growing backoff; controlled shutdown ends
 * with its fence committed and no heartbeat after it; shutdown stops at its deadline when no
 * controller answers; a stale epoch makes it register again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldMacrotask } from 'node:timers/promises';
import { applyRecords, emptyImage } from '../../../src/metadata/index.js';
import { KafkaError } from '../../../src/protocol/index.js';
import { BrokerLifecycle } from '../../../src/node/broker-lifecycle.js';
import { ControllerDuties } from '../../../src/node/controller-duties.js';
import type { Timer } from '../../../src/common/index.js';
import type {
  BrokerHeartbeatInput, BrokerRegistrationInput, ControllerService,
} from '../../../src/server/index.js';
import { FakeClock, FakeMetadata, manualTimer, silent, testClock } from './lifecycle-fakes.js';

/** Counts calls and can refuse the next `refuseRegistrations` registrations. */
class CountingController implements ControllerService {
  registrations = 0;
  heartbeats: BrokerHeartbeatInput[] = [];
  refuseRegistrations = 0;
  /** Heartbeats never answered (a controller that lost its quorum mid-request). */
  hang = false;
  /** Heartbeats answered "you are fenced". */
  answerFenced = false;
  private readonly inner: ControllerService;
  constructor(inner: ControllerService) {
    this.inner = inner;
  }
  registerBroker(req: BrokerRegistrationInput) {
    this.registrations++;
    if (this.refuseRegistrations-- > 0) {
      const errorCode = KafkaError.duplicateBrokerRegistration.code;
      return Promise.resolve({ errorCode, brokerEpoch: -1 });
    }
    return this.inner.registerBroker(req);
  }
  brokerHeartbeat(req: BrokerHeartbeatInput) {
    this.heartbeats.push(req);
    if (this.hang) return new Promise<never>(() => undefined);
    if (this.answerFenced) {
      return Promise.resolve({ errorCode: 0, isCaughtUp: true, isFenced: true, shouldShutdown: false });
    }
    return this.inner.brokerHeartbeat(req);
  }
  unregisterBroker(id: number) {
    return this.inner.unregisterBroker(id);
  }
}

function setup(options: { controllerId?: () => number } = {}) {
  const metadata = new FakeMetadata(applyRecords(emptyImage('cluster'), []));
  const clock = new FakeClock();
  const duties = new ControllerDuties({
    metadata, metadataOffset: () => metadata.offset, log: silent,
    clock: testClock({ clock, every: manualTimer().every }), isQuorumMember: () => true });
  duties.onLeaderChange(true);
  const controller = new CountingController(duties);
  const time = new VirtualTime(clock);
  const sleeps = time.requested;
  const lifecycle = new BrokerLifecycle({
    nodeId: 1, incarnationId: 'inc', advertised: { host: '127.0.0.1', port: 9092 }, rack: null,
    clusterId: () => metadata.image().clusterId, metadataOffset: () => metadata.offset,
    controllerId: options.controllerId ?? (() => 1), isController: () => metadata.controller,
    local: controller, remote: controller, log: silent, heartbeatIntervalMs: 200,
    clock: testClock({ clock, after: (ms, fn) => time.after(ms, fn) }),
  });
  return { metadata, clock, duties, controller, lifecycle, sleeps };
}

/**
 * Virtual time: sleepers wait in a queue; whenever the process is otherwise idle (a macrotask
 * passed), the clock jumps to the earliest sleeper and wakes it. An abort wakes a sleeper at once.
 */
class VirtualTime {
  readonly requested: number[] = [];
  private readonly sleepers: { at: number; wake: () => void }[] = [];
  private readonly clock: FakeClock;
  private pumping = false;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  after(ms: number, fn: () => void): Timer {
    this.requested.push(ms);
    const sleeper = { at: this.clock.ms + ms, wake: () => {
      remove();
      fn();
    } };
    const remove = (): void => {
      const i = this.sleepers.indexOf(sleeper);
      if (i >= 0) this.sleepers.splice(i, 1);
    };
    this.sleepers.push(sleeper);
    void this.pump();
    return { cancel: remove };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    while (this.sleepers.length > 0) {
      await yieldMacrotask();
      const next = [...this.sleepers].sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.clock.ms = Math.max(this.clock.ms, next.at);
      next.wake();
    }
    this.pumping = false;
  }
}

test('registers, heartbeats, is unfenced; controlled shutdown commits its fence', async () => {
  const s = setup();
  s.lifecycle.start();
  await s.lifecycle.registered();
  const broker = s.metadata.image().brokers.get(1);
  assert.equal(broker?.fenced, false);
  assert.equal(broker?.port, 9092);
  assert.equal(s.lifecycle.isFenced(), false);
  assert.equal(await s.lifecycle.stop(), true);
  assert.equal(s.metadata.image().brokers.get(1)?.fenced, true);
  assert.equal(s.controller.heartbeats.at(-1)?.wantShutdown, true);
  const count = s.controller.heartbeats.length;
  await yieldMacrotask();
  await yieldMacrotask();
  assert.equal(s.controller.heartbeats.length, count, 'no heartbeat after shutdown');
});

test('a refused registration is retried with growing backoff', async () => {
  const s = setup();
  s.controller.refuseRegistrations = 3;
  s.lifecycle.start();
  await s.lifecycle.registered();
  assert.equal(s.controller.registrations, 4);
  assert.deepEqual(s.sleeps.slice(0, 3), [100, 200, 400]);
  await s.lifecycle.stop();
});

test('heartbeats keep the interval while registered', async () => {
  const s = setup();
  s.lifecycle.start();
  await s.lifecycle.registered();
  const before = s.controller.heartbeats.length;
  while (s.controller.heartbeats.length < before + 5) await yieldMacrotask();
  assert.ok(s.sleeps.slice(-4).every((ms) => ms === 200), `${s.sleeps.join(',')}`);
  await s.lifecycle.stop();
});

test('shutdown gives up at its deadline when no controller answers', async () => {
  let controllerId = 1;
  const s = setup({ controllerId: () => controllerId });
  s.lifecycle.start();
  await s.lifecycle.registered();
  s.metadata.controller = false; // leadership lost, and no new controller known
  controllerId = -1;
  const startMs = s.clock.ms;
  assert.equal(await s.lifecycle.stop(1_000), false);
  const tookMs = s.clock.ms - startMs;
  assert.ok(tookMs >= 1_000 && tookMs <= 1_200, `${tookMs}`);
});

test('shutdown is bounded by its deadline even while a heartbeat hangs', async () => {
  const s = setup();
  s.lifecycle.start();
  await s.lifecycle.registered();
  s.controller.hang = true;
  const startMs = s.clock.ms;
  assert.equal(await s.lifecycle.stop(1_000), false);
  assert.ok(s.clock.ms - startMs <= 1_000, `${s.clock.ms - startMs}`);
});

test('stop before registering rejects registered() and returns false', async () => {
  const s = setup({ controllerId: () => -1 });
  s.metadata.controller = false;
  s.lifecycle.start();
  await yieldMacrotask();
  const waiting = s.lifecycle.registered();
  assert.equal(await s.lifecycle.stop(), false);
  await assert.rejects(waiting);
  assert.equal(s.controller.registrations, 0);
});

test('a stale broker epoch makes the broker register again', async () => {
  const s = setup();
  s.lifecycle.start();
  await s.lifecycle.registered();
  const first = s.lifecycle.epoch();
  // Another registration of id 1 replaced ours (e.g. an operator re-registered it).
  s.metadata.current = applyRecords(s.metadata.current, [
    { type: 'fenceBroker', brokerId: 1, brokerEpoch: first },
    { type: 'registerBroker', brokerId: 1, incarnationId: 'other', host: 'h', port: 1, rack: null,
      brokerEpoch: first + 1 },
  ]);
  while (s.controller.registrations < 2) await yieldMacrotask();
  await s.lifecycle.stop();
  assert.ok(s.controller.heartbeats.some((h) => h.brokerEpoch === first));
});

test('the lease: held after an unfenced answer, lost a session after the last heartbeat sent ' +
  'that was answered, back with the next answer (issue 13: an isolated leader stops leading)',
async () => {
  const s = setup();
  assert.equal(s.lifecycle.holdsLease(), false, 'no lease before registering');
  s.lifecycle.start();
  await s.lifecycle.registered();
  assert.equal(s.lifecycle.holdsLease(), true);
  // Cut off: heartbeats are sent but never answered.
  s.controller.hang = true;
  const lastSent = s.controller.heartbeats.length;
  while (s.controller.heartbeats.length === lastSent) await yieldMacrotask();
  const sentAt = s.clock.ms; // the hanging heartbeat was sent now; the one before was answered
  // Default session 1,200 ms: the lease runs from the last *answered* heartbeat's send time.
  assert.equal(s.lifecycle.holdsLease(sentAt - 200 + 1_199), true);
  assert.equal(s.lifecycle.holdsLease(sentAt - 200 + 1_200), false);
  assert.equal(s.lifecycle.holdsLease(sentAt + 5_000), false);
  // How long it has been out (the client gate closes connections at once after a while).
  assert.equal(s.lifecycle.leaseLapsedForMs(sentAt - 200 + 1_199), 0);
  assert.equal(s.lifecycle.leaseLapsedForMs(sentAt - 200 + 1_700), 500);
  await s.lifecycle.stop(100);
});

test('the lease ends at once when the controller answers that the broker is fenced', async () => {
  const s = setup();
  s.lifecycle.start();
  await s.lifecycle.registered();
  assert.equal(s.lifecycle.holdsLease(), true);
  s.controller.answerFenced = true;
  const count = s.controller.heartbeats.length;
  while (s.controller.heartbeats.length < count + 2) await yieldMacrotask();
  assert.equal(s.lifecycle.isFenced(), true);
  assert.equal(s.lifecycle.holdsLease(), false);
  assert.equal(s.lifecycle.leaseLapsedForMs(), Number.POSITIVE_INFINITY, 'fenced: out for good');
  s.controller.answerFenced = false;
  while (!s.lifecycle.holdsLease()) await yieldMacrotask();
  await s.lifecycle.stop(100);
});
