/**
 * A follower whose disk falls below the reserve heals once space returns (issue 13, break 5), with
 * 3 real `pado start` processes: node 3's data directory is a 64 MiB tmpfs and every node keeps a
 * 48 MiB reserve, so after about 16 MiB of acks=all produces (RF 3, min.insync.replicas=2, node 1
 * the leader by assignment) node 3's appends are refused. It must say so (a warn naming the
 * partition), leave the ISR by the leader's normal lag rule while staying registered, and the
 * produces go on with 2 in sync. Then the tmpfs grows to 512 MiB (`mount -o remount`): node 3
 * must fetch again by itself, catch up with the leader's log end, rejoin the ISR, and hold the
 * leader's log byte for byte — so every acknowledged record is on every replica. Waits are
 * conditions with deadlines; the cluster is stopped before the tmpfs is unmounted, in `t.after`.
 * Skipped (with a reason) when a tmpfs cannot be mounted (needs root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFetchedRecords, KafkaClient } from '../../src/client/index.js';
import {
  ApiKey, type CreateTopicsResponse, defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableReplicaAssignment, defaultCreateTopicsRequestCreatableTopic,
  defaultCreateTopicsRequestCreatableTopicConfig,
} from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { tempDir } from '../support/broker.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { waitFor } from '../support/run.js';
import { clientIo } from '../support/client-io.js';

const topic = 'filling';
const mib = 1024 * 1024;
const leader = 1;
/** The follower on the small tmpfs. */
const full = 3;
const lagMaxMs = 1_000;
const reserveBytes = 48 * mib;
const conditionMs = 30_000;
const valueBytes = 256 * 1024;
/** 40 MiB: far more than the 16 MiB node 3 may take before its reserve. */
const producesMax = 160;
/** Produced after node 3 left the ISR: what it has to catch up with. */
const producesWhileOut = 8;

