/**
 * Sends a leader's ISR change proposals to the controller as AlterPartition (KIP-497): to the
 * local controller duties when this node is the active controller, else over the network. A
 * refusal is fed back to the partition's LeaderReplica (which forgets it only if the partition
 * did not move on); an accepted change comes back as a new metadata image. A lost request or
 * answer needs nothing here: the LeaderReplica proposes it again after its timeout.
 */
import type { Logger } from 'pino';
import type { MetadataImage } from '../metadata/index.js';
import type { IsrChangeProposal } from '../partitions/index.js';
import type { PartitionControllerService } from '../server/index.js';
import type { PartitionReplica } from './partition-replica.js';

export interface IsrChangeSenderOptions {
  readonly nodeId: number;
  readonly brokerEpoch: () => number;
  readonly isController: () => boolean;
  readonly local: PartitionControllerService;
  readonly remote: PartitionControllerService;
  readonly image: () => MetadataImage;
  readonly nowMs: () => number;
  readonly log: Logger;
}

export function isrChangeSender(o: IsrChangeSenderOptions):
  (replica: PartitionReplica, proposal: IsrChangeProposal) => void {
  return (replica, proposal) => {
    void send(o, replica, proposal).catch((err: unknown) =>
      o.log.warn({ err, topic: replica.topic, partition: replica.partition }, 'AlterPartition failed'));
  };
}

/**
 * Why the ISR changes, for the log: our log end and each follower's fetch offset and time since it
 * last caught up (a follower leaves after replica.lag.time.max.ms without catching up).
 */
function followersReport(replica: PartitionReplica, nowMs: number): Record<string, unknown> {
  const leader = replica.leaderReplica;
  if (leader === undefined) return {};
  const followers: Record<string, { fetchOffset: number; caughtUpMsAgo: number }> = {};
  for (const id of leader.followerIds()) {
    const p = leader.followerProgress(id);
    if (p !== undefined) {
      followers[id] = { fetchOffset: p.fetchOffset, caughtUpMsAgo: nowMs - p.lastCaughtUpMs };
    }
  }
  return { logEndOffset: leader.logEndOffset, highWatermark: leader.highWatermark, followers };
}

async function send(o: IsrChangeSenderOptions, replica: PartitionReplica,
  proposal: IsrChangeProposal): Promise<void> {
  const topicId = o.image().topicsByName.get(replica.topic)?.topicId;
  if (topicId === undefined) return; // deleted meanwhile: the replica is being dropped
  const controller = o.isController() ? o.local : o.remote;
  const where = { topic: replica.topic, partition: replica.partition, newIsr: proposal.newIsr };
  o.log.info({ ...where, ...followersReport(replica, o.nowMs()) }, 'proposing an ISR change');
  const r = await controller.alterPartition({ brokerId: o.nodeId, brokerEpoch: o.brokerEpoch(),
    partitions: [{ topicId, topicName: '', partition: replica.partition,
      leaderEpoch: proposal.leaderEpoch, partitionEpoch: proposal.partitionEpoch,
      newIsr: proposal.newIsr, newIsrEpochs: null }] });
  // A top-level error (no controller, stale broker epoch): the proposal is resent on timeout.
  if (r.errorCode !== 0) {
    o.log.debug({ ...where, errorCode: r.errorCode }, 'AlterPartition not handled');
    return;
  }
  const outcome = r.partitions[0];
  if (outcome === undefined || outcome.errorCode === 0) return;
  o.log.info({ ...where, errorCode: outcome.errorCode }, 'ISR change refused');
  replica.isrChangeRejected(proposal, outcome.partitionEpoch, o.nowMs());
}
