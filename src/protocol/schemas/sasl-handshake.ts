/** SaslHandshake (key 17): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const saslHandshake = `
api SaslHandshake key 17 versions 0-1 flexible none
request
  mechanism string
response
  errorCode int16
  mechanisms []string
`;
