/** OffsetFetch (key 9): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const offsetFetch = `
api OffsetFetch key 9 versions 0-9 flexible 6+
request
  groupId string v0-7
  topics []OffsetFetchRequestTopic v0-7 nullable v2-7
    name string v0-7
    partitionIndexes []int32 v0-7
  groups []OffsetFetchRequestGroup v8+
    groupId string
    memberId string v9+ nullable
    memberEpoch int32 v9+ default -1
    topics []OffsetFetchRequestTopics nullable
      name string
      partitionIndexes []int32
  requireStable bool v7+
response
  throttleTimeMs int32 v3+
  topics []OffsetFetchResponseTopic v0-7
    name string v0-7
    partitions []OffsetFetchResponsePartition v0-7
      partitionIndex int32 v0-7
      committedOffset int64 v0-7
      committedLeaderEpoch int32 v5-7 default -1
      metadata string v0-7 nullable
      errorCode int16 v0-7
  errorCode int16 v2-7
  groups []OffsetFetchResponseGroup v8+
    groupId string
    topics []OffsetFetchResponseTopics
      name string
      partitions []OffsetFetchResponsePartitions
        partitionIndex int32
        committedOffset int64
        committedLeaderEpoch int32 default -1
        metadata string nullable
        errorCode int16
    errorCode int16
`;
