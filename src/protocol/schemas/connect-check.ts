/**
 * ConnectCheck (key 1002, Pado's private range; no Kafka reference definition): "who are you, and
 * can you reach that address?". With an empty host the node only answers its own id. Otherwise
 * it opens a connection to host:port from where it runs, asks the same question there, and
 * answers which node id it reached (-1 and a message when it could not). The controller uses it
 * (empty host) to verify a joining node's advertised address; `pado doctor` asks every node about
 * every other node's address, which checks each pair in both directions.
 */
export const connectCheck = `
api ConnectCheck key 1002 versions 0 flexible 0+
request
  host string
  port int32
  timeoutMs int32
response
  errorCode int16
  errorMessage string nullable
  nodeId int32 default -1
  reachedNodeId int32 default -1
`;
