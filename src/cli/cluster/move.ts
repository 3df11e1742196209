/**
 * `pado cluster partitions move`: partition reassignment (KIP-455; the controller's side is
 * controller/reassignment.ts). `<topic>:<p>=<b1,b2,…>` per partition, or `--file` with the JSON
 * Kafka's kafka-reassign-partitions.sh takes (`{"version":1,"partitions":[{"topic":…,
 * "partition":…,"replicas":[…]}]}`; `log_dirs` is ignored). New replicas copy the partition and
 * join the ISR once caught up, then the replicas left out are removed. `--throttle` limits what
 * the moving replicas fetch (bytes/s, cluster-wide; removed when the move ends). The CLI follows
 * the move until every partition is done: a progress bar on a terminal, a line per change
 * otherwise. Ctrl+C stops watching; the move goes on. `--status` lists moves in progress,
 * `--cancel` ends them (those named, or all), keeping the original replicas.
 */
import { readFileSync } from 'node:fs';
import {
  alterPartitionReassignments, describeBrokerError, listPartitionReassignments,
  replicationThrottle, type KafkaClient, type OngoingMove, type PartitionAnswer,
} from '../../client/index.js';
import { argumentError } from '../args.js';
import type { OutputFormat } from '../output.js';
import { formatTable } from '../output.js';
import { ExitCode, type CliContext } from '../verb.js';
import { parseTopicPartition, type TopicPartition } from './transfer-leadership.js';
import { pollUntil, type Interrupt } from './wait.js';

export interface MoveSpec extends TopicPartition {
  readonly replicas: readonly number[];
}

const specExample = 'orders:0=1,2,4';

/** `orders:0=1,2,4` → a partition and its new replicas (broker ids, in preference order). */
export function parseMoveSpec(text: string): MoveSpec {
  const eq = text.indexOf('=');
  if (eq < 0) {
    throw argumentError(`'${text}' is not <topic>:<partition>=<brokers>; ` +
      `write e.g. ${specExample}`);
  }
  const tp = parseTopicPartition(text.slice(0, eq), specExample);
  return { ...tp, replicas: parseBrokerList(text.slice(eq + 1), text) };
}

function parseBrokerList(list: string, where: string): number[] {
  const ids = list.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^\d{1,10}$/.test(id) || Number(id) > 2 ** 31 - 1)) {
    throw argumentError(`'${where}': '${list}' is not a list of broker ids; ` +
      `write e.g. ${specExample}`);
  }
  const out = ids.map(Number);
  if (new Set(out).size !== out.length) throw argumentError(`'${where}': a broker is named twice`);
  return out;
}

/** The partitions of a kafka-reassign-partitions.sh JSON file. */
export function parseReassignmentJson(text: string, file: string): MoveSpec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw argumentError(`--file ${file}: not JSON (${(err as Error).message})`);
  }
  const partitions = (parsed as { partitions?: unknown } | null)?.partitions;
  if (!Array.isArray(partitions) || partitions.length === 0) {
    throw argumentError(`--file ${file}: no "partitions" list; write e.g. ` +
      '{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,2,4]}]}');
  }
  return partitions.map((p: unknown, i) => {
    const { topic, partition, replicas } = (p ?? {}) as Record<string, unknown>;
    const ok = typeof topic === 'string' && topic !== '' && Number.isSafeInteger(partition)
      && (partition as number) >= 0 && Array.isArray(replicas) && replicas.length > 0
      && replicas.every((id) => Number.isSafeInteger(id) && (id as number) >= 0);
    if (!ok) {
      throw argumentError(`--file ${file}: partitions[${i}] needs topic, partition and replicas`);
    }
    return { topic: topic as string, partition: partition as number,
      replicas: parseBrokerList((replicas as number[]).join(','), `partitions[${i}]`) };
  });
}

export function readReassignmentFile(file: string): MoveSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw argumentError(`--file ${file}: cannot read it (${code})`);
  }
  return parseReassignmentJson(text, file);
}

