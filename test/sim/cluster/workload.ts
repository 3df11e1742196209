/**
 * The clients inside a world (issue 14): producers writing to every partition of a topic in each
 * send (Pado's Producer: idempotent with acks=all, one Produce per leader carrying several
 * partitions; acks=1 without idempotence), an admin that creates the topic, and the reader that
 * reads every partition back at the end. What each producer sent and what was acknowledged is kept
 * per partition, in order, for the checkers (checks.ts).
 *
 * Every value is unique: `<producer>/<session>/<n>`, n rising across a session's sends, so a
 * duplicate, a loss and a reordering can each be named.
 */
import { delay } from '../../../src/common/index.js';
import {
  ClusterClient, KafkaClient, Producer, TopicReader, decodeFetchedRecords, type BrokerAddress,
} from '../../../src/client/index.js';
import { KafkaError, type MetadataResponse } from '../../../src/protocol/index.js';
import {
  batchHeaderBytes, batchLogOverheadBytes, validateOneBatch,
} from '../../../src/protocol/records/index.js';
import { kafkaPort, type World } from './world.js';

export const topic = 'sim';

/** What one producer session (one producer id) sent and had acknowledged, per partition. */
export interface Session {
  readonly producer: string;
  readonly number: number;
  readonly acks: -1 | 1;
  /** Values enqueued per partition, in order. */
  readonly sent: Map<number, string[]>;
  /** How many of `sent` (a prefix: one batch in flight per partition) were acknowledged. */
  readonly acked: Map<number, number>;
  /** Why the session ended early, if it did. */
  failure: string | null;
  /** Each acknowledged send: when it was made and when its last partition was acknowledged (virtual ms). */
  readonly sends: { startMs: number; endMs: number }[];
}

export function bootstrapOf(world: World): BrokerAddress[] {
  return world.hosts.map((h) => ({ host: h.address, port: kafkaPort }));
}

export function clusterClient(world: World, clientHost: string, name: string): ClusterClient {
  const io = world.clientIo(clientHost);
  return new ClusterClient(bootstrapOf(world), (a) => KafkaClient.connect({
    host: a.host, port: a.port, clientId: name, io, connectTimeoutMs: 1_000, requestTimeoutMs: 5_000,
  }), io.clock);
}

/** Creates the topic through any node, retrying until the cluster can (bounded by the world's run). */
export async function createTopic(world: World, partitions: number): Promise<void> {
  const cluster = clusterClient(world, '10.0.1.100', 'admin');
  try {
    for (let attempt = 1; attempt <= 100; attempt++) {
      try {
        const client = await cluster.any();
        const r = await client.createTopics([{ name: topic, numPartitions: partitions,
          replicationFactor: Math.min(3, world.hosts.length) }], 5_000);
        const code = r.topics[0]?.errorCode ?? -1;
        if (code === 0 || code === KafkaError.topicAlreadyExists.code) {
          world.note(`topic ${topic} created (${partitions} partitions)`);
          return;
        }
      } catch {
        // not reachable yet: try again
      }
      await delay(cluster.clock, 200);
    }
    throw new Error('the topic could not be created in 100 attempts');
  } finally {
    await cluster.close();
  }
}

export interface ProducerSpec {
  readonly name: string;
  readonly acks: -1 | 1;
  readonly partitions: number;
  /** Records per partition in one send. */
  readonly recordsPerSend: number;
  /** Virtual ms between one send's acknowledgement and the next send (an application's pace). */
  readonly pauseMs: number;
}

/**
 * Producer sessions one after another until `stopped()`: each gets a cluster client of its own
 * (from `clientHost`.N) and runs `body`, which adds its Session to `sessions` once it has a
 * producer id. A session that fails ends (its unacknowledged records are not promised); the next
 * starts after a pause, as an application would restart its producer.
 */
export async function runSessions(
  world: World, spec: ProducerSpec, clientHost: string, stopped: () => boolean,
  body: (cluster: ClusterClient, session: Session) => Promise<void>,
): Promise<void> {
  let number = 0;
  while (!stopped()) {
    number++;
    const cluster = clusterClient(world, `${clientHost}.${number % 200 + 1}`, spec.name);
    const session: Session = { producer: spec.name, number, acks: spec.acks, sent: new Map(),
      acked: new Map(), failure: null, sends: [] };
    try {
      await body(cluster, session);
    } catch (e) {
      session.failure = e instanceof Error ? e.message : String(e);
      world.note(`${spec.name} session ${number} ended: ${session.failure}`);
      await delay(cluster.clock, 500);
    } finally {
      await cluster.close().catch(() => undefined);
    }
  }
}

