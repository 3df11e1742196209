/**
 * On a SASL listener the connection asks the session before anything else about a request
 * (server/connection.ts): found by the security fuzz (test/integration/security-fuzz.test.ts),
 * where an ApiVersions request of an unsupported version sent after a successful v1
 * SaslHandshake was answered (the KIP-511 fallback ran before the session's check), though only
 * SaslAuthenticate may be answered then. Proves, on a real listener on 127.0.0.1:0 with a raw
 * socket: before a handshake an unsupported ApiVersions is still answered (KIP-511); after a v1
 * handshake it closes the connection unanswered; an unknown API key or an unsupported version of
 * another API before authentication is the session's refusal (reported, rate-limited by the
 * node), not a warn-level protocol violation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import {
  ApiKey, defaultApiVersionsResponse, defaultMetadataResponse, encodeRequestFrame, KafkaError,
  type SaslHandshakeRequest,
} from '../../../src/protocol/index.js';
import {
  handlerTable, KafkaListener, type AuthRefusal, type Handler, type ListenerSecurity,
} from '../../../src/server/index.js';
import { saslServer } from '../../../src/security/index.js';
import { Prng, seededRandom } from '../../../src/common/index.js';
import { systemClock, systemNet } from '../../../src/node/io/index.js';

const handlers: Handler[] = [
  { apiKey: ApiKey.apiVersions, minVersion: 0, maxVersion: 3,
    handle: () => defaultApiVersionsResponse() },
  { apiKey: ApiKey.metadata, minVersion: 0, maxVersion: 12,
    handle: () => defaultMetadataResponse() },
  { apiKey: ApiKey.saslHandshake, minVersion: 0, maxVersion: 1,
    handle: (ctx, req) => {
      const answer = ctx.session!.handshake((req as SaslHandshakeRequest).mechanism,
        ctx.apiVersion);
      return { errorCode: KafkaError[answer.errorCode].code, mechanisms: [...answer.mechanisms] };
    } },
];

interface Exchange {
  /** Correlation ids of the answers, in order. */
  readonly answered: number[];
  readonly warnings: string[];
  readonly refusals: AuthRefusal[];
}

/** Writes the frames to a fresh SASL_PLAINTEXT listener; what came back before it closed. */
async function exchange(t: { after: (fn: () => unknown) => void }, frames: Buffer[][]):
  Promise<Exchange> {
  const warnings: string[] = [];
  const refusals: AuthRefusal[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const security: ListenerSecurity = {
    listenerName: 'SASL', securityProtocol: 'SASL_PLAINTEXT', saslMechanisms: ['PLAIN'],
    newSaslServer: (m) => saslServer(m, { credentials: () => undefined,
      random: seededRandom(new Prng(1)), secret: Buffer.alloc(32, 9) }),
    reauthMs: 0, now: () => 0, onRefused: (r) => refusals.push(r),
  };
  const listener = new KafkaListener({ host: '127.0.0.1', port: 0, log, frameBytesMax: 1 << 20,
    inFlightMax: 8, connectionsMax: 4, net: systemNet, clock: systemClock, security });
  const { port } = await listener.listen();
  listener.serve(handlerTable(handlers));
  t.after(() => listener.close(Date.now() + 1_000));
  const answered: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat(frames.flat())));
    const timer = setTimeout(() => reject(new Error('the listener did not close')), 10_000);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8 && pending.length >= 4 + pending.readInt32BE(0)) {
        answered.push(pending.readInt32BE(4));
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { answered, warnings, refusals };
}

/** An ApiVersions frame claiming `version` (beyond what the codec writes). */
function apiVersions(version: number, correlationId: number): Buffer[] {
  const frame = Buffer.concat(encodeRequestFrame(ApiKey.apiVersions, 3, correlationId, 't',
    { clientSoftwareName: 't', clientSoftwareVersion: '1' }));
  frame.writeInt16BE(version, 6);
  return [frame];
}

const handshake = (version: number, correlationId: number) =>
  encodeRequestFrame(ApiKey.saslHandshake, version, correlationId, 't', { mechanism: 'PLAIN' });
const metadata = (correlationId: number) =>
  encodeRequestFrame(ApiKey.metadata, 1, correlationId, 't', { topics: [] });

test('before a handshake an unsupported ApiVersions is answered (KIP-511)', async (t) => {
  const e = await exchange(t, [apiVersions(99, 1), metadata(2)]);
  assert.deepEqual(e.answered, [1]);
  assert.deepEqual(e.refusals.map((r) => r.reason), ['request 3 before SASL authentication']);
});

test('after a v1 handshake an unsupported ApiVersions closes the connection unanswered',
  async (t) => {
    const e = await exchange(t, [handshake(1, 1), apiVersions(99, 2), metadata(3)]);
    assert.deepEqual(e.answered, [1], 'the handshake alone is answered');
    assert.deepEqual(e.refusals.map((r) => r.reason), ['request 18 during SASL authentication']);
  });

test('an unknown API key or an unsupported version before authentication is the session\'s ' +
  'refusal, not a protocol-violation warning', async (t) => {
  const unknown = Buffer.concat(metadata(1));
  unknown.writeInt16BE(12_345, 4);
  const a = await exchange(t, [[unknown]]);
  const badVersion = Buffer.concat(metadata(1));
  badVersion.writeInt16BE(99, 6);
  const b = await exchange(t, [[badVersion]]);
  for (const e of [a, b]) {
    assert.deepEqual(e.answered, []);
    assert.deepEqual(e.warnings, []);
  }
  assert.deepEqual([...a.refusals, ...b.refusals].map((r) => r.reason),
    ['request 12345 before SASL authentication', 'request 3 before SASL authentication']);
});

test('before authentication a frame claiming more than 512 KiB closes the connection at once',
  async (t) => {
    // Kafka's sasl.server.max.receive.size: the size prefix alone decides, nothing is buffered.
    const claim = Buffer.alloc(4);
    claim.writeInt32BE(600 * 1024, 0);
    const e = await exchange(t, [apiVersions(3, 1), [claim]]);
    assert.deepEqual(e.answered, [1], 'the ApiVersions before it is answered');
    assert.ok(e.warnings.some((w) => w.includes('request frame size out of bounds')),
      e.warnings.join('\n'));
  });

test('a SASL connection that does not authenticate within 30 s is closed', async (t) => {
  const { ManualClock } = await import('../../support/manual-clock.js');
  const clock = new ManualClock();
  const log = pino({ level: 'silent' });
  const security: ListenerSecurity = {
    listenerName: 'SASL', securityProtocol: 'SASL_PLAINTEXT', saslMechanisms: ['PLAIN'],
    newSaslServer: () => undefined, reauthMs: 0, now: () => clock.now(), onRefused: () => undefined,
  };
  const listener = new KafkaListener({ host: '127.0.0.1', port: 0, log, frameBytesMax: 1 << 20,
    inFlightMax: 8, connectionsMax: 4, net: systemNet, clock, security });
  const { port } = await listener.listen();
  listener.serve(handlerTable(handlers));
  t.after(() => listener.close(0));
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await new Promise((r) => setTimeout(r, 50)); // the listener has accepted it
  clock.advance(29_999);
  assert.equal(listener.connectionCount, 1, 'still open just before the deadline');
  clock.advance(1);
  await closed;
});
