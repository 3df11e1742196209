/**
 * DescribeQuorum (key 55, KIP-595/KIP-836): the metadata Raft group's leader, epoch, high
 * watermark, voters and observers. Kafka's ReplicaState is a common struct; our format declares
 * it under both fields that use it (the generator emits one type). Format: schemas/dsl.ts.
 */
export const describeQuorum = `
api DescribeQuorum key 55 versions 0-2 flexible 0+
request
  topics []TopicData
    topicName string
    partitions []PartitionData
      partitionIndex int32
response
  errorCode int16
  errorMessage string v2+ nullable
  topics []TopicData
    topicName string
    partitions []PartitionData
      partitionIndex int32
      errorCode int16
      errorMessage string v2+ nullable
      leaderId int32
      leaderEpoch int32
      highWatermark int64
      currentVoters []ReplicaState
        replicaId int32
        replicaDirectoryId uuid v2+
        logEndOffset int64
        lastFetchTimestamp int64 v1+ default -1
        lastCaughtUpTimestamp int64 v1+ default -1
      observers []ReplicaState
        replicaId int32
        replicaDirectoryId uuid v2+
        logEndOffset int64
        lastFetchTimestamp int64 v1+ default -1
        lastCaughtUpTimestamp int64 v1+ default -1
  nodes []Node v2+
    nodeId int32
    listeners []Listener
      name string
      host string
      port uint16
`;
