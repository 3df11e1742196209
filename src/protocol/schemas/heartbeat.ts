/** Heartbeat (key 12): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const heartbeat = `
api Heartbeat key 12 versions 0-4 flexible 4+
request
  groupId string
  generationId int32
  memberId string
  groupInstanceId string v3+ nullable
response
  throttleTimeMs int32 v1+
  errorCode int16
`;
