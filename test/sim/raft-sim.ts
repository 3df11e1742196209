/**
 * Deterministic simulation of a Raft group (TigerBeetle's VOPR shape): 1–5 RawNodes driven on
 * virtual ticks through a fake network (drop, duplicate, delay, reorder, symmetric and one-way
 * partitions) and fake disks (a crash keeps what was synced and loses the rest, including a Ready
 * persisted but not yet sent), with restarts, membership changes, snapshots, leadership transfers
 * and read-index reads — every choice drawn from one seed. Safety is checked after every step;
 * liveness after healing. Used by raft.test.ts (many seeds) and scripts/run-sim.mjs.
 */
import { Prng } from '../../src/common/index.js';
import {
  type ConfChange,
  type Entry,
  type HardState,
  MemoryStorage,
  type Message,
  type NodeId,
  type RaftLogger,
  RawNode,
  type Ready,
  type Snapshot,
} from '../../src/raft/index.js';

/** Events a gentle simulator would never produce; a run set that misses one fails. */
export const rareEvents = [
  'preVoteRejected', 'checkQuorumStepDown', 'followerTruncated', 'snapshotInstalled',
  'leaderTransferred', 'confChangeApplied', 'readServed', 'crashMidReady',
] as const;
export type RareEvent = (typeof rareEvents)[number];

const logEvents: Record<string, RareEvent> = {
  'pre-vote rejected': 'preVoteRejected',
  'stepped down: quorum not active': 'checkQuorumStepDown',
  'truncated log': 'followerTruncated',
  'installed snapshot': 'snapshotInstalled',
  'applied conf change': 'confChangeApplied',
};

export class SimFailure extends Error {
  override name = 'SimFailure';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SimFailure(message);
}

/** Everything a run does is drawn from the seed here, and printed on failure. */
export interface Setup {
  readonly seed: number;
  readonly nodeCount: number;
  readonly spareCount: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly delayTicksMax: number;
  /** Some messages are held past an election timeout or more (a stalled connection, a GC pause). */
  readonly longDelayRate: number;
  readonly crashRate: number;
  readonly crashMidReadyRate: number;
  readonly restartRate: number;
  readonly partitionRate: number;
  readonly healRate: number;
  readonly proposeRate: number;
  readonly confChangeRate: number;
  readonly transferRate: number;
  readonly readRate: number;
  readonly snapshotEveryEntries: number;
  readonly chaosTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
}

export function drawSetup(seed: number): Setup {
  const p = new Prng(seed);
  const nodeCount = p.between(1, 5);
  return {
    seed,
    nodeCount,
    spareCount: p.between(0, 5 - nodeCount),
    dropRate: p.pick([0, 0.02, 0.1, 0.25]),
    duplicateRate: p.pick([0, 0.02, 0.1]),
    delayTicksMax: p.pick([0, 1, 3, 8]),
    longDelayRate: p.pick([0, 0.02, 0.1, 0.3]),
    crashRate: p.pick([0, 0.002, 0.01]),
    crashMidReadyRate: p.pick([0, 0.002]),
    restartRate: p.pick([0.02, 0.1]),
    partitionRate: p.pick([0, 0.01, 0.03]),
    healRate: p.pick([0.02, 0.1]),
    proposeRate: p.pick([0.1, 0.5]),
    confChangeRate: p.pick([0, 0.01, 0.03]),
    transferRate: p.pick([0, 0.005, 0.02]),
    readRate: p.pick([0, 0.05]),
    snapshotEveryEntries: p.pick([4, 16, 64]),
    chaosTicks: p.between(200, 800),
    ...drawProtections(p),
  };
}

/**
 * Pre-vote and check-quorum, each usually on; never both off: then a removed server that missed
 * its removal can disrupt the group forever with ever-higher terms (thesis §4.2.3), which is why
 * Pado turns both on by default.
 */
function drawProtections(p: Prng): { preVote: boolean; checkQuorum: boolean } {
  const preVote = p.chance(0.8);
  return { preVote, checkQuorum: preVote ? p.chance(0.8) : true };
}

