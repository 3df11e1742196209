/**
 * Proves a production node replays a log that holds test key-value entries (issue 13: RaftKv is
 * gone from production nodes, but a log may hold kv entries written by a test node or through an
 * earlier version): with the kv tag skipped, its entries are passed over, the owners' entries
 * still reach them, and its snapshot part is dropped. An entry of an unknown tag is still a bug.
 * Also that only PADO_TEST_RAFT_KV=1 turns the test-only store on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionFailed } from '../../../src/common/index.js';
import type { Entry } from '../../../src/raft/index.js';
import { encodePut, RaftKvMachine, testRaftKvEnabled } from '../../../src/node/raft-kv.js';
import type { RaftStateMachine } from '../../../src/node/raft-driver.js';
import { EntryTag, tagged, TaggedStateMachine } from '../../../src/node/replicated-state.js';

class Recorder implements RaftStateMachine {
  readonly applied: string[] = [];
  apply(entry: Entry): unknown {
    this.applied.push(entry.data.toString());
    return undefined;
  }
  snapshot(): Buffer {
    return Buffer.from(this.applied.join(','));
  }
  restore(): void {}
}

function entry(index: number, data: Buffer): Entry {
  return { index, term: 1, type: 'normal', data };
}

test('a production node skips test kv entries and keeps applying its own', () => {
  const metadata = new Recorder();
  const sm = new TaggedStateMachine(new Map([[EntryTag.metadata, metadata]]), [EntryTag.testKv]);
  sm.apply(entry(1, tagged(EntryTag.metadata, Buffer.from('a'))));
  sm.apply(entry(2, tagged(EntryTag.testKv, encodePut('k', Buffer.alloc(1024)))));
  sm.apply(entry(3, tagged(EntryTag.metadata, Buffer.from('b'))));
  assert.deepEqual(metadata.applied, ['a', 'b']);
  const image = JSON.parse(sm.snapshot().toString()) as Record<string, string>;
  assert.deepEqual(Object.keys(image), [String(EntryTag.metadata)]);
  assert.throws(() => sm.apply(entry(4, tagged(0x01, Buffer.from('?')))), AssertionFailed);
});

test('a test node with the kv owner applies kv entries', () => {
  const kv = new RaftKvMachine();
  const sm = new TaggedStateMachine(new Map([[EntryTag.testKv, kv]]));
  sm.apply(entry(1, tagged(EntryTag.testKv, encodePut('k', Buffer.from('v')))));
  assert.equal(kv.get('k')?.toString(), 'v');
});

test('only PADO_TEST_RAFT_KV=1 enables the test-only store', () => {
  assert.equal(testRaftKvEnabled({}), false);
  assert.equal(testRaftKvEnabled({ PADO_TEST_RAFT_KV: '0' }), false);
  assert.equal(testRaftKvEnabled({ PADO_TEST_RAFT_KV: 'true' }), false);
  assert.equal(testRaftKvEnabled({ PADO_TEST_RAFT_KV: '1' }), true);
});
