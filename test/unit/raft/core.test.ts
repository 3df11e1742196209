/**
 * Proves the Raft core's building blocks compute what the thesis says, by table tests on the pure
 * pieces: the quorum commit index (§3.6.2), vote counting, the bounded in-flight window, the
 * MemoryStorage log (conflicting tails replaced, byte limits keep at least one entry, snapshots
 * compact), conf change encoding and validation, and config relations checked at construction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionFailed, Prng } from '../../../src/common/index.js';
import {
  confChangeProblem,
  decodeConfChange,
  encodeConfChange,
  type Entry,
  MemoryStorage,
  RawNode,
} from '../../../src/raft/index.js';
import { Inflights, quorumIndex, voteResult } from '../../../src/raft/progress.js';

function entry(index: number, term: number, bytes = 0): Entry {
  return { index, term, type: 'normal', data: Buffer.alloc(bytes) };
}

test('quorum index is the highest index a majority holds', () => {
  const cases: [number[], number][] = [
    [[5], 5], [[5, 3], 3], [[5, 3, 1], 3], [[1, 5, 3], 3], [[7, 7, 2, 2], 2], [[9, 8, 7, 1, 0], 7],
  ];
  for (const [matches, expected] of cases) {
    assert.equal(quorumIndex(Float64Array.from(matches), matches.length), expected, `${matches}`);
  }
});

test('votes: won and lost need a majority of all voters', () => {
  assert.equal(voteResult(2, 0, 3), 'won');
  assert.equal(voteResult(1, 1, 3), 'pending');
  assert.equal(voteResult(1, 2, 3), 'lost');
  assert.equal(voteResult(2, 2, 4), 'pending');
  assert.equal(voteResult(1, 0, 1), 'won');
});

test('in-flight window is bounded by count and bytes, freed cumulatively', () => {
  const w = new Inflights(3, 100);
  w.add(1, 10);
  w.add(2, 10);
  assert.equal(w.full(), false);
  w.add(3, 10);
  assert.equal(w.full(), true);
  w.freeLE(2);
  assert.deepEqual([w.count, w.bytes, w.full()], [1, 10, false]);
  w.add(4, 95);
  assert.equal(w.full(), true, 'bytes limit');
  w.freeFirstOne();
  assert.deepEqual([w.count, w.bytes], [1, 95]);
  assert.throws(() => { w.add(5, 1); w.add(6, 1); w.add(7, 1); }, AssertionFailed);
});

test('MemoryStorage replaces conflicting tails, limits bytes, compacts at snapshots', () => {
  const s = new MemoryStorage();
  s.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  s.append([entry(2, 2)]);
  assert.deepEqual(s.entries(1, 3, Infinity).map((e) => e.term), [1, 2]);
  assert.equal(s.lastIndex(), 2);
  s.append([entry(3, 2, 100), entry(4, 2, 100)]);
  assert.equal(s.entries(3, 5, 1).length, 1, 'at least one entry, even over the limit');
  assert.equal(s.entries(3, 5, 1000).length, 2);
  s.createSnapshot(3, { voters: [1], learners: [] }, Buffer.from('x'));
  assert.deepEqual([s.firstIndex(), s.lastIndex(), s.term(3), s.term(2)], [4, 4, 2, undefined]);
  assert.throws(() => s.entries(3, 4, Infinity), AssertionFailed);
});

test('conf changes round-trip and are validated against the membership', () => {
  for (const type of ['addVoter', 'addLearner', 'removeNode'] as const) {
    const change = { type, nodeId: 70000 };
    assert.deepEqual(decodeConfChange(encodeConfChange(change)), change);
  }
  const conf = { voters: [1, 2], learners: [3] };
  assert.equal(confChangeProblem(conf, { type: 'addVoter', nodeId: 3 }), undefined, 'promote');
  assert.equal(confChangeProblem(conf, { type: 'addVoter', nodeId: 1 }), 'already a voter');
  assert.equal(confChangeProblem(conf, { type: 'addLearner', nodeId: 2 }),
    'is a voter: remove it first');
  assert.equal(confChangeProblem(conf, { type: 'removeNode', nodeId: 4 }), 'not a member');
  assert.equal(confChangeProblem({ voters: [1], learners: [] }, { type: 'removeNode', nodeId: 1 }),
    'the last voter');
});

test('config relations are checked when a node is built', () => {
  const storage = MemoryStorage.bootstrap([1]);
  assert.throws(() => new RawNode({ id: 1, storage, prng: new Prng(1), electionTimeoutTicks: 2 }),
    /election timeout must exceed two heartbeat intervals/);
  assert.throws(() => new RawNode({ id: 0, storage, prng: new Prng(1) }), /positive integer/);
});

test('a single voter elects itself and commits alone; proposals elsewhere are refused', () => {
  const node = new RawNode({ id: 1, storage: MemoryStorage.bootstrap([1]), prng: new Prng(7) });
  const rd = node.ready();
  assert.equal(rd.committedEntries.length, 1);
  node.advance();
  assert.deepEqual(node.propose(Buffer.from('x')),
    { accepted: false, reason: 'notLeader', leaderId: 0 });
  for (let i = 0; i < 20 && node.status().role !== 'leader'; i++) node.tick();
  assert.equal(node.status().role, 'leader');
  assert.equal(node.propose(Buffer.from('x')).accepted, true);
  const next = node.ready();
  assert.equal(next.mustSync, true);
  assert.deepEqual(next.committedEntries.map((e) => e.data.toString()), ['', 'x']);
});
