/**
 * What `pado cluster info`, `pado cluster health` and the web console read from one broker: Metadata (all topics,
 * live brokers), DescribeCluster (the controller; Metadata's controllerId where the broker lacks
 * it) and, when served, DescribeQuorum for the metadata Raft group. One snapshot, then pure code.
 */
import { ApiKey, type MetadataResponseTopic } from '../protocol/index.js';
import { checkBrokerError } from './broker-errors.js';
import { KafkaClient } from './client.js';
import { describeCluster, describeQuorum, type QuorumDescription } from './cluster-requests.js';
import type { ClientIo } from './connection.js';
import type { BrokerDiskState } from './disk-health.js';

export interface SnapshotBroker {
  brokerId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ClusterSnapshot {
  clusterId: string | null;
  /** -1 when no controller is active. */
  controllerId: number;
  /** Live brokers: Kafka's Metadata lists only registered, unfenced brokers. */
  brokers: SnapshotBroker[];
  topics: MetadataResponseTopic[];
  /** null: the broker does not serve DescribeQuorum. */
  quorum: QuorumDescription | null;
  /** Copies their own brokers report damaged (`fetchDamagedReplicas`); absent: not asked. */
  damagedReplicas?: DamagedReplica[];
  /** Brokers whose newest disk event says low or full (`fetchDiskStates`); absent: not asked. */
  diskStates?: BrokerDiskState[];
}

/** A broker's own copy of a partition that fails its checks or lacks a range (being repaired). */
export interface DamagedReplica {
  topic: string;
  partition: number;
  brokerId: number;
}

/** Each broker is given this long to answer; one that does not is skipped (it is down). */
const perBrokerTimeoutMs = 3_000;

/**
 * Asks every live broker which of its own copies are damaged. Only the broker itself knows (a
 * CRC failure it read, a gap it found at start, a repair under way), and it says so the way Kafka
 * does for a replica on a failed log directory: it lists itself among the partition's offline
 * replicas while being live. Brokers that do not answer are skipped.
 */
export async function fetchDamagedReplicas(
  io: ClientIo,
  brokers: readonly SnapshotBroker[],
): Promise<DamagedReplica[]> {
  const found = await Promise.all(brokers.map(async (b) => {
    let client: KafkaClient | undefined;
    try {
      client = await KafkaClient.connect({ host: b.host, port: b.port, clientId: 'pado-cli',
        connectTimeoutMs: perBrokerTimeoutMs, requestTimeoutMs: perBrokerTimeoutMs, io });
      const metadata = await client.metadata(null);
      return metadata.topics.flatMap((t) => t.partitions
        .filter((p) => p.offlineReplicas.includes(b.brokerId))
        .map((p) => ({ topic: t.name ?? '?', partition: p.partitionIndex, brokerId: b.brokerId })));
    } catch {
      return [];
    } finally {
      await client?.close();
    }
  }));
  return found.flat();
}

export const quorumUnavailable = 'quorum: not available from this broker';

export async function fetchClusterSnapshot(client: KafkaClient): Promise<ClusterSnapshot> {
  const metadata = await client.metadata(null);
  let clusterId = metadata.clusterId;
  let controllerId = metadata.controllerId;
  let brokers: SnapshotBroker[] = metadata.brokers.map((b) => ({
    brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack,
  }));
  if (client.supports(ApiKey.describeCluster)) {
    const described = await describeCluster(client);
    checkBrokerError(described.errorCode, {}, described.errorMessage);
    ({ clusterId, controllerId } = described);
    brokers = described.brokers.map((b) => ({ ...b }));
  }
  const sorted = brokers.sort((a, b) => a.brokerId - b.brokerId);
  return {
    clusterId,
    controllerId,
    brokers: sorted,
    topics: metadata.topics,
    quorum: await quorumFromLeader(client, sorted),
  };
}

/**
 * Only the quorum leader knows how far each voter is; a follower knows only its own log end and
 * answers -1 for the others, the leader included. So when the leader's own entry is unknown, ask
 * the leader itself (falling back to the first answer).
 */
async function quorumFromLeader(
  client: KafkaClient,
  brokers: readonly SnapshotBroker[],
): Promise<QuorumDescription | null> {
  const first = await describeQuorum(client);
  const leaderEntry = first?.voters.find((v) => v.replicaId === first.leaderId);
  if (first === null || first.leaderId < 0 || (leaderEntry?.logEndOffset ?? -1) >= 0) return first;
  const leader = brokers.find((b) => b.brokerId === first.leaderId);
  if (leader === undefined) return first;
  let other: KafkaClient | undefined;
  try {
    other = await KafkaClient.connect({ host: leader.host, port: leader.port, clientId: 'pado-cli',
      io: client.io });
    return (await describeQuorum(other)) ?? first;
  } catch {
    return first;
  } finally {
    await other?.close();
  }
}

/** Ids named as partition replicas or quorum members but absent from the live broker list. */
export function missingBrokerIds(snapshot: ClusterSnapshot): number[] {
  const live = new Set(snapshot.brokers.map((b) => b.brokerId));
  const named = new Set<number>();
  for (const topic of snapshot.topics) {
    for (const p of topic.partitions) for (const id of p.replicaNodes) named.add(id);
  }
  for (const r of snapshot.quorum?.voters ?? []) named.add(r.replicaId);
  return [...named].filter((id) => id >= 0 && !live.has(id)).sort((a, b) => a - b);
}

/** Offsets a quorum member is behind the leader's log end; null when either end is unknown. */
export function quorumLag(quorum: QuorumDescription, logEndOffset: number): number | null {
  const leader = quorum.voters.find((v) => v.replicaId === quorum.leaderId);
  const leaderEnd = leader?.logEndOffset ?? -1;
  if (leaderEnd < 0 || logEndOffset < 0) return null;
  return Math.max(0, leaderEnd - logEndOffset);
}
