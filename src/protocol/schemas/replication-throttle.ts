/**
 * ReplicationThrottle (key 1012, Pado's private range; no Kafka reference definition): reads or
 * sets the cluster-wide replication throttle that `pado cluster partitions move --throttle`
 * asks for. It is stored as Kafka's broker configs `leader.replication.throttled.rate` and
 * `follower.replication.throttled.rate` (cluster-wide, like Kafka's dynamic default broker
 * config) and limits, in bytes per second, what each broker fetches for the partitions it is
 * being added to by a reassignment (KIP-455's moving replicas). With `set`, `rateBytesPerSec`
 * > 0 sets it and ≤ 0 removes it (ALTER on the cluster); without, nothing changes (DESCRIBE on
 * the cluster). The answer carries the rate in force afterwards, -1 for none.
 */
export const replicationThrottle = `
api ReplicationThrottle key 1012 versions 0 flexible 0+
request
  set bool
  rateBytesPerSec int64
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  rateBytesPerSec int64
`;
