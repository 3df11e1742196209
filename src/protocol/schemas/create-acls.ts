/**
 * CreateAcls (key 30; pattern types from v1, KIP-290): adds access control entries, each a
 * resource pattern plus principal, host, operation and permission. Format: schemas/dsl.ts.
 */
export const createAcls = `
api CreateAcls key 30 versions 0-3 flexible 2+
request
  creations []AclCreation
    resourceType int8
    resourceName string
    resourcePatternType int8 v1+ default 3
    principal string
    host string
    operation int8
    permissionType int8
response
  throttleTimeMs int32
  results []AclCreationResult
    errorCode int16
    errorMessage string nullable
`;
