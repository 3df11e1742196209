/**
 * ListPartitionReassignments (key 46): see the Kafka protocol guide (KIP-455). A null topic list
 * asks for every ongoing reassignment. Format: schemas/dsl.ts.
 */
export const listPartitionReassignments = `
api ListPartitionReassignments key 46 versions 0 flexible 0+
request
  timeoutMs int32 default 60000
  topics []ListPartitionReassignmentsTopics nullable
    name string
    partitionIndexes []int32
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  topics []OngoingTopicReassignment
    name string
    partitions []OngoingPartitionReassignment
      partitionIndex int32
      replicas []int32
      addingReplicas []int32
      removingReplicas []int32
`;
