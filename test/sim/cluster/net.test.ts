/**
 * The simulated network behaves as TCP does where the code above it can tell: a SYN lost to a
 * partition is sent again on Linux's schedule (1, 3, 7… s after the first), and data stalled by a
 * partition is retransmitted with a doubling timeout, so a stream resumes at its next
 * retransmission after the heal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetSocket } from '../../../src/common/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { SimNetwork } from './net.js';
import { prngFor } from './world.js';

function world(): { clock: ManualClock; network: SimNetwork; t0: number } {
  const clock = new ManualClock();
  const network = new SimNetwork(clock, prngFor(1, 'net-test'));
  network.faults = { latencyMsMin: 1, latencyMsMax: 1 };
  return { clock, network, t0: clock.now() };
}

async function listening(network: SimNetwork, host: string): Promise<NetSocket[]> {
  const accepted: NetSocket[] = [];
  await network.netFor(host).listen(host, 9092, (s) => {
    s.resume();
    accepted.push(s);
  });
  return accepted;
}

test('a connect begun during a partition completes at the first SYN retransmission after the heal', async () => {
  const { clock, network, t0 } = world();
  const accepted = await listening(network, 'b');
  network.cut('a', 'b');
  const client = network.netFor('a').connect('b', 9092);
  let connectedAt = -1;
  client.on('connect', () => { connectedAt = clock.now() - t0; });
  clock.advance(1_500); // the SYNs at 0 and 1 s are lost
  network.healAll();
  clock.advance(10_000);
  // The third SYN, 3 s after the first, gets through (latency 1 ms each way).
  assert.equal(connectedAt, 3_002);
  assert.equal(accepted.length, 1);
});

test('a SYN-ACK lost on a one-way cut is answered by the next SYN', async () => {
  const { clock, network, t0 } = world();
  const accepted = await listening(network, 'b');
  network.block('b', 'a');
  const client = network.netFor('a').connect('b', 9092);
  let connectedAt = -1;
  client.on('connect', () => { connectedAt = clock.now() - t0; });
  clock.advance(500);
  network.healAll();
  clock.advance(5_000);
  assert.equal(connectedAt, 1_002);
  assert.equal(accepted.length, 1, 'the server sees one connection, when the handshake completes');
});

test('a connect to a host that never answers fails with ETIMEDOUT at 127 s, as Linux does', () => {
  const { clock, network, t0 } = world();
  network.cut('a', 'b');
  const client = network.netFor('a').connect('b', 9092);
  let failed: { at: number; code: unknown } | null = null;
  client.on('error', (e: NodeJS.ErrnoException) => { failed = { at: clock.now() - t0, code: e.code }; });
  clock.advance(200_000);
  assert.deepEqual(failed, { at: 127_000, code: 'ETIMEDOUT' });
});

test('data stalled by a partition is retransmitted at 200, 400, 800… ms and arrives at the first one after the heal', async () => {
  const { clock, network } = world();
  const accepted = await listening(network, 'b');
  const client = network.netFor('a').connect('b', 9092);
  clock.advance(10);
  assert.equal(accepted.length, 1);
  const got: { at: number; bytes: string }[] = [];
  const start = clock.now();
  accepted[0]!.on('data', (c: Buffer) => got.push({ at: clock.now() - start, bytes: c.toString() }));
  network.cut('a', 'b');
  client.write(Buffer.from('fetch'));
  // Sent at 0, tried at 1 ms (latency), then 201, 601, 1401, 3001 ms.
  clock.advance(1_500);
  network.healAll();
  clock.advance(5_000);
  assert.deepEqual(got, [{ at: 3_001, bytes: 'fetch' }]);
  // Once bytes get through the timeout is back at its minimum.
  network.cut('a', 'b');
  client.write(Buffer.from('again'));
  const second = clock.now() - start;
  clock.advance(100);
  network.healAll();
  clock.advance(1_000);
  assert.equal(got[1]?.at, second + 201);
});
