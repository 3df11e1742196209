/** DeleteTopics (key 20): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const deleteTopics = `
api DeleteTopics key 20 versions 0-6 flexible 4+
request
  topics []DeleteTopicState v6+
    name string nullable
    topicId uuid
  topicNames []string v0-5
  timeoutMs int32
response
  throttleTimeMs int32 v1+
  responses []DeletableTopicResult
    name string nullable v6+
    topicId uuid v6+
    errorCode int16
    errorMessage string v5+ nullable
`;
