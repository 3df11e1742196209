/**
 * AlterPartition (key 56, KIP-497; topic ids from v2, KIP-841 broker epochs in the ISR from v3): a
 * partition leader asks the active controller to change the ISR. Format: schemas/dsl.ts.
 */
export const alterPartition = `
api AlterPartition key 56 versions 0-3 flexible 0+
request
  brokerId int32
  brokerEpoch int64 default -1
  topics []TopicData
    topicName string v0-1
    topicId uuid v2+
    partitions []PartitionData
      partitionIndex int32
      leaderEpoch int32
      newIsr []int32 v0-2
      newIsrWithEpochs []BrokerState v3+
        brokerId int32
        brokerEpoch int64 default -1
      leaderRecoveryState int8 v1+
      partitionEpoch int32
response
  throttleTimeMs int32
  errorCode int16
  topics []TopicData
    topicName string v0-1
    topicId uuid v2+
    partitions []PartitionData
      partitionIndex int32
      errorCode int16
      leaderId int32
      leaderEpoch int32
      isr []int32
      leaderRecoveryState int8 v1+
      partitionEpoch int32
`;
