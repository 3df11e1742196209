/**
 * RaftKv (key 1001, Pado's private range; no Kafka reference definition). TEST ONLY: the tiny
 * replicated key-value store that the Raft process test and `npm run bench -- raft` drive through
 * the Kafka listener. It is served only by nodes started with initialVoters.
 *
 * op 0 = get (a linearizable read through read-index), 1 = put (a proposal, answered once applied).
 * A node that is not the leader answers NOT_LEADER_OR_FOLLOWER with the leader it knows (or -1).
 */
export const raftKv = `
api RaftKv key 1001 versions 0 flexible 0+
request
  op int8
  key string
  value bytes nullable
response
  errorCode int16
  leaderId int32 default -1
  value bytes nullable
  index int64
`;
