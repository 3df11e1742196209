/**
 * protocol/: the Kafka wire codec. Reader/Writer primitives, generated message codecs (one file per
 * API, from schemas/), the API table, headers and frames, Kafka error codes, and ACL and SCRAM
 * codes.
 */
import { assert, PadoError, PadoErrorCode } from '../common/index.js';
import type { ApiInfo } from './api-info.js';
import {
  apiTable, ApiKey,
  decodeRequestHeaderV, decodeResponseHeaderV, encodeRequestHeaderV, encodeResponseHeaderV,
  sizeRequestHeaderV, sizeResponseHeaderV,
  type RequestHeader,
} from './generated/index.js';
import { Reader } from './reader.js';
import { Writer, type SizeTally } from './writer.js';

export * from './generated/index.js';
export type { ApiInfo } from './api-info.js';
export * from './errors.js';
export * from './security-codes.js';
export { Reader, zeroUuid } from './reader.js';
export {
  Writer, zeroCopyBytesMin, sizeUvarint, sizeVarint, sizeVarlong, type SizeTally,
} from './writer.js';

/** The API's table entry; an unknown key here is a bug (callers check `apiTable.has` first). */
function apiInfo(apiKey: number): ApiInfo {
  const info = apiTable.get(apiKey);
  assert(info !== undefined, `no schema for API key ${apiKey}`);
  return info;
}

function isFlexible(apiKey: number, version: number): boolean {
  const from = apiTable.get(apiKey)?.requestFlexibleFrom ?? null;
  return from !== null && version >= from;
}

/** Request header v2 for flexible request versions, else v1 (KIP-482). */
export function requestHeaderVersion(apiKey: number, version: number): number {
  return isFlexible(apiKey, version) ? 2 : 1;
}

/**
 * Response header v1 for flexible versions, else v0 — except ApiVersions, whose response header is
 * always v0 so that a client can read it before knowing which versions the broker speaks (KIP-511).
 */
export function responseHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === ApiKey.apiVersions) return 0;
  return isFlexible(apiKey, version) ? 1 : 0;
}

/**
 * Reads a request header; its version follows from the api key and version it starts with. An
 * unknown key is read as header v1 (the broker answers it with an error, it cannot parse the body).
 * Check `r.failed` afterwards.
 */
export function decodeRequestHeader(r: Reader): RequestHeader {
  if (r.remaining() < 4) {
    r.fail('frame too short for a request header');
    return decodeRequestHeaderV(r, 1);
  }
  const apiKey = r.buf.readInt16BE(r.offset);
  const version = r.buf.readInt16BE(r.offset + 2);
  return decodeRequestHeaderV(r, requestHeaderVersion(apiKey, version));
}

/** A frame's writer: 4-byte size written, header and body to follow, one allocation. */
function frameWriter(headerSize: number, bodySize: number, tally: SizeTally): Writer {
  const w = new Writer(4 + headerSize + bodySize, tally);
  w.int32(headerSize + bodySize);
  return w;
}

/** Broker side: size prefix + response header + body, large records as their own chunks. */
export function encodeResponseFrame(apiKey: number, version: number, correlationId: number,
  msg: unknown): Buffer[] {
  const info = apiInfo(apiKey);
  const hv = responseHeaderVersion(apiKey, version);
  const header = { correlationId };
  const tally: SizeTally = { external: 0 };
  const bodySize = info.sizeResponse(version, msg, tally);
  const w = frameWriter(sizeResponseHeaderV(hv, header), bodySize, tally);
  encodeResponseHeaderV(w, hv, header);
  info.encodeResponse(w, version, msg);
  return w.finish();
}

/** Client side: size prefix + request header + body. */
export function encodeRequestFrame(apiKey: number, version: number, correlationId: number,
  clientId: string | null, msg: unknown): Buffer[] {
  const info = apiInfo(apiKey);
  const hv = requestHeaderVersion(apiKey, version);
  const header: RequestHeader = {
    requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId,
  };
  const tally: SizeTally = { external: 0 };
  const bodySize = info.sizeRequest(version, msg, tally);
  const w = frameWriter(sizeRequestHeaderV(hv, header), bodySize, tally);
  encodeRequestHeaderV(w, hv, header);
  info.encodeRequest(w, version, msg);
  return w.finish();
}

/**
 * Client side: decodes a response frame without its 4-byte size prefix. Throws a PadoError
 * (PADO_PROTOCOL_DECODE) for a malformed frame — the one error a decode may raise.
 */
export function decodeResponseFrame(apiKey: number, version: number,
  frame: Buffer): { correlationId: number; body: unknown } {
  const info = apiInfo(apiKey);
  const r = new Reader(frame);
  const header = decodeResponseHeaderV(r, responseHeaderVersion(apiKey, version));
  const body = info.decodeResponse(r, version);
  r.expectEnd();
  if (r.failed) {
    throw new PadoError(PadoErrorCode.protocolDecode,
      `${info.name} v${version} response: ${r.error ?? 'malformed'}`);
  }
  return { correlationId: header.correlationId, body };
}
