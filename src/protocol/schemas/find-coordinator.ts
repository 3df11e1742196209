/** FindCoordinator (key 10): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const findCoordinator = `
api FindCoordinator key 10 versions 0-6 flexible 3+
request
  key string v0-3
  keyType int8 v1+
  coordinatorKeys []string v4+
response
  throttleTimeMs int32 v1+
  errorCode int16 v0-3
  errorMessage string v1-3 nullable
  nodeId int32 v0-3
  host string v0-3
  port int32 v0-3
  coordinators []Coordinator v4+
    key string
    nodeId int32
    host string
    port int32
    errorCode int16
    errorMessage string nullable
`;
