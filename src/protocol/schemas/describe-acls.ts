/**
 * DescribeAcls (key 29; pattern types from v1, KIP-290): lists the access control entries that
 * match one filter, grouped by resource pattern. Format: schemas/dsl.ts.
 */
export const describeAcls = `
api DescribeAcls key 29 versions 0-3 flexible 2+
request
  resourceTypeFilter int8
  resourceNameFilter string nullable
  patternTypeFilter int8 v1+ default 3
  principalFilter string nullable
  hostFilter string nullable
  operation int8
  permissionType int8
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  resources []DescribeAclsResource
    resourceType int8
    resourceName string
    patternType int8 v1+ default 3
    acls []AclDescription
      principal string
      host string
      operation int8
      permissionType int8
`;
