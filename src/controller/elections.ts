/**
 * Leader elections (DESIGN.md, Controller duties): a new leader comes from the ISR, among live
 * (registered, unfenced) brokers, in replica order so the preferred leader wins when it can; the
 * leader epoch goes up by one (applying a partitionChange with a new leader does that). A replica
 * outside the ISR may be missing acknowledged data, so it is elected only when the topic sets
 * `unclean.leader.election.enable=true`; it then leads alone and RECOVERING (KIP-704). With no
 * candidate the partition goes offline (leader -1) and keeps its last ISR, so the last in-sync
 * replica can take over when it comes back.
 *
 * A fenced broker leaves an ISR only while at least min.insync.replicas members stay: a replica
 * dropped from an ISR already that small still holds every record acks=all acknowledged (none
 * could be acknowledged without it), so it must stay electable — Kafka's KIP-966 keeps such
 * replicas as "eligible leader replicas"; we keep them in the ISR (fenced, so not chosen while
 * down; the leader shrinks them out by lag once it leads). Without this, a whole-cluster power loss
 * fenced the returning brokers first and left the ISR to the one whose disk had died, which then
 * came back empty under its id and was elected (found by the whole-cluster simulation, seed 683:
 * 1,032 acknowledged records lost). A broker taken out for good (`removeFromIsrs`, decommission)
 * leaves every ISR, the last place too: an offline partition then waits for an explicit unclean
 * election rather than an empty log.
 */
import {
  LeaderRecoveryState, noLeader, applyRecords,
  type MetadataImage, type MetadataRecord, type PartitionChangeRecord, type PartitionImage,
  type TopicImage,
} from '../metadata/index.js';
import { minInsyncReplicasFor, validateTopicConfigs } from '../config/index.js';
import { uncleanLeaderElectionConfig } from './config.js';

export function isLive(image: MetadataImage, brokerId: number): boolean {
  const b = image.brokers.get(brokerId);
  return b !== undefined && !b.fenced;
}

/** A topic config as brokers read it (validated as Kafka's ConfigDef would), or undefined. */
function topicConfig(topic: TopicImage, name: typeof uncleanLeaderElectionConfig | 'min.insync.replicas'):
  unknown {
  const raw = topic.configs.get(name);
  if (raw === undefined) return undefined;
  const checked = validateTopicConfigs({ [name]: raw });
  return checked.ok ? checked.configs[name] : undefined;
}

function uncleanAllowed(topic: TopicImage): boolean {
  return topicConfig(topic, uncleanLeaderElectionConfig) === true;
}

/**
 * The topic's min.insync.replicas as the controller knows it: the topic's own setting, else what
 * its replication factor gives (a node-level default is not in the image; erring high only keeps a
 * fenced replica electable longer).
 */
function minIsrOf(topic: TopicImage, p: PartitionImage): number {
  const value = topicConfig(topic, 'min.insync.replicas');
  return typeof value === 'number' ? Math.max(1, value) : minInsyncReplicasFor(p.replicas.length);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function change(topic: TopicImage, p: PartitionImage): Mutable<PartitionChangeRecord> {
  return { type: 'partitionChange', topicId: topic.topicId, partition: p.partition };
}

/**
 * Fences a broker and, in the same batch, takes it out of every leadership and ISR: what a lease
 * expiry and a controlled shutdown both do. The moves are computed on the image with the broker
 * already fenced, so it is never chosen again.
 */
export function fenceAndMoveAway(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const broker = image.brokers.get(brokerId);
  if (broker === undefined || broker.fenced) return [];
  const fence: MetadataRecord = { type: 'fenceBroker', brokerId, brokerEpoch: broker.brokerEpoch };
  return [fence, ...moveAway(applyRecords(image, [fence]), brokerId)];
}

/** partitionChanges removing a (fenced) broker from every leadership and ISR it holds. */
export function moveAway(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      if (!p.isr.includes(brokerId)) continue;
      // Keep min.insync.replicas members (at least one): see the header.
      const without = p.isr.filter((id) => id !== brokerId);
      const isr = without.length >= minIsrOf(topic, p) ? without : p.isr;
      const c = change(topic, p);
      if (p.leader === brokerId) electInto(c, image, topic, p, isr);
      else if (isr !== p.isr) c.isr = isr;
      if (c.leader !== undefined || c.isr !== undefined) records.push(c);
    }
  }
  return records;
}

