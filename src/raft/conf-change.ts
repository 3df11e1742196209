/**
 * ConfChange ⇄ entry data: one type byte then the node id as u32 — stable, so an entry written by
 * one version is read by the next.
 */
import { assert } from '../common/index.js';
import { type ConfChange, ConfChangeType, type ConfState, type NodeId } from './types.js';

const typeCodes: readonly ConfChangeType[] = [
  ConfChangeType.addVoter,
  ConfChangeType.addLearner,
  ConfChangeType.removeNode,
];

export function encodeConfChange(change: ConfChange): Buffer {
  assert(change.nodeId > 0 && change.nodeId <= 0xffff_ffff,
    `bad conf change node ${change.nodeId}`);
  const buf = Buffer.allocUnsafe(5);
  buf.writeUInt8(typeCodes.indexOf(change.type), 0);
  buf.writeUInt32BE(change.nodeId, 1);
  return buf;
}

/** For entries this node holds: checked on arrival (parseConfChange), so a bad one is a bug. */
export function decodeConfChange(data: Buffer): ConfChange {
  const change = parseConfChange(data);
  assert(typeof change !== 'string', `conf change entry: ${change as string}`);
  return change;
}

/** A ConfChange, or why `data` (from a peer) is not one; never throws. */
export function parseConfChange(data: Buffer): ConfChange | string {
  if (data.length !== 5) return `${data.length} bytes, not 5`;
  const type = typeCodes[data.readUInt8(0)];
  if (type === undefined) return `unknown type ${data.readUInt8(0)}`;
  const nodeId = data.readUInt32BE(1);
  if (nodeId === 0) return 'node 0';
  return { type, nodeId };
}

/** The membership after `change`; single-server changes only, so at most one id moves. */
export function applyToConfState(conf: ConfState, change: ConfChange): ConfState {
  const id = change.nodeId;
  const voters = conf.voters.filter((v) => v !== id);
  const learners = conf.learners.filter((l) => l !== id);
  if (change.type === ConfChangeType.addVoter) voters.push(id);
  else if (change.type === ConfChangeType.addLearner) learners.push(id);
  return { voters: sortIds(voters), learners: sortIds(learners) };
}

/**
 * Whether `change` may be proposed against `conf`: it must change something, and keep a voter
 * (a group with no voters can never elect a leader again). Demoting a voter to learner is refused,
 * as etcd does for single-server changes: remove it, then add it back as a learner.
 */
export function confChangeProblem(conf: ConfState, change: ConfChange): string | undefined {
  const id: NodeId = change.nodeId;
  const isVoter = conf.voters.includes(id);
  const isLearner = conf.learners.includes(id);
  switch (change.type) {
    case ConfChangeType.addVoter:
      return isVoter ? 'already a voter' : undefined;
    case ConfChangeType.addLearner:
      if (isVoter) return 'is a voter: remove it first';
      return isLearner ? 'already a learner' : undefined;
    case ConfChangeType.removeNode:
      if (!isVoter && !isLearner) return 'not a member';
      return isVoter && conf.voters.length === 1 ? 'the last voter' : undefined;
  }
}

function sortIds(ids: NodeId[]): NodeId[] {
  return ids.sort((a, b) => a - b);
}
