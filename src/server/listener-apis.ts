/**
 * What a listener serves (issue 15). The inter-broker listener serves every API. A client
 * listener (any other) does not serve the APIs only nodes use to run the cluster: Raft, broker
 * registration and heartbeats, ISR changes, producer-id blocks, the join check, and a follower's
 * Fetch or OffsetForLeaderEpoch (a replica id ≥ 0). They are not listed in its ApiVersions, and a
 * client that sends one anyway has its connection closed, with a log line. So a client of the
 * SASL_SSL listener cannot reach Raft or replication even with valid credentials; the admin APIs
 * the CLI uses (AddRaftVoter, RemoveRaftVoter, UnregisterBroker, DescribeQuorum) stay, and are
 * the authorizer's to allow or refuse.
 */
import {
  ApiKey, type FetchRequest, type OffsetForLeaderEpochRequest,
} from '../protocol/index.js';
import { closeConnection, type Handler, type HandlerTable } from './handler.js';
import { apiVersionsHandler } from './handlers/api-versions.js';

export const peerOnlyApiKeys: ReadonlySet<number> = new Set<number>([
  ApiKey.raftMessage, ApiKey.raftKv, ApiKey.brokerRegistration, ApiKey.brokerHeartbeat,
  ApiKey.alterPartition, ApiKey.allocateProducerIds, ApiKey.connectCheck, ApiKey.reportClusterEvent,
]);

/** A follower's request: replica id ≥ 0 (v15+ Fetch carries it in replicaState). */
function fromReplica(apiKey: number, version: number, request: unknown): boolean {
  if (apiKey === ApiKey.fetch) {
    const r = request as FetchRequest;
    return (version >= 15 ? r.replicaState.replicaId : r.replicaId) >= 0;
  }
  if (apiKey === ApiKey.offsetForLeaderEpoch) {
    return version >= 3 && (request as OffsetForLeaderEpochRequest).replicaId >= 0;
  }
  return false;
}

export function clientListenerHandlers(table: HandlerTable,
  onRefused: (apiKey: number) => void): HandlerTable {
  const out = new Map<number, Handler>();
  for (const [apiKey, h] of table) {
    if (peerOnlyApiKeys.has(apiKey)) continue;
    if (apiKey !== ApiKey.fetch && apiKey !== ApiKey.offsetForLeaderEpoch) {
      out.set(apiKey, h);
      continue;
    }
    out.set(apiKey, {
      apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion,
      handle(ctx, request) {
        if (!fromReplica(apiKey, ctx.apiVersion, request)) return h.handle(ctx, request);
        onRefused(apiKey);
        return closeConnection;
      },
    });
  }
  // ApiVersions lists what this listener serves.
  out.set(ApiKey.apiVersions, apiVersionsHandler(() => out) as Handler);
  return out;
}