export function describeSetup(s: Setup): string {
  return `seed=${s.seed} nodes=${s.nodeCount} spares=${s.spareCount} drop=${s.dropRate} ` +
    `dup=${s.duplicateRate} delay=${s.delayTicksMax} longDelay=${s.longDelayRate} ` +
    `crash=${s.crashRate} ` +
    `crashMidReady=${s.crashMidReadyRate} restart=${s.restartRate} partition=${s.partitionRate} ` +
    `heal=${s.healRate} propose=${s.proposeRate} conf=${s.confChangeRate} ` +
    `transfer=${s.transferRate} read=${s.readRate} snapshotEvery=${s.snapshotEveryEntries} ` +
    `ticks=${s.chaosTicks} preVote=${s.preVote} checkQuorum=${s.checkQuorum}`;
}

const electionTimeoutTicks = 10;
const heartbeatTimeoutTicks = 2;
/** Liveness: after healing, a leader must commit a new proposal everywhere within this. */
const settleTicksMax = 40 * electionTimeoutTicks;
/** The fake network holds at most this many messages; beyond it sends are dropped. */
const networkMessagesMax = 4096;
/** Readies drained per node per step; more means the core loops on its own output. */
const readiesPerStepMax = 64;

interface InFlight {
  readonly message: Message;
  readonly deliverAt: number;
}

/** A node's state machine: a hash chain over applied entries; equal hashes, equal prefixes. */
interface StateMachine {
  index: number;
  hash: number;
}

interface SimNode {
  readonly id: NodeId;
  /** What a crash keeps is `disk` with `syncedHardState`; writes without mustSync are lost. */
  disk: MemoryStorage;
  syncedHardState: HardState;
  node: RawNode | null;
  sm: StateMachine;
  /** Per incarnation: commit never goes back (terms never go back across incarnations). */
  commitSeen: number;
  termSeen: number;
}

function chain(hash: number, e: Entry): number {
  let h = Math.imul(hash ^ e.index, 0x9e3779b1) ^ Math.imul(e.term, 0x85ebca6b);
  for (let i = 0; i < e.data.length; i++) h = Math.imul(h ^ (e.data[i] as number), 0x01000193);
  return h >>> 0;
}

function encodeMachine(sm: StateMachine): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(sm.index, 0);
  b.writeUInt32BE(sm.hash, 4);
  return b;
}

export interface SimResult {
  readonly setup: Setup;
  readonly events: Map<RareEvent, number>;
  readonly ticks: number;
  readonly messages: number;
}

export class RaftSim {
  readonly setup: Setup;
  private readonly prng: Prng;
  private readonly nodes = new Map<NodeId, SimNode>();
  private network: InFlight[] = [];
  private readonly blocked = new Set<string>();
  private now = 0;
  private messagesSent = 0;
  private proposalCount = 0;
  private readCount = 0;
  private faultsOn = true;
  readonly events = new Map<RareEvent, number>();
  // Global knowledge, for the cross-node invariants.
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly committedTerm = new Map<number, number>();
  private readonly appliedHash = new Map<number, number>();
  private readonly entryAt = new Map<string, { data: Buffer; prevTerm: number | undefined }>();
  private readonly readFloor = new Map<string, number>();
  private maxCommit = 0;
  /** PADO_SIM_TRACE=1 prints every step of a replayed seed. */
  private readonly trace: ((line: string) => void) | null;

  constructor(setup: Setup) {
    this.setup = setup;
    this.prng = new Prng(setup.seed ^ 0x5eed);
    this.trace = process.env.PADO_SIM_TRACE === '1'
      ? (line) => console.log(`${this.now} ${line}`)
      : null;
    const voters: NodeId[] = [];
    for (let id = 1; id <= setup.nodeCount; id++) voters.push(id);
    for (let id = 1; id <= setup.nodeCount + setup.spareCount; id++) {
      // Spares start empty: they wait to be added.
      const disk = id <= setup.nodeCount ? MemoryStorage.bootstrap(voters) : new MemoryStorage();
      const sim: SimNode = {
        id, disk, syncedHardState: disk.hardState(), node: null,
        sm: { index: 0, hash: 0 }, commitSeen: 0, termSeen: 0,
      };
      this.nodes.set(id, sim);
      this.start(sim);
    }
  }

