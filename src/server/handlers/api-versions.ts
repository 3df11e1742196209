/**
 * ApiVersions (key 18), v0–v4. Built from the handler table: every API we serve with the range
 * its handler declares. v3+ requests carry the client's software name and version (KIP-511);
 * we accept any. An unsupported request version is answered by the connection with
 * `unsupportedVersionResponse` (v0 body, UNSUPPORTED_VERSION) so the client retries lower.
 */
import { KafkaError, type ApiVersionsRequest, type ApiVersionsResponse } from '../../protocol/index.js';
import type { Handler, HandlerTable } from '../handler.js';

function apiKeys(table: HandlerTable): ApiVersionsResponse['apiKeys'] {
  return [...table.values()]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
}

function response(table: HandlerTable, errorCode: number): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: apiKeys(table),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

export function unsupportedVersionResponse(table: HandlerTable): ApiVersionsResponse {
  return response(table, KafkaError.unsupportedVersion.code);
}

/** The table is filled in after construction (it contains this handler too). */
export function apiVersionsHandler(table: () => HandlerTable): Handler<ApiVersionsRequest, ApiVersionsResponse> {
  let cached: ApiVersionsResponse | null = null;
  return {
    apiKey: 18,
    minVersion: 0,
    maxVersion: 4,
    handle() {
      cached ??= response(table(), 0);
      return cached;
    },
  };
}
