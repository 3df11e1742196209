/**
 * `pado cluster partitions transfer-leadership <topic>:<p> --to <broker>`: makes `broker` the
 * partition's leader. Refused unless it is in the ISR (only an in-sync replica may lead without
 * losing acknowledged records). The preferred replica leads after a preferred-leader election
 * (ElectLeaders, KIP-460), so when `broker` is not first in the replica list the replicas are
 * first reordered with a reassignment of the same set (AlterPartitionReassignments: no data
 * moves); it stays the preferred leader afterwards, so the periodic rebalancing keeps it there.
 * Waits until Metadata shows the new leader.
 */
import {
  alterPartitionReassignments, describeBrokerError, electPreferredLeaders, type KafkaClient,
} from '../../client/index.js';
import { KafkaError, type MetadataResponsePartition } from '../../protocol/index.js';
import { argumentError } from '../args.js';
import { ExitCode, type CliContext } from '../verb.js';
import { pollUntil, type Interrupt } from './wait.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `orders:3` → { topic: 'orders', partition: 3 } (the last colon splits). */
export function parseTopicPartition(text: string | undefined, example: string): TopicPartition {
  const at = text?.lastIndexOf(':') ?? -1;
  const topic = at > 0 ? (text as string).slice(0, at) : '';
  const index = at > 0 ? (text as string).slice(at + 1) : '';
  if (topic === '' || !/^\d{1,10}$/.test(index) || Number(index) > 2 ** 31 - 1) {
    throw argumentError(`'${text ?? ''}' is not <topic>:<partition>; write e.g. ${example}`);
  }
  return { topic, partition: Number(index) };
}

export type TransferPlan =
  | { readonly kind: 'refuse'; readonly message: string }
  | { readonly kind: 'done'; readonly message: string }
  | { readonly kind: 'run'; readonly reorder: readonly number[] | null };

/** What to do to make `to` lead the partition, from its Metadata. */
export function planTransfer(tp: TopicPartition, p: MetadataResponsePartition | undefined,
  to: number): TransferPlan {
  const where = `${tp.topic}:${tp.partition}`;
  if (p === undefined) return { kind: 'refuse', message: `no partition ${where}` };
  if (p.leaderId === to) return { kind: 'done', message: `broker ${to} already leads ${where}` };
  if (!p.replicaNodes.includes(to)) {
    return { kind: 'refuse', message: `broker ${to} is not a replica of ${where} (replicas ` +
      `${p.replicaNodes.join(',')}): move a replica there first with \`pado cluster partitions ` +
      `move ${where}=${[to, ...p.replicaNodes.slice(1)].join(',')}\`` };
  }
  if (!p.isrNodes.includes(to)) {
    return { kind: 'refuse', message: `broker ${to} is not in the ISR of ${where} ` +
      `(${p.isrNodes.join(',')}): it may lack acknowledged records, so it cannot lead until it ` +
      'has caught up (see `pado cluster health`)' };
  }
  const reorder = p.replicaNodes[0] === to ? null
    : [to, ...p.replicaNodes.filter((id) => id !== to)];
  return { kind: 'run', reorder };
}

async function partitionOf(client: KafkaClient,
  tp: TopicPartition): Promise<MetadataResponsePartition | undefined> {
  const md = await client.metadata([tp.topic]);
  return md.topics.find((t) => t.name === tp.topic)?.partitions
    .find((p) => p.partitionIndex === tp.partition);
}

export async function transferLeadership(client: KafkaClient, ctx: CliContext,
  interrupt: Interrupt, tp: TopicPartition, to: number, timeoutMs: number): Promise<number> {
  const plan = planTransfer(tp, await partitionOf(client, tp), to);
  if (plan.kind !== 'run') {
    (plan.kind === 'done' ? ctx.stdout : ctx.stderr).write(`${plan.message}\n`);
    return plan.kind === 'done' ? ExitCode.ok : ExitCode.failure;
  }
  const failed = (a: { errorCode: number; errorMessage: string | null }): number => {
    ctx.stderr.write(`${describeBrokerError(a.errorCode, { topic: tp.topic }, a.errorMessage)}\n`);
    return ExitCode.failure;
  };
  if (plan.reorder !== null) {
    const [answer] = await alterPartitionReassignments(client, [{ ...tp, replicas: plan.reorder }]);
    if (answer !== undefined && answer.errorCode !== 0) return failed(answer);
  }
  const [elected] = await electPreferredLeaders(client, [tp]);
  if (elected !== undefined && elected.errorCode !== 0
    && elected.errorCode !== KafkaError.electionNotNeeded.code) {
    return failed(elected);
  }
  const outcome = await pollUntil(ctx, interrupt, { timeoutMs, intervalMs: 100 },
    async () => (await partitionOf(client, tp))?.leaderId === to);
  if (outcome !== 'done') {
    ctx.stderr.write(`broker ${to} does not lead ${tp.topic}:${tp.partition} yet ` +
      `(${outcome === 'timeout' ? `after ${timeoutMs} ms` : 'interrupted'}); ` +
      'see `pado topic describe`\n');
    return ExitCode.failure;
  }
  ctx.stdout.write(`broker ${to} leads ${tp.topic}:${tp.partition}` +
    `${plan.reorder === null ? '' : ` (replicas now ${plan.reorder.join(',')})`}\n`);
  return ExitCode.ok;
}
