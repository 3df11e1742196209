/** The cluster snapshot moved to client/ (the web console reads it too); its names stay here. */
export {
  fetchClusterSnapshot, fetchDamagedReplicas, missingBrokerIds, quorumLag, quorumUnavailable,
  type ClusterSnapshot, type DamagedReplica, type SnapshotBroker as BrokerAddress,
} from '../../client/index.js';
