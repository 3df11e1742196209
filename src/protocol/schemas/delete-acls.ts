/**
 * DeleteAcls (key 31; pattern types from v1, KIP-290): removes the access control entries that
 * match each filter and returns the ones it removed. Format: schemas/dsl.ts.
 */
export const deleteAcls = `
api DeleteAcls key 31 versions 0-3 flexible 2+
request
  filters []DeleteAclsFilter
    resourceTypeFilter int8
    resourceNameFilter string nullable
    patternTypeFilter int8 v1+ default 3
    principalFilter string nullable
    hostFilter string nullable
    operation int8
    permissionType int8
response
  throttleTimeMs int32
  filterResults []DeleteAclsFilterResult
    errorCode int16
    errorMessage string nullable
    matchingAcls []DeleteAclsMatchingAcl
      errorCode int16
      errorMessage string nullable
      resourceType int8
      resourceName string
      patternType int8 v1+ default 3
      principal string
      host string
      operation int8
      permissionType int8
`;