/**
 * partitionChanges taking a broker that is gone for good (unregistered: its disk and data may be
 * gone) out of every ISR, the last place too, and out of every leadership.
 */
export function removeFromIsrs(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      if (!p.isr.includes(brokerId) && p.leader !== brokerId) continue;
      const isr = p.isr.filter((id) => id !== brokerId);
      const c = change(topic, p);
      // electInto always sets the ISR here: `isr` lacks a member p.isr has.
      if (p.leader === brokerId) electInto(c, image, topic, p, isr);
      else c.isr = isr;
      records.push(c);
    }
  }
  return records;
}

/**
 * The replica to lead from `isr`, in replica order: a live one not in maintenance mode, else a
 * live one in maintenance (issue 16: a broker in maintenance leads only what nobody else can).
 * `except` is never chosen (the broker being drained).
 */
export function leaderCandidate(image: MetadataImage, p: PartitionImage, isr: readonly number[],
  except?: number): number | undefined {
  const eligible = (id: number): boolean => id !== except && isr.includes(id) && isLive(image, id);
  return p.replicas.find((id) => eligible(id) && !image.maintenance.has(id))
    ?? p.replicas.find(eligible);
}

/** Sets leader (and ISR, recovery) on `c` for a partition whose leader must change. */
function electInto(c: Mutable<PartitionChangeRecord>, image: MetadataImage, topic: TopicImage,
  p: PartitionImage, isr: readonly number[]): void {
  const clean = leaderCandidate(image, p, isr);
  if (clean !== undefined) {
    if (clean !== p.leader) c.leader = clean;
    // Fenced members leave with the election only while min.insync.replicas stay.
    const liveIsr = isr.filter((id) => isLive(image, id));
    const next = liveIsr.length >= minIsrOf(topic, p) ? liveIsr : isr;
    if (!sameIds(next, p.isr)) c.isr = next;
    return;
  }
  const unclean = uncleanAllowed(topic) ? p.replicas.find((id) => isLive(image, id)) : undefined;
  if (unclean !== undefined) {
    c.leader = unclean;
    c.isr = [unclean];
    c.leaderRecoveryState = LeaderRecoveryState.recovering;
    return;
  }
  if (p.leader !== noLeader) c.leader = noLeader;
  if (!sameIds(isr, p.isr)) c.isr = isr;
}

/**
 * Leaders for offline partitions that now have a candidate: a broker was unfenced, or (for the
 * topic `topicId`, when given) the topic now allows unclean election.
 */
export function electOfflineLeaders(image: MetadataImage, topicId?: string): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const only = topicId === undefined ? undefined : image.topicsById.get(topicId);
  const topics = topicId === undefined ? image.topicsById.values()
    : only === undefined ? [] : [only];
  for (const topic of topics) {
    for (const p of topic.partitions) {
      if (p.leader !== noLeader) continue;
      const c = change(topic, p);
      electInto(c, image, topic, p, p.isr);
      if (c.leader !== undefined) records.push(c);
    }
  }
  return records;
}

/**
 * Preferred-leader election: leader := first replica, when it is live and in the ISR — unless it
 * is in maintenance mode (issue 16); and a leader in maintenance hands over to another live ISR
 * member when one exists (one that came back after the drain). `only` limits it to the
 * partitions whose preferred replica is that broker (maintenance disabled).
 */
export function electPreferredLeaders(image: MetadataImage, only?: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      const preferred = p.replicas[0];
      if (preferred === undefined || (only !== undefined && preferred !== only)) continue;
      const leader = preferredLeader(image, p);
      if (leader !== undefined) records.push({ ...change(topic, p), leader });
    }
  }
  return records;
}

/** The leader a preferred-leader election gives `p`, or undefined when it keeps its leader. */
export function preferredLeader(image: MetadataImage, p: PartitionImage): number | undefined {
  const preferred = p.replicas[0];
  if (preferred === undefined) return undefined;
  if (image.maintenance.has(p.leader)) {
    const other = leaderCandidate(image, p, p.isr, p.leader);
    return other !== undefined && !image.maintenance.has(other) ? other : undefined;
  }
  if (p.leader === preferred || image.maintenance.has(preferred)) return undefined;
  return p.isr.includes(preferred) && isLive(image, preferred) ? preferred : undefined;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => b[i] === id);
}
