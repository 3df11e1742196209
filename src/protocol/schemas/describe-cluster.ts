/** DescribeCluster (key 60): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const describeCluster = `
api DescribeCluster key 60 versions 0-1 flexible 0+
request
  includeClusterAuthorizedOperations bool
  endpointType int8 v1+ default 1
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
  endpointType int8 v1+ default 1
  clusterId string
  controllerId int32 default -1
  brokers []DescribeClusterBroker
    brokerId int32
    host string
    port int32
    rack string nullable
  clusterAuthorizedOperations int32 default -2147483648
`;
