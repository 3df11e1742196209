/**
 * AlterBrokerMaintenance (key 1010) and DescribeBrokerMaintenance (key 1011), Pado's private range
 * (no Kafka reference definition; rpk's `cluster maintenance`, which Redpanda serves over its
 * admin HTTP API). Alter turns maintenance mode on or off for brokers: while on, the controller
 * moves every leadership off the broker and elects it nowhere (unless it is a partition's only
 * in-sync replica). The state is in the metadata, so it survives restarts and controller changes.
 * Describe lists the brokers in maintenance, with how many partitions each still leads and how
 * many it leads only because no other in-sync replica is live (`stuckLeaders`). Alter is ALTER on
 * the cluster, Describe is DESCRIBE on the cluster. Format: schemas/dsl.ts.
 */
export const alterBrokerMaintenance = `
api AlterBrokerMaintenance key 1010 versions 0 flexible 0+
request
  brokers []MaintenanceChange
    brokerId int32
    enabled bool
response
  throttleTimeMs int32
  results []MaintenanceResult
    brokerId int32
    errorCode int16
    errorMessage string nullable
`;
