/**
 * SaslHandshake (key 17, KIP-43; from v1 the tokens follow in SaslAuthenticate, KIP-152): the
 * client names its SASL mechanism, the broker answers with the ones it enables.
 * Format: schemas/dsl.ts.
 */
export const saslHandshake = `
api SaslHandshake key 17 versions 0-1 flexible none
request
  mechanism string
response
  errorCode int16
  mechanisms []string
`;
