/**
 * AllocateProducerIds (key 67, KIP-730): a broker asks the active controller for the next block of
 * producer ids, which it then hands to idempotent producers without asking again. Format:
 * schemas/dsl.ts.
 */
export const allocateProducerIds = `
api AllocateProducerIds key 67 versions 0 flexible 0+
request
  brokerId int32
  brokerEpoch int64 default -1
response
  throttleTimeMs int32
  errorCode int16
  producerIdStart int64
  producerIdLen int32
`;
