/**
 * Raft messages ↔ the RaftMessage wire struct (protocol/schemas/raft-message.ts). The wire has no
 * unions, so each message is flattened into one struct whose `type` code says which fields mean
 * something.
 *
 * Peer input is validated like client input (DESIGN.md; issue 13): anyone who reaches the Kafka
 * port can send a RaftMessage. Decoding checks what the codec cannot — a bad batch is refused
 * whole and nothing of it reaches Raft or the disk:
 * - addressing: to this node, from a node this one knows (`isPeer`, see RaftService);
 * - every term, index and commit a non-negative integer below limits.raftPeerNumberMax, so that
 *   nothing Raft computes from it (term + 1, index + entries) leaves the range the raft store
 *   can hold (the bound's comment says why it leaves room for every real cluster);
 * - what any correct sender's message satisfies by construction: an append's entries follow its
 *   index one by one, with terms from its log term up to its term, never going down; a log term,
 *   hint term or snapshot term is at most the message's term (a node's log never holds a term
 *   above its own); conf change entries decode; a snapshot's members are distinct node ids.
 */
import { limits } from '../common/index.js';
import {
  type Entry, EntryType, type Message, type MessageType, type NodeId, parseConfChange,
  type Snapshot,
} from '../raft/index.js';
import type { RaftMessageRequest, RaftMessageRequestData } from '../protocol/index.js';

/** Wire codes; never renumber (they are on the wire between versions). */
const typeCodes: Readonly<Record<MessageType, number>> = {
  append: 1,
  appendResponse: 2,
  vote: 3,
  voteResponse: 4,
  preVote: 5,
  preVoteResponse: 6,
  heartbeat: 7,
  heartbeatResponse: 8,
  snapshot: 9,
  timeoutNow: 10,
  readIndex: 11,
  readIndexResponse: 12,
};
const typesByCode = new Map<number, MessageType>(
  Object.entries(typeCodes).map(([type, code]) => [code, type as MessageType]),
);

const emptyBuffer = Buffer.alloc(0);

/** Encodes a batch; every message must go from `from` to `to`. */
export function raftMessagesToWire(
  from: NodeId, to: NodeId, messages: readonly Message[],
): RaftMessageRequest {
  return { fromId: from, toId: to, messages: messages.map(messageToWire) };
}

function messageToWire(m: Message): RaftMessageRequestData {
  const d: RaftMessageRequestData = {
    type: typeCodes[m.type], term: m.term, index: 0, logTerm: 0, commit: 0, reject: false,
    hintIndex: 0, hintTerm: 0, transfer: false, context: '', entries: [], snapshotIndex: 0,
    snapshotTerm: 0, snapshotVoters: [], snapshotLearners: [], snapshotData: emptyBuffer,
  };
  switch (m.type) {
    case 'append':
      d.index = m.index; d.logTerm = m.logTerm; d.commit = m.commit;
      d.entries = m.entries.map((e) => ({
        index: e.index, term: e.term, type: entryCode(e), data: e.data,
      }));
      break;
    case 'appendResponse':
      d.index = m.index; d.reject = m.reject; d.hintIndex = m.hintIndex; d.hintTerm = m.hintTerm;
      break;
    case 'vote': case 'preVote':
      d.index = m.index; d.logTerm = m.logTerm; d.transfer = m.transfer;
      break;
    case 'voteResponse': case 'preVoteResponse':
      d.reject = m.reject;
      break;
    case 'heartbeat':
      d.commit = m.commit; d.context = m.context;
      break;
    case 'heartbeatResponse': case 'readIndex':
      d.context = m.context;
      break;
    case 'readIndexResponse':
      d.index = m.index; d.context = m.context;
      break;
    case 'snapshot':
      snapshotToWire(d, m.snapshot);
      break;
    case 'timeoutNow':
      break;
  }
  return d;
}

function entryCode(e: Entry): number {
  return e.type === EntryType.confChange ? 1 : 0;
}

function snapshotToWire(d: RaftMessageRequestData, s: Snapshot): void {
  d.snapshotIndex = s.meta.index;
  d.snapshotTerm = s.meta.term;
  d.snapshotVoters = [...s.meta.conf.voters];
  d.snapshotLearners = [...s.meta.conf.learners];
  d.snapshotData = s.data;
}

