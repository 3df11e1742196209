/**
 * RaftMessage (key 1000, Pado's private range ≥ 1000; no Kafka reference definition): a batch of
 * Raft messages from one node to another, carried over the Kafka listener. One-way: the response
 * is an empty acknowledgement, Raft's replies travel as messages in the other direction.
 *
 * The wire has no unions, so each message is one flat struct: `type` names the raft Message kind
 * (server/raft-wire.ts maps it) and only that kind's fields are meaningful; the rest stay zero.
 * The snapshot fields are tagged so that the common messages (appends, heartbeats) do not pay for
 * them. Term and index are int64 on the wire, read as safe-integer numbers.
 */
export const raftMessage = `
api RaftMessage key 1000 versions 0 flexible 0+
request
  fromId int32
  toId int32
  messages []RaftMessageData
    type int8
    term int64
    index int64
    logTerm int64
    commit int64
    reject bool
    hintIndex int64
    hintTerm int64
    transfer bool
    context string
    entries []RaftEntry
      index int64
      term int64
      type int8
      data bytes
    snapshotIndex int64 tag 0
    snapshotTerm int64 tag 1
    snapshotVoters []int32 tag 2
    snapshotLearners []int32 tag 3
    snapshotData bytes tag 4
response
  errorCode int16
`;
