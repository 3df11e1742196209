/**
 * Invariants checked after every step of a world (issue 14), on what each running node reports
 * (`RunningNode.inspect`):
 * - at most one node takes writes for a partition in one leader epoch, ever;
 * - a leader's high watermark never goes back within its leader epoch (what it serves to readers);
 * - two nodes that applied the metadata log to the same offset hold the same image;
 * - a batch acknowledged with acks=all was on at least two disks, fsynced, at some moment before
 *   the client learns it (min.insync.replicas=2, the default for 3 replicas: issue 13's break 8).
 *   Each host's fsynced ends are followed step by step, also while it starts, and kept while it is
 *   down (its disk keeps them); new disks start from nothing. Per partition the highest offset two
 *   disks held at once is remembered: a disk lost after the broker's decision (the answer can wait
 *   behind earlier ones on its connection) does not undo it.
 * Each broken one is reported once per key (the first time it is seen), with the virtual time.
 */
import type { MetadataImage } from '../../../src/metadata/index.js';
import type { Finding } from './checks.js';
import type { World } from './world.js';

/** Offsets whose image digests are remembered (older ones are forgotten first). */
const imagesKept = 4_096;

export class Invariants {
  private readonly hw = new Map<string, number>();
  private readonly writers = new Map<string, number>();
  private readonly images = new Map<number, { digest: string; host: number }>();
  private readonly lastOffset = new Map<number, number>();
  private readonly reported = new Set<string>();
  /** Per host: the disks it has (World.replaceDisks counts them) and each partition's fsynced end there. */
  private readonly durable = new Map<number, { disks: number; ends: Map<string, number> }>();
  /** Per partition: the highest end that two disks held fsynced at the same time, so far. */
  private readonly twoCopies = new Map<string, number>();
  readonly findings: Finding[] = [];
  checks = 0;

  check(world: World): void {
    this.checks++;
    for (const host of world.hosts) {
      // Fsynced ends from the moment a node's partitions open: a restarted node replicates (and
      // counts in an ISR) while it still catches up, before it is ready.
      const inspect = host.inspect;
      if (inspect !== null) {
        let disk = this.durable.get(host.id);
        if (disk === undefined || disk.disks !== host.disks) this.durable.set(host.id, disk = { disks: host.disks, ends: new Map() });
        for (const p of inspect().partitions) {
          const key = `${p.topic}-${p.partition}`;
          if (disk.ends.get(key) === p.durableEndOffset) continue;
          disk.ends.set(key, p.durableEndOffset);
          this.noteCopies(world, key);
        }
      }
      const node = host.node;
      if (node === null) continue;
      const view = node.inspect();
      const inc = host.incarnations;
      for (const p of view.partitions) {
        if (p.role === 'leader') {
          const key = `${host.id}.${inc}.${p.topic}.${p.partition}.${p.leaderEpoch}`;
          const before = this.hw.get(key);
          if (before !== undefined && p.highWatermark < before) {
            this.report(world, `hw ${key}`, 'hw-backwards', `node ${host.id}: ${p.topic}-${p.partition} leader ` +
              `epoch ${p.leaderEpoch}: high watermark went from ${before} to ${p.highWatermark}`);
          }
          this.hw.set(key, Math.max(before ?? -1, p.highWatermark));
        }
        if (p.takesWrites) {
          const key = `${p.topic}.${p.partition}.${p.leaderEpoch}`;
          const writer = this.writers.get(key);
          if (writer !== undefined && writer !== host.id) {
            this.report(world, `writers ${key}`, 'two-writers', `${p.topic}-${p.partition} leader epoch ` +
              `${p.leaderEpoch}: node ${host.id} takes writes, as node ${writer} did`);
          } else if (writer === undefined) {
            this.writers.set(key, host.id);
          }
        }
      }
      if (this.lastOffset.get(host.id) !== view.metadataOffset) {
        this.lastOffset.set(host.id, view.metadataOffset);
        const digest = digestOf(view.image);
        const known = this.images.get(view.metadataOffset);
        if (known === undefined) {
          this.images.set(view.metadataOffset, { digest, host: host.id });
          if (this.images.size > imagesKept) this.images.delete(this.images.keys().next().value as number);
        } else if (known.digest !== digest && known.host !== host.id) {
          this.report(world, `image ${view.metadataOffset}`, 'diverged', `metadata offset ` +
            `${view.metadataOffset}: node ${host.id}'s image differs from node ${known.host}'s`);
        }
      }
    }
  }

  /** Raises the partition's two-copy end to the second highest fsynced end of the current disks. */
  private noteCopies(world: World, key: string): void {
    let first = 0;
    let second = 0;
    for (const host of world.hosts) {
      const disk = this.durable.get(host.id);
      if (disk === undefined || disk.disks !== host.disks) continue;
      const end = disk.ends.get(key) ?? 0;
      if (end > first) [first, second] = [end, first];
      else if (end > second) second = end;
    }
    if (second > (this.twoCopies.get(key) ?? 0)) this.twoCopies.set(key, second);
  }

  /** A batch of `topic`-`partition` ending at `lastOffset` was acknowledged with acks=all just now. */
  ackedAll(world: World, topic: string, partition: number, lastOffset: number): void {
    const key = `${topic}-${partition}`;
    const held = this.twoCopies.get(key) ?? 0;
    if (held > lastOffset) return;
    this.report(world, `acked ${key}`, 'under-replicated-ack', `${key} offset ${lastOffset} acknowledged ` +
      `(acks=all) but never fsynced on two disks at once (two held up to ${held})`);
  }

  private report(world: World, key: string, kind: Finding['kind'], detail: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const finding = { kind, detail: `at ${world.elapsedMs} ms: ${detail}` };
    this.findings.push(finding);
    world.note(`FINDING ${finding.kind}: ${finding.detail}`);
  }
}

/** A canonical text of an image: maps and sets in key order, buffers in hex. */
export function digestOf(image: MetadataImage): string {
  return canonical(image);
}

function canonical(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  if (v instanceof Map) {
    return `M{${[...v].map(([k, x]) => `${canonical(k)}:${canonical(x)}`).sort().join(',')}}`;
  }
  if (v instanceof Set) return `S{${[...v].map(canonical).sort().join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${k}:${canonical(o[k])}`).join(',')}}`;
}
