/** LeaveGroup (key 13): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const leaveGroup = `
api LeaveGroup key 13 versions 0-5 flexible 4+
request
  groupId string
  memberId string v0-2
  members []MemberIdentity v3+
    memberId string
    groupInstanceId string nullable
    reason string v5+ nullable
response
  throttleTimeMs int32 v1+
  errorCode int16
  members []MemberResponse v3+
    memberId string
    groupInstanceId string nullable
    errorCode int16
`;