  run(): SimResult {
    for (; this.now < this.setup.chaosTicks; this.now++) this.step();
    this.heal();
    this.settle();
    return { setup: this.setup, events: this.events, ticks: this.now, messages: this.messagesSent };
  }

  private count(event: RareEvent): void {
    this.events.set(event, (this.events.get(event) ?? 0) + 1);
  }

  private logger(id: NodeId): RaftLogger {
    const note = (fields: object, message: string): void => {
      const event = logEvents[message];
      if (event !== undefined) this.count(event);
      if (message === 'became leader' && (fields as { transfer?: boolean }).transfer === true) {
        this.count('leaderTransferred');
      }
      this.trace?.(`n${id} ${message} ${JSON.stringify(fields)}`);
    };
    return { debug: note, info: note, warn: note };
  }

  // ---- one tick of chaos ------------------------------------------------------------------

  private step(): void {
    this.faults();
    this.clientRequests();
    this.deliverDue();
    for (const sim of this.nodes.values()) {
      if (sim.node === null) continue;
      sim.node.tick();
      this.drain(sim);
    }
  }

  private faults(): void {
    if (!this.faultsOn) return;
    const s = this.setup;
    const p = this.prng;
    for (const sim of this.nodes.values()) {
      if (sim.node !== null && p.chance(s.crashRate)) this.crash(sim);
      else if (sim.node === null && p.chance(s.restartRate)) this.start(sim);
    }
    if (p.chance(s.partitionRate)) this.partition();
    if (this.blocked.size > 0 && p.chance(s.healRate)) this.blocked.clear();
  }

