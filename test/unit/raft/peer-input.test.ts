/**
 * Proves the Raft core survives messages a correct peer never sends but a forged or buggy one can
 * (issue 13), on a three-node cluster driven by hand (Ready persisted to MemoryStorage, messages
 * delivered in order) with node 1 elected:
 * - a heartbeat whose commit is beyond the follower's log is not applied past the log (etcd
 *   panics here; we must not: it comes off the network);
 * - an append acknowledgement beyond the leader's own log is ignored, so it can neither commit
 *   entries no quorum holds nor throw;
 * - timeoutNow from a node that is not our leader is ignored (only the leader transfers);
 * - with check-quorum, a higher-term vote or pre-vote arriving within the leader lease is ignored
 *   by followers and by the leader (thesis §4.2.3, etcd's inLease): the term does not move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  MemoryStorage, type Message, type NodeId, RawNode,
} from '../../../src/raft/index.js';

interface Member {
  readonly storage: MemoryStorage;
  readonly node: RawNode;
}

class Cluster {
  readonly members = new Map<NodeId, Member>();

  constructor(ids: readonly NodeId[]) {
    for (const id of ids) {
      const storage = MemoryStorage.bootstrap(ids);
      const node = new RawNode({ id, storage, prng: new Prng(id) });
      this.members.set(id, { storage, node });
    }
  }

  node(id: NodeId): RawNode {
    return (this.members.get(id) as Member).node;
  }

  /** Persists, applies and delivers until no node has anything left to do. */
  stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      const outbox: Message[] = [];
      for (const { storage, node } of this.members.values()) {
        if (!node.hasReady()) continue;
        const rd = node.ready();
        if (rd.snapshot !== null) storage.applySnapshot(rd.snapshot);
        storage.append(rd.entries);
        if (rd.hardState !== null) storage.setHardState(rd.hardState);
        outbox.push(...rd.messages);
        node.advance();
      }
      if (outbox.length === 0) return;
      for (const m of outbox) this.node(m.to).step(m);
    }
    assert.fail('cluster did not stabilize');
  }
}

function elected(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.stabilize();
  c.node(1).campaign();
  c.stabilize();
  assert.equal(c.node(1).status().role, 'leader');
  return c;
}

test('a heartbeat committing beyond the follower log does not commit past it', () => {
  const c = elected();
  const follower = c.node(2);
  const { term, lastIndex } = follower.status();
  assert.doesNotThrow(() => follower.step({ type: 'heartbeat', from: 1, to: 2, term,
    commit: lastIndex + 1000, context: '' }));
  assert.ok(follower.status().commit <= lastIndex);
  c.stabilize();
  assert.equal(c.node(1).status().role, 'leader');
});

test('an append acknowledgement beyond the leader log is ignored', () => {
  const c = elected();
  const leader = c.node(1);
  const { term, lastIndex, commit } = leader.status();
  leader.step({ type: 'appendResponse', from: 2, to: 1, term, index: lastIndex + 1000,
    reject: false, hintIndex: 0, hintTerm: 0 });
  leader.step({ type: 'appendResponse', from: 3, to: 1, term, index: lastIndex + 1000,
    reject: false, hintIndex: 0, hintTerm: 0 });
  const after = leader.status();
  assert.equal(after.commit, commit);
  assert.ok((after.progress.get(2)?.match ?? 0) <= lastIndex);
  // The leader keeps replicating: a proposal commits on all three.
  leader.propose(Buffer.from('x'));
  c.stabilize();
  assert.equal(leader.status().commit, lastIndex + 1);
});

test('timeoutNow from a node that is not the leader is ignored', () => {
  const c = elected();
  const { term } = c.node(3).status();
  c.node(3).step({ type: 'timeoutNow', from: 2, to: 3, term });
  c.stabilize();
  assert.deepEqual([c.node(3).status().term, c.node(1).status().role], [term, 'leader']);
});

test('within the lease higher-term campaigns move no term (check-quorum)', () => {
  const c = elected();
  const { term, lastIndex } = c.node(1).status();
  for (const [to, type] of [[2, 'vote'], [2, 'preVote'], [1, 'vote'], [1, 'preVote']] as const) {
    c.node(to).step({ type, from: 3, to, term: term + 5, index: lastIndex, logTerm: term,
      transfer: false });
  }
  c.stabilize();
  assert.deepEqual([c.node(1).status().term, c.node(2).status().term], [term, term]);
  assert.equal(c.node(1).status().role, 'leader');
});
