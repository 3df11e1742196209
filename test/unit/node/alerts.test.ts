/**
 * Alert hooks (issue 16 item 2, node/alerts.ts): only the controller sends, only events recorded
 * since it became the controller, only the configured kinds (default: warn and error ones), one
 * per kind and subject per cool-down with the held-back count in the next; a webhook is retried
 * twice and then given up (logged); a command gets the event in PADO_EVENT_* and JSON on stdin.
 * Also `isoUtc`, the Date-free time formatting the payload uses, against Date.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { isoUtc, Prng } from '../../../src/common/index.js';
import {
  AlertGate, AlertHooks, checkAlertsConfig, type AlertPayload,
} from '../../../src/node/alerts.js';
import type { AlertIo } from '../../../src/node/io/index.js';
import {
  applyRecords, EventSeverity, type ClusterEvent, type ClusterEventKind, type MetadataImage,
} from '../../../src/metadata/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { cluster } from '../controller/support.js';

const log = pino({ level: 'silent' });

function withEvent(image: MetadataImage, kind: ClusterEventKind, timeMs: number, brokerId = 2,
  severity: EventSeverity = EventSeverity.warn): MetadataImage {
  return applyRecords(image, [{ type: 'event', id: image.eventSeq + 1, timeMs, kind, severity, brokerId,
    topic: null, message: `${kind} of broker ${brokerId}` }]);
}

const event = (kind: ClusterEventKind, brokerId = 2): ClusterEvent =>
  ({ id: 1, timeMs: 0, kind, severity: 1, brokerId, topic: null, message: '' });

/** An AlertIo that records calls and answers from a script. */
function fakeIo(statuses: (number | Error)[] = []) {
  const posts: AlertPayload[] = [];
  const runs: { env: Record<string, string>; stdin: string }[] = [];
  const io: AlertIo = {
    post(_url, body) {
      posts.push(JSON.parse(body) as AlertPayload);
      const next = statuses.shift() ?? 204;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    run(_command, env, stdin) {
      runs.push({ env: { ...env }, stdin });
      return Promise.resolve({ code: 0, signal: null, stderr: '' });
    },
  };
  return { io, posts, runs };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('isoUtc writes what Date.toISOString writes', () => {
  const p = new Prng(7);
  const samples = [0, 1, 999, 86_399_999, 951_782_400_000, 4_107_542_399_999, 1_765_168_496_789];
  for (let i = 0; i < 2000; i++) samples.push(p.below(2 ** 30) * 1000 + p.below(1000));
  for (const ms of samples) assert.equal(isoUtc(ms), new Date(ms).toISOString(), String(ms));
});

test('the gate: configured kinds only; one per kind and subject per cool-down, then the count', () => {
  const gate = new AlertGate({ cooldownMs: 1000 });
  assert.equal(gate.admit(event('broker-unfenced'), 0), null, 'info kinds do not alert by default');
  assert.equal(gate.admit(event('broker-fenced'), 0), 0);
  assert.equal(gate.admit(event('broker-fenced'), 10), null);
  assert.equal(gate.admit(event('broker-fenced'), 20), null);
  assert.equal(gate.admit(event('broker-fenced', 3), 30), 0, 'another broker is another subject');
  assert.equal(gate.admit(event('broker-fenced'), 1000), 2, 'after the cool-down: two held back');
  const every = new AlertGate({ events: ['broker-unfenced'], cooldownMs: 0 });
  assert.equal(every.admit(event('broker-unfenced'), 0), 0);
  assert.equal(every.admit(event('broker-unfenced'), 0), 0);
  assert.equal(every.admit(event('broker-fenced'), 0), null);
});

test('an unknown kind in alerts.events is refused with the known ones', () => {
  assert.throws(() => checkAlertsConfig({ events: ['broker-fenced', 'broker-died'] }),
    /alerts.events: 'broker-died' is not an event kind; use some of broker-registered/);
});

test('only the controller sends, only events since it took over; webhook and command', async () => {
  const clock = new ManualClock(10_000);
  const { io, posts, runs } = fakeIo();
  const hooks = new AlertHooks({ config: { webhook: 'http://127.0.0.1:1/x', command: 'true' }, io, clock,
    log, nodeId: 1 });
  let image = withEvent(cluster(3), 'broker-fenced', 9_000);
  hooks.onImage(cluster(3), image);
  await settle();
  assert.equal(posts.length, 0, 'not the controller');
  hooks.onLeaderChange(true);
  let next = withEvent(image, 'broker-fenced', 9_500, 3);
  hooks.onImage(image, next);
  await settle();
  assert.equal(posts.length, 0, 'recorded before this node took over: the previous controller\'s');
  image = next;
  next = withEvent(withEvent(image, 'partition-offline', 10_000, -1, EventSeverity.error),
    'leader-moved', 10_000, -1, EventSeverity.info);
  hooks.onImage(image, next);
  await settle();
  assert.equal(posts.length, 1);
  const p = posts[0]!;
  assert.equal(p.event.kind, 'partition-offline');
  assert.equal(p.event.severity, 'error');
  assert.equal(p.event.time, new Date(10_000).toISOString());
  assert.equal(p.text, '[pado ERROR] partition-offline of broker -1');
  assert.equal(p.nodeId, 1);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.env['PADO_EVENT_KIND'], 'partition-offline');
  assert.equal(runs[0]!.env['PADO_EVENT_SEVERITY'], 'error');
  assert.deepEqual(JSON.parse(runs[0]!.stdin), p);
  hooks.onLeaderChange(false);
  image = next;
  next = withEvent(image, 'broker-fenced', 10_000, 1);
  hooks.onImage(image, next);
  await settle();
  assert.equal(posts.length, 1, 'no longer the controller');
});

test('a failing webhook is tried three times, 1 s and 3 s apart, then given up', async () => {
  const clock = new ManualClock(0);
  const { io, posts } = fakeIo([500, new Error('connect ECONNREFUSED'), 503, 204]);
  const hooks = new AlertHooks({ config: { webhook: 'http://127.0.0.1:1/x' }, io, clock, log, nodeId: 1 });
  hooks.onLeaderChange(true);
  const base = cluster(1);
  hooks.onImage(base, withEvent(base, 'disk-low', 0, 1));
  await settle();
  assert.equal(posts.length, 1);
  clock.advance(999);
  await settle();
  assert.equal(posts.length, 1);
  clock.advance(1);
  await settle();
  assert.equal(posts.length, 2);
  clock.advance(3000);
  await settle();
  assert.equal(posts.length, 3);
  clock.advance(60_000);
  await settle();
  assert.equal(posts.length, 3, 'given up after three attempts');
  assert.equal(clock.timerCount, 0);
});
