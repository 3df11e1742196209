/** DescribeBrokerMaintenance (key 1011): see alter-broker-maintenance.ts. */
export const describeBrokerMaintenance = `
api DescribeBrokerMaintenance key 1011 versions 0 flexible 0+
request
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  brokers []BrokerInMaintenance
    brokerId int32
    leaderCount int32
    stuckLeaders int32
`;
