/**
 * What one node must do when the image changes (DESIGN.md: "a node's partition manager diffs old
 * vs new image to become leader/follower/stopped"). Topics untouched by the change are the same
 * objects in both images and are skipped without looking at their partitions.
 */
import type { MetadataImage, PartitionImage, TopicImage } from './image.js';

export interface PartitionRef {
  readonly topicId: string;
  readonly topicName: string;
  readonly partition: number;
}

export interface LeaderChange extends PartitionRef {
  readonly leaderEpoch: number;
}

export interface FollowerChange extends PartitionRef {
  readonly leader: number;
  readonly leaderEpoch: number;
}

export interface ImageDiff {
  /** Partitions the node leads in `next` and did not lead in `prev`, or leads at a new epoch. */
  readonly becameLeader: readonly LeaderChange[];
  /** Partitions of topics still present that the node led in `prev` and does not lead now. */
  readonly stoppedLeading: readonly PartitionRef[];
  /**
   * Partitions the node replicates without leading whose leader or leader epoch changed, or that
   * it was just added to as a replica (it starts following).
   */
  readonly followerChanges: readonly FollowerChange[];
  /** Partitions the node was a replica of and no longer is (reassigned away). */
  readonly removedReplicas: readonly PartitionRef[];
  /** Topics in `prev` whose id is gone from `next`: their partitions are to be deleted. */
  readonly deletedTopics: readonly { readonly topicId: string; readonly name: string }[];
}

export function imageDiff(prev: MetadataImage, next: MetadataImage, nodeId: number): ImageDiff {
  const diff = {
    becameLeader: [] as LeaderChange[],
    stoppedLeading: [] as PartitionRef[],
    followerChanges: [] as FollowerChange[],
    removedReplicas: [] as PartitionRef[],
    deletedTopics: [] as { topicId: string; name: string }[],
  };
  if (prev === next) return diff;
  for (const [topicId, topic] of prev.topicsById) {
    if (!next.topicsById.has(topicId)) diff.deletedTopics.push({ topicId, name: topic.name });
  }
  for (const [topicId, topic] of next.topicsById) {
    const before = prev.topicsById.get(topicId);
    if (before === topic) continue;
    diffTopic(before, topic, nodeId, diff);
  }
  return diff;
}

function diffTopic(before: TopicImage | undefined, topic: TopicImage, nodeId: number,
  diff: { becameLeader: LeaderChange[]; stoppedLeading: PartitionRef[];
    followerChanges: FollowerChange[]; removedReplicas: PartitionRef[] }): void {
  for (const p of topic.partitions) {
    const old: PartitionImage | undefined = before?.partitions[p.partition];
    if (old === p) continue;
    const ref = { topicId: topic.topicId, topicName: topic.name, partition: p.partition };
    const ledBefore = old !== undefined && old.leader === nodeId;
    const leadsNow = p.leader === nodeId;
    const epochMoved = old === undefined || old.leaderEpoch !== p.leaderEpoch;
    if (leadsNow && (!ledBefore || epochMoved)) {
      diff.becameLeader.push({ ...ref, leaderEpoch: p.leaderEpoch });
    }
    if (ledBefore && !leadsNow) diff.stoppedLeading.push(ref);
    const replicaNow = p.replicas.includes(nodeId);
    const replicaBefore = old !== undefined && old.replicas.includes(nodeId);
    if (replicaNow && !leadsNow && (epochMoved || old.leader !== p.leader || !replicaBefore)) {
      diff.followerChanges.push({ ...ref, leader: p.leader, leaderEpoch: p.leaderEpoch });
    }
    if (replicaBefore && !replicaNow) diff.removedReplicas.push(ref);
  }
}
