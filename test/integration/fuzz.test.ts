/**
 * Frame fuzzing against a live broker: ≥ 100,000 mutated request frames (bit flips, byte
 * overwrites, truncations, garbage tails, header damage) drawn from one seed, over several
 * connections. Each group of mutated frames is followed by a well-formed probe; the probe's answer
 * proves the broker read every frame before it (responses come in order), and a closed connection
 * proves it read up to the frame that closed it. Afterwards the process must still be alive, must
 * never have logged a handler failure (a decodable request that made a handler throw is a bug), and
 * must still serve kafkajs normally. Seed: PADO_SEED (printed on failure).
 *
 * Bounded: frames whose decoded form is a Fetch asking to wait (maxWaitMs > 0) are skipped, so no
 * probe waits on a long poll; auto-creation is off and topic creation is only ever validateOnly, so
 * mutated names cannot fill the disk with topics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Prng } from '../../src/common/index.js';
import { ApiKey, apiTable, encodeRequestFrame, Reader, decodeRequestHeader } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { startBroker, tempDir, type BrokerProcess } from '../support/broker.js';
import { randomMessage, schemas } from '../unit/protocol/support.js';

const seed = Number(process.env.PADO_SEED ?? 20261125);
const framesWanted = Number(process.env.PADO_FUZZ_FRAMES ?? 100_000);
const connectionsCount = 4;
const groupSize = 16;
const probeCorrelationId = 0x7fff_fff0;

let broker: BrokerProcess;

before(async () => {
  const dir = tempDir();
  const configPath = join(dir, 'pado.json');
  writeFileSync(configPath, JSON.stringify({ autoCreateTopics: false }));
  broker = await startBroker({ args: ['--config', configPath] });
});
after(async () => {
  await broker?.stop();
});

/** Versions the broker serves, learned from ApiVersions like a client would. */
type Served = Map<number, { min: number; max: number }>;

