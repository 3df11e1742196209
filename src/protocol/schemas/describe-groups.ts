/** DescribeGroups (key 15): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const describeGroups = `
api DescribeGroups key 15 versions 0-5 flexible 5+
request
  groups []string
  includeAuthorizedOperations bool v3+
response
  throttleTimeMs int32 v1+
  groups []DescribedGroup
    errorCode int16
    groupId string
    groupState string
    protocolType string
    protocolData string
    members []DescribedGroupMember
      memberId string
      groupInstanceId string v4+ nullable
      clientId string
      clientHost string
      memberMetadata bytes
      memberAssignment bytes
    authorizedOperations int32 v3+ default -2147483648
`;
