/**
 * Consumers in a group inside the world (issue 14): each finds the group's coordinator, joins
 * (range assignment over the topic's partitions), reads its partitions from their leaders from the
 * committed offsets on, and commits its position every few hundred ms; on any error — a
 * rebalance, a lost coordinator, a refused commit — it starts over (find, join, fetch the commits).
 * What the group commits is recorded, and what it reads back as committed is checked against it:
 * an offset the coordinator acknowledged must never come back lower (a lost commit, or a zombie
 * member's stale commit taken after a rebalance).
 */
import { delay } from '../../../src/common/index.js';
import {
  GroupMember, KafkaClient, TopicReader, decodeFetchedRecords, findGroupCoordinator,
} from '../../../src/client/index.js';
import { clusterClient, topic } from './workload.js';
import type { World } from './world.js';

export const groupId = 'sim-group';

export interface GroupLedger {
  /** The highest offset the coordinator acknowledged per partition, and when. */
  readonly committed: Map<number, { offset: number; atMs: number }>;
  /** Records read, all members together. */
  consumed: number;
  commits: number;
  rejoins: number;
}

export function newLedger(): GroupLedger {
  return { committed: new Map(), consumed: 0, commits: 0, rejoins: 0 };
}

export async function runGroupConsumer(
  world: World, name: string, partitions: number, ledger: GroupLedger, stopped: () => boolean,
  report: (problem: string) => void,
): Promise<void> {
  const io = world.clientIo(`10.0.5.${name.charCodeAt(name.length - 1) % 200}`);
  while (!stopped()) {
    const cluster = clusterClient(world, `10.0.4.${name.charCodeAt(name.length - 1) % 200}`, name);
    let coordinator: KafkaClient | null = null;
    let member: GroupMember | null = null;
    try {
      const any = await cluster.any();
      const c = await findGroupCoordinator(any, groupId);
      if (c.errorCode !== 0) throw new Error(`FindCoordinator: error ${c.errorCode}`);
      coordinator = await KafkaClient.connect({ host: c.host, port: c.port, clientId: name, io,
        connectTimeoutMs: 1_000, requestTimeoutMs: 8_000 });
      member = new GroupMember(coordinator, { groupId, topics: [topic], sessionTimeoutMs: 6_000,
        rebalanceTimeoutMs: 4_000, heartbeatIntervalMs: 500,
        partitionCounts: async () => new Map([[topic, partitions]]) });
      const assignment = await member.join();
      ledger.rejoins++;
      const mine = assignment.partitions.find((t) => t.topic === topic)?.partitions ?? [];
      if (mine.length === 0) {
        // Nothing to read: stay a member until the group changes.
        while (!stopped()) {
          member.checkHealthy();
          await delay(io.clock, 200);
        }
        continue;
      }
      const askedMs = io.clock.now();
      const committed = await member.committed(topic, mine);
      const positions = new Map<number, number>();
      for (const p of mine) {
        const offset = committed.get(p) ?? -1;
        const known = ledger.committed.get(p);
        // Only commits acknowledged before the question was asked count (answers cross on the wire).
        if (known !== undefined && known.atMs < askedMs && offset < known.offset) {
          report(`partition ${p}: committed offset read back as ${offset} after ${known.offset} was ` +
            `acknowledged (at ${known.atMs - world.startMs} ms)`);
        }
        positions.set(p, Math.max(0, offset));
      }
      const reader = new TopicReader(cluster, topic);
      let lastCommitMs = io.clock.now();
      while (!stopped()) {
        member.checkHealthy();
        const answers = await reader.fetch([...positions].map(([partition, offset]) => ({ partition, offset })),
          { maxWaitMs: 100, minBytes: 1, maxBytes: 256 * 1024 });
        for (const a of answers) {
          if (a.errorCode !== 0) continue;
          const { records, nextOffset } = decodeFetchedRecords(a.records as Buffer | null);
          ledger.consumed += records.length;
          if (nextOffset !== null) positions.set(a.partitionIndex, nextOffset);
        }
        if (io.clock.now() - lastCommitMs >= 300) {
          lastCommitMs = io.clock.now();
          const offsets = [...positions].map(([partition, offset]) => ({ topic, partition, offset }));
          if (!(await member.commit(offsets))) break; // the group moved on: rejoin
          ledger.commits++;
          for (const o of offsets) {
            const known = ledger.committed.get(o.partition);
            if (known === undefined || o.offset >= known.offset) {
              ledger.committed.set(o.partition, { offset: o.offset, atMs: io.clock.now() });
            }
          }
        }
        await delay(io.clock, 100);
      }
    } catch {
      // a rebalance, a moved coordinator, a lost connection: start over
      await delay(io.clock, 300);
    } finally {
      // Stops its heartbeats; the group rebalances now instead of after the session.
      await member?.leave().catch(() => undefined);
      await coordinator?.close().catch(() => undefined);
      await cluster.close().catch(() => undefined);
    }
  }
}
