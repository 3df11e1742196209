/**
 * MetadataRecordBatch (key 1100, Pado's private range ≥ 1000; no Kafka reference definition): the
 * metadata records that one Raft entry carries, and the records an image snapshot is written as
 * (src/metadata/codec.ts maps them to the `type`-tagged records of src/metadata/records.ts). Never
 * sent as a request: only the request side is used, the response is empty.
 *
 * The wire has no unions, so each record is a `type` byte plus the one tagged struct of that kind
 * (tag = type); the other kinds are absent and cost nothing. Meanings follow Kafka's KRaft records
 * (RegisterBrokerRecord, FenceBrokerRecord, PartitionRecord, PartitionChangeRecord, …; KIP-631).
 * In partitionChange, leader -2 and leaderRecoveryState -1 mean "unchanged", and a null isr or
 * replicas list means "unchanged". configType is Kafka's ConfigResource type: 2 topic, 4 broker.
 * SCRAM credentials (KIP-554) and ACLs (AccessControlEntryRecord, KIP-801) carry Kafka's codes
 * (protocol/security-codes.ts); a credential stores the derived keys, never the password. An
 * event (issue 16) is Pado's own: a kind name, a severity (0 info, 1 warn, 2 error) and a sentence.
 * A reassignment (KIP-455) is carried as Kafka's PartitionRecord/PartitionChangeRecord carry it:
 * addingReplicas and removingReplicas (tagged here, so entries written before them decode as no
 * reassignment; in partitionChange null means unchanged). brokerMaintenance (issue 16, Pado's
 * own) turns maintenance mode on or off for a broker id.
 * clusterId, recordCount and brokerEpochMax are set only in snapshots: the image's identity, its
 * position, and the highest broker epoch ever handed out (so epochs keep increasing after a
 * restart).
 */
export const metadataRecordBatch = `
api MetadataRecordBatch key 1100 versions 0 flexible 0+
request
  records []MetadataRecordData
    type int8
    registerBroker RegisterBrokerRecord tag 0
      brokerId int32
      incarnationId string
      host string
      port int32
      rack string nullable
      brokerEpoch int64
      endpoints []BrokerEndpoint tag 0
        name string
        host string
        port int32
        securityProtocol int16
    fenceBroker FenceBrokerRecord tag 1
      brokerId int32
      brokerEpoch int64
    unfenceBroker UnfenceBrokerRecord tag 2
      brokerId int32
      brokerEpoch int64
    unregisterBroker UnregisterBrokerRecord tag 3
      brokerId int32
      brokerEpoch int64
    topic TopicRecord tag 4
      name string
      topicId uuid
    removeTopic RemoveTopicRecord tag 5
      topicId uuid
    config ConfigRecord tag 6
      configType int8
      resourceName string
      name string
      value string nullable
    partition PartitionRecord tag 7
      topicId uuid
      partition int32
      replicas []int32
      isr []int32
      leader int32
      leaderEpoch int32
      partitionEpoch int32
      leaderRecoveryState int8
      addingReplicas []int32 tag 0
      removingReplicas []int32 tag 1
    partitionChange PartitionChangeRecord tag 8
      topicId uuid
      partition int32
      leader int32 default -2
      isr []int32 nullable
      replicas []int32 nullable
      leaderRecoveryState int8 default -1
      addingReplicas []int32 nullable tag 0
      removingReplicas []int32 nullable tag 1
    producerIds ProducerIdsRecord tag 9
      brokerId int32
      nextProducerId int64
    userScramCredential UserScramCredentialRecord tag 10
      name string
      mechanism int8
      salt bytes
      storedKey bytes
      serverKey bytes
      iterations int32
    removeUserScramCredential RemoveUserScramCredentialRecord tag 11
      name string
      mechanism int8
    accessControlEntry AccessControlEntryRecord tag 12
      id uuid
      resourceType int8
      resourceName string
      patternType int8
      principal string
      host string
      operation int8
      permissionType int8
    removeAccessControlEntry RemoveAccessControlEntryRecord tag 13
      id uuid
    event ClusterEventRecord tag 14
      id int64
      timeMs int64
      kind string
      severity int8
      brokerId int32
      topic string nullable
      message string
    brokerMaintenance BrokerMaintenanceRecord tag 15
      brokerId int32
      enabled bool
  clusterId string nullable tag 0
  recordCount int64 tag 1
  brokerEpochMax int64 tag 2
response
`;
