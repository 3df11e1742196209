/** DeleteRecords (key 21): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const deleteRecords = `
api DeleteRecords key 21 versions 0-2 flexible 2+
request
  topics []DeleteRecordsTopic
    name string
    partitions []DeleteRecordsPartition
      partitionIndex int32
      offset int64
  timeoutMs int32
response
  throttleTimeMs int32
  topics []DeleteRecordsTopicResult
    name string
    partitions []DeleteRecordsPartitionResult
      partitionIndex int32
      lowWatermark int64
      errorCode int16
`;
