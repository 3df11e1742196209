/** The pieces every authorization rule is made of (authorization-rules.ts, -admin.ts). */
import { KafkaError } from '../protocol/index.js';
import { clusterResourceName } from '../security/index.js';
import type { Handler, RequestContext } from './handler.js';
import type { Access } from './authorization.js';

export type Rule = (inner: Handler, access: Access) => Handler;
export type Next = (req: unknown) => Promise<unknown>;

export const topicDenied = KafkaError.topicAuthorizationFailed.code;
export const groupDenied = KafkaError.groupAuthorizationFailed.code;
export const clusterDenied = KafkaError.clusterAuthorizationFailed.code;
export const deniedMessage = 'not authorized: an ACL must allow this principal (pado acl add)';
export const cluster = clusterResourceName;

/** A rule from a function of the request and the rest of the chain. */
export function rule<Req>(check: (ctx: RequestContext, req: Req, next: Next, a: Access) =>
  unknown): Rule {
  return (inner, access) => ({
    apiKey: inner.apiKey, minVersion: inner.minVersion, maxVersion: inner.maxVersion,
    handle(ctx, req) {
      const next: Next = async (r) => inner.handle(ctx, r);
      return check(ctx, req as Req, next, access) as ReturnType<Handler['handle']>;
    },
  });
}