function sampleRequests(p: Prng, served: Served): Buffer[] {
  const out: Buffer[] = [];
  const batch = buildBatch({
    records: [{ key: Buffer.from('k'), value: Buffer.from('fuzz value'), timestamp: 1_700_000_000_000 }],
    compression: 'none',
  });
  const realistic: [number, Record<string, unknown>][] = [
    [ApiKey.produce, { transactionalId: null, acks: 1, timeoutMs: 1000,
      topicData: [{ name: 'fuzz', partitionData: [{ index: 0, records: batch }] }] }],
    [ApiKey.fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0,
      sessionEpoch: -1, topics: [{ topic: 'fuzz', topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1,
          logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      forgottenTopicsData: [], rackId: '' }],
    [ApiKey.createTopics, { topics: [{ name: 'made-up', numPartitions: 3, replicationFactor: 1,
      assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 1000, validateOnly: true }],
  ];
  for (const [key, base] of realistic) {
    const range = served.get(key);
    if (range === undefined) continue;
    const api = apiTable.get(key)!;
    const schema = schemas.find((s) => s.key === key)!;
    const version = p.between(range.min, range.max);
    // Fill in every field of the version from the schema, then overlay the realistic values.
    const msg = { ...randomMessage(p, schema.request, version), ...base };
    out.push(frame(api.key, version, msg));
  }
  for (const schema of schemas) {
    const range = served.get(schema.key);
    if (range === undefined || schema.key === ApiKey.createTopics || schema.key === ApiKey.createPartitions) continue;
    const version = p.between(range.min, range.max);
    out.push(frame(schema.key, version, randomMessage(p, schema.request, version)));
  }
  return out;
}

function frame(key: number, version: number, msg: unknown): Buffer {
  return Buffer.concat(encodeRequestFrame(key, version, 1, 'fuzz', msg));
}

function mutate(p: Prng, original: Buffer): Buffer {
  const f = Buffer.from(original);
  const body = f.length - 4;
  switch (p.below(5)) {
    case 0: // bit flips anywhere after the size prefix
      for (let i = p.between(1, 8); i > 0; i--) f[4 + p.below(body)]! ^= 1 << p.below(8);
      return f;
    case 1: // interesting bytes
      for (let i = p.between(1, 4); i > 0; i--) f[4 + p.below(body)] = p.pick([0, 0xff, 0x7f, 0x80, 0x01]);
      return f;
    case 2: { // truncation, size prefix kept consistent
      const keep = p.below(body);
      const t = f.subarray(0, 4 + keep);
      t.writeInt32BE(keep, 0);
      return Buffer.from(t);
    }
    case 3: { // garbage tail
      const tail = p.fill(Buffer.alloc(p.between(1, 64)));
      const g = Buffer.concat([f, tail]);
      g.writeInt32BE(g.length - 4, 0);
      return g;
    }
    default: // header damage: api key / version / client id length
      f.writeInt16BE(p.between(-5, 80), 4 + p.pick([0, 2, 8]));
      return f;
  }
}

/** True when the frame decodes as a Fetch that would long-poll (see the file comment). */
function waitsOnFetch(f: Buffer): boolean {
  const r = new Reader(f.subarray(4));
  const h = decodeRequestHeader(r);
  if (r.failed || h.requestApiKey !== ApiKey.fetch) return false;
  const api = apiTable.get(ApiKey.fetch)!;
  const req = api.decodeRequest(r, h.requestApiVersion) as { maxWaitMs: number };
  return !r.failed && req.maxWaitMs > 0;
}

class FuzzConnection {
  private socket: Socket | null = null;
  private pending = Buffer.alloc(0);
  private waiting: ((r: 'probe' | 'closed') => void) | null = null;
  answered = 0;

  async open(port: number): Promise<void> {
    this.pending = Buffer.alloc(0);
    await new Promise<void>((res, rej) => {
      const s = connect(port, '127.0.0.1', () => res());
      s.once('error', rej);
      this.socket = s;
      s.on('data', (c: Buffer) => this.onData(c));
      s.on('close', () => this.finish('closed'));
      s.on('error', () => undefined);
    });
  }

  private onData(c: Buffer): void {
    this.pending = Buffer.concat([this.pending, c]);
    while (this.pending.length >= 8) {
      const size = this.pending.readInt32BE(0);
      if (this.pending.length < 4 + size) break;
      const correlationId = this.pending.readInt32BE(4);
      this.pending = this.pending.subarray(4 + size);
      if (correlationId === probeCorrelationId) this.finish('probe');
      else this.answered++;
    }
  }

  private finish(r: 'probe' | 'closed'): void {
    const w = this.waiting;
    this.waiting = null;
    w?.(r);
  }

  /** Sends frames then a probe; resolves with how the broker dealt with them. */
  send(frames: readonly Buffer[], probe: Buffer): Promise<'probe' | 'closed'> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      const s = this.socket!;
      if (s.destroyed) return this.finish('closed');
      for (const f of frames) s.write(f);
      s.write(probe);
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}

test(`${framesWanted} mutated frames neither crash nor hang the broker (seed ${seed})`, async (t) => {
  const p = new Prng(seed);
  const served: Served = new Map();
  const versions = apiTable.get(ApiKey.apiVersions)!;
  void versions;
  for (const [key, info] of apiTable) served.set(key, { min: info.minVersion, max: info.maxVersion });
  const probe = frame(ApiKey.metadata, 1, { topics: [], allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  probe.writeInt32BE(probeCorrelationId, 8);
  let delivered = 0;
  let closes = 0;
  const worker = async (index: number) => {
    const wp = new Prng(seed * 31 + index);
    const conn = new FuzzConnection();
    await conn.open(broker.port);
    let corpus = sampleRequests(wp, served);
    while (delivered < framesWanted) {
      const group: Buffer[] = [];
      while (group.length < groupSize) {
        const m = mutate(wp, wp.pick(corpus));
        if (!waitsOnFetch(m)) group.push(m);
      }
      conn.answered = 0;
      const how = await conn.send(group, probe);
      if (how === 'probe') delivered += group.length;
      else {
        delivered += Math.min(group.length, conn.answered + 1);
        closes++;
        await conn.open(broker.port);
      }
      if (wp.chance(0.01)) corpus = sampleRequests(wp, served);
    }
    conn.close();
  };
  try {
    await Promise.all(Array.from({ length: connectionsCount }, (_, i) => worker(i)));
  } catch (err) {
    throw new Error(`fuzz failed; replay with PADO_SEED=${seed}: ${String(err)}`);
  }
  t.diagnostic(`delivered=${delivered} connectionsClosedByBroker=${closes} seed=${seed}`);
  assert.ok(delivered >= framesWanted);
  assert.equal(broker.proc.exitCode, null, 'broker still running');
  const failures = broker.lines.filter((l) => /request handler failed/.test(l));
  assert.deepEqual(failures, [], `handler failures (replay with PADO_SEED=${seed})`);

  const kafka = new Kafka({ clientId: 'after-fuzz', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'after-fuzz' }] });
  const producer = kafka.producer();
  await producer.connect();
  const [res] = await producer.send({ topic: 'after-fuzz', acks: -1, messages: [{ value: 'still here' }] });
  assert.equal(res?.errorCode, 0);
  await producer.disconnect();
  await admin.disconnect();
});