export type DecodedRaftBatch =
  | { readonly ok: true; readonly messages: Message[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Decodes a batch addressed to `self` from a node `isPeer` knows; any bad message refuses the
 * whole batch.
 */
export function raftMessagesFromWire(
  req: RaftMessageRequest, self: NodeId, isPeer: (id: NodeId) => boolean,
): DecodedRaftBatch {
  if (req.toId !== self) {
    return { ok: false, problem: `addressed to node ${req.toId}, not ${self}` };
  }
  if (!isNodeId(req.fromId) || req.fromId === self) {
    return { ok: false, problem: `bad sender ${req.fromId}` };
  }
  if (!isPeer(req.fromId)) return { ok: false, problem: `sender ${req.fromId} is no known peer` };
  const messages: Message[] = [];
  for (const d of req.messages) {
    const m = messageFromWire(d, req.fromId, self);
    if (typeof m === 'string') return { ok: false, problem: m };
    messages.push(m);
  }
  return { ok: true, messages };
}

function isNodeId(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/** A term, index or commit a peer may send (limits.raftPeerNumberMax says why the bound). */
export function isPeerNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n < limits.raftPeerNumberMax;
}

/** A Message, or a string saying why the struct is not one. */
function messageFromWire(d: RaftMessageRequestData, from: NodeId, to: NodeId): Message | string {
  const type = typesByCode.get(d.type);
  if (type === undefined) return `unknown message type ${d.type}`;
  const numbers = [d.term, d.index, d.logTerm, d.commit, d.hintIndex, d.hintTerm];
  if (!numbers.every(isPeerNumber)) return `${type}: term/index negative or not below 2^47`;
  if (d.logTerm > d.term || d.hintTerm > d.term) return `${type}: log term above the term`;
  const base = { from, to, term: d.term };
  switch (type) {
    case 'append': {
      const entries = entriesFromWire(d);
      if (typeof entries === 'string') return entries;
      return { ...base, type, index: d.index, logTerm: d.logTerm, entries, commit: d.commit };
    }
    case 'appendResponse':
      if (d.hintIndex > d.index) return 'appendResponse: hint beyond the index';
      return { ...base, type, index: d.index, reject: d.reject, hintIndex: d.hintIndex,
        hintTerm: d.hintTerm };
    case 'vote': case 'preVote':
      return { ...base, type, index: d.index, logTerm: d.logTerm, transfer: d.transfer };
    case 'voteResponse': case 'preVoteResponse':
      return { ...base, type, reject: d.reject };
    case 'heartbeat':
      return { ...base, type, commit: d.commit, context: d.context };
    case 'heartbeatResponse': case 'readIndex':
      return { ...base, type, context: d.context };
    case 'readIndexResponse':
      return { ...base, type, index: d.index, context: d.context };
    case 'snapshot':
      return snapshotFromWire(d, base);
    case 'timeoutNow':
      return { ...base, type };
  }
}

/**
 * Entries follow the append's index one by one (Raft assumes it), with terms from its log term up
 * to its term and never going down (a leader's log, §3.5): that is how a leader always sends them.
 */
function entriesFromWire(d: RaftMessageRequestData): Entry[] | string {
  const out: Entry[] = [];
  let index = d.index;
  let term = d.logTerm;
  for (const w of d.entries) {
    if (!isPeerNumber(w.index) || w.index !== index + 1) {
      return `entry ${w.index}: not at index ${index + 1}`;
    }
    if (!isPeerNumber(w.term) || w.term < term || w.term > d.term) {
      return `entry ${w.index}: term ${w.term} outside [${term}, ${d.term}]`;
    }
    if (w.type !== 0 && w.type !== 1) return `entry ${w.index}: unknown type ${w.type}`;
    if (w.type === 1) {
      const change = parseConfChange(w.data);
      if (typeof change === 'string') return `entry ${w.index}: conf change ${change}`;
    }
    const type = w.type === 1 ? EntryType.confChange : EntryType.normal;
    out.push({ index: w.index, term: w.term, type, data: w.data });
    index = w.index;
    term = w.term;
  }
  return out;
}

function snapshotFromWire(
  d: RaftMessageRequestData, base: { from: NodeId; to: NodeId; term: number },
): Message | string {
  if (!isPeerNumber(d.snapshotIndex) || !isPeerNumber(d.snapshotTerm)) {
    return 'snapshot: bad index/term';
  }
  if (d.snapshotTerm > d.term) return 'snapshot: term above the message term';
  const voters = d.snapshotVoters;
  const learners = d.snapshotLearners;
  if (voters.length === 0 || !voters.every(isNodeId) || !learners.every(isNodeId)) {
    return 'snapshot: bad membership';
  }
  if (new Set([...voters, ...learners]).size !== voters.length + learners.length) {
    return 'snapshot: a member listed twice';
  }
  const meta = { index: d.snapshotIndex, term: d.snapshotTerm, conf: { voters, learners } };
  return { ...base, type: 'snapshot', snapshot: { meta, data: d.snapshotData } };
}
