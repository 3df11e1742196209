/**
 * Proves the coordinator's invariants hold under arbitrary member behaviour, by seeded random runs
 * of 2–5 simulated consumers (dynamic or static; KIP-394 or not) that join, sync with a correct
 * assignor, heartbeat, fall silent past their session, leave and crash, on a fake clock. After
 * every step: transitions are legal; the generation grows by one per completed rebalance and
 * changes at no other time; a Stable group's assignments go only to its members and no partition
 * is assigned twice; every request is answered at most once. At the end all consumers behave and
 * the group must become Stable with all of them within a bounded number of steps (liveness).
 * Replay: PADO_SEED=<seed> node --test dist/test/unit/groups/random.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import { isLegalTransition, type JoinResult, type SyncResult } from '../../../src/groups/index.js';
import { KafkaError as E } from '../../../src/protocol/index.js';
import { Harness } from './harness.js';

const G = 'g';
/** Heartbeat answers seen across all seeds: a run that never sees them proves nothing. */
const marks = new Map<number, number>();
const partitionCount = 6;
const stepsPerRun = 300;
const settleStepsMax = 200;

interface Client {
  readonly name: string;
  readonly instanceId: string | null;
  readonly kip394: boolean;
  memberId: string;
  generation: number;
  phase: 'idle' | 'joining' | 'syncing' | 'stable';
  token: number | null;
  silentUntilMs: number;
  /** The member id before the last crash: its zombie may still send (fencing must stop it). */
  staleMemberId: string;
}

/** Round-robin over the sorted member ids: a correct assignor. */
function assign(members: readonly { memberId: string }[]): { memberId: string; assignment: Buffer }[] {
  const ids = members.map((m) => m.memberId).sort();
  return ids.map((memberId, i) => {
    const mine: number[] = [];
    for (let p = i; p < partitionCount; p += ids.length) mine.push(p);
    return { memberId, assignment: Buffer.from(mine.join(',')) };
  });
}

class Sim {
  readonly h: Harness;
  readonly clients: Client[];
  private seenTransitions = 0;
  private generation = 0;

  readonly prng: Prng;

  constructor(prng: Prng) {
    this.prng = prng;
    this.h = new Harness({ initialRebalanceDelayMs: prng.pick([0, 100, 300]) });
    const n = prng.between(2, 5);
    this.clients = Array.from({ length: n }, (_, i) => ({
      name: `c${i}`,
      instanceId: prng.chance(0.4) ? `i${i}` : null,
      kip394: prng.chance(0.5),
      memberId: '', generation: -1, phase: 'idle' as const, token: null, silentUntilMs: 0, staleMemberId: '',
    }));
  }

  join(c: Client): void {
    c.phase = 'joining';
    c.token = this.h.join(G, c.memberId, { clientId: c.name, groupInstanceId: c.instanceId,
      requireKnownMemberId: c.kip394 });
  }

  reset(c: Client): void {
    c.memberId = '';
    c.generation = -1;
    c.phase = 'idle';
    c.token = null;
  }

  /** Delivers answers to clients, which react as a consumer would. */
  deliver(): void {
    for (let round = 0; round < 10; round++) {
      let progressed = false;
      for (const c of this.clients) {
        if (c.token === null) continue;
        if (c.phase === 'joining' && this.h.joins.has(c.token)) {
          this.onJoin(c, this.h.joined(c.token));
          progressed = true;
        } else if (c.phase === 'syncing' && this.h.syncs.has(c.token)) {
          this.onSync(c, this.h.synced(c.token));
          progressed = true;
        }
      }
      if (!progressed) return;
    }
  }

  private onJoin(c: Client, r: JoinResult): void {
    c.token = null;
    if (r.errorCode === E.memberIdRequired.code) {
      c.memberId = r.memberId;
      return this.join(c);
    }
    if (r.errorCode !== 0) {
      if (r.errorCode !== E.rebalanceInProgress.code) c.memberId = '';
      c.phase = 'idle';
      return;
    }
    c.memberId = r.memberId;
    c.generation = r.generationId;
    c.phase = 'syncing';
    const assignments = r.leader === r.memberId ? assign(r.members) : [];
    c.token = this.h.sync({ groupId: G, generationId: r.generationId, memberId: r.memberId,
      groupInstanceId: c.instanceId, assignments });
  }

  private onSync(c: Client, r: SyncResult): void {
    c.token = null;
    if (r.errorCode === 0) {
      c.phase = 'stable';
      return;
    }
    c.phase = 'idle';
    if (r.errorCode !== E.rebalanceInProgress.code) c.memberId = '';
  }

  heartbeat(c: Client): void {
    if (c.phase !== 'stable' && c.phase !== 'syncing') return;
    const code = this.h.core.heartbeat({ groupId: G, generationId: c.generation,
      memberId: c.memberId, groupInstanceId: c.instanceId }, this.h.nowMs);
    marks.set(code, (marks.get(code) ?? 0) + 1);
    if (code === 0) return;
    if (c.phase === 'syncing') return; // the pending sync will tell
    if (code === E.rebalanceInProgress.code) return this.join(c);
    this.reset(c);
  }

