/**
 * RaftMessage (key 1000, Pado private), v0. A batch of Raft messages from one peer; handed to the
 * Raft driver and acknowledged at once with an empty answer (errorCode 0). Raft's own replies go
 * back as messages on the receiver's outbound connection, so the ack only tells the sender's
 * transport the bytes arrived.
 *
 * Peer input is client input (issue 13): a batch that is not for this node, comes from a node
 * this one does not know, or does not decode into valid messages (raft-wire.ts: bounded terms and
 * indexes, well-formed entries) is refused whole with INVALID_REQUEST and nothing reaches Raft or
 * the disk; a frame the codec cannot read (an int64 beyond ±2^53, a truncated body) closes the
 * connection like any malformed request. Refusals are logged at warn, rate limited: the sender
 * chooses how often they happen.
 *
 * Advertised in ApiVersions like every handler: Kafka clients skip keys they do not know.
 */
import {
  KafkaError, type RaftMessageRequest, type RaftMessageResponse,
} from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import { raftMessagesFromWire } from '../raft-wire.js';
import type { RaftService } from '../raft-service.js';
import { peerWarnBurst, peerWarnIntervalMs, WarnLimiter } from '../warn-limiter.js';

export function raftMessageHandler(
  raft: RaftService, nowMs: () => number,
): Handler<RaftMessageRequest, RaftMessageResponse> {
  const warnings = new WarnLimiter({ burst: peerWarnBurst, intervalMs: peerWarnIntervalMs, nowMs });
  const isPeer = (id: number): boolean => raft.isPeer(id);
  return {
    apiKey: 1000,
    minVersion: 0,
    maxVersion: 0,
    handle(ctx, req) {
      const batch = raftMessagesFromWire(req, raft.nodeId, isPeer);
      if (!batch.ok) {
        const suppressed = warnings.take();
        if (suppressed !== undefined) {
          ctx.log.warn({ fromId: req.fromId, clientHost: ctx.clientHost, problem: batch.problem,
            suppressed }, 'raft batch refused');
        }
        return { errorCode: KafkaError.invalidRequest.code };
      }
      raft.receive(batch.messages);
      return { errorCode: 0 };
    },
  };
}
