/**
 * Proves the group driver's I/O contract: records are appended before the answers that depend on
 * them are released; a failed append turns those answers into retriable errors; OffsetFetch sees a
 * commit only once it is durable (never one whose append failed); reopening over the
 * same store replays groups and offsets; close() answers waiting joins with NOT_COORDINATOR. Uses
 * an in-memory store (with a gate to hold appends) and a fake clock; ticks are called by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { GroupDriver, MemoryGroupStore } from '../../../src/node/group-driver.js';
import type { GroupRecord } from '../../../src/groups/index.js';
import { KafkaError as E } from '../../../src/protocol/index.js';
import { base } from './harness.js';
import { SteppedClock } from '../../support/manual-clock.js';
import { Prng, seededRandom } from '../../../src/common/index.js';

const log = pino({ level: 'silent' });

class GatedStore extends MemoryGroupStore {
  readonly events: string[] = [];
  fail = false;
  private release: (() => void) | null = null;
  hold = false;

  override async append(records: readonly GroupRecord[]): Promise<void> {
    if (this.hold) await new Promise<void>((r) => { this.release = r; });
    if (this.fail) throw new Error('disk on fire');
    this.events.push(`append ${records.map((r) => r.type).join(',')}`);
    return super.append(records);
  }

  open(): void {
    this.hold = false;
    this.release?.();
  }
}

async function open(store: MemoryGroupStore, clock: SteppedClock): Promise<GroupDriver> {
  return GroupDriver.open({ store, log, seed: 7, tickIntervalMs: 60_000, clock, random: seededRandom(new Prng(7)),
    config: { initialRebalanceDelayMs: 0 } });
}

const commit = (memberId: string, generation: number, offset: number) => ({
  groupId: 'g', generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null,
  retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0,
    committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
});

test('answers wait for their records; failures are retriable; reopen replays', async () => {
  const clock = new SteppedClock(1_000);
  const store = new GatedStore();
  const d = await open(store, clock);
  const j = await d.joinGroup({ ...base, groupId: 'g', memberId: '' });
  assert.equal(j.errorCode, 0);
  store.hold = true;
  const synced = d.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId,
    groupInstanceId: null, protocolType: null, protocolName: null,
    assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }] })
    .then((r) => { store.events.push('sync answered'); return r; });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(store.events, [], 'the sync waits for its group record');
  store.open();
  assert.equal((await synced).assignment.toString(), 'A');
  assert.deepEqual(store.events, ['append group', 'sync answered']);

  assert.equal((await d.commitOffsets(commit(j.memberId, 1, 42)))[0]?.partitions[0]?.errorCode, 0);
  const offsetNow = async () => (await d.fetchOffsets('g', null))[0]?.partitions[0]?.committedOffset;
  assert.equal(await offsetNow(), 42);
  // A commit being written is not visible to OffsetFetch; one whose write failed never is.
  store.hold = true;
  const pending = d.commitOffsets(commit(j.memberId, 1, 44));
  await new Promise((r) => setImmediate(r));
  assert.equal(await offsetNow(), 42, 'not before its record is durable');
  store.open();
  assert.equal((await pending)[0]?.partitions[0]?.errorCode, 0);
  assert.equal(await offsetNow(), 44);
  store.fail = true;
  const failed = await d.commitOffsets(commit(j.memberId, 1, 43));
  assert.equal(failed[0]?.partitions[0]?.errorCode, E.coordinatorNotAvailable.code);
  assert.equal(await offsetNow(), 44, 'a failed commit is never answered');
  store.fail = false;
  await d.close();

  const again = await open(new MemoryGroupStore(), clock);
  await again.close();
  const reopened = await open(store, clock);
  const fetched = await reopened.fetchOffsets('g', null);
  assert.equal(fetched[0]?.partitions[0]?.committedOffset, 44, 'only the durable commits');
  assert.equal(await reopened.heartbeat({ groupId: 'g', generationId: 1, memberId: j.memberId,
    groupInstanceId: null }), 0);
  await reopened.close();
});

test('close answers waiting joins with NOT_COORDINATOR; later calls too', async () => {
  const clock = new SteppedClock(1_000);
  const d = await open(new MemoryGroupStore(), clock);
  const a = await d.joinGroup({ ...base, groupId: 'g', memberId: '' });
  const waiting = d.joinGroup({ ...base, groupId: 'g', memberId: '' });
  clock.ms += 100;
  d.tick();
  await d.close();
  assert.equal((await waiting).errorCode, E.notCoordinator.code);
  assert.equal((await d.joinGroup({ ...base, groupId: 'g', memberId: a.memberId })).errorCode,
    E.notCoordinator.code);
});