  private partition(): void {
    const ids = [...this.nodes.keys()];
    this.blocked.clear();
    if (this.prng.chance(0.5)) {
      // Symmetric: split into two sides.
      const side = new Set(ids.filter(() => this.prng.chance(0.5)));
      for (const a of ids) {
        for (const b of ids) if (side.has(a) !== side.has(b)) this.blocked.add(`${a}>${b}`);
      }
    } else {
      // One-way: some directed links fail, their reverse may not.
      for (const a of ids) {
        for (const b of ids) if (a !== b && this.prng.chance(0.3)) this.blocked.add(`${a}>${b}`);
      }
    }
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const sim of this.nodes.values()) {
      const st = sim.node?.status();
      if (st?.role !== 'leader') continue;
      if (best === undefined || st.term > (best.node as RawNode).status().term) best = sim;
    }
    return best;
  }

  private clientRequests(): void {
    const s = this.setup;
    const p = this.prng;
    const leader = this.leader();
    if (leader === undefined) return;
    const node = leader.node as RawNode;
    if (p.chance(s.proposeRate)) this.propose(leader);
    if (this.faultsOn && p.chance(s.confChangeRate)) {
      node.proposeConfChange(this.randomChange(leader));
    }
    if (this.faultsOn && p.chance(s.transferRate)) {
      const voters = node.status().conf.voters.filter((v) => v !== leader.id);
      if (voters.length > 0) node.transferLeadership(p.pick(voters));
    }
    if (p.chance(s.readRate)) this.read(p.pick([...this.nodes.values()]));
    this.drain(leader);
  }

  private propose(leader: SimNode): number | undefined {
    const data = Buffer.from(`p${this.setup.seed}:${this.proposalCount++}`);
    const result = (leader.node as RawNode).propose(data);
    return result.accepted ? result.index : undefined;
  }

  private randomChange(leader: SimNode): ConfChange {
    const conf = (leader.node as RawNode).status().conf;
    const nodeId = this.prng.pick([...this.nodes.keys()]);
    const isVoter = conf.voters.includes(nodeId);
    const isLearner = conf.learners.includes(nodeId);
    if (isVoter) return { type: 'removeNode', nodeId };
    if (isLearner) return { type: this.prng.chance(0.7) ? 'addVoter' : 'removeNode', nodeId };
    return { type: this.prng.chance(0.5) ? 'addLearner' : 'addVoter', nodeId };
  }

  private read(sim: SimNode): void {
    if (sim.node === null) return;
    const context = `r${this.readCount++}`;
    // Linearizability: the read must see every write known committed when it was asked.
    if (sim.node.readIndex(context)) this.readFloor.set(context, this.maxCommit);
    this.drain(sim);
  }

  // ---- network ----------------------------------------------------------------------------

  private send(m: Message): void {
    this.messagesSent++;
    const s = this.setup;
    const faults = this.faultsOn;
    if (faults && this.prng.chance(s.dropRate)) return;
    const copies = faults && this.prng.chance(s.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.network.length >= networkMessagesMax) return;
      const long = faults && this.prng.chance(s.longDelayRate);
      const delay = long
        ? this.prng.between(electionTimeoutTicks, 4 * electionTimeoutTicks)
        : this.prng.between(0, faults ? s.delayTicksMax : 1);
      this.network.push({ message: m, deliverAt: this.now + delay });
    }
  }

  /** Delivers every due message in a random order (reordering), through the partition rules. */
  private deliverDue(): void {
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const f of this.network) (f.deliverAt <= this.now ? due : later).push(f);
    this.network = later;
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.prng.below(i + 1);
      const t = due[i] as InFlight;
      due[i] = due[j] as InFlight;
      due[j] = t;
    }
    for (const { message } of due) {
      if (this.blocked.has(`${message.from}>${message.to}`)) continue;
      const sim = this.nodes.get(message.to);
      if (sim?.node == null) continue;
      this.trace?.(`deliver ${describeMessage(message)}`);
      sim.node.step(message);
      this.drain(sim);
    }
  }

  // ---- the host: Ready handling, crash, restart ---------------------------------------------

  private start(sim: SimNode): void {
    this.trace?.(`n${sim.id} start`);
    sim.node = new RawNode({
      id: sim.id,
      storage: sim.disk,
      prng: new Prng(this.prng.u32()),
      logger: this.logger(sim.id),
      electionTimeoutTicks,
      heartbeatTimeoutTicks,
      preVote: this.setup.preVote,
      checkQuorum: this.setup.checkQuorum,
      // Small windows so flow control and byte limits are exercised.
      appendBytesMax: 256,
      inflightCountMax: 4,
      inflightBytesMax: 1024,
      uncommittedBytesMax: 4096,
      snapshotRetryHeartbeats: 5,
    });
    const snap = sim.disk.snapshot();
    sim.sm = this.restoreMachine(snap);
    sim.commitSeen = Math.max(sim.disk.hardState().commit, snap.meta.index);
    this.drain(sim);
  }

  private crash(sim: SimNode): void {
    this.trace?.(`n${sim.id} crash`);
    sim.node = null;
    // The disk keeps synced writes only: entries, snapshots, term and vote always are; a commit
    // index written without mustSync may be lost.
    sim.disk.setHardState(sim.syncedHardState);
  }

  private restoreMachine(snap: Snapshot): StateMachine {
    if (snap.meta.index === 0) return { index: 0, hash: 0 };
    const sm = { index: snap.data.readUInt32BE(0), hash: snap.data.readUInt32BE(4) };
    check(sm.index === snap.meta.index, `snapshot data at ${sm.index} labelled ${snap.meta.index}`);
    const known = this.appliedHash.get(sm.index);
    check(known === undefined || known === sm.hash, `snapshot at ${sm.index} diverges`);
    return sm;
  }

  /** Runs the Ready loop: persist, (maybe crash), send, apply, advance; then checks invariants. */
  private drain(sim: SimNode): void {
    for (let i = 0; sim.node !== null && sim.node.hasReady(); i++) {
      check(i < readiesPerStepMax, `node ${sim.id}: Ready loop does not settle`);
      const node = sim.node;
      const rd = node.ready();
      this.persist(sim, rd);
      if (this.faultsOn && this.prng.chance(this.setup.crashMidReadyRate)) {
        this.count('crashMidReady');
        this.crash(sim);
        return;
      }
      for (const m of rd.messages) this.send(m);
      for (const e of rd.committedEntries) this.apply(sim, e);
      this.serveReads(sim, rd);
      node.advance();
      this.checkNode(sim, rd);
      this.maybeSnapshot(sim);
    }
  }

  private persist(sim: SimNode, rd: Ready): void {
    this.trace?.(`n${sim.id} ready hs=${JSON.stringify(rd.hardState)} ` +
      `soft=${JSON.stringify(rd.softState)} entries=${indexTerms(rd.entries)} ` +
      `snap=${rd.snapshot?.meta.index ?? '-'} ` +
      `committed=${rd.committedEntries.map((e) => e.index).join(',')}`);
    if (rd.snapshot !== null) {
      sim.disk.applySnapshot(rd.snapshot);
      sim.sm = this.restoreMachine(rd.snapshot);
    }
    if (rd.entries.length > 0) {
      this.checkLogMatching(sim, rd.entries);
      sim.disk.append(rd.entries);
    }
    if (rd.hardState !== null) {
      sim.disk.setHardState(rd.hardState);
      const synced = sim.syncedHardState;
      // Without mustSync only the commit index changed, and it is not synced.
      sim.syncedHardState = rd.mustSync
        ? rd.hardState
        : { term: rd.hardState.term, vote: rd.hardState.vote, commit: synced.commit };
      check(rd.mustSync || (rd.hardState.term === synced.term && rd.hardState.vote === synced.vote),
        `node ${sim.id}: term or vote changed without mustSync`);
    }
    if (rd.mustSync) sim.syncedHardState = sim.disk.hardState();
  }

  private apply(sim: SimNode, e: Entry): void {
    check(e.index === sim.sm.index + 1, `node ${sim.id}: applies ${e.index} after ${sim.sm.index}`);
    sim.sm = { index: e.index, hash: chain(sim.sm.hash, e) };
    const known = this.appliedHash.get(e.index);
    check(known === undefined || known === sim.sm.hash,
      `node ${sim.id}: applied prefix at ${e.index} differs from another node's`);
    this.appliedHash.set(e.index, sim.sm.hash);
    this.noteCommitted(e.index, e.term);
  }

  private noteCommitted(index: number, term: number): void {
    const known = this.committedTerm.get(index);
    check(known === undefined || known === term,
      `committed entry ${index} changed term ${known} → ${term}`);
    this.committedTerm.set(index, term);
  }

  private serveReads(sim: SimNode, rd: Ready): void {
    for (const rs of rd.readStates) {
      const floor = this.readFloor.get(rs.context);
      // A duplicated request may be answered twice; each answer must still be fresh enough.
      check(floor !== undefined, `read state for unknown context ${rs.context}`);
      check(rs.index >= floor, `stale read ${rs.context}: index ${rs.index} < committed ${floor}`);
      this.count('readServed');
    }
    void sim;
  }

  private maybeSnapshot(sim: SimNode): void {
    const node = sim.node;
    if (node === null) return;
    const first = sim.disk.firstIndex();
    if (sim.sm.index - (first - 1) < this.setup.snapshotEveryEntries) return;
    if (sim.sm.index > sim.disk.lastIndex()) return;
    sim.disk.createSnapshot(sim.sm.index, node.confState(), encodeMachine(sim.sm));
  }

  // ---- invariants ---------------------------------------------------------------------------

  /** Log matching by induction: one (index, term) always carries the same data and predecessor. */
  private checkLogMatching(sim: SimNode, entries: readonly Entry[]): void {
    let prevTerm = sim.disk.term((entries[0] as Entry).index - 1);
    for (const e of entries) {
      const key = `${e.index}:${e.term}`;
      const known = this.entryAt.get(key);
      if (known === undefined) {
        this.entryAt.set(key, { data: e.data, prevTerm });
      } else {
        check(known.data.equals(e.data), `node ${sim.id}: two entries at ${key}`);
        check(known.prevTerm === undefined || prevTerm === undefined || known.prevTerm === prevTerm,
          `node ${sim.id}: entry ${key} follows term ${prevTerm}, elsewhere ${known.prevTerm}`);
      }
      prevTerm = e.term;
    }
  }

  private checkNode(sim: SimNode, rd: Ready): void {
    const node = sim.node as RawNode;
    const st = node.status();
    check(st.term >= sim.termSeen, `node ${sim.id}: term went back ${sim.termSeen} → ${st.term}`);
    check(st.commit >= sim.commitSeen,
      `node ${sim.id}: commit went back ${sim.commitSeen} → ${st.commit}`);
    sim.termSeen = st.term;
    this.maxCommit = Math.max(this.maxCommit, st.commit);
    // Committed entries never change: every newly committed index agrees with what is known.
    for (let i = Math.max(sim.commitSeen + 1, st.firstIndex); i <= st.commit; i++) {
      this.noteCommitted(i, node.termAt(i) as number);
    }
    sim.commitSeen = st.commit;
    if (rd.softState?.role === 'leader') this.checkNewLeader(sim, st.term);
  }

  /** At most one leader per term, and it holds every committed entry (Leader Completeness). */
  private checkNewLeader(sim: SimNode, term: number): void {
    const known = this.leaderOfTerm.get(term);
    check(known === undefined || known === sim.id,
      `two leaders in term ${term}: ${known}, ${sim.id}`);
    this.leaderOfTerm.set(term, sim.id);
    const node = sim.node as RawNode;
    const first = node.status().firstIndex;
    for (const [index, t] of this.committedTerm) {
      if (index < first) continue;
      check(node.termAt(index) === t, `leader ${sim.id} of term ${term} lacks committed ${index}`);
    }
  }

  // ---- healing and liveness -----------------------------------------------------------------

  private heal(): void {
    this.faultsOn = false;
    this.blocked.clear();
    for (const sim of this.nodes.values()) if (sim.node === null) this.start(sim);
  }

  /** Within settleTicksMax, a leader commits a new entry and every voter applies it. */
  private settle(): void {
    const deadline = this.now + settleTicksMax;
    let target: { index: number; term: number } | undefined;
    for (; this.now < deadline; this.now++) {
      this.deliverDue();
      for (const sim of this.nodes.values()) {
        (sim.node as RawNode).tick();
        this.drain(sim);
      }
      const leader = this.leader();
      if (leader === undefined) continue;
      // A proposal to a leader that lost its term may be lost with it: propose again.
      const term = (leader.node as RawNode).status().term;
      if (target === undefined || target.term !== term) {
        const index = this.propose(leader);
        target = index === undefined ? undefined : { index, term };
      }
      this.drain(leader);
      if (target !== undefined && this.allApplied(leader, target.index)) return;
    }
    throw new SimFailure(`no progress within ${settleTicksMax} ticks after healing`);
  }

  private allApplied(leader: SimNode, index: number): boolean {
    const conf = (leader.node as RawNode).status().conf;
    return conf.voters.every((id) => (this.nodes.get(id) as SimNode).sm.index >= index);
  }
}

function indexTerms(entries: readonly Entry[]): string {
  return entries.map((e) => `${e.index}/${e.term}`).join(',');
}

function describeMessage(m: Message): string {
  const base = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'append':
      return `${base} i${m.index}/${m.logTerm} c${m.commit} [${indexTerms(m.entries)}]`;
    case 'appendResponse':
      return `${base} i${m.index} rej=${m.reject} hint=${m.hintIndex}/${m.hintTerm}`;
    case 'vote':
    case 'preVote':
      return `${base} last=${m.index}/${m.logTerm}`;
    case 'voteResponse':
    case 'preVoteResponse':
      return `${base} rej=${m.reject}`;
    case 'heartbeat':
      return `${base} c${m.commit}`;
    case 'snapshot':
      return `${base} snap=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    default:
      return base;
  }
}

/** Runs one seed; failures carry the setup and the replay command. */
export function runSeed(seed: number): SimResult {
  const setup = drawSetup(seed);
  try {
    return new RaftSim(setup).run();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const err = new SimFailure(
      `${why}\n  ${describeSetup(setup)}\n  replay: PADO_SEED=${seed} npm run test:sim`,
    );
    err.cause = e;
    throw err;
  }
}

