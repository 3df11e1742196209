/**
 * Bad input against a live `pado start` process, sent with raw sockets and our own codec (so the
 * bytes are exactly what each case needs) or our small client. Each case proves two things: the
 * client gets the Kafka answer it expects, and nothing changed that should not have — offsets stay
 * where they were, no topic appears, other connections keep working.
 * - Frame-level: a size header above socket.request.max.bytes, and a garbage body, each close only
 *   their own connection (the oversize case is logged with the reason).
 * - Produce: bad CRC → CORRUPT_MESSAGE (2); batch over the topic's max.message.bytes →
 *   MESSAGE_TOO_LARGE (10); unknown topic with auto-create off → UNKNOWN_TOPIC_OR_PARTITION (3);
 *   invalid topic name → INVALID_TOPIC_EXCEPTION (17); idempotent retry → original offset, stored
 *   once; sequence gap → OUT_OF_ORDER_SEQUENCE_NUMBER (45).
 * - ApiVersions v9 (unknown to us) → a v0-format answer: UNSUPPORTED_VERSION (35) and our ranges.
 * - Disk full: a 20 MiB tmpfs as the data dir and a 12 MiB disk reserve; a filler file takes the
 *   free space below the reserve → KAFKA_STORAGE_ERROR (56) with the log unchanged; removing the
 *   filler lets producing resume by itself. Skipped (with a reason) when tmpfs cannot be mounted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaClient } from '../../src/client/index.js';
import {
  ApiKey, decodeResponseFrame, encodeRequestFrame, type ApiVersionsResponse, type ProduceResponse,
} from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const Err = {
  none: 0, corruptMessage: 2, unknownTopicOrPartition: 3, messageTooLarge: 10,
  invalidTopic: 17, unsupportedVersion: 35, outOfOrderSequence: 45, storage: 56,
} as const;

/** Record timestamps are fixed: offsets, not times, are under test here. */
const timestamp = 1_700_000_000_000;

let broker: BrokerProcess;
let client: KafkaClient;
let configDir: string;

