/**
 * Cluster events (issue 16 item 2): what a person should hear about, derived from a decision's
 * records by comparing the image before and after them, so that every decision is covered the
 * same way — a session expiry, a controlled shutdown, an AlterPartition, a preferred-leader
 * election, an admin request — without each one writing its own. The decision may name its cause
 * (added to the sentences) and add notes of its own (a controller change, what a broker reports).
 * One event per kind per decision: a broker's death moves many leaders, and a person wants one
 * line about it, not a hundred. Pure: the time comes in.
 */
import {
  EventSeverity, noLeader,
  type ClusterEventKind, type ClusterEventRecord, type MetadataImage, type MetadataRecord, type TopicImage,
} from '../metadata/index.js';
import { limits } from '../common/index.js';

/** An event a decision adds itself (its id and time are set here). */
export interface EventNote {
  readonly kind: ClusterEventKind;
  readonly severity: EventSeverity;
  readonly brokerId?: number;
  readonly topic?: string | null;
  readonly message: string;
}

export interface EventContext {
  readonly nowMs: number;
  /** Why the decision was made, as a clause ("broker 2's session expired …"); added to each sentence. */
  readonly cause?: string;
  readonly notes?: readonly EventNote[];
  /** The topic's effective min.insync.replicas (its override, the node's default, or Kafka's rule). */
  readonly minIsrOf: (topic: TopicImage) => number;
}

/** Partitions named in one sentence; the rest are counted. */
const partitionsNamedMax = 8;

/**
 * The event records for a decision whose `records` turned `before` into `after`, ids from
 * after.eventSeq + 1. Empty when nothing in them is worth a person's attention.
 */
export function clusterEvents(before: MetadataImage, after: MetadataImage,
  records: readonly MetadataRecord[], ctx: EventContext): ClusterEventRecord[] {
  const notes: EventNote[] = [];
  brokerNotes(before, records, ctx.cause, notes);
  topicNotes(before, after, records, notes);
  partitionNotes(before, after, records, ctx, notes);
  notes.push(...ctx.notes ?? []);
  return notes.map((n, i) => ({
    type: 'event', id: after.eventSeq + 1 + i, timeMs: ctx.nowMs, kind: n.kind, severity: n.severity,
    brokerId: n.brokerId ?? -1, topic: n.topic ?? null, message: clip(n.message),
  }));
}

