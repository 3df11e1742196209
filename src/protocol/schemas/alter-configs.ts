/** AlterConfigs (key 33): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const alterConfigs = `
api AlterConfigs key 33 versions 0-2 flexible 2+
request
  resources []AlterConfigsResource
    resourceType int8
    resourceName string
    configs []AlterableConfig
      name string
      value string nullable
  validateOnly bool
response
  throttleTimeMs int32
  responses []AlterConfigsResourceResponse
    errorCode int16
    errorMessage string nullable
    resourceType int8
    resourceName string
`;
