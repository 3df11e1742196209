/**
 * DescribeClusterEvents (key 1003, Pado's private range; no Kafka reference definition): the
 * cluster events the metadata holds (issue 16: `pado cluster events`, the console's feed) with an
 * id above `afterId`, oldest first, at most `maxEvents`. With `maxWaitMs` > 0 the answer waits
 * (long poll, capped by the broker) until there is one. Any node answers from its own metadata
 * image. `lastId` is the newest event's id (0: none yet), so a follower can tell "nothing new"
 * from "older events dropped out" (an `afterId` below the first returned id − 1). Severity: 0
 * info, 1 warn, 2 error. Authorized as DESCRIBE on the cluster.
 */
export const describeClusterEvents = `
api DescribeClusterEvents key 1003 versions 0 flexible 0+
request
  afterId int64
  maxEvents int32
  maxWaitMs int32
response
  errorCode int16
  errorMessage string nullable
  lastId int64
  events []ClusterEvent
    id int64
    timeMs int64
    kind string
    severity int8
    brokerId int32
    topic string nullable
    message string
`;