before(async () => {
  configDir = tempDir();
  const configPath = join(configDir, 'pado.json');
  writeFileSync(configPath, JSON.stringify({ autoCreateTopics: false }));
  broker = await startBroker({ args: ['--config', configPath] });
  client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
  const created = await client.createTopics([
    { name: 'bad-input', numPartitions: 1, replicationFactor: -1 },
    { name: 'small', numPartitions: 1, replicationFactor: -1,
      configs: { 'max.message.bytes': '1024' } },
  ]);
  assert.deepEqual(created.topics.map((t) => t.errorCode), [0, 0]);
});
after(async () => {
  await client?.close();
  await broker?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

/** A raw connection: frames out as given, frames in one at a time, and whether it closed. */
class RawConnection {
  private pending = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private wake: (() => void) | null = null;
  closed = false;
  private readonly socket: Socket;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  private onData(c: Buffer): void {
    this.pending = Buffer.concat([this.pending, c]);
    while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
      const size = this.pending.readInt32BE(0);
      this.frames.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    this.wake?.();
  }

  write(bytes: Buffer | readonly Buffer[]): void {
    for (const b of Array.isArray(bytes) ? bytes : [bytes]) this.socket.write(b);
  }

  /** The next response frame (without its size), or 'closed'; fails after 10 s. */
  async next(): Promise<Buffer | 'closed'> {
    const deadline = Date.now() + 10_000;
    while (this.frames.length === 0 && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no response frame and no close within 10 s');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.frames.shift() ?? 'closed';
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const metadataV1 = { topics: [], allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

/** Metadata v1 round trip on a raw connection: proves the connection still serves requests. */
async function metadataWorks(conn: RawConnection, correlationId: number): Promise<boolean> {
  conn.write(encodeRequestFrame(ApiKey.metadata, 1, correlationId, 'raw', metadataV1));
  const frame = await conn.next();
  if (frame === 'closed') return false;
  return decodeResponseFrame(ApiKey.metadata, 1, frame).correlationId === correlationId;
}

async function logEnd(topic: string, on: KafkaClient = client): Promise<number> {
  const r = await on.listOffsets(topic, [{ partition: 0, timestamp: -1 }]);
  return Number(r.topics[0]?.partitions[0]?.offset);
}

/** Topic names, without internal ones such as __consumer_offsets (the group coordinator's). */
async function userTopics(): Promise<string[]> {
  const all = await client.metadata(null);
  const names = all.topics.filter((t) => !t.isInternal).map((t) => t.name ?? '');
  return names.filter((name) => !name.startsWith('__')).sort();
}

function batchOf(
  values: readonly string[], idempotence?: { producerId: number; sequence: number },
): Buffer {
  return buildBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp })),
    compression: 'none',
    ...(idempotence === undefined ? {} : {
      producerId: idempotence.producerId, producerEpoch: 0, baseSequence: idempotence.sequence,
    }),
  });
}

async function produce(topic: string, batch: Buffer, on: KafkaClient = client) {
  const r = await on.produce(topic, 0, batch, -1) as ProduceResponse;
  const p = r.responses[0]?.partitionResponses[0];
  assert.ok(p !== undefined, 'one partition answered');
  return p;
}

test('a frame above socket.request.max.bytes closes only that connection, logged', async (t) => {
  // Its own broker: the log is buffered, and the stop below flushes it so the line can be read.
  const own = await startBroker();
  t.after(() => own.stop());
  const bystander = await RawConnection.open(own.port);
  const offender = await RawConnection.open(own.port);
  t.after(() => {
    bystander.destroy();
    offender.destroy();
  });
  assert.ok(await metadataWorks(bystander, 1));
  const header = Buffer.alloc(4);
  header.writeInt32BE(100 * 1024 * 1024 + 1, 0); // claims one byte over 100 MiB; nothing follows
  offender.write(header);
  assert.equal(await offender.next(), 'closed');
  assert.ok(await metadataWorks(bystander, 2), 'the other connection keeps working');
  assert.deepEqual(await own.signal('SIGTERM'), { code: 0, signal: null });
  const line = own.lines.find((l) => /request frame size out of bounds/.test(l));
  assert.ok(line !== undefined, 'the reason is logged');
  assert.match(line, /"frameBytes":104857601/);
  assert.match(line, /"frameBytesMax":104857600/);
});

test('a garbage request body closes only that connection', async (t) => {
  const bystander = await RawConnection.open(broker.port);
  const offender = await RawConnection.open(broker.port);
  t.after(() => {
    bystander.destroy();
    offender.destroy();
  });
  // A valid Produce v8 header, then 64 bytes of 0xff: lengths of -1 where arrays must be.
  const garbage = Buffer.alloc(64, 0xff);
  const frame = Buffer.alloc(4 + 2 + 2 + 4 + 2 + garbage.length);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(ApiKey.produce, 4);
  frame.writeInt16BE(8, 6); // non-flexible: request header v1 (no tagged fields)
  frame.writeInt32BE(9, 8);
  frame.writeInt16BE(-1, 12); // null client id
  garbage.copy(frame, 14);
  const before = await logEnd('bad-input');
  offender.write(frame);
  assert.equal(await offender.next(), 'closed');
  assert.ok(await metadataWorks(bystander, 3), 'the other connection keeps working');
  assert.equal(await logEnd('bad-input'), before);
  assert.equal(broker.proc.exitCode, null);
});

test('a batch with a bad CRC gets CORRUPT_MESSAGE and nothing is appended', async () => {
  const ok = await produce('bad-input', batchOf(['first']));
  assert.equal(ok.errorCode, Err.none);
  const before = await logEnd('bad-input');
  const batch = batchOf(['damaged on the way']);
  batch[batch.length - 3]! ^= 0x40; // a payload byte: the CRC32C no longer matches
  const r = await produce('bad-input', batch);
  assert.equal(r.errorCode, Err.corruptMessage);
  assert.equal(await logEnd('bad-input'), before);
  assert.equal((await produce('bad-input', batchOf(['after']))).baseOffset, before);
});

test('a batch over the topic max.message.bytes gets MESSAGE_TOO_LARGE', async () => {
  const before = await logEnd('small');
  const r = await produce('small', batchOf(['x'.repeat(2_000)]));
  assert.equal(r.errorCode, Err.messageTooLarge);
  assert.match(r.errorMessage ?? '', /max\.message\.bytes=1024/);
  assert.equal(await logEnd('small'), before);
  assert.equal((await produce('small', batchOf(['fits']))).errorCode, Err.none);
});

test('unknown topic, auto-create off: UNKNOWN_TOPIC_OR_PARTITION, no topic created', async () => {
  const r = await produce('ghost', batchOf(['boo']));
  assert.equal(r.errorCode, Err.unknownTopicOrPartition);
  const md = await client.metadata(['ghost'], true);
  assert.equal(md.topics[0]?.errorCode, Err.unknownTopicOrPartition);
  assert.deepEqual(await userTopics(), ['bad-input', 'small']);
});

test('an invalid topic name gets INVALID_TOPIC_EXCEPTION', async () => {
  for (const name of ['bad name!', '..', 'x'.repeat(250)]) {
    const created = await client.createTopics([{ name, numPartitions: 1, replicationFactor: -1 }]);
    assert.equal(created.topics[0]?.errorCode, Err.invalidTopic, name);
  }
  assert.deepEqual(await userTopics(), ['bad-input', 'small']);
});

test('idempotence: a retried batch keeps its offset, stored once; a gap is refused', async () => {
  const producerId = 4242;
  const values = ['a0', 'a1', 'a2'];
  const first = await produce('bad-input', batchOf(values, { producerId, sequence: 0 }));
  assert.equal(first.errorCode, Err.none);
  const end = await logEnd('bad-input');
  assert.equal(end, first.baseOffset + 3);
  const retry = await produce('bad-input', batchOf(values, { producerId, sequence: 0 }));
  assert.deepEqual([retry.errorCode, retry.baseOffset], [Err.none, first.baseOffset]);
  assert.equal(await logEnd('bad-input'), end, 'the retry is not stored again');

  const gap = await produce('bad-input', batchOf(['a5'], { producerId, sequence: 5 }));
  assert.equal(gap.errorCode, Err.outOfOrderSequence);
  assert.equal(await logEnd('bad-input'), end);
  const next = await produce('bad-input', batchOf(['a3'], { producerId, sequence: 3 }));
  assert.deepEqual([next.errorCode, next.baseOffset], [Err.none, end]);
});

test('ApiVersions v9 gets a v0-format UNSUPPORTED_VERSION answer with our ranges', async (t) => {
  const conn = await RawConnection.open(broker.port);
  t.after(() => conn.destroy());
  // Header v2 (flexible, as a v9 client would send it) and an empty tagged body; the broker must
  // not try to parse it — it answers in v0 so that any client can read the ranges.
  const frame = Buffer.from([0, 0, 0, 12, 0, ApiKey.apiVersions, 0, 9, 0, 0, 0, 77, 0xff, 0xff,
    0, 0]);
  conn.write(frame);
  const answer = await conn.next();
  assert.notEqual(answer, 'closed');
  const v9 = decodeResponseFrame(ApiKey.apiVersions, 0, answer as Buffer);
  const body = v9.body as ApiVersionsResponse;
  assert.equal(v9.correlationId, 77);
  assert.equal(body.errorCode, Err.unsupportedVersion);

  conn.write(encodeRequestFrame(ApiKey.apiVersions, 0, 78, 'raw', {}));
  const normal = await conn.next();
  assert.notEqual(normal, 'closed');
  const v0 = decodeResponseFrame(ApiKey.apiVersions, 0, normal as Buffer)
    .body as ApiVersionsResponse;
  assert.equal(v0.errorCode, Err.none);
  const ranges = (r: ApiVersionsResponse) =>
    r.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]);
  assert.deepEqual(ranges(body), ranges(v0));
  assert.deepEqual(ranges(body).find((k) => k[0] === ApiKey.produce), [ApiKey.produce, 3, 11]);
  assert.deepEqual(ranges(body).find((k) => k[0] === ApiKey.apiVersions)?.slice(0, 2),
    [ApiKey.apiVersions, 0]);
});

