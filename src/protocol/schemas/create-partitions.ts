/** CreatePartitions (key 37): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const createPartitions = `
api CreatePartitions key 37 versions 0-3 flexible 2+
request
  topics []CreatePartitionsTopic
    name string
    count int32
    assignments []CreatePartitionsAssignment nullable
      brokerIds []int32
  timeoutMs int32
  validateOnly bool
response
  throttleTimeMs int32
  results []CreatePartitionsTopicResult
    name string
    errorCode int16
    errorMessage string nullable
`;