function clip(message: string): string {
  const max = limits.clusterEventMessageMax;
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

const because = (cause: string | undefined): string => (cause === undefined ? '' : `: ${cause}`);

function brokerNotes(before: MetadataImage, records: readonly MetadataRecord[], cause: string | undefined,
  notes: EventNote[]): void {
  for (const r of records) {
    switch (r.type) {
      case 'registerBroker': {
        const again = before.brokers.has(r.brokerId) ? ' (restarted)' : '';
        notes.push({ kind: 'broker-registered', severity: EventSeverity.info, brokerId: r.brokerId,
          message: `broker ${r.brokerId} registered at ${r.host}:${r.port}${again}` });
        break;
      }
      case 'fenceBroker':
        notes.push({ kind: 'broker-fenced', severity: EventSeverity.warn, brokerId: r.brokerId,
          message: `broker ${r.brokerId} fenced (it leads nothing and is out of every ISR)${because(cause)}` });
        break;
      case 'unfenceBroker':
        notes.push({ kind: 'broker-unfenced', severity: EventSeverity.info, brokerId: r.brokerId,
          message: `broker ${r.brokerId} unfenced: caught up with the metadata and serving again` });
        break;
      case 'unregisterBroker':
        notes.push({ kind: 'broker-unregistered', severity: EventSeverity.info, brokerId: r.brokerId,
          message: `broker ${r.brokerId} unregistered${because(cause)}` });
        break;
      default:
        break;
    }
  }
}

function topicNotes(before: MetadataImage, after: MetadataImage, records: readonly MetadataRecord[],
  notes: EventNote[]): void {
  const configs = new Map<string, string[]>();
  for (const r of records) {
    if (r.type === 'topic') {
      const t = after.topicsByName.get(r.name);
      const shape = t === undefined ? ''
        : `: ${t.partitions.length} partition(s) × ${t.partitions[0]?.replicas.length ?? 0} replica(s)`;
      notes.push({ kind: 'topic-created', severity: EventSeverity.info, topic: r.name,
        message: `topic ${r.name} created${shape}` });
    } else if (r.type === 'removeTopic') {
      const name = before.topicsById.get(r.topicId)?.name ?? r.topicId;
      notes.push({ kind: 'topic-deleted', severity: EventSeverity.info, topic: name,
        message: `topic ${name} deleted` });
    } else if (r.type === 'config' && !(r.resourceType === 'broker' && r.name === 'cluster.id')) {
      // A new topic's configs are part of its creation.
      if (r.resourceType === 'topic' && !before.topicsByName.has(r.resourceName)) continue;
      const key = r.resourceType === 'topic' ? `topic ${r.resourceName}` : 'cluster';
      const list = configs.get(key) ?? [];
      list.push(r.value === null ? `${r.name} back to its default` : `${r.name}=${r.value}`);
      configs.set(key, list);
    }
  }
  for (const [key, changes] of configs) {
    const topic = key.startsWith('topic ') ? key.slice('topic '.length) : null;
    notes.push({ kind: 'config-changed', severity: EventSeverity.info, topic,
      message: `${key} config changed: ${changes.join(', ')}` });
  }
}

interface Moves {
  readonly moved: string[];
  readonly offline: string[];
  readonly online: string[];
  readonly belowMin: string[];
  readonly restored: string[];
  readonly topics: Record<keyof Omit<Moves, 'topics'>, Set<string>>;
}

function partitionNotes(before: MetadataImage, after: MetadataImage, records: readonly MetadataRecord[],
  ctx: EventContext, notes: EventNote[]): void {
  const m: Moves = { moved: [], offline: [], online: [], belowMin: [], restored: [], topics: {
    moved: new Set(), offline: new Set(), online: new Set(), belowMin: new Set(), restored: new Set() } };
  const add = (kind: keyof Omit<Moves, 'topics'>, topic: string, text: string): void => {
    m[kind].push(text);
    m.topics[kind].add(topic);
  };
  const seen = new Set<string>();
  for (const r of records) {
    if (r.type !== 'partitionChange') continue;
    const key = `${r.topicId}:${r.partition}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const was = before.topicsById.get(r.topicId)?.partitions[r.partition];
    const topic = after.topicsById.get(r.topicId);
    const now = topic?.partitions[r.partition];
    if (was === undefined || topic === undefined || now === undefined) continue;
    const name = `${topic.name}-${r.partition}`;
    if (was.leader !== now.leader) {
      if (now.leader === noLeader) add('offline', topic.name, name);
      else if (was.leader === noLeader) add('online', topic.name, `${name} (leader ${now.leader})`);
      else add('moved', topic.name, `${name} ${was.leader}→${now.leader}`);
    }
    const minIsr = ctx.minIsrOf(topic);
    if (was.isr.length >= minIsr && now.isr.length < minIsr && now.leader !== noLeader) {
      add('belowMin', topic.name, `${name} [${now.isr.join(',')}] < ${minIsr}`);
    } else if (was.isr.length < minIsr && now.isr.length >= minIsr) {
      add('restored', topic.name, `${name} [${now.isr.join(',')}]`);
    }
  }
  const cause = because(ctx.cause);
  const one = (kind: ClusterEventKind, severity: EventSeverity, list: readonly string[],
    topics: ReadonlySet<string>, what: string): void => {
    if (list.length === 0) return;
    const more = list.length > partitionsNamedMax ? ` and ${list.length - partitionsNamedMax} more` : '';
    const named = list.slice(0, partitionsNamedMax).join(', ');
    notes.push({ kind, severity, topic: topics.size === 1 ? [...topics][0]! : null,
      message: `${list.length} ${what}: ${named}${more}${cause}` });
  };
  one('partition-offline', EventSeverity.error, m.offline, m.topics.offline,
    'partition(s) offline (no live in-sync replica to lead)');
  one('isr-below-min', EventSeverity.warn, m.belowMin, m.topics.belowMin,
    'partition(s) below min.insync.replicas (acks=all produce refused)');
  one('leader-moved', EventSeverity.info, m.moved, m.topics.moved, 'partition leader(s) moved');
  one('partition-online', EventSeverity.info, m.online, m.topics.online, 'partition(s) back online');
  one('isr-restored', EventSeverity.info, m.restored, m.topics.restored,
    'partition(s) back at min.insync.replicas');
}
