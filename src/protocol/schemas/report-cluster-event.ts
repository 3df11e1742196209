/**
 * ReportClusterEvent (key 1004, Pado's private range; no Kafka reference definition): a broker
 * tells the active controller what it found on its own machine (issue 16: disk low or full,
 * corrupt data), for the controller to record as a cluster event. Peer-only (the inter-broker
 * listener): the broker must be registered at `brokerEpoch`; the controller accepts only the
 * kinds a broker reports, at a bounded rate per broker. Severity: 0 info, 1 warn, 2 error.
 */
export const reportClusterEvent = `
api ReportClusterEvent key 1004 versions 0 flexible 0+
request
  brokerId int32
  brokerEpoch int64
  kind string
  severity int8
  topic string nullable
  message string
response
  errorCode int16
  errorMessage string nullable
`;
