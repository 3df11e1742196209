/** JoinGroup (key 11): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const joinGroup = `
api JoinGroup key 11 versions 0-9 flexible 6+
request
  groupId string
  sessionTimeoutMs int32
  rebalanceTimeoutMs int32 v1+ default -1
  memberId string
  groupInstanceId string v5+ nullable
  protocolType string
  protocols []JoinGroupRequestProtocol
    name string
    metadata bytes
  reason string v8+ nullable
response
  throttleTimeMs int32 v2+
  errorCode int16
  generationId int32 default -1
  protocolType string v7+ nullable
  protocolName string nullable v7+
  leader string
  skipAssignment bool v9+
  memberId string
  members []JoinGroupResponseMember
    memberId string
    groupInstanceId string v5+ nullable
    metadata bytes
`;
