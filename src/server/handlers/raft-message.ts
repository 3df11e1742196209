/**
 * RaftMessage (key 1000, Pado private), v0. A batch of Raft messages from one peer; handed to the
 * Raft driver and acknowledged at once with an empty answer (errorCode 0). Raft's own replies go
 * back as messages on the receiver's outbound connection, so the ack only tells the sender's
 * transport the bytes arrived. A batch that is not for this node, or does not decode into valid
 * messages, is refused whole with INVALID_REQUEST and nothing reaches Raft.
 *
 * Advertised in ApiVersions like every handler: Kafka clients skip keys they do not know.
 */
import {
  KafkaError, type RaftMessageRequest, type RaftMessageResponse,
} from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import { raftMessagesFromWire } from '../raft-wire.js';
import type { RaftService } from '../raft-service.js';

export function raftMessageHandler(
  raft: RaftService,
): Handler<RaftMessageRequest, RaftMessageResponse> {
  return {
    apiKey: 1000,
    minVersion: 0,
    maxVersion: 0,
    handle(ctx, req) {
      const batch = raftMessagesFromWire(req, raft.nodeId);
      if (!batch.ok) {
        ctx.log.warn({ fromId: req.fromId, problem: batch.problem }, 'raft batch refused');
        return { errorCode: KafkaError.invalidRequest.code };
      }
      raft.receive(batch.messages);
      return { errorCode: 0 };
    },
  };
}
