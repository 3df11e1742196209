/** ListGroups (key 16): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const listGroups = `
api ListGroups key 16 versions 0-5 flexible 3+
request
  statesFilter []string v4+
  typesFilter []string v5+
response
  throttleTimeMs int32 v1+
  errorCode int16
  groups []ListedGroup
    groupId string
    protocolType string
    groupState string v4+
    groupType string v5+
`;