/** Mounts a tmpfs of `size`; undefined when this machine does not allow it. */
function mountTmpfs(size: string): string | undefined {
  const dir = tempDir('pado-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

interface View { leader: number; isr: number[]; brokers: number[] }

async function view(cluster: RaftCluster, id: number): Promise<View | undefined> {
  const md = await cluster.withClient(id, (c) => c.metadata([topic])).catch(() => undefined);
  const p = md?.topics[0]?.partitions[0];
  if (md === undefined || p === undefined || p.leaderId < 0) return undefined;
  return { leader: p.leaderId, isr: [...p.isrNodes].sort(),
    brokers: md.brokers.map((b) => b.nodeId).sort() };
}

/** RF 3 with node 1 first in the assignment (its preferred leader), node 3 a follower. */
async function createTopic(c: KafkaClient): Promise<number> {
  const request = { ...defaultCreateTopicsRequest(), timeoutMs: 30_000, topics: [{
    ...defaultCreateTopicsRequestCreatableTopic(), name: topic, numPartitions: -1,
    replicationFactor: -1,
    assignments: [{ ...defaultCreateTopicsRequestCreatableReplicaAssignment(), partitionIndex: 0,
      brokerIds: [leader, 2, full] }],
    configs: [{ ...defaultCreateTopicsRequestCreatableTopicConfig(),
      name: 'min.insync.replicas', value: '2' }],
  }] };
  const r = await c.request<CreateTopicsResponse>(ApiKey.createTopics, request);
  return r.topics[0]?.errorCode ?? -1;
}

/** One acks=all produce of a 256 KiB record keyed `key`; its error code. */
async function produce(c: KafkaClient, key: string): Promise<number> {
  const batch = buildBatch({ records: [{ key: Buffer.from(key), value: randomBytes(valueBytes),
    timestamp: Date.now() }], compression: 'none' });
  const r = await c.produce(topic, 0, batch, -1, 15_000).catch(() => null);
  return r?.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
}

/** Every record key in the leader's log, in offset order (consumer fetches, up to its HW). */
async function keysOnLeader(c: KafkaClient): Promise<string[]> {
  const keys: string[] = [];
  for (let offset = 0, round = 0; round < 1_000; round++) {
    const r = await c.fetch([{ topic, partition: 0, offset, maxBytes: 4 * mib }],
      { maxWaitMs: 0, maxBytes: 4 * mib });
    const fetched = decodeFetchedRecords(r.responses[0]?.partitions[0]?.records ?? null);
    if (fetched.nextOffset === null) break;
    for (const record of fetched.records) keys.push(record.key?.toString() ?? '');
    offset = fetched.nextOffset;
  }
  return keys;
}

function logBytes(dataDir: string): Promise<Buffer> {
  return readFile(join(dataDir, `${topic}-0`, '00000000000000000000.log'))
    .catch(() => Buffer.alloc(0));
}

test('a follower below its disk reserve leaves the ISR, and once space returns it catches up ' +
  'and rejoins by itself', async (t) => {
  const mount = mountTmpfs('64m');
  if (mount === undefined) {
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  // One hook, in order: the processes must be gone before their file system is unmounted.
  let cluster: RaftCluster | undefined;
  let client: KafkaClient | undefined;
  t.after(async () => {
    await client?.close();
    await cluster?.stop();
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });
  const fullDir = join(mount, 'data');
  mkdirSync(fullDir);
  cluster = await RaftCluster.start(3, {
    config: { diskReserveBytes: reserveBytes, 'replica.lag.time.max.ms': lagMaxMs },
    dataDirs: { [full]: fullDir },
  });
  const c = cluster;
  await waitFor('three brokers', async () => (await c.withClient(leader, (k) => k.metadata([]))
    .catch(() => undefined))?.brokers.length === 3 ? true : undefined, conditionMs);
  assert.equal(await c.withClient(leader, createTopic), 0);
  await waitFor('node 1 leading with 3 in sync', async () => {
    const v = await view(c, leader);
    return v?.leader === leader && v.isr.length === 3 ? true : undefined;
  }, conditionMs);
  const producer = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1',
    port: Number(c.address(leader).split(':')[1]), requestTimeoutMs: 20_000 });
  client = producer;

  // Fill node 3 up to its reserve: its appends are refused, it leaves the ISR (2 of 3 go on).
  // Both, since a follower slowed down by this machine may leave the ISR before it is full.
  const acked: string[] = [];
  let out: View | undefined;
  for (let i = 0; i < producesMax && out === undefined; i++) {
    if (await produce(producer, `k${i}`) === 0) acked.push(`k${i}`);
    const v = await view(c, leader);
    const atReserve = freeBytes(mount) < reserveBytes + 2 * mib;
    if (v !== undefined && !v.isr.includes(full) && atReserve) out = v;
  }
  assert.ok(out !== undefined, `node ${full} never left the ISR at its reserve`);
  t.diagnostic(`node ${full} left the ISR after ${acked.length} acknowledged 256 KiB records`);
  assert.deepEqual(out.isr, [leader, 2]);
  assert.ok(out.brokers.includes(full), 'the full follower stays registered (not fenced)');
  for (let i = 0; i < producesWhileOut; i++) {
    const key = `out${i}`;
    assert.equal(await produce(producer, key), 0, 'acks=all goes on with 2 of 3 in sync');
    acked.push(key);
  }

  // Space returns: node 3 must fetch again, catch up and rejoin, with nobody intervening.
  execFileSync('mount', ['-o', 'remount,size=512m', mount]);
  const grownAt = Date.now();
  await waitFor(`node ${full} back in the ISR`, async () => {
    const v = await view(c, leader);
    return v !== undefined && v.isr.length === 3 ? true : undefined;
  }, conditionMs);
  t.diagnostic(`tmpfs grown → ISR of 3 seen: ${Date.now() - grownAt} ms`);
  const leaderLog = await logBytes(c.dataDir(leader));
  await waitFor('every replica holding the leader\'s log byte for byte', async () => {
    for (const id of c.ids) if (!leaderLog.equals(await logBytes(c.dataDir(id)))) return undefined;
    return true;
  }, conditionMs);
  const keys = await keysOnLeader(producer);
  const inLog = new Set(keys);
  for (const key of acked) assert.ok(inLog.has(key), `acknowledged ${key} is in the log`);
  assert.deepEqual(keys.filter((k) => acked.includes(k)), acked, 'acknowledged records in order');
  // What an operator saw meanwhile (log lines reach us asynchronously).
  await waitFor('a warn from node 3 naming the partition', () =>
    c.process(full)?.lines.some((l) => /"level":40/.test(l) &&
      l.includes(`"topic":"${topic}"`) && l.includes('"partition":0')) === true ? true : undefined,
  conditionMs);
});
