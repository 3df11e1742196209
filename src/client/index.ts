export { KafkaClient, clientApiVersions, pickVersion, type ClientOptions } from './client.js';
export {
  Connection, clientInFlightMax, type ClientIo, type ConnectionOptions,
} from './connection.js';
export {
  ResourceType, ConfigOperation, OffsetSpec,
  type ConfigResource, type AlterConfigOp, type NewTopic, type FetchPartition, type FetchOptions,
  type OffsetQuery, type PartitionBatch,
} from './requests.js';
export { murmur2, toPositive, partitionForKey, Partitioner } from './partitioner.js';
export { decodeFetchedRecords, type FetchedRecords } from './fetched.js';
export {
  encodeSubscription, decodeSubscription, encodeAssignment, decodeAssignment,
  consumerProtocolVersionMax,
  type TopicPartitions, type ConsumerSubscription, type ConsumerAssignment,
  type SubscriptionInput, type AssignmentInput,
} from './consumer-protocol.js';
export { rangeAssign, rangeAssignorName, type AssignorMember } from './range-assignor.js';
export {
  findGroupCoordinator, joinGroup, syncGroup, heartbeat, leaveGroup, commitOffsets, fetchOffsets,
  listGroups, describeGroups, deleteGroups, offsetDelete, consumerProtocolType, noGeneration,
  type PartitionOffset, type Coordinator, type CommitMember, type JoinGroupInput,
  type SyncGroupInput,
} from './group-requests.js';
export {
  GroupMember, joinAttemptsMax, describeCode,
  type GroupMemberOptions, type GroupAssignment,
} from './group-member.js';
export {
  describeCluster, describeQuorum, canDescribeQuorum, describeQuorumApiKey, clusterMetadataTopic,
  describeClusterEvents, type QuorumReplica, type QuorumDescription, type ClusterEventView,
  type ClusterEventsAnswer,
} from './cluster-requests.js';
export {
  ClusterClient, connectAny, noLeader, shortReason, type BrokerAddress, type ConnectBroker,
} from './cluster.js';
export {
  ProducerCore, sequenceAfter, verdictOf, retryBackoffMs,
  type ProducerCoreOptions, type QueuedBatch, type SendOutcome, type ProduceFailure,
  type Decision, type PartitionAcks, type Verdict,
} from './producer-core.js';
export {
  Producer, ProduceError, producerDefaults, describeFailure, type ProducerOptions,
  type ProduceRetry,
} from './producer.js';
export {
  TopicReader, leaderWaitMsDefault,
  type TopicReaderOptions, type PartitionPosition, type OffsetAnswer,
} from './topic-reader.js';
export { saslLogin, type ClientSecurity, type SaslCredentials } from './security.js';
export {
  checkBrokerError, describeBrokerError, type ErrorContext,
} from './broker-errors.js';
export {
  fetchClusterSnapshot, fetchDamagedReplicas, missingBrokerIds, quorumLag, quorumUnavailable,
  type ClusterSnapshot, type DamagedReplica, type SnapshotBroker,
} from './cluster-snapshot.js';
export {
  evaluateHealth, fetchMinInsyncReplicas, healthProblemKinds, partitionProblem, quorumLagRecordsMax,
  fetchHealth, internalTopicProblems, internalTopicReplicationFactor,
  quorumProblems, type HealthProblem, type HealthProblemKind, type HealthReport,
  type MinInsyncReplicas,
} from './cluster-health.js';
export {
  checkGroupError, commitGroupOffsets, committedOffsets, describeGroupAt, describeOne,
  latestOffsets, offsetsAt, topicPartitions,
  type DescribedGroup, type GroupDescription, type MemberRow, type OffsetRow,
} from './group-admin.js';
export {
  diskProblems, fetchDiskStates, latestDiskStates, type BrokerDiskState,
} from './disk-health.js';
export { describeLogDirs, type LogDirsQuery } from './log-dirs.js';
export {
  alterPartitionReassignments, listPartitionReassignments, electPreferredLeaders,
  alterBrokerMaintenance, describeBrokerMaintenance, replicationThrottle,
  type PartitionMove, type PartitionAnswer, type OngoingMove, type BrokerAnswer,
  type MaintenanceState,
} from './reassignment-requests.js';
