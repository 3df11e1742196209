/**
 * AlterUserScramCredentials (key 51, KIP-554): deletes and upserts users' SCRAM credentials; the
 * client sends the salted password, the controller derives the stored and server keys.
 * Format: schemas/dsl.ts.
 */
export const alterUserScramCredentials = `
api AlterUserScramCredentials key 51 versions 0 flexible 0+
request
  deletions []ScramCredentialDeletion
    name string
    mechanism int8
  upsertions []ScramCredentialUpsertion
    name string
    mechanism int8
    iterations int32
    salt bytes
    saltedPassword bytes
response
  throttleTimeMs int32
  results []AlterUserScramCredentialsResult
    user string
    errorCode int16
    errorMessage string nullable
`;
