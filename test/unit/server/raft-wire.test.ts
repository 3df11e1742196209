/**
 * Proves Raft messages survive the RaftMessage wire: one message of every type (entries of both
 * kinds, a snapshot with learners) is converted to the wire struct, encoded with the generated
 * codec, decoded and converted back, and must equal the original. Then that the decoder refuses a
 * whole batch for any invalid part: wrong addressee, unknown type, negative term, gapped entries,
 * a snapshot without voters — so nothing malformed ever reaches the core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeRaftMessageRequest, encodeRaftMessageRequest, Reader, sizeRaftMessageRequest, Writer,
  type RaftMessageRequest,
} from '../../../src/protocol/index.js';
import type { Message } from '../../../src/raft/index.js';
import { raftMessagesFromWire, raftMessagesToWire } from '../../../src/server/index.js';

const e = { from: 2, to: 1, term: 7 };
const entries = [
  { index: 11, term: 7, type: 'normal' as const, data: Buffer.from('put') },
  { index: 12, term: 7, type: 'confChange' as const, data: Buffer.from([1, 0, 0, 0, 4]) },
];
const all: Message[] = [
  { ...e, type: 'append', index: 10, logTerm: 6, entries, commit: 9 },
  { ...e, type: 'appendResponse', index: 12, reject: true, hintIndex: 8, hintTerm: 5 },
  { ...e, type: 'vote', index: 40, logTerm: 6, transfer: true },
  { ...e, type: 'preVote', index: 40, logTerm: 6, transfer: false },
  { ...e, type: 'voteResponse', reject: false },
  { ...e, type: 'preVoteResponse', reject: true },
  { ...e, type: 'heartbeat', commit: 33, context: '2.17' },
  { ...e, type: 'heartbeatResponse', context: '2.17' },
  { ...e, type: 'snapshot', snapshot: {
    meta: { index: 500, term: 6, conf: { voters: [1, 2, 3], learners: [4] } },
    data: Buffer.from('image'),
  } },
  { ...e, type: 'timeoutNow' },
  { ...e, type: 'readIndex', context: 'r1' },
  { ...e, type: 'readIndexResponse', index: 99, context: 'r1' },
];

function throughWire(req: RaftMessageRequest): RaftMessageRequest {
  const w = new Writer(sizeRaftMessageRequest(0, req));
  encodeRaftMessageRequest(w, 0, req);
  const r = new Reader(Buffer.concat(w.finish()));
  const back = decodeRaftMessageRequest(r, 0);
  r.expectEnd();
  assert.equal(r.failed, false, r.error ?? '');
  return back;
}

test('every raft message type round-trips through the RaftMessage wire', () => {
  const back = raftMessagesFromWire(throughWire(raftMessagesToWire(2, 1, all)), 1, () => true);
  assert.ok(back.ok);
  assert.deepEqual(back.messages, all);
});

test('an invalid part refuses the whole batch', () => {
  const good = (): RaftMessageRequest => throughWire(raftMessagesToWire(2, 1, all));
  const cases: [string, (req: RaftMessageRequest) => void][] = [
    ['addressed to another node', (req) => { req.toId = 3; }],
    ['from itself', (req) => { req.fromId = 1; }],
    ['unknown type', (req) => { req.messages[1]!.type = 99; }],
    ['negative term', (req) => { req.messages[4]!.term = -1; }],
    ['gapped entries', (req) => { req.messages[0]!.entries[1]!.index = 14; }],
    ['entry type', (req) => { req.messages[0]!.entries[0]!.type = 5; }],
    ['snapshot without voters', (req) => { req.messages[8]!.snapshotVoters = []; }],
    ['learner also voter', (req) => { req.messages[8]!.snapshotLearners = [2]; }],
  ];
  for (const [label, spoil] of cases) {
    const req = good();
    spoil(req);
    const out = raftMessagesFromWire(req, 1, () => true);
    assert.equal(out.ok, false, label);
  }
});
