/**
 * DescribeUserScramCredentials (key 50, KIP-554): the SCRAM mechanisms and iteration counts each
 * user has credentials for (never the salts or keys). Format: schemas/dsl.ts.
 */
export const describeUserScramCredentials = `
api DescribeUserScramCredentials key 50 versions 0 flexible 0+
request
  users []UserName nullable
    name string
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  results []DescribeUserScramCredentialsResult
    user string
    errorCode int16
    errorMessage string nullable
    credentialInfos []CredentialInfo
      mechanism int8
      iterations int32
`;
