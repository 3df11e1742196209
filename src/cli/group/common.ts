/**
 * What the `pado group` verbs share: the group id check, reaching the group's coordinator (group
 * requests must go to it, not to any broker), committed offsets and log end offsets per partition
 * (asked of each partition's leader), and group error codes explained with a next step
 * (STYLE.md §5).
 */
import {
  describeGroups, fetchOffsets, findGroupCoordinator, OffsetSpec, TopicReader,
  type ClusterClient, type KafkaClient,
} from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import type { DescribeGroupsResponse } from '../../protocol/index.js';
import { argumentError, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { withClient, type CliContext } from '../verb.js';

export type DescribedGroup = DescribeGroupsResponse['groups'][number];

/** Kafka allows any non-empty string; we also bound it (the broker does, too). */
const groupIdLengthMax = 255;

export function parseGroupId(raw: string | undefined): string {
  const id = raw ?? '';
  if (id === '' || id.length > groupIdLengthMax) {
    throw argumentError(`group id '${id}' must have 1–${groupIdLengthMax} characters; ` +
      'write e.g. `pado group describe orders-app`');
  }
  return id;
}

const groupMessages: Readonly<Record<number, (group: string) => string>> = {
  14: (g) => `the coordinator of group '${g}' is still loading; retry in a moment`,
  15: (g) => `no coordinator is available for group '${g}' yet; retry in a moment, or check ` +
    '`pado topic list` and the broker logs',
  16: (g) => `this broker is not the coordinator of group '${g}'; retry (it is looked up again)`,
  25: (g) => `group '${g}': the coordinator does not know this member (its session expired, or ` +
    'the group has active members)',
  27: (g) => `group '${g}' is rebalancing; retry once \`pado group describe ${g}\` shows Stable`,
  30: (g) => `not authorized for group '${g}'`,
  68: (g) => `group '${g}' still has active members; stop its consumers (or wait for their ` +
    `session timeout to pass), then retry; see \`pado group describe ${g}\``,
  69: (g) => `group '${g}' does not exist; see \`pado group list\``,
};

/** Throws a PadoError for a non-zero group error code, with the next step. */
export function checkGroupError(code: number, group: string, brokerMessage?: string | null): void {
  if (code === 0) return;
  const describe = groupMessages[code];
  if (describe === undefined) {
    checkBrokerError(code, {}, brokerMessage);
    return;
  }
  const message = describe(group) + (brokerMessage ? ` (broker says: ${brokerMessage})` : '');
  throw new PadoError(code === 69 ? PadoErrorCode.notFound : PadoErrorCode.invalidArgument,
    message);
}

/** Runs `fn` on a connection to the group's coordinator (the bootstrap one when it is that). */
export async function withCoordinator<T>(
  ctx: CliContext, bootstrap: Bootstrap, group: string, fn: (client: KafkaClient) => Promise<T>,
  bootstrapClient?: KafkaClient,
): Promise<T> {
  const find = async (client: KafkaClient): Promise<T> => {
    const c = await findGroupCoordinator(client, group);
    checkGroupError(c.errorCode, group, c.errorMessage);
    if (c.host === client.address.host && c.port === client.address.port) return fn(client);
    return withClient(ctx, { host: c.host, port: c.port }, fn);
  };
  return bootstrapClient === undefined ? withClient(ctx, bootstrap, find) : find(bootstrapClient);
}

/** DescribeGroups for one group; throws when the broker reports an error for it. */
export async function describeOne(client: KafkaClient, group: string): Promise<DescribedGroup> {
  const r = await describeGroups(client, [group]);
  const described = r.groups.find((g) => g.groupId === group);
  if (described === undefined) {
    throw new PadoError(PadoErrorCode.connection,
      `the broker left group '${group}' out of its DescribeGroups answer; report it`);
  }
  checkGroupError(described.errorCode, group);
  return described;
}

/** Committed offsets of the group as topic → partition → offset (every committed partition). */
export async function committedOffsets(
  client: KafkaClient, group: string,
): Promise<Map<string, Map<number, number>>> {
  const r = await fetchOffsets(client, group, null);
  checkGroupError(r.errorCode, group);
  const out = new Map<string, Map<number, number>>();
  for (const t of r.topics) {
    const partitions = new Map<number, number>();
    for (const p of t.partitions) {
      checkGroupError(p.errorCode, group);
      // -1: nothing committed (Kafka answers so for unknown partitions too).
      if (p.committedOffset >= 0) partitions.set(p.partitionIndex, p.committedOffset);
    }
    if (partitions.size > 0) out.set(t.name, partitions);
  }
  return out;
}

/**
 * ListOffsets for one topic at `timestamp` (OffsetSpec.latest / earliest, or a time in ms), asked
 * of each partition's leader: partition → offset, -1 where no record is that recent.
 */
export async function offsetsAt(
  cluster: ClusterClient, topic: string, partitions: readonly number[], timestamp: number,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (partitions.length === 0) return out;
  const answers = await new TopicReader(cluster, topic).offsets(partitions, timestamp);
  for (const [partition, answer] of answers) {
    checkBrokerError(answer.errorCode, { topic, partition });
    out.set(partition, answer.offset);
  }
  return out;
}

export const latestOffsets = (
  cluster: ClusterClient, topic: string, partitions: readonly number[],
): Promise<Map<number, number>> => offsetsAt(cluster, topic, partitions, OffsetSpec.latest);

/** The topic's partition indexes, ascending; a missing topic is an error with the next step. */
export async function topicPartitions(cluster: ClusterClient, topic: string): Promise<number[]> {
  const metadata = await cluster.metadata([topic]);
  const found = metadata.topics.find((t) => t.name === topic);
  checkBrokerError(found === undefined ? 3 : found.errorCode, { topic });
  return (found?.partitions ?? []).map((p) => p.partitionIndex).sort((a, b) => a - b);
}
