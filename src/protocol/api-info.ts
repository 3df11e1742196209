/** The shape of one API in the table: its versions and generated codec (STYLE.md §4). */
import type { Reader } from './reader.js';
import type { SizeTally, Writer } from './writer.js';

/**
 * Methods (not function properties) on purpose: method parameters are bivariant, so every typed
 * `ApiInfo<ProduceRequest, ProduceResponse>` also fits the untyped table `ApiInfo<unknown, unknown>`.
 */
export interface ApiInfo<Req = unknown, Res = unknown> {
  readonly key: number;
  /** Kafka's API name, e.g. 'Produce'. */
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible (compact, tagged) version; null when the API has none. */
  readonly requestFlexibleFrom: number | null;
  decodeRequest(r: Reader, version: number): Req;
  encodeRequest(w: Writer, version: number, msg: Req): void;
  sizeRequest(version: number, msg: Req, tally?: SizeTally): number;
  decodeResponse(r: Reader, version: number): Res;
  encodeResponse(w: Writer, version: number, msg: Res): void;
  sizeResponse(version: number, msg: Res, tally?: SizeTally): number;
}
