/**
 * The handler contract: a decoded request in, a response out (or null: no response, as for
 * Produce with acks=0). Handlers never touch sockets. Each declares the versions it serves;
 * ApiVersions is built from this table (franz-go kfake regKey, redpanda handler.h).
 */
import type { Logger } from 'pino';
import type { ConnectionSession } from './session.js';

export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** The client's address as the socket saw it (DescribeGroups shows it per member). */
  readonly clientHost: string;
  readonly connectionId: number;
  readonly log: Logger;
  /** Aborted when the connection closes or the broker shuts down. */
  readonly signal: AbortSignal;
  /** Who the client is and how it authenticated (absent in tests that need neither). */
  readonly session?: ConnectionSession | undefined;
}

/**
 * A handler's answer that is no answer: the connection is closed instead, so the client goes to
 * another broker. Only for a broker that knows its view is stale (no lease from the controller):
 * a client that keeps asking it for metadata would otherwise never learn where leadership went.
 */
export const closeConnection: unique symbol = Symbol('closeConnection');
export type CloseConnection = typeof closeConnection;

export interface Handler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: Req):
    Res | null | CloseConnection | Promise<Res | null | CloseConnection>;
}

export type HandlerTable = ReadonlyMap<number, Handler>;

export function handlerTable(handlers: readonly Handler<never, unknown>[]): HandlerTable {
  const table = new Map<number, Handler>();
  for (const h of handlers) {
    if (table.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
    table.set(h.apiKey, h as Handler);
  }
  return table;
}
