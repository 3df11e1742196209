/**
 * AlterPartitionReassignments (key 45): see the Kafka protocol guide (KIP-455). A null replica
 * list cancels the partition's pending reassignment. Format: schemas/dsl.ts.
 */
export const alterPartitionReassignments = `
api AlterPartitionReassignments key 45 versions 0 flexible 0+
request
  timeoutMs int32 default 60000
  topics []ReassignableTopic
    name string
    partitions []ReassignablePartition
      partitionIndex int32
      replicas []int32 nullable
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  responses []ReassignableTopicResponse
    name string
    partitions []ReassignablePartitionResponse
      partitionIndex int32
      errorCode int16
      errorMessage string nullable
`;
