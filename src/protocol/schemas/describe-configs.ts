/** DescribeConfigs (key 32): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const describeConfigs = `
api DescribeConfigs key 32 versions 0-4 flexible 4+
request
  resources []DescribeConfigsResource
    resourceType int8
    resourceName string
    configurationKeys []string nullable
  includeSynonyms bool v1+
  includeDocumentation bool v3+
response
  throttleTimeMs int32
  results []DescribeConfigsResult
    errorCode int16
    errorMessage string nullable
    resourceType int8
    resourceName string
    configs []DescribeConfigsResourceResult
      name string
      value string nullable
      readOnly bool
      isDefault bool v0
      configSource int8 v1+ default -1
      isSensitive bool
      synonyms []DescribeConfigsSynonym v1+
        name string
        value string nullable v0+
        source int8
      configType int8 v3+
      documentation string v3+ nullable v0+
`;
