/** Metadata (key 3): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const metadata = `
api Metadata key 3 versions 0-12 flexible 9+
request
  topics []MetadataRequestTopic nullable v1+
    topicId uuid v10+
    name string nullable v10+
  allowAutoTopicCreation bool v4+ default true
  includeClusterAuthorizedOperations bool v8-10
  includeTopicAuthorizedOperations bool v8+
response
  throttleTimeMs int32 v3+
  brokers []MetadataResponseBroker
    nodeId int32
    host string
    port int32
    rack string v1+ nullable
  clusterId string v2+ nullable
  controllerId int32 v1+ default -1
  topics []MetadataResponseTopic
    errorCode int16
    name string nullable v12+
    topicId uuid v10+
    isInternal bool v1+
    partitions []MetadataResponsePartition
      errorCode int16
      partitionIndex int32
      leaderId int32
      leaderEpoch int32 v7+ default -1
      replicaNodes []int32
      isrNodes []int32
      offlineReplicas []int32 v5+
    topicAuthorizedOperations int32 v8+ default -2147483648
  clusterAuthorizedOperations int32 v8-10 default -2147483648
`;
