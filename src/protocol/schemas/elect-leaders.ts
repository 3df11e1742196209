/** ElectLeaders (key 43): see the Kafka protocol guide (KIP-460). Format: schemas/dsl.ts. */
export const electLeaders = `
api ElectLeaders key 43 versions 0-2 flexible 2+
request
  electionType int8 v1+
  topicPartitions []TopicPartitions nullable
    topic string
    partitions []int32
  timeoutMs int32 default 60000
response
  throttleTimeMs int32
  errorCode int16 v1+
  replicaElectionResults []ReplicaElectionResult
    topic string
    partitionResult []PartitionResult
      partitionId int32
      errorCode int16
      errorMessage string nullable
`;
