/**
 * `pado consume <topic> --group g`: the fetch loop of consume.ts as a member of a consumer group,
 * reading each partition from its leader (client/topic-reader.ts).
 * The member (client/group-member.ts) joins through the group's coordinator and heartbeats in the
 * background; this loop reads only the assigned partitions, starting at their committed offsets
 * (else at the earliest/latest offset per --from-beginning/--latest, Kafka's auto.offset.reset),
 * commits every few seconds and whenever the group rebalances (eager protocol: commit, then
 * rejoin), and on exit (Ctrl+C, -n reached, -e caught up) commits once more and leaves the group
 * so the others get its partitions at once instead of after the session timeout.
 */
import {
  decodeFetchedRecords, GroupMember, OffsetSpec, TopicReader, type ClusterClient,
  type PartitionOffset,
} from '../client/index.js';
import type { DecodedRecord } from '../protocol/records/index.js';
import { checkBrokerError } from './broker-errors.js';
import type { ConsumeArgs, ConsumeFormat } from './consume.js';
import { offsetsAt, withCoordinator } from './group/common.js';
import { ExitCode, type CliContext } from './verb.js';

export type GroupConsumeArgs = ConsumeArgs & { group: string };
export type RecordFormatter =
  (record: DecodedRecord, partition: number, format: ConsumeFormat) => string;

/** Kafka's auto.commit.interval.ms default. */
export const commitIntervalMs = 5_000;
/** Long-poll per fetch: also how soon a rebalance or Ctrl+C is noticed. */
const fetchWaitMs = 500;
const offsetOutOfRange = 1;

interface Position {
  partition: number;
  /** Next offset to print; what a commit stores. */
  offset: number;
  highWatermark: number;
}

export async function consumeInGroup(
  args: GroupConsumeArgs, ctx: CliContext, cluster: ClusterClient, format: RecordFormatter,
): Promise<number> {
  const stop = { requested: false };
  // The first Ctrl+C ends the loop gracefully; a second one exits at once (SignalSource).
  void ctx.signals.next().then(() => {
    stop.requested = true;
  });
  return withCoordinator(ctx, args.bootstrap, args.group, async (coordinator) => {
    const member = new GroupMember(coordinator, {
      groupId: args.group,
      topics: [args.topic],
      partitionCounts: (topics) => partitionCounts(cluster, topics),
    });
    const consumer = new GroupConsumer(args, ctx, cluster, member, format);
    try {
      await consumer.run(stop);
    } finally {
      await consumer.close();
    }
    return ExitCode.ok;
  }, await cluster.any());
}

/** Partition counts of the topics that exist (the leader's input to the range assignor). */
async function partitionCounts(
  cluster: ClusterClient, topics: readonly string[],
): Promise<Map<string, number>> {
  const metadata = await cluster.metadata(topics);
  const counts = new Map<string, number>();
  for (const t of metadata.topics) {
    if (t.errorCode === 0 && t.name !== null) counts.set(t.name, t.partitions.length);
  }
  return counts;
}

class GroupConsumer {
  private positions: Position[] = [];
  private printed = 0;
  private nextCommitAtMs = 0;

  private readonly args: GroupConsumeArgs;
  private readonly ctx: CliContext;
  private readonly cluster: ClusterClient;
  private readonly reader: TopicReader;
  private readonly member: GroupMember;
  private readonly format: RecordFormatter;

  constructor(
    args: GroupConsumeArgs, ctx: CliContext, cluster: ClusterClient, member: GroupMember,
    format: RecordFormatter,
  ) {
    this.args = args;
    this.ctx = ctx;
    this.cluster = cluster;
    this.reader = new TopicReader(cluster, args.topic);
    this.member = member;
    this.format = format;
  }

  /** Until -n, -e or a signal; each pass is one fetch of at most fetchWaitMs, or a rejoin. */
  async run(stop: { requested: boolean }): Promise<void> {
    await this.rejoin();
    while (!stop.requested) {
      this.member.checkHealthy();
      if (this.member.rebalanceNeeded) {
        await this.commit();
        await this.rejoin();
        continue;
      }
      if (Date.now() >= this.nextCommitAtMs) await this.commit();
      if (this.args.exitAtEnd && this.positions.every((p) => p.offset >= p.highWatermark)) return;
      if (this.positions.length === 0) {
        // Nothing assigned (more members than partitions): wait for the next rebalance.
        await new Promise((resolve) => setTimeout(resolve, fetchWaitMs));
        continue;
      }
      if (await this.fetchOnce()) return;
    }
  }

