/**
 * BrokerHeartbeat (key 63, KIP-631): a registered broker renews its session with the active
 * controller, reports how far it has applied the metadata log, and asks for controlled shutdown.
 * Format: schemas/dsl.ts.
 */
export const brokerHeartbeat = `
api BrokerHeartbeat key 63 versions 0-1 flexible 0+
request
  brokerId int32
  brokerEpoch int64 default -1
  currentMetadataOffset int64
  wantFence bool
  wantShutDown bool
  offlineLogDirs []uuid v1+ tag 0
response
  throttleTimeMs int32
  errorCode int16
  isCaughtUp bool
  isFenced bool default true
  shouldShutDown bool
`;
