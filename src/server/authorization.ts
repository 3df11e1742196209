/**
 * ACLs enforced on every API a client listener serves (issue 15), as Kafka's KafkaApis checks
 * them: each API names the resources and operations it needs (authorization-rules.ts); what a
 * principal may not touch gets Kafka's error code where the response has a place for one —
 * TOPIC_AUTHORIZATION_FAILED per topic, GROUP_AUTHORIZATION_FAILED for a group,
 * CLUSTER_AUTHORIZATION_FAILED for the cluster — and the rest of the request is served. A
 * Metadata request listing every topic sees only the topics it may describe. An API without a
 * rule is refused (the connection closes): a new API is closed until someone decides its rule.
 * Every refusal is logged at warn (rate-limited) with the principal, operation and resource.
 *
 * The inter-broker listener is not checked: an authorizer requires it to be SSL, so everyone on
 * it holds a certificate from the cluster's CA, and is a node (config/load.ts says so).
 */
import type { Logger } from 'pino';
import type { Clock } from '../common/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { AclOperation, AclResourceType, ApiKey } from '../protocol/index.js';
import {
  aclOperationName, aclResourceTypeName, anonymousPrincipal, authorize, clusterResourceName,
  formatPrincipal, type AuthorizerOptions,
} from '../security/index.js';
import { closeConnection, type Handler, type HandlerTable, type RequestContext } from './handler.js';
import { authorizationRules } from './authorization-rules.js';
import { WarnLimiter, peerWarnIntervalMs } from './warn-limiter.js';

export interface Access {
  /** May the connection's principal do `operation` on the resource? A refusal is logged. */
  allowed(ctx: RequestContext, type: AclResourceType, name: string, operation: AclOperation):
    boolean;
  /** Without logging (a Metadata listing drops what it may not show, quietly). */
  permits(ctx: RequestContext, type: AclResourceType, name: string, operation: AclOperation):
    boolean;
  /** Topic name of a topic id (Fetch v13+), if the image knows it. */
  topicName(topicId: string): string | undefined;
  /** Some ACL lets the principal do `operation` on some resource of the type (KIP-679). */
  anyAllowed(ctx: RequestContext, type: AclResourceType, operation: AclOperation): boolean;
}

export function accessControl(image: () => MetadataImage, options: AuthorizerOptions,
  log: Logger, clock: Clock): Access {
  // An audit trail wants every refusal, a flood none: 100 lines per 10 s, then a count.
  const limiter = new WarnLimiter({ burst: 100, intervalMs: peerWarnIntervalMs,
    nowMs: () => clock.now() });
  const decide = (ctx: RequestContext, resourceType: AclResourceType, resourceName: string,
    operation: AclOperation) => authorize(image().acls, {
    principal: ctx.session?.principal ?? anonymousPrincipal,
    host: ctx.clientHost.replace(/^\//, ''), resourceType, resourceName, operation,
  }, options);
  return {
    permits: (ctx, type, name, operation) => decide(ctx, type, name, operation).allowed,
    allowed(ctx, type, name, operation) {
      const decision = decide(ctx, type, name, operation);
      if (decision.allowed) return true;
      const suppressed = limiter.take();
      if (suppressed !== undefined) {
        log.warn({ principal: formatPrincipal(ctx.session?.principal ?? anonymousPrincipal),
          operation: aclOperationName(operation), resourceType: aclResourceTypeName(type),
          resource: name, reason: decision.reason, host: ctx.clientHost, suppressed },
        'authorization refused');
      }
      return false;
    },
    topicName: (topicId) => image().topicsById.get(topicId)?.name,
    anyAllowed(ctx, type, operation) {
      for (const acl of image().acls.values()) {
        if (acl.resourceType !== type || acl.permissionType !== 3) continue;
        if (decide(ctx, type, acl.resourceName, operation).allowed) return true;
      }
      return options.superUsers.has(formatPrincipal(ctx.session?.principal ?? anonymousPrincipal));
    },
  };
}

/** Served to anyone: what a client needs before it can prove who it is. */
const open: ReadonlySet<number> = new Set([ApiKey.apiVersions, ApiKey.saslHandshake,
  ApiKey.saslAuthenticate]);

/** `table` with every API checked; an API without a rule closes the connection. */
export function withAuthorization(table: HandlerTable, access: Access,
  onUnruled: (apiKey: number) => void): HandlerTable {
  const out = new Map<number, Handler>();
  for (const [apiKey, h] of table) {
    const rule = authorizationRules.get(apiKey);
    if (open.has(apiKey)) out.set(apiKey, h);
    else if (rule !== undefined) out.set(apiKey, rule(h, access));
    else {
      out.set(apiKey, { apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion,
        handle() {
          onUnruled(apiKey);
          return closeConnection;
        } });
    }
  }
  return out;
}
