/**
 * RaftKv (key 1001, Pado private), v0. TEST ONLY: get/put on the replicated key-value store that
 * the Raft process test and `npm run bench -- raft` use; served only by nodes started with
 * initialVoters. op 0 = get (linearizable, read-index), 1 = put (answered once applied). Not the
 * leader: NOT_LEADER_OR_FOLLOWER with the leader's id (-1 when unknown) — no forwarding.
 */
import { KafkaError, type RaftKvRequest, type RaftKvResponse } from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import type { RaftKvService } from '../raft-service.js';

export const RaftKvOp = { get: 0, put: 1 } as const;

export function raftKvHandler(kv: RaftKvService): Handler<RaftKvRequest, RaftKvResponse> {
  return {
    apiKey: 1001,
    minVersion: 0,
    maxVersion: 0,
    handle(_ctx, req) {
      if (req.op === RaftKvOp.get) return kv.get(req.key);
      if (req.op === RaftKvOp.put && req.value !== null) return kv.put(req.key, req.value);
      return { errorCode: KafkaError.invalidRequest.code, leaderId: -1, value: null, index: 0 };
    },
  };
}
