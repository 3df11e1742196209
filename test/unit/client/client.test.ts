// Proves the client against a scripted broker on 127.0.0.1 port 0: ApiVersions picks the highest
// common version per API, responses find their request by correlation id, Produce acks=0 expects
// no response, an unanswered request times out, and a refused connection says what to do.
// The fake broker decodes real request frames with src/protocol and answers with real frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { KafkaClient, pickVersion } from '../../../src/client/index.js';
import {
  ApiKey, decodeRequestHeader, defaultApiVersionsResponse, defaultMetadataResponse,
  defaultMetadataResponseTopic, encodeResponseFrame, Reader, type RequestHeader,
} from '../../../src/protocol/index.js';
import { isPadoError } from '../../../src/common/index.js';
import { clientIo } from '../../support/client-io.js';

interface FakeBroker {
  server: Server;
  port: number;
  seen: RequestHeader[];
}

/** Answers ApiVersions and Metadata; every other request is recorded and left unanswered. */
async function fakeBroker(): Promise<FakeBroker> {
  const seen: RequestHeader[] = [];
  const server = createServer((socket) => serve(socket, seen));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function serve(socket: Socket, seen: RequestHeader[]): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
      buffered = buffered.subarray(4 + frame.length);
      const header = decodeRequestHeader(new Reader(frame));
      seen.push(header);
      const body = answer(header);
      if (body === null) continue;
      const parts = encodeResponseFrame(header.requestApiKey, header.requestApiVersion,
        header.correlationId, body);
      socket.write(Buffer.concat(parts));
    }
  });
}

function answer(header: RequestHeader): unknown {
  if (header.requestApiKey === ApiKey.apiVersions) {
    return {
      ...defaultApiVersionsResponse(),
      apiKeys: [
        { apiKey: ApiKey.apiVersions, minVersion: 0, maxVersion: 4 },
        { apiKey: ApiKey.metadata, minVersion: 0, maxVersion: 9 },
        { apiKey: ApiKey.produce, minVersion: 3, maxVersion: 11 },
        { apiKey: ApiKey.createTopics, minVersion: 2, maxVersion: 5 },
      ],
    };
  }
  if (header.requestApiKey === ApiKey.metadata) {
    return {
      ...defaultMetadataResponse(),
      topics: [{ ...defaultMetadataResponseTopic(), name: 'orders' }],
    };
  }
  return null;
}

test('pickVersion takes the highest common version or none', () => {
  assert.equal(pickVersion({ min: 1, max: 12 }, { min: 0, max: 9 }), 9);
  assert.equal(pickVersion({ min: 4, max: 12 }, { min: 0, max: 3 }), undefined);
});

test('negotiates versions, matches responses, acks=0 and timeouts', async (t) => {
  const broker = await fakeBroker();
  t.after(() => broker.server.close());
  const client = await KafkaClient.connect({ io: clientIo,
    host: '127.0.0.1', port: broker.port, requestTimeoutMs: 300,
  });
  t.after(() => client.close());
  assert.equal(client.versionOf(ApiKey.metadata), 9);
  assert.equal(client.versionOf(ApiKey.produce), 11);
  assert.equal(client.versionOf(ApiKey.createTopics), 5);
  assert.throws(() => client.versionOf(ApiKey.fetch), /supports no version of api 1/);

  const [a, b] = await Promise.all([client.metadata(['orders']), client.metadata(null)]);
  assert.equal(a.topics[0]?.name, 'orders');
  assert.equal(b.topics[0]?.name, 'orders');
  assert.equal(broker.seen[1]?.requestApiVersion, 9);

  assert.equal(await client.produce('orders', 0, Buffer.alloc(0), 0), null);
  await assert.rejects(client.produce('orders', 0, Buffer.alloc(0), 1),
    (e: unknown) => isPadoError(e, 'PADO_TIMEOUT'));
  assert.equal(broker.seen.filter((h) => h.requestApiKey === ApiKey.produce).length, 2);
});

test('a refused connection names the address and the next step', async () => {
  const broker = await fakeBroker();
  await new Promise<void>((resolve) => broker.server.close(() => resolve()));
  await assert.rejects(KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port }),
    (e: unknown) => isPadoError(e, 'PADO_CONNECTION') &&
      e.message.includes(`broker 127.0.0.1:${broker.port}`) && e.message.includes('--bootstrap'));
});
