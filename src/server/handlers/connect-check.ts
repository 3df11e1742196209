/**
 * ConnectCheck (key 1002, Pado private), v0. With an empty host: answers this node's id (what the
 * controller asks a joining node's advertised address, to know the right node answers there).
 * With host:port: this node connects there and reports the node id that answered, or why it
 * could not — `pado doctor` asks every node about every other one (both directions of each pair).
 */
import type { ConnectCheckRequest, ConnectCheckResponse } from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import type { MembershipService } from '../membership-service.js';
import { addRaftVoterHandler } from './add-raft-voter.js';
import { removeRaftVoterHandler } from './remove-raft-voter.js';

export function connectCheckHandler(
  membership: MembershipService,
): Handler<ConnectCheckRequest, ConnectCheckResponse> {
  return {
    apiKey: 1002,
    minVersion: 0,
    maxVersion: 0,
    handle(_ctx, req) {
      return membership.connectCheck(req);
    },
  };
}

/** The three membership handlers, for `brokerHandlers(broker, extra)`. */
export function membershipHandlers(membership: MembershipService): Handler<never, unknown>[] {
  return [
    connectCheckHandler(membership),
    addRaftVoterHandler(membership),
    removeRaftVoterHandler(membership),
  ];
}
