/** SyncGroup (key 14): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const syncGroup = `
api SyncGroup key 14 versions 0-5 flexible 4+
request
  groupId string
  generationId int32
  memberId string
  groupInstanceId string v3+ nullable
  protocolType string v5+ nullable
  protocolName string v5+ nullable
  assignments []SyncGroupRequestAssignment
    memberId string
    assignment bytes
response
  throttleTimeMs int32 v1+
  errorCode int16
  protocolType string v5+ nullable
  protocolName string v5+ nullable
  assignment bytes
`;