/** Pado's Producer: sends to every partition at once, flush after flush. */
export function runProducer(
  world: World, spec: ProducerSpec, sessions: Session[], stopped: () => boolean,
): Promise<void> {
  return runSessions(world, spec, '10.0.1', stopped, async (cluster, session) => {
    const producer = await Producer.open(cluster, {
      topic, acks: spec.acks, compression: 'none', requestTimeoutMs: 3_000,
      deliveryTimeoutMs: 30_000, retryBackoffMs: 50, retryBackoffMaxMs: 500,
    });
    sessions.push(session);
    let n = 0;
    while (!stopped()) {
      for (let p = 0; p < spec.partitions; p++) {
        const values: string[] = [];
        for (let i = 0; i < spec.recordsPerSend; i++) values.push(`${spec.name}/${session.number}/${n++}`);
        let list = session.sent.get(p);
        if (list === undefined) session.sent.set(p, list = []);
        list.push(...values);
        producer.enqueue(p, values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 0 })));
      }
      const startMs = cluster.clock.now();
      try {
        await producer.flush();
        session.sends.push({ startMs, endMs: cluster.clock.now() });
      } finally {
        for (const a of producer.acknowledged()) session.acked.set(a.partition, a.records);
      }
      await delay(cluster.clock, spec.pauseMs);
    }
  });
}

/**
 * Every record of every partition, in offset order, read from the leaders up to their high
 * watermarks. A batch whose CRC does not hold is reported (`corrupt`): a broker must never serve one.
 */
export async function readAll(
  world: World, partitions: number, corrupt: (detail: string) => void,
): Promise<Map<number, string[]>> {
  const cluster = clusterClient(world, '10.0.1.201', 'reader');
  try {
    const reader = new TopicReader(cluster, topic);
    const out = new Map<number, string[]>();
    const positions = new Map<number, number>();
    const ends = new Map<number, number>();
    for (let p = 0; p < partitions; p++) {
      out.set(p, []);
      positions.set(p, 0);
    }
    for (let round = 0; round < 10_000 && positions.size > 0; round++) {
      const answers = await reader.fetch([...positions].map(([partition, offset]) => ({ partition, offset })),
        { maxWaitMs: 0, minBytes: 0, maxBytes: 1024 * 1024 });
      for (const a of answers) {
        if (a.errorCode !== 0) continue;
        const at = positions.get(a.partitionIndex);
        if (at === undefined) continue;
        ends.set(a.partitionIndex, Number(a.highWatermark));
        const bytes = a.records as Buffer | null;
        const bad = bytes === null ? null : firstCorruptBatch(bytes);
        if (bad !== null) {
          corrupt(`partition ${a.partitionIndex} from offset ${at}: ${bad}`);
          positions.delete(a.partitionIndex);
          continue;
        }
        const { records, nextOffset } = decodeFetchedRecords(bytes);
        const list = out.get(a.partitionIndex)!;
        for (const r of records) if (r.offset >= at) list.push(r.value?.toString() ?? '');
        const next = nextOffset ?? at;
        if (next >= Number(a.highWatermark)) positions.delete(a.partitionIndex);
        else positions.set(a.partitionIndex, next);
      }
    }
    if (positions.size > 0) throw new Error(`could not read partitions ${[...positions.keys()].join(',')} to their ends`);
    return out;
  } finally {
    await cluster.close().catch(() => undefined);
  }
}

/** The first whole batch in a fetched buffer that fails validation (CRC, counts), or null. */
function firstCorruptBatch(buf: Buffer): string | null {
  let position = 0;
  while (buf.length - position >= batchHeaderBytes) {
    const size = buf.readInt32BE(position + 8) + batchLogOverheadBytes;
    if (size > buf.length - position) break; // a partial batch at the end of a fetch
    const r = validateOneBatch(buf, position);
    if (!r.ok) return r.message;
    position += size;
  }
  return null;
}