  private zombieHeartbeat(c: Client): void {
    const g = this.h.core.group(G);
    const code = this.h.core.heartbeat({ groupId: G, generationId: g?.generationId ?? -1,
      memberId: c.staleMemberId, groupInstanceId: c.instanceId }, this.h.nowMs);
    marks.set(code, (marks.get(code) ?? 0) + 1);
    const current = g?.staticMembers.get(c.instanceId ?? '');
    if (current !== undefined && current !== c.staleMemberId) {
      assert.equal(code, E.fencedInstanceId.code, 'a replaced static member is fenced');
    }
  }

  step(chaos: boolean): void {
    const c = this.prng.pick(this.clients);
    const roll = this.prng.float();
    if (chaos && roll < 0.04 && c.memberId !== '' && c.phase !== 'joining') {
      this.h.core.leave({ groupId: G, members: [{ memberId: c.memberId,
        groupInstanceId: c.instanceId }] }, this.h.nowMs);
      this.h.collect();
      this.reset(c);
    } else if (chaos && roll < 0.08) {
      if (c.memberId !== '') c.staleMemberId = c.memberId;
      this.reset(c); // crash: forgets everything; a late answer to its old request is dropped
    } else if (chaos && roll < 0.12) {
      c.silentUntilMs = this.h.nowMs + this.prng.between(1_000, 20_000);
    } else if (chaos && roll < 0.16 && c.staleMemberId !== '' && c.instanceId !== null) {
      this.zombieHeartbeat(c);
    } else if (c.phase === 'idle') {
      this.join(c);
    }
    for (const x of this.clients) if (x.silentUntilMs <= this.h.nowMs) this.heartbeat(x);
    this.deliver();
    this.h.advance(this.prng.between(0, 2_500));
    this.deliver();
    this.check();
  }

  check(): void {
    for (; this.seenTransitions < this.h.transitions.length; this.seenTransitions++) {
      const t = this.h.transitions[this.seenTransitions];
      assert.ok(t !== undefined);
      assert.ok(isLegalTransition(t.from as never, t.to as never), `${t.from} -> ${t.to}`);
      const completes = t.from === 'PreparingRebalance';
      const expected = completes ? this.generation + 1 : this.generation;
      assert.equal(t.generationId, expected, `generation after ${t.from} -> ${t.to}`);
      this.generation = t.generationId;
    }
    const g = this.h.core.group(G);
    if (g === undefined) return;
    assert.equal(g.generationId, this.generation, 'generation changes only with a transition');
    assert.ok(g.size() <= this.h.core.config.membersPerGroupMax, 'group size bounded');
    if (g.leaderId !== null) assert.ok(g.members.has(g.leaderId), 'the leader is a member');
    for (const id of g.staticMembers.values()) assert.ok(g.members.has(id), 'static index');
    if (g.state !== 'Stable') return;
    const owned = new Set<string>();
    for (const m of g.members.values()) {
      const parts = m.assignment.toString();
      for (const p of parts === '' ? [] : parts.split(',')) {
        assert.ok(!owned.has(p), `partition ${p} assigned twice`);
        owned.add(p);
      }
    }
    for (const c of this.clients) {
      if (c.phase === 'stable' && c.generation === g.generationId && c.memberId !== '') {
        assert.ok(g.members.has(c.memberId), `${c.name} owns partitions but is not a member`);
      }
    }
  }

  settled(): boolean {
    const g = this.h.core.group(G);
    if (g?.state !== 'Stable' || g.members.size !== this.clients.length) return false;
    return this.clients.every((c) => c.phase === 'stable' && c.generation === g.generationId);
  }
}

function run(seed: number): void {
  const sim = new Sim(new Prng(seed));
  const where = () => `seed=${seed} replay: PADO_SEED=${seed} node --test ` +
    'dist/test/unit/groups/random.test.js';
  try {
    for (let i = 0; i < stepsPerRun; i++) sim.step(true);
    for (const c of sim.clients) c.silentUntilMs = 0;
    let steps = 0;
    while (!sim.settled() && steps++ < settleStepsMax) sim.step(false);
    assert.ok(sim.settled(), 'the group settles once every consumer behaves');
    const g = sim.h.core.group(G);
    const all = [...(g?.members.values() ?? [])].flatMap((m) => m.assignment.toString().split(','));
    assert.equal(new Set(all.filter((p) => p !== '')).size, partitionCount, 'all partitions owned');
  } catch (err) {
    if (err instanceof Error) err.message = `${err.message} (${where()})`;
    throw err;
  }
}

test('random members: invariants after every step and eventual stability', () => {
  const fixed = process.env['PADO_SEED'];
  const seeds = fixed === undefined ? Array.from({ length: 60 }, (_, i) => i + 1) : [Number(fixed)];
  for (const seed of seeds) run(seed);
  if (fixed !== undefined) return;
  for (const e of [E.rebalanceInProgress, E.unknownMemberId, E.fencedInstanceId]) {
    assert.ok((marks.get(e.code) ?? 0) > 0, `no heartbeat ever got ${e.name}`);
  }
});