/** One partition's progress: adding replicas in sync, and whether the move completed. */
export interface MoveProgress {
  readonly topic: string;
  readonly partition: number;
  /** Replicas it gains (fixed at the start). */
  readonly adding: readonly number[];
  readonly inSync: number;
  readonly done: boolean;
}

/** Units of work done and to do: each adding replica in sync, and each partition completed. */
export function progressUnits(progress: readonly MoveProgress[]): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const p of progress) {
    total += p.adding.length + 1;
    done += p.done ? p.adding.length + 1 : Math.min(p.inSync, p.adding.length);
  }
  return { done, total };
}

/** `[#######-------] 3/8 new replicas in sync, 1/2 partitions moved` (width 24). */
export function progressLine(progress: readonly MoveProgress[]): string {
  const { done, total } = progressUnits(progress);
  const width = 24;
  const filled = total === 0 ? width : Math.round((width * done) / total);
  const adding = progress.reduce((n, p) => n + p.adding.length, 0);
  const inSync = progress.reduce((n, p) =>
    n + (p.done ? p.adding.length : Math.min(p.inSync, p.adding.length)), 0);
  const moved = progress.filter((p) => p.done).length;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${inSync}/${adding} new replicas ` +
    `in sync, ${moved}/${progress.length} partitions moved`;
}

function reportRefusals(ctx: CliContext, answers: readonly PartitionAnswer[]): number {
  let refused = 0;
  for (const a of answers) {
    if (a.errorCode === 0) continue;
    refused++;
    ctx.stderr.write(`${a.topic}:${a.partition}: ` +
      `${describeBrokerError(a.errorCode, { topic: a.topic }, a.errorMessage)}\n`);
  }
  return refused;
}

export interface MoveOptions {
  readonly throttle: number | null;
  readonly wait: boolean;
  readonly timeoutMs: number;
}

export async function move(client: KafkaClient, ctx: CliContext, interrupt: Interrupt,
  specs: readonly MoveSpec[], o: MoveOptions): Promise<number> {
  const md = await client.metadata([...new Set(specs.map((s) => s.topic))]);
  const current = (s: MoveSpec) => md.topics.find((t) => t.name === s.topic)?.partitions
    .find((p) => p.partitionIndex === s.partition)?.replicaNodes ?? [];
  if (o.throttle !== null) await replicationThrottle(client, { rateBytesPerSec: o.throttle });
  const answers = await alterPartitionReassignments(client, specs);
  const refused = reportRefusals(ctx, answers);
  const accepted = specs.filter((s) => answers.some((a) => a.topic === s.topic
    && a.partition === s.partition && a.errorCode === 0));
  if (accepted.length === 0) {
    if (o.throttle !== null) await replicationThrottle(client, { rateBytesPerSec: null });
    return ExitCode.failure;
  }
  const throttled = o.throttle === null ? '' : `, throttled to ${o.throttle} bytes/s`;
  ctx.stdout.write(`moving ${accepted.length} partition(s)${throttled}\n`);
  if (!o.wait) {
    ctx.stdout.write('follow it with `pado cluster partitions move --status`\n');
    return refused === 0 ? ExitCode.ok : ExitCode.failure;
  }
  const tracked = accepted.map((s) => ({ spec: s,
    adding: s.replicas.filter((id) => !current(s).includes(id)) }));
  const outcome = await follow(client, ctx, interrupt, tracked, o.timeoutMs);
  if (outcome !== 'done') {
    const why = outcome === 'timeout' ? `not done after ${o.timeoutMs} ms` : 'stopped watching';
    ctx.stderr.write(`${why}: ` +
      'the move goes on; `pado cluster partitions move --status` follows it, `--cancel` ends it\n');
    return ExitCode.failure;
  }
  if (o.throttle !== null && (await listPartitionReassignments(client)).length === 0) {
    await replicationThrottle(client, { rateBytesPerSec: null });
    ctx.stdout.write('replication throttle removed\n');
  }
  ctx.stdout.write(`moved ${accepted.length} partition(s): ` +
    `${accepted.map((s) => `${s.topic}:${s.partition}=${s.replicas.join(',')}`).join(' ')}\n`);
  return refused === 0 ? ExitCode.ok : ExitCode.failure;
}

/** Polls until every tracked partition's move completed, printing progress as it goes. */
async function follow(client: KafkaClient, ctx: CliContext, interrupt: Interrupt,
  tracked: readonly { spec: MoveSpec; adding: readonly number[] }[], timeoutMs: number) {
  let last = '';
  const outcome = await pollUntil(ctx, interrupt, { timeoutMs, intervalMs: 250 }, async () => {
    const ongoing = await listPartitionReassignments(client, tracked.map((t) => t.spec));
    const md = await client.metadata([...new Set(tracked.map((t) => t.spec.topic))]);
    const progress: MoveProgress[] = tracked.map(({ spec, adding }) => {
      const p = md.topics.find((t) => t.name === spec.topic)?.partitions
        .find((x) => x.partitionIndex === spec.partition);
      const isr = p?.isrNodes ?? [];
      // Done: no longer listed, and the replicas are the target (a broker whose image lags the
      // controller's lists nothing yet, but still shows the old replicas).
      const done = !ongoing.some((m) => m.topic === spec.topic && m.partition === spec.partition)
        && p !== undefined && p.replicaNodes.join(',') === spec.replicas.join(',');
      return { topic: spec.topic, partition: spec.partition, adding,
        inSync: adding.filter((id) => isr.includes(id)).length, done };
    });
    const line = progressLine(progress);
    if (line !== last) {
      ctx.stdout.write(ctx.stdoutIsTty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    return progress.every((p) => p.done);
  });
  if (ctx.stdoutIsTty && last !== '') ctx.stdout.write('\n');
  return outcome;
}

export async function moveStatus(client: KafkaClient, ctx: CliContext,
  format: OutputFormat): Promise<number> {
  const ongoing = await listPartitionReassignments(client);
  const throttle = await replicationThrottle(client);
  if (format === 'json') {
    const json = { reassignments: ongoing, throttleBytesPerSec: throttle };
    ctx.stdout.write(`${JSON.stringify(json)}\n`);
    return ExitCode.ok;
  }
  if (ongoing.length === 0) ctx.stdout.write('no partition move in progress\n');
  else ctx.stdout.write(statusTable(ongoing));
  if (throttle !== null) ctx.stdout.write(`replication throttle: ${throttle} bytes/s\n`);
  return ExitCode.ok;
}

export function statusTable(ongoing: readonly OngoingMove[]): string {
  return formatTable([
    { key: 'partition', title: 'PARTITION' }, { key: 'replicas', title: 'REPLICAS' },
    { key: 'adding', title: 'ADDING' }, { key: 'removing', title: 'REMOVING' },
  ], ongoing.map((m) => ({ partition: `${m.topic}:${m.partition}`, replicas: m.replicas.join(','),
    adding: m.addingReplicas.join(',') || '-', removing: m.removingReplicas.join(',') || '-' })));
}

/** Cancels the moves of `named` (all in progress when empty); removes the throttle after. */
export async function cancelMoves(client: KafkaClient, ctx: CliContext,
  named: readonly TopicPartition[]): Promise<number> {
  const targets = named.length > 0 ? named : await listPartitionReassignments(client);
  if (targets.length === 0) {
    ctx.stdout.write('no partition move in progress\n');
    return ExitCode.ok;
  }
  const answers = await alterPartitionReassignments(client,
    targets.map((t) => ({ topic: t.topic, partition: t.partition, replicas: null })));
  const refused = reportRefusals(ctx, answers);
  const cancelled = answers.filter((a) => a.errorCode === 0);
  if (cancelled.length > 0) {
    ctx.stdout.write(`cancelled the move of ${cancelled.map((a) => `${a.topic}:${a.partition}`)
      .join(' ')}: they keep their original replicas\n`);
  }
  if ((await listPartitionReassignments(client)).length === 0
    && (await replicationThrottle(client)) !== null) {
    await replicationThrottle(client, { rateBytesPerSec: null });
    ctx.stdout.write('replication throttle removed\n');
  }
  return refused === 0 ? ExitCode.ok : ExitCode.failure;
}
