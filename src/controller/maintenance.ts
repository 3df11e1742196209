/**
 * Maintenance mode (issue 16; rpk's `cluster maintenance`, Redpanda's drain): before a reboot an
 * operator drains a broker of its leaderships. While a broker is in maintenance the controller
 * moves every leadership it holds to another live in-sync replica (in replica order, so the
 * preferred one when it can), never elects it while another candidate exists (elections.ts
 * `leaderCandidate`), and preferred-leader rebalancing leaves it out. A partition whose only
 * live in-sync replica is that broker keeps it as leader: taking it away would make the
 * partition offline, which maintenance must never do; `maintenanceStatus` counts such
 * partitions as stuck so the operator is told. Every move is a clean election from the ISR,
 * the same as a preferred-leader election, so nothing acknowledged can be lost.
 *
 * The state is a metadata record (BrokerMaintenanceRecord) keyed by broker id: it survives the
 * broker's restart and a controller failover. Disabling elects the preferred leaders of the
 * broker's partitions at once (the periodic preferred-leader election would, later).
 */
import { KafkaError } from '../protocol/index.js';
import {
  applyRecords, type MetadataImage, type MetadataRecord,
} from '../metadata/index.js';
import { electPreferredLeaders, leaderCandidate } from './elections.js';
import { ok, type Outcome } from './controller.js';

const fail = (error: { code: number }, message: string): Outcome =>
  ({ errorCode: error.code, errorMessage: message });

/** The records that turn maintenance on or off for `brokerId`, or why not. */
export function setMaintenance(image: MetadataImage, brokerId: number,
  enabled: boolean): { outcome: Outcome; records: MetadataRecord[] } {
  if (!Number.isInteger(brokerId) || brokerId < 0) {
    return { outcome: fail(KafkaError.invalidRequest, `broker id ${brokerId}`), records: [] };
  }
  if (enabled && !image.brokers.has(brokerId)) {
    return { outcome: fail(KafkaError.brokerIdNotRegistered,
      `broker ${brokerId} is not registered (pado cluster info lists the brokers)`), records: [] };
  }
  const set: MetadataRecord[] = image.maintenance.has(brokerId) === enabled ? []
    : [{ type: 'brokerMaintenance', brokerId, enabled }];
  const after = applyRecords(image, set);
  const moves = enabled ? drainLeaders(after, brokerId) : electPreferredLeaders(after, brokerId);
  return { outcome: ok, records: [...set, ...moves] };
}

/** partitionChanges moving every leadership of `brokerId` to another live ISR member. */
export function drainLeaders(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      if (p.leader !== brokerId) continue;
      const leader = leaderCandidate(image, p, p.isr, brokerId);
      if (leader === undefined || image.maintenance.has(leader)) continue;
      records.push({ type: 'partitionChange', topicId: topic.topicId, partition: p.partition,
        leader });
    }
  }
  return records;
}

export interface BrokerMaintenanceStatus {
  readonly brokerId: number;
  /** Partitions it still leads. */
  readonly leaderCount: number;
  /** Of those, the ones no other live in-sync replica could lead (they stay). */
  readonly stuckLeaders: number;
}

/** Every broker in maintenance, by id, with what it still leads. */
export function maintenanceStatus(image: MetadataImage): BrokerMaintenanceStatus[] {
  const out: BrokerMaintenanceStatus[] = [];
  for (const brokerId of [...image.maintenance].sort((a, b) => a - b)) {
    let leaderCount = 0;
    let stuckLeaders = 0;
    for (const topic of image.topicsById.values()) {
      for (const p of topic.partitions) {
        if (p.leader !== brokerId) continue;
        leaderCount++;
        const other = leaderCandidate(image, p, p.isr, brokerId);
        if (other === undefined || image.maintenance.has(other)) stuckLeaders++;
      }
    }
    out.push({ brokerId, leaderCount, stuckLeaders });
  }
  return out;
}
