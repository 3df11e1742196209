/** ResponseHeader: see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const responseHeader = `
header ResponseHeader versions 0-1 flexible 1+
fields
  correlationId int32
`;
