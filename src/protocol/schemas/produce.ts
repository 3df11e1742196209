/** Produce (key 0): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const produce = `
api Produce key 0 versions 0-11 flexible 9+
request
  transactionalId string v3+ nullable
  acks int16
  timeoutMs int32
  topicData []TopicProduceData
    name string
    partitionData []PartitionProduceData
      index int32
      records records nullable
response
  responses []TopicProduceResponse
    name string
    partitionResponses []PartitionProduceResponse
      index int32
      errorCode int16
      baseOffset int64
      logAppendTimeMs int64 v2+ default -1
      logStartOffset int64 v5+ default -1
      recordErrors []BatchIndexAndErrorMessage v8+
        batchIndex int32
        batchIndexErrorMessage string nullable
      errorMessage string v8+ nullable
      currentLeader LeaderIdAndEpoch v10+ tag 0
        leaderId int32 default -1
        leaderEpoch int32 default -1
  throttleTimeMs int32 v1+
  nodeEndpoints []NodeEndpoint v10+ tag 0
    nodeId int32
    host string
    port int32
    rack string nullable
`;
