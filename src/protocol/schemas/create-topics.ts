/** CreateTopics (key 19): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const createTopics = `
api CreateTopics key 19 versions 0-7 flexible 5+
request
  topics []CreatableTopic
    name string
    numPartitions int32
    replicationFactor int16
    assignments []CreatableReplicaAssignment
      partitionIndex int32
      brokerIds []int32
    configs []CreatableTopicConfig
      name string
      value string nullable
  timeoutMs int32 default 60000
  validateOnly bool v1+
response
  throttleTimeMs int32 v2+
  topics []CreatableTopicResult
    name string
    topicId uuid v7+
    errorCode int16
    errorMessage string v1+ nullable v0+
    topicConfigErrorCode int16 v5+ tag 0
    numPartitions int32 v5+ default -1
    replicationFactor int16 v5+ default -1
    configs []CreatableTopicConfigs v5+ nullable
      name string
      value string nullable
      readOnly bool
      configSource int8 default -1
      isSensitive bool
`;
