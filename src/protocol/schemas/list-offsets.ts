/** ListOffsets (key 2): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const listOffsets = `
api ListOffsets key 2 versions 0-10 flexible 6+
request
  replicaId int32
  isolationLevel int8 v2+
  topics []ListOffsetsTopic
    name string
    partitions []ListOffsetsPartition
      partitionIndex int32
      currentLeaderEpoch int32 v4+ default -1
      timestamp int64
      maxNumOffsets int32 v0 default 1
  timeoutMs int32 v10+
response
  throttleTimeMs int32 v2+
  topics []ListOffsetsTopicResponse
    name string
    partitions []ListOffsetsPartitionResponse
      partitionIndex int32
      errorCode int16
      oldStyleOffsets []int64 v0
      timestamp int64 v1+ default -1
      offset int64 v1+ default -1
      leaderEpoch int32 v4+ default -1
`;