  private async rejoin(): Promise<void> {
    const assignment = await this.member.join();
    const partitions = assignment.partitions
      .filter((tp) => tp.topic === this.args.topic)
      .flatMap((tp) => tp.partitions)
      .sort((a, b) => a - b);
    this.positions = await this.startPositions(partitions);
    this.ctx.stderr.write(`joined group '${this.args.group}' (generation ` +
      `${assignment.generationId}${assignment.isLeader ? ', leader' : ''}): ${this.args.topic} ` +
      `partitions [${partitions.join(',')}]\n`);
    this.nextCommitAtMs = Date.now() + commitIntervalMs;
  }

  /** Committed offsets, else earliest/latest (Kafka's auto.offset.reset; default latest). */
  private async startPositions(partitions: readonly number[]): Promise<Position[]> {
    const committed = partitions.length === 0 ? new Map<number, number>()
      : await this.member.committed(this.args.topic, partitions);
    const latest = await offsetsAt(this.cluster, this.args.topic, partitions, OffsetSpec.latest);
    const fallback = this.args.start.kind === 'beginning'
      ? await offsetsAt(this.cluster, this.args.topic, partitions, OffsetSpec.earliest) : latest;
    return partitions.map((partition) => {
      const offset = committed.get(partition) ?? -1;
      return {
        partition,
        offset: offset >= 0 ? offset : fallback.get(partition) ?? 0,
        highWatermark: latest.get(partition) ?? 0,
      };
    });
  }

  /** One fetch over the assigned partitions; true once -n records were printed. */
  private async fetchOnce(): Promise<boolean> {
    const topic = this.args.topic;
    // From each partition's leader; partitions whose leader moved come in a later fetch.
    const answers = await this.reader.fetch(this.positions, { maxWaitMs: fetchWaitMs });
    for (const data of answers) {
      const position = this.positions.find((p) => p.partition === data.partitionIndex);
      if (position === undefined) continue;
      if (data.errorCode === offsetOutOfRange) {
        await this.resetOutOfRange(position);
        continue;
      }
      checkBrokerError(data.errorCode, { topic, partition: data.partitionIndex });
      position.highWatermark = data.highWatermark;
      const fetched = decodeFetchedRecords(data.records);
      for (const record of fetched.records) {
        // A batch may start before the requested offset; Kafka clients skip those records too.
        if (record.offset < position.offset) continue;
        this.ctx.stdout.write(this.format(record, data.partitionIndex, this.args.format));
        position.offset = record.offset + 1;
        this.printed++;
        if (this.args.count !== null && this.printed >= this.args.count) return true;
      }
      if (fetched.nextOffset !== null) {
        position.offset = Math.max(position.offset, fetched.nextOffset);
      }
    }
    return false;
  }

  /** A committed offset the log no longer holds (retention): restart per auto.offset.reset. */
  private async resetOutOfRange(position: Position): Promise<void> {
    const spec = this.args.start.kind === 'beginning' ? OffsetSpec.earliest : OffsetSpec.latest;
    const offsets = await offsetsAt(this.cluster, this.args.topic, [position.partition], spec);
    position.offset = offsets.get(position.partition) ?? 0;
    this.ctx.stderr.write(`${this.args.topic} partition ${position.partition}: committed offset ` +
      `out of range; restarting at ${position.offset}\n`);
  }

  private async commit(): Promise<void> {
    this.nextCommitAtMs = Date.now() + commitIntervalMs;
    const offsets: PartitionOffset[] = this.positions.map((p) => ({
      topic: this.args.topic, partition: p.partition, offset: p.offset,
    }));
    // False: the group moved on; the loop rejoins and the next member resumes from older commits.
    await this.member.commit(offsets);
  }

  /** Last commit and LeaveGroup; failures are reported, not thrown over the loop's own error. */
  async close(): Promise<void> {
    try {
      // Also while a rebalance is pending: the coordinator still takes this generation's commits.
      await this.commit();
    } catch (e) {
      this.ctx.stderr.write(`pado: final commit failed: ${(e as Error).message}\n`);
    }
    try {
      await this.member.leave();
    } catch (e) {
      this.ctx.stderr.write(`pado: leaving group '${this.args.group}' failed: ` +
        `${(e as Error).message}\n`);
    }
  }
}
