/** OffsetDelete (key 47): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const offsetDelete = `
api OffsetDelete key 47 versions 0 flexible none
request
  groupId string
  topics []OffsetDeleteRequestTopic
    name string
    partitions []OffsetDeleteRequestPartition
      partitionIndex int32
response
  errorCode int16
  throttleTimeMs int32
  topics []OffsetDeleteResponseTopic
    name string
    partitions []OffsetDeleteResponsePartition
      partitionIndex int32
      errorCode int16
`;
