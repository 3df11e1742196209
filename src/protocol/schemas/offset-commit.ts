/** OffsetCommit (key 8): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const offsetCommit = `
api OffsetCommit key 8 versions 0-9 flexible 8+
request
  groupId string
  generationIdOrMemberEpoch int32 v1+ default -1
  memberId string v1+
  groupInstanceId string v7+ nullable
  retentionTimeMs int64 v2-4 default -1
  topics []OffsetCommitRequestTopic
    name string
    partitions []OffsetCommitRequestPartition
      partitionIndex int32
      committedOffset int64
      committedLeaderEpoch int32 v6+ default -1
      commitTimestamp int64 v1 default -1
      committedMetadata string nullable
response
  throttleTimeMs int32 v3+
  topics []OffsetCommitResponseTopic
    name string
    partitions []OffsetCommitResponsePartition
      partitionIndex int32
      errorCode int16
`;
