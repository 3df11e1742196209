/**
 * AlterPartition (key 56), v0–v3 (KIP-497): a partition leader asks the active controller to
 * change the partition's ISR. Accepted only at the current leader epoch and partition epoch
 * (FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION otherwise); each partition's answer carries the
 * state the controller has after the request — the new one, or the current one on error — so a
 * refused leader learns what to retry from. Version notes: v0–v1 name topics, v2+ use topic ids;
 * v1+ leaderRecoveryState (KIP-704); v3+ newIsrWithEpochs (KIP-903: each ISR member's broker epoch,
 * so a member that restarted since the leader saw it is refused, INELIGIBLE_REPLICA).
 */
import { assert } from '../../common/index.js';
import type {
  AlterPartitionRequest, AlterPartitionRequestPartitionData, AlterPartitionResponse,
} from '../../protocol/index.js';
import type { AlterPartitionItem, PartitionControllerService } from '../controller-service.js';
import type { Handler } from '../handler.js';

export function alterPartitionHandler(
  controller: PartitionControllerService,
): Handler<AlterPartitionRequest, AlterPartitionResponse> {
  return {
    apiKey: 56,
    minVersion: 0,
    maxVersion: 3,
    async handle(ctx, req) {
      const byId = ctx.apiVersion >= 2;
      const partitions: AlterPartitionItem[] = [];
      for (const t of req.topics) {
        const topicId = byId ? t.topicId : '';
        const topicName = byId ? '' : t.topicName;
        for (const p of t.partitions) {
          partitions.push(itemOf(topicId, topicName, p, ctx.apiVersion));
        }
      }
      const r = await controller.alterPartition({
        brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, partitions,
      });
      if (r.errorCode !== 0) return { throttleTimeMs: 0, errorCode: r.errorCode, topics: [] };
      let i = 0;
      const topics = req.topics.map((t) => ({
        topicName: t.topicName,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          const o = r.partitions[i++];
          assert(o !== undefined, 'one AlterPartition outcome per partition');
          return { partitionIndex: p.partitionIndex, ...o, isr: [...o.isr] };
        }),
      }));
      return { throttleTimeMs: 0, errorCode: 0, topics };
    },
  };
}

function itemOf(topicId: string, topicName: string, p: AlterPartitionRequestPartitionData,
  version: number): AlterPartitionItem {
  const withEpochs = version >= 3;
  const item = {
    topicId, topicName, partition: p.partitionIndex, leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    newIsr: withEpochs ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr,
    newIsrEpochs: withEpochs ? p.newIsrWithEpochs.map((b) => b.brokerEpoch) : null,
  };
  return version >= 1 ? { ...item, leaderRecoveryState: p.leaderRecoveryState } : item;
}
