/**
 * Proves the level-backed Raft store keeps exactly what Raft needs across restarts, by writing
 * Readies (hand-made and from a real RawNode) to a store in a temporary directory, closing and
 * reopening it, and comparing entries, hard state and snapshot: conflicting tails are replaced,
 * a received snapshot replaces the log, compaction removes the covered entries, a restarted node
 * comes back with the same term, commit and log, and a damaged entry stops start-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { AssertionFailed, isPadoError, PadoErrorCode, Prng } from '../../../src/common/index.js';
import {
  type Entry, type HardState, RawNode, type Ready, type Snapshot,
} from '../../../src/raft/index.js';
import { RaftStore } from '../../../src/storage/index.js';
import { encodeRaftEntry } from '../../../src/storage/raft-store.js';
import { openSystemKv } from '../../../src/node/io/index.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pado-raft-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function entry(index: number, term: number, data = `${index}@${term}`): Entry {
  return { index, term, type: 'normal', data: Buffer.from(data) };
}

function ready(parts: { entries?: Entry[]; hardState?: HardState; snapshot?: Snapshot }): Ready {
  return {
    entries: parts.entries ?? [],
    hardState: parts.hardState ?? null,
    snapshot: parts.snapshot ?? null,
    mustSync: true,
    messages: [],
    committedEntries: [],
    readStates: [],
    softState: null,
  };
}

function terms(store: RaftStore): string {
  const s = store.storage;
  if (s.lastIndex() < s.firstIndex()) return '';
  const entries = s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity);
  return entries.map((e) => `${e.index}/${e.term}`).join(' ');
}

test('bootstrap, append, truncate a conflicting tail, reopen', async (t) => {
  const dir = await tempDir(t);
  let store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1, 2, 3] });
  assert.equal(terms(store), '1/1 2/1 3/1');
  await store.persist(ready({ entries: [entry(4, 2), entry(5, 2), entry(6, 2)],
    hardState: { term: 2, vote: 1, commit: 4 } }));
  // A new leader's entry at 5 replaces 5 and 6.
  await store.persist(ready({
    entries: [entry(5, 3, 'new')], hardState: { term: 3, vote: 2, commit: 4 },
  }));
  await store.close();
  store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [9] }); // ignored: not a new store
  t.after(() => store.close());
  assert.equal(terms(store), '1/1 2/1 3/1 4/2 5/3');
  assert.deepEqual(store.storage.hardState(), { term: 3, vote: 2, commit: 4 });
  assert.equal(store.storage.entries(5, 6, Infinity)[0]?.data.toString(), 'new');
});

test('a received snapshot replaces the log; compaction removes covered entries', async (t) => {
  const dir = await tempDir(t);
  let store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1] });
  const conf = { voters: [1, 2], learners: [3] };
  const snapshot: Snapshot = { meta: { index: 10, term: 4, conf }, data: Buffer.from('image') };
  await store.persist(ready({
    snapshot, entries: [entry(11, 4)], hardState: { term: 4, vote: 0, commit: 10 },
  }));
  assert.equal(terms(store), '11/4');
  await store.persist(ready({ entries: [entry(12, 4), entry(13, 4)] }));
  await store.createSnapshot(12, conf, Buffer.from('image2'));
  await store.close();
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
  const keys = await db.keys({ gte: 'e/', lt: 'e/~' }).all();
  await db.close();
  assert.deepEqual(keys, ['e/000000000000000d'], 'only entry 13 is left on disk');
  store = await RaftStore.open(dir, openSystemKv);
  t.after(() => store.close());
  assert.equal(terms(store), '13/4');
  assert.deepEqual(store.storage.snapshot().meta, { index: 12, term: 4, conf });
  assert.equal(store.storage.snapshot().data.toString(), 'image2');
  assert.deepEqual(store.storage.initialState().conf, conf);
});

test('a restarted node has the same term, vote, commit and log', async (t) => {
  const dir = await tempDir(t);
  let store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1] });
  let node = new RawNode({ id: 1, storage: store.storage, prng: new Prng(1) });
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 10 && node.hasReady(); i++) {
      await store.persist(node.ready());
      node.advance();
    }
  };
  await drain();
  node.campaign();
  await drain();
  for (const word of ['a', 'b', 'c']) assert.equal(node.propose(Buffer.from(word)).accepted, true);
  await drain();
  const before = node.status();
  assert.equal(before.role, 'leader');
  await store.close();
  store = await RaftStore.open(dir, openSystemKv);
  t.after(() => store.close());
  node = new RawNode({ id: 1, storage: store.storage, prng: new Prng(1) });
  const after = node.status();
  assert.deepEqual([after.term, after.vote, after.commit, after.lastIndex],
    [before.term, before.vote, before.commit, before.lastIndex]);
  assert.deepEqual(node.entries(3, 6).map((e) => e.data.toString()), ['a', 'b', 'c']);
  // Committed entries are handed out again so the state machine can be rebuilt.
  assert.equal(node.ready().committedEntries.length, before.commit);
});

test('a damaged entry stops start-up with PADO_STORAGE_CORRUPT', async (t) => {
  const dir = await tempDir(t);
  const store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1, 2] });
  await store.close();
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
  const value = (await db.get('e/0000000000000002')) as Buffer;
  value.writeUInt8(value.readUInt8(value.length - 1) ^ 0xff, value.length - 1);
  await db.put('e/0000000000000002', value);
  await db.close();
  await assert.rejects(RaftStore.open(dir, openSystemKv), (e) => isPadoError(e, PadoErrorCode.storageCorrupt));
});

test('a value the store cannot read back is never written (pair assertion)', async (t) => {
  const dir = await tempDir(t);
  const store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1, 2, 3] });
  // Index and term are u48 in an entry; every stored term and index stays below 2^48.
  assert.throws(() => encodeRaftEntry(entry(4, 2 ** 48)), AssertionFailed);
  assert.throws(() => encodeRaftEntry(entry(2 ** 48, 2)), AssertionFailed);
  const poisoned = [
    ready({ hardState: { term: 2 ** 53 - 1, vote: 0, commit: 3 } }),
    ready({ hardState: { term: 2 ** 48, vote: 0, commit: 3 } }),
    ready({ hardState: { term: 2, vote: -1, commit: 3 } }),
    ready({ entries: [entry(4, 2 ** 48)], hardState: { term: 2 ** 48, vote: 0, commit: 3 } }),
  ];
  for (const rd of poisoned) await assert.rejects(store.persist(rd), AssertionFailed);
  await store.close();
  const back = await RaftStore.open(dir, openSystemKv);
  t.after(() => back.close());
  assert.deepEqual(back.storage.hardState(), { term: 1, vote: 0, commit: 3 });
  assert.equal(terms(back), '1/1 2/1 3/1');
});

test('a hard state or snapshot that cannot be Raft state stops start-up, no crash', async (t) => {
  const spoiled: [string, string, string][] = [
    ['term beyond the store range', 'h', JSON.stringify({ term: 2 ** 53 - 1, vote: 0, commit: 3 })],
    ['not JSON', 'h', '{"term":'],
    ['negative commit', 'h', JSON.stringify({ term: 2, vote: 0, commit: -1 })],
    ['commit beyond the log', 'h', JSON.stringify({ term: 2, vote: 0, commit: 99 })],
    ['term below the last entry', 'h', JSON.stringify({ term: 0, vote: 0, commit: 3 })],
    ['snapshot index not a number', 'm',
      JSON.stringify({ index: 'x', term: 1, conf: { voters: [1], learners: [] } })],
    ['snapshot without voters', 'm', JSON.stringify({ index: 2, term: 1,
      conf: { voters: [], learners: [] } })],
  ];
  for (const [label, key, value] of spoiled) {
    const dir = await tempDir(t);
    const store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1, 2, 3] });
    await store.close();
    const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await db.put(key, Buffer.from(value));
    await db.close();
    await assert.rejects(RaftStore.open(dir, openSystemKv), (e) => isPadoError(e, PadoErrorCode.storageCorrupt),
      label);
  }
});

test('a store gets its directory id once, when new, and keeps it across restarts; a store opened ' +
  'without asking for one has none', async (t) => {
  const dir = await tempDir(t);
  let made = 0;
  const newDirectoryId = (): string => `ZGlyZWN0b3J5LWlkLW${made++}`;
  let store = await RaftStore.open(dir, openSystemKv, { bootstrapVoters: [1], newDirectoryId });
  const id = store.directoryId;
  assert.equal(id, 'ZGlyZWN0b3J5LWlkLW0');
  await store.close();
  store = await RaftStore.open(dir, openSystemKv, { newDirectoryId });
  assert.equal(store.directoryId, id, 'kept');
  assert.equal(made, 1, 'made once');
  await store.close();
  const other = await RaftStore.open(join(dir, 'other'), openSystemKv, {});
  assert.equal(other.directoryId, null);
  await other.close();
});
