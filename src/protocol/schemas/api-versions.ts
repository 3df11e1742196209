/** ApiVersions (key 18): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const apiVersions = `
api ApiVersions key 18 versions 0-4 flexible 3+
request
  clientSoftwareName string v3+
  clientSoftwareVersion string v3+
response
  errorCode int16
  apiKeys []ApiVersion
    apiKey int16
    minVersion int16
    maxVersion int16
  throttleTimeMs int32 v1+
  supportedFeatures []SupportedFeatureKey v3+ tag 0
    name string
    minVersion int16
    maxVersion int16
  finalizedFeaturesEpoch int64 v3+ tag 1 default -1
  finalizedFeatures []FinalizedFeatureKey v3+ tag 2
    name string
    maxVersionLevel int16
    minVersionLevel int16
  zkMigrationReady bool v3+ tag 3
`;