/** Mounts a 20 MiB tmpfs; undefined when this machine does not allow it. */
function mountTmpfs(): string | undefined {
  const dir = tempDir('pado-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

test('disk below the reserve: KAFKA_STORAGE_ERROR, log unchanged; resumes when space returns',
  async (t) => {
    const mount = mountTmpfs();
    if (mount === undefined) {
      t.skip('cannot mount a tmpfs here (needs root)');
      return;
    }
    // One hook, in order: the broker must be gone before its file system can be unmounted.
    let own: BrokerProcess | undefined;
    let c: KafkaClient | undefined;
    t.after(async () => {
      await c?.close();
      await own?.stop();
      execFileSync('umount', [mount]);
      rmSync(mount, { recursive: true, force: true });
    });
    const dataDir = join(mount, 'data');
    mkdirSync(dataDir);
    const configPath = join(mount, 'pado.json');
    writeFileSync(configPath, JSON.stringify({ diskReserveBytes: 12 * 1024 * 1024 }));
    own = await startBroker({ dataDir, args: ['--config', configPath] });
    c = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: own.port });
    await c.createTopics([{ name: 'disk', numPartitions: 1, replicationFactor: -1 }]);
    assert.equal((await produce('disk', batchOf(['before']), c)).errorCode, Err.none);

    // Leave 4 MiB free: under the 12 MiB reserve. The guard re-measures about once a second.
    const filler = join(mount, 'filler');
    const freeBytes = Number(execFileSync('df', ['-B1', '--output=avail', mount]).toString()
      .split('\n')[1]);
    writeFileSync(filler, Buffer.alloc(freeBytes - 4 * 1024 * 1024));
    let accepted = 1;
    const refused = await waitFor('KAFKA_STORAGE_ERROR', async () => {
      const r = await produce('disk', batchOf([`while filling ${accepted}`]), c);
      if (r.errorCode === Err.none) accepted++;
      return r.errorCode === Err.storage ? r : undefined;
    }, 10_000, 100);
    assert.equal(refused.errorCode, Err.storage);
    const end = await logEnd('disk', c);
    assert.equal(end, accepted, 'every accepted record is in the log, nothing refused is');
    const fetched = await c.fetch([{ topic: 'disk', partition: 0, offset: 0 }]);
    assert.equal(fetched.responses[0]?.partitions[0]?.errorCode, Err.none, 'reads keep working');

    rmSync(filler);
    const resumed = await waitFor('produce accepted again', async () => {
      const r = await produce('disk', batchOf(['after']), c);
      return r.errorCode === Err.none ? r : undefined;
    }, 10_000, 100);
    assert.equal(resumed.baseOffset, end, 'no hole, no refused record in the log');
  });
