/**
 * RaftMetadata.propose on a real one-node Raft driver (level store in a temp dir): controller
 * decisions run one at a time, but no decision waits for this node's metadata listeners (the
 * replica manager opening partition logs, which takes seconds on a busy disk). Found by repeated
 * runs on a busy machine (issue 13): a topic creation's listener took 2.6 s, every heartbeat queued
 * behind it, every broker's lease lapsed (clients' connections closed) and the controller fenced
 * live brokers, itself included. Here a listener blocks until released: a later decision with
 * `settle: false` (a heartbeat's) is answered meanwhile and sees the committed image; a caller
 * asking to settle (the default) is answered only once the listener is done. And decisions queued
 * together share one read barrier and one Raft entry (a barrier each let a busy controller's queue
 * grow to 9 s under heartbeats and AlterPartition retries), still each on the ones before it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RaftStore } from '../../../src/storage/index.js';
import { RaftDriver } from '../../../src/node/raft-driver.js';
import { MetadataMachine, RaftMetadata } from '../../../src/node/raft-metadata.js';
import { EntryTag, TaggedStateMachine } from '../../../src/node/replicated-state.js';
import type { MetadataRecord } from '../../../src/metadata/index.js';
import { waitFor } from '../../support/run.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { Prng, seededRandom } from '../../../src/common/index.js';
import { openSystemKv } from '../../../src/node/io/index.js';

const root = mkdtempSync(join(tmpdir(), 'pado-raft-metadata-'));
after(() => rmSync(root, { recursive: true, force: true }));

const config = (value: string, name = 'test.setting'): MetadataRecord => ({
  type: 'config', resourceType: 'broker', resourceName: '', name, value,
});

/** A one-voter Raft metadata quorum in `root/name`, led and past its first read. */
async function oneNode(t: { after: (fn: () => Promise<void>) => void }, name: string) {
  const store = await RaftStore.open(join(root, name), openSystemKv, { bootstrapVoters: [1] });
  const log = pino({ level: 'silent' });
  const machine = new MetadataMachine(log, systemClock);
  const driver = new RaftDriver({
    nodeId: 1, store, log, clock: systemClock, random: seededRandom(new Prng(1)), seed: 1, tickIntervalMs: 10, waitMsMax: 5_000,
    stateMachine: new TaggedStateMachine(new Map([[EntryTag.metadata, machine]]), []),
  });
  const metadata = new RaftMetadata(driver, machine, 1, systemClock, log);
  driver.start({ send: () => undefined, close: () => undefined });
  t.after(async () => {
    await driver.close();
    await store.close();
  });
  await waitFor('leadership, its first read answered', () => metadata.propose(() =>
    ({ records: [], result: true })).catch(() => undefined), 5_000, 10);
  return { machine, metadata, store };
}

test('a decision never waits for the listeners of an earlier one; a settling caller does',
  async (t) => {
    const { machine, metadata } = await oneNode(t, 'n1');

    let release = (): void => undefined;
    const blocked = new Promise<void>((r) => { release = r; });
    let listenerRuns = 0;
    machine.onChange(async () => {
      listenerRuns++;
      await blocked;
    });

    let settledAnswered = false;
    const first = metadata.propose(() => ({ records: [config('a')], result: 'first' }))
      .then((r) => { settledAnswered = true; return r; });
    await waitFor('the listener running', () => (listenerRuns > 0 ? true : undefined), 5_000, 5);
    // A heartbeat-like decision: answered while the listener still runs, on the committed image.
    const seen = await metadata.propose((image) => ({
      records: [config('b')], result: image.brokerConfigs.get('test.setting'),
    }), { settle: false });
    assert.equal(seen, 'a', 'the second decision saw the first one committed');
    assert.equal(metadata.image().brokerConfigs.get('test.setting'), 'b');
    assert.equal(settledAnswered, false, 'a settling caller waits for the listener');
    release();
    assert.equal(await first, 'first');
  });

test('decisions queued together share one read barrier and one Raft entry, each deciding on ' +
  'the records of the ones before it; a decision that throws is refused alone', async (t) => {
  const { metadata, store } = await oneNode(t, 'n2');

  const before = store.storage.lastIndex();
  const count = 50;
  const decisions = Array.from({ length: count }, (_, i) => metadata.propose((image) => {
    if (i === 7) throw new Error('a bad decision');
    const previous = Number(image.brokerConfigs.get('test.counter') ?? '0');
    return { records: [config(String(previous + 1), 'test.counter')], result: previous };
  }, { settle: false }));
  const settled = await Promise.allSettled(decisions);
  const refused = settled.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
  assert.deepEqual(refused, [7], 'only the throwing decision is refused');
  const seen = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value as number] : []));
  assert.deepEqual(seen, Array.from({ length: count - 1 }, (_, i) => i),
    'each decided on the ones before it, in order');
  assert.equal(metadata.image().brokerConfigs.get('test.counter'), String(count - 1));
  const entries = store.storage.lastIndex() - before;
  assert.ok(entries >= 1 && entries <= 3, `${count} decisions took ${entries} Raft entries`);
});
