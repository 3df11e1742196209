/**
 * A connection's requests are handled concurrently and answered in order; a Metadata request is
 * handled only once every earlier request of its connection is answered, so its view of the
 * cluster is never older than the answers before it (issue 13: a Metadata answer computed on
 * arrival, sent a second later behind a produce waiting for its acks, named a leader that had died
 * meanwhile, and librdkafka sent to the dead broker for a minute). Real listener on 127.0.0.1:0, a
 * raw socket pipelining Produce then Metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import {
  ApiKey, defaultFindCoordinatorRequest, defaultFindCoordinatorResponse, defaultMetadataRequest,
  defaultMetadataResponse, defaultProduceRequest, defaultProduceResponse, encodeRequestFrame,
} from '../../../src/protocol/index.js';
import { handlerTable, KafkaListener, type Handler } from '../../../src/server/index.js';
import { systemClock, systemNet } from '../../../src/node/io/index.js';

for (const view of ['metadata', 'findCoordinator'] as const) {
  test(`a ${view} request pipelined behind a pending Produce is handled after the Produce is answered`,
    async (t) => {
      const calls: string[] = [];
      let answerProduce: () => void = () => undefined;
      const produce: Handler = { apiKey: ApiKey.produce, minVersion: 3, maxVersion: 11,
        handle: () => {
          calls.push('produce handled');
          return new Promise((resolve) => {
            answerProduce = () => {
              calls.push('produce answered');
              resolve(defaultProduceResponse());
            };
          });
        } };
      const metadata: Handler = { apiKey: ApiKey[view], minVersion: 0, maxVersion: 12,
        handle: () => {
          calls.push('view handled');
          return view === 'metadata' ? defaultMetadataResponse() : defaultFindCoordinatorResponse();
        } };
      const listener = new KafkaListener({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }),
        frameBytesMax: 1 << 20, inFlightMax: 8, connectionsMax: 4 , net: systemNet, clock: systemClock});
      const { port } = await listener.listen();
      listener.serve(handlerTable([produce, metadata]));
      t.after(() => listener.close(Date.now() + 1_000));
      const socket = connect(port, '127.0.0.1');
      t.after(() => socket.destroy());
      let received = 0;
      const bothAnswered = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (calls.includes('view handled') && received > 0) resolve();
      }));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(Buffer.concat([
        ...encodeRequestFrame(ApiKey.produce, 7, 1, 't', { ...defaultProduceRequest(), acks: -1 }),
        ...(view === 'metadata'
          ? encodeRequestFrame(ApiKey.metadata, 4, 2, 't', defaultMetadataRequest())
          : encodeRequestFrame(ApiKey.findCoordinator, 1, 2, 't', defaultFindCoordinatorRequest())),
      ]));
      while (!calls.includes('produce handled')) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(calls, ['produce handled'], 'Metadata waits for the Produce ahead of it');
      answerProduce();
      await bothAnswered;
      assert.deepEqual(calls, ['produce handled', 'produce answered', 'view handled']);
    });
}
