/**
 * Pipelining: 20,000 small requests written in one burst on one connection are all answered, in
 * request order (correlation ids ascending), while the broker bounds the work in flight — a burst
 * neither overflows the stack nor is dropped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ApiKey, encodeRequestFrame } from '../../src/protocol/index.js';
import { startBroker, type BrokerProcess } from '../support/broker.js';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.stop();
});

test('20,000 pipelined requests are answered in order', async () => {
  const count = 20_000;
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = i % 2 === 0
      ? { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }
      : { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false };
    frames.push(...encodeRequestFrame(i % 2 === 0 ? ApiKey.apiVersions : ApiKey.metadata, i % 2 === 0 ? 3 : 9, i, 'pipe', body));
  }
  const ids = await new Promise<number[]>((resolve, reject) => {
    const seen: number[] = [];
    let pending: Buffer = Buffer.alloc(0);
    const socket = connect(broker.port, '127.0.0.1', () => socket.end(Buffer.concat(frames)));
    socket.on('data', (d: Buffer) => {
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      while (pending.length >= 8 && pending.length >= 4 + pending.readInt32BE(0)) {
        seen.push(pending.readInt32BE(4));
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
      if (seen.length === count) {
        socket.destroy();
        resolve(seen);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(seen));
  });
  assert.equal(ids.length, count);
  assert.ok(ids.every((id, i) => id === i), 'responses in request order');
});
