/** OffsetForLeaderEpoch (key 23): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const offsetForLeaderEpoch = `
api OffsetForLeaderEpoch key 23 versions 0-4 flexible 4+
request
  replicaId int32 v3+ default -2
  topics []OffsetForLeaderTopic
    topic string
    partitions []OffsetForLeaderPartition
      partition int32
      currentLeaderEpoch int32 v2+ default -1
      leaderEpoch int32
response
  throttleTimeMs int32 v2+
  topics []OffsetForLeaderTopicResult
    topic string
    partitions []EpochEndOffset
      errorCode int16
      partition int32
      leaderEpoch int32 v1+ default -1
      endOffset int64 default -1
`;
