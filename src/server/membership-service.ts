/**
 * What the metadata-quorum membership handlers (AddRaftVoter, RemoveRaftVoter, ConnectCheck) may
 * use of the node (node/join.ts implements it). Handlers stay free of Raft, timers and sockets.
 */
import type {
  AddRaftVoterRequest, ConnectCheckRequest, ConnectCheckResponse, RemoveRaftVoterRequest,
} from '../protocol/index.js';

/** Kafka's error code and, when it is not 0, what happened and what to do. */
export interface MembershipResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface MembershipService {
  /**
   * Adds a node to the quorum (learner, caught up, then voter while below votersMax) after
   * checking its advertised address; a non-controller forwards the request to the controller.
   */
  addVoter(request: AddRaftVoterRequest, signal: AbortSignal): Promise<MembershipResult>;
  /** Demotes a voter to an observer (it keeps following the log); forwarded like addVoter. */
  removeVoter(request: RemoveRaftVoterRequest, signal: AbortSignal): Promise<MembershipResult>;
  /** Answers this node's id, or connects to the address in the request and says who answered. */
  connectCheck(request: ConnectCheckRequest): Promise<ConnectCheckResponse>;
}