/** Every node's Metadata answer for `topics` (the workload's topic), or the reason it gave none. */
export async function metadataOfEveryNode(world: World, topics: readonly string[] = [topic]):
  Promise<(MetadataResponse | string)[]> {
  return Promise.all(world.hosts.map(async (h) => {
    const io = world.clientIo('10.0.1.202');
    try {
      const client = await KafkaClient.connect({ host: h.address, port: kafkaPort, clientId: 'checker', io,
        connectTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
      try {
        return await client.metadata([...topics]);
      } finally {
        await client.close();
      }
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }));
}

/**
 * How far behind the cluster a node's answers to clients may be: a node cut off from the controller
 * stops answering once its lease has lapsed (1.2 s session, 0.5 s grace), and a connected one
 * applies a change within a few round trips.
 */
export const metadataLagMaxMs = 2_000;

/**
 * Watches what every node tells clients (Metadata, every `everyMs`) and reports what a client must
 * never see: a node answering with a view older than what another node answered more than
 * metadataLagMaxMs earlier (a restarted node serving its pre-crash image), a node whose answers
 * go back in time, or an answer naming a leader it does not list among the brokers.
 */
export async function watchMetadata(
  world: World, everyMs: number, stopped: () => boolean, report: (problem: string) => void,
): Promise<void> {
  const seen = world.hosts.map(() => new Map<number, number>());
  /** Per partition, each leader epoch any node named, with when it was first named. */
  const firstNamed = new Map<number, { epoch: number; ms: number }[]>();
  const clients: (KafkaClient | null)[] = world.hosts.map(() => null);
  const io = world.clientIo('10.0.1.203');
  const reported = new Set<string>();
  const once = (key: string, problem: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    report(problem);
  };
  while (!stopped()) {
    await Promise.all(world.hosts.map(async (h, i) => {
      try {
        clients[i] ??= await KafkaClient.connect({ host: h.address, port: kafkaPort, clientId: 'watcher', io,
          connectTimeoutMs: 500, requestTimeoutMs: 1_000 });
        const r = await clients[i]!.metadata([topic]);
        const brokers = new Set(r.brokers.map((b) => b.nodeId));
        const t = r.topics.find((x) => x.name === topic);
        for (const p of t?.partitions ?? []) {
          if (p.leaderId >= 0 && !brokers.has(p.leaderId)) {
            once(`unlisted ${i} ${p.partitionIndex}`, `node ${h.id} names leader ${p.leaderId} of partition ` +
              `${p.partitionIndex} but lists brokers ${[...brokers].join(',') || 'none'}`);
          }
          const before = seen[i]!.get(p.partitionIndex) ?? -1;
          if (p.leaderEpoch >= 0 && p.leaderEpoch < before) {
            once(`back ${i} ${p.partitionIndex}`, `node ${h.id} went back from leader epoch ${before} to ` +
              `${p.leaderEpoch} for partition ${p.partitionIndex}`);
          }
          seen[i]!.set(p.partitionIndex, Math.max(before, p.leaderEpoch));
          const now = io.clock.now();
          let named = firstNamed.get(p.partitionIndex);
          if (named === undefined) firstNamed.set(p.partitionIndex, named = []);
          const known = named.filter((n) => n.ms <= now - metadataLagMaxMs).reduce((m, n) => Math.max(m, n.epoch), -1);
          if (p.leaderEpoch < known) {
            once(`stale ${i} ${p.partitionIndex}`, `node ${h.id} answered leader epoch ${p.leaderEpoch} for ` +
              `partition ${p.partitionIndex}, ${metadataLagMaxMs} ms after epoch ${known} was named`);
          }
          if (!named.some((n) => n.epoch === p.leaderEpoch)) named.push({ epoch: p.leaderEpoch, ms: now });
        }
      } catch {
        const c = clients[i];
        clients[i] = null;
        if (c !== null && c !== undefined) await c.close().catch(() => undefined);
      }
    }));
    await delay(io.clock, everyMs);
  }
  await Promise.all(clients.map((c) => c?.close().catch(() => undefined)));
}

/** What the admin client had acknowledged: topics created (and not deleted since), topics deleted. */
export interface AdminLedger {
  readonly created: Set<string>;
  readonly deleted: Set<string>;
}

/**
 * An admin client: every couple of seconds it creates a scratch topic and deletes the one before,
 * through whichever node answers, while the faults play. Errors are shrugged off (the next round
 * tries again); only acknowledged answers are recorded.
 */
export async function runAdmin(world: World, ledger: AdminLedger, stopped: () => boolean): Promise<void> {
  const cluster = clusterClient(world, '10.0.1.250', 'admin-loop');
  let n = 0;
  try {
    while (!stopped()) {
      await delay(cluster.clock, 2_000);
      try {
        const client = await cluster.any();
        const name = `scratch-${n++}`;
        const created = await client.createTopics([{ name, numPartitions: 1,
          replicationFactor: Math.min(3, world.hosts.length) }], 5_000);
        if (created.topics[0]?.errorCode === 0) ledger.created.add(name);
        const old = [...ledger.created].find((t) => t !== name);
        if (old !== undefined) {
          // Once asked, its fate is known only from an answer: a deletion whose answer is lost may
          // have been done (seed 5465 of an earlier harness counted such a topic as still created).
          ledger.created.delete(old);
          const deleted = await client.deleteTopics([old], 5_000);
          if (deleted.responses[0]?.errorCode === 0) ledger.deleted.add(old);
        }
      } catch {
        // no broker answered, or it went away mid-request: next round
      }
    }
  } finally {
    await cluster.close().catch(() => undefined);
  }
}

/** Why the nodes' topic lists contradict the admin's acknowledged answers, or '' when they agree. */
export async function checkTopics(world: World, ledger: AdminLedger): Promise<string> {
  const io = world.clientIo('10.0.1.204');
  for (const h of world.hosts) {
    let names: Set<string>;
    try {
      const client = await KafkaClient.connect({ host: h.address, port: kafkaPort, clientId: 'checker', io,
        connectTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
      try {
        names = new Set((await client.metadata(null)).topics.map((t) => t.name ?? ''));
      } finally {
        await client.close();
      }
    } catch (e) {
      return `node ${h.id} did not answer: ${e instanceof Error ? e.message : String(e)}`;
    }
    for (const t of ledger.created) if (!names.has(t)) return `node ${h.id} lacks topic ${t}, created (acknowledged)`;
    for (const t of ledger.deleted) if (names.has(t)) return `node ${h.id} still lists topic ${t}, deleted (acknowledged)`;
  }
  return '';
}
