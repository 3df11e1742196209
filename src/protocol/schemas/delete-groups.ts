/** DeleteGroups (key 42): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const deleteGroups = `
api DeleteGroups key 42 versions 0-2 flexible 2+
request
  groupsNames []string
response
  throttleTimeMs int32
  results []DeletableGroupResult
    groupId string
    errorCode int16
`;
