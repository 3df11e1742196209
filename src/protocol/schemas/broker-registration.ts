/**
 * BrokerRegistration (key 62, KIP-631): a broker announces itself to the active controller once per
 * process start (its incarnation) and gets its broker epoch. Format: schemas/dsl.ts.
 */
export const brokerRegistration = `
api BrokerRegistration key 62 versions 0-4 flexible 0+
request
  brokerId int32
  clusterId string
  incarnationId uuid
  listeners []Listener
    name string
    host string
    port uint16
    securityProtocol int16
  features []Feature
    name string
    minSupportedVersion int16
    maxSupportedVersion int16
  rack string nullable
  isMigratingZkBroker bool v1+
  logDirs []uuid v2+
  previousBrokerEpoch int64 v3+ default -1
response
  throttleTimeMs int32
  errorCode int16
  brokerEpoch int64 default -1
`;
