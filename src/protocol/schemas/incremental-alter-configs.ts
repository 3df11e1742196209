/** IncrementalAlterConfigs (key 44): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const incrementalAlterConfigs = `
api IncrementalAlterConfigs key 44 versions 0-1 flexible 1+
request
  resources []AlterConfigsResource
    resourceType int8
    resourceName string
    configs []AlterableConfig
      name string
      configOperation int8
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
