/**
 * Proves the Raft driver keeps the Ready contract on real storage and real timers: three drivers
 * in one process, each on its own level-backed RaftStore in a temp dir, joined by an in-memory
 * transport (delivery on a later macrotask; a node can be cut off). They elect a leader; a
 * proposal resolves once applied with its index; a follower refuses proposals and names the
 * leader; a read on a follower resolves once it applied the read point. With snapshots every 20
 * entries, a node cut off during 60 writes catches up (through an install-snapshot) after healing,
 * and the leader's log was compacted. close() answers waiting proposals; a read asked of a leader
 * that loses its leadership before confirming it is answered NOT_LEADER_OR_FOLLOWER then, not at
 * its deadline (a deposed controller's heartbeat once waited 10 s). Deadlines, no sleeps.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Message } from '../../../src/raft/index.js';
import { RaftStore } from '../../../src/storage/index.js';
import { RaftDriver } from '../../../src/node/raft-driver.js';
import { encodePut, RaftKvMachine } from '../../../src/node/raft-kv.js';
import { waitFor } from '../../support/run.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { Prng, seededRandom } from '../../../src/common/index.js';
import { openSystemKv } from '../../../src/node/io/index.js';

const ids = [1, 2, 3];
const root = mkdtempSync(join(tmpdir(), 'pado-raft-driver-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Member {
  readonly driver: RaftDriver;
  readonly machine: RaftKvMachine;
  readonly store: RaftStore;
}

class Net {
  readonly members = new Map<number, Member>();
  readonly cut = new Set<number>();
  /**
   * The drivers' tick timers are unref'd (a node's listener keeps its process alive): without a
   * timer of its own, a leaderless moment — nothing pending but election timeouts — would end the
   * test's event loop with a proposal still waiting (seen on a busy machine).
   */
  readonly keepAlive = setInterval(() => undefined, 1_000);

  sender(from: number) {
    return {
      send: (messages: readonly Message[]) => {
        for (const m of messages) {
          if (this.cut.has(from) || this.cut.has(m.to)) continue;
          setImmediate(() => this.members.get(m.to)?.driver.receive([m]));
        }
      },
      close: () => undefined,
    };
  }
}

async function startGroup(name: string, waitMsMax = 5_000): Promise<Net> {
  const net = new Net();
  for (const id of ids) {
    const store = await RaftStore.open(join(root, name, `n${id}`), openSystemKv, { bootstrapVoters: ids });
    const machine = new RaftKvMachine();
    const driver = new RaftDriver({
      nodeId: id, store, stateMachine: machine, log: pino({ level: 'silent' }), seed: id,
      clock: systemClock, random: seededRandom(new Prng(id)),
      tickIntervalMs: 10, snapshotEveryEntries: 20, waitMsMax,
    });
    net.members.set(id, { driver, machine, store });
  }
  for (const [id, m] of net.members) m.driver.start(net.sender(id));
  return net;
}

async function stopGroup(net: Net): Promise<void> {
  clearInterval(net.keepAlive);
  for (const m of net.members.values()) {
    await m.driver.close();
    await m.store.close();
  }
}

function leaderOf(net: Net): number | undefined {
  for (const [id, m] of net.members) if (m.driver.status().role === 'leader') return id;
  return undefined;
}

test('leader election, proposals, follower refusal and follower reads', async () => {
  const net = await startGroup('basic');
  try {
    const leader = await waitFor('a leader', () => leaderOf(net), 10_000, 10);
    const lead = net.members.get(leader)!;
    const put = await lead.driver.propose(encodePut('a', Buffer.from('1')));
    assert.ok(put.ok, JSON.stringify(put));
    assert.equal(lead.machine.get('a')?.toString(), '1');
    const followerId = ids.find((id) => id !== leader)!;
    const follower = net.members.get(followerId)!;
    const refused = await follower.driver.propose(encodePut('b', Buffer.from('2')));
    assert.deepEqual(refused, { ok: false, errorCode: 6, leaderId: leader });
    const read = await follower.driver.read();
    assert.ok(read.ok && read.index >= put.index, JSON.stringify(read));
    assert.equal(follower.machine.get('a')?.toString(), '1', 'read served after applying');
  } finally {
    await stopGroup(net);
  }
});

test('a cut-off node catches up through a snapshot; the log is compacted', async () => {
  const net = await startGroup('snapshot');
  try {
    const leader = await waitFor('a leader', () => leaderOf(net), 10_000, 10);
    const laggard = ids.find((id) => id !== leader)!;
    net.cut.add(laggard);
    const lead = net.members.get(leader)!;
    for (let i = 0; i < 60; i++) {
      const r = await lead.driver.propose(encodePut(`k${i}`, Buffer.from(`v${i}`)));
      assert.ok(r.ok, `put k${i}: ${JSON.stringify(r)}`);
    }
    assert.ok(lead.store.storage.firstIndex() > 20, 'leader compacted its log');
    net.cut.delete(laggard);
    const lag = net.members.get(laggard)!;
    await waitFor('the laggard to apply k59',
      () => lag.machine.get('k59')?.toString(), 10_000, 10);
    for (let i = 0; i < 60; i++) assert.equal(lag.machine.get(`k${i}`)?.toString(), `v${i}`);
  } finally {
    await stopGroup(net);
  }
});

test('close answers waiting proposals', async () => {
  const net = await startGroup('close');
  const leader = await waitFor('a leader', () => leaderOf(net), 10_000, 10);
  for (const id of ids) if (id !== leader) net.cut.add(id);
  const pending = net.members.get(leader)!.driver.propose(encodePut('x', Buffer.from('y')));
  await stopGroup(net);
  const r = await pending;
  assert.equal(r.ok, false);
});

test('a read the leader could not confirm is refused when it loses the leadership', async () => {
  // Deadlines far beyond the test's: only the step-down can answer the read.
  const net = await startGroup('read-lost', 600_000);
  try {
    const leader = await waitFor('a leader', () => leaderOf(net), 10_000, 10);
    for (const id of ids) if (id !== leader) net.cut.add(id);
    const old = net.members.get(leader)!.driver;
    const read = old.read();
    // Check-quorum: cut off from both followers, it steps down after an election timeout.
    const r = await waitFor('the read answered', async () => {
      let answer: Awaited<typeof read> | undefined;
      await Promise.race([read.then((x) => { answer = x; }), new Promise((res) => setImmediate(res))]);
      return answer;
    }, 10_000, 10);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.errorCode, 6, 'NOT_LEADER_OR_FOLLOWER, retriable elsewhere');
    assert.notEqual(old.status().role, 'leader');
  } finally {
    await stopGroup(net);
  }
});
