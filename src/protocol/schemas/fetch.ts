/** Fetch (key 1): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const fetch = `
api Fetch key 1 versions 0-17 flexible 12+
request
  clusterId string v12+ nullable tag 0
  replicaId int32 v0-14 default -1
  replicaState ReplicaState v15+ tag 1
    replicaId int32 default -1
    replicaEpoch int64 default -1
  maxWaitMs int32
  minBytes int32
  maxBytes int32 v3+ default 2147483647
  isolationLevel int8 v4+
  sessionId int32 v7+
  sessionEpoch int32 v7+ default -1
  topics []FetchTopic
    topic string v0-12
    topicId uuid v13+
    partitions []FetchPartition
      partition int32
      currentLeaderEpoch int32 v9+ default -1
      fetchOffset int64
      lastFetchedEpoch int32 v12+ default -1
      logStartOffset int64 v5+ default -1
      partitionMaxBytes int32
      replicaDirectoryId uuid v17+ tag 0
  forgottenTopicsData []ForgottenTopic v7+
    topic string v7-12
    topicId uuid v13+
    partitions []int32
  rackId string v11+
response
  throttleTimeMs int32 v1+
  errorCode int16 v7+
  sessionId int32 v7+
  responses []FetchableTopicResponse
    topic string v0-12
    topicId uuid v13+
    partitions []PartitionData
      partitionIndex int32
      errorCode int16
      highWatermark int64
      lastStableOffset int64 v4+ default -1
      logStartOffset int64 v5+ default -1
      divergingEpoch EpochEndOffset v12+ tag 0
        epoch int32 default -1
        endOffset int64 default -1
      currentLeader LeaderIdAndEpoch v12+ tag 1
        leaderId int32 default -1
        leaderEpoch int32 default -1
      snapshotId SnapshotId v12+ tag 2
        endOffset int64 default -1
        epoch int32 default -1
      abortedTransactions []AbortedTransaction v4+ nullable
        producerId int64
        firstOffset int64
      preferredReadReplica int32 v11+ default -1
      records records nullable
  nodeEndpoints []NodeEndpoint v16+ tag 0
    nodeId int32
    host string
    port int32
    rack string nullable
`;
