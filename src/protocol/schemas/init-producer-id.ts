/** InitProducerId (key 22): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const initProducerId = `
api InitProducerId key 22 versions 0-5 flexible 2+
request
  transactionalId string nullable
  transactionTimeoutMs int32
  producerId int64 v3+ default -1
  producerEpoch int16 v3+ default -1
response
  throttleTimeMs int32
  errorCode int16
  producerId int64 default -1
  producerEpoch int16
`;
