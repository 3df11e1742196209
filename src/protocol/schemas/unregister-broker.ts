/**
 * UnregisterBroker (key 64, KIP-631): removes a broker's registration (decommissioning).
 * Format: schemas/dsl.ts.
 */
export const unregisterBroker = `
api UnregisterBroker key 64 versions 0 flexible 0+
request
  brokerId int32
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
`;
