/** RequestHeader: see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const requestHeader = `
header RequestHeader versions 0-2 flexible 2+
fields
  requestApiKey int16
  requestApiVersion int16
  correlationId int32
  clientId string v1+ nullable flexible none
`;
