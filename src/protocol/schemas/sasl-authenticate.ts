/**
 * SaslAuthenticate (key 36, KIP-152; sessionLifetimeMs from v1 for re-authentication, KIP-368):
 * carries one SASL token each way, after a SaslHandshake v1 chose the mechanism.
 * Format: schemas/dsl.ts.
 */
export const saslAuthenticate = `
api SaslAuthenticate key 36 versions 0-2 flexible 2+
request
  authBytes bytes
response
  errorCode int16
  errorMessage string nullable
  authBytes bytes
  sessionLifetimeMs int64 v1+
`;
