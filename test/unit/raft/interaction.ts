/**
 * Interpreter for Raft transcripts (etcd-io/raft interaction_test.go style): each command drives
 * a small cluster of RawNodes by hand and returns the exact text it caused — log lines, Readies,
 * delivered messages — so a transcript pins down behaviour message by message.
 *
 * Commands: add-nodes N [voters=1,2,3] [learners=4] [prevote=false] [checkquorum=false]
 *   campaign ID · tick ID [N] · tick-election ID · tick-heartbeat ID · propose ID DATA
 *   propose-conf-change ID (addVoter|addLearner|removeNode) NODE · transfer-leadership FROM TO
 *   read-index ID CONTEXT · process-ready ID · deliver-msgs ID [drop] · stabilize
 *   isolate ID · recover · compact ID INDEX · restart ID · status ID · raft-log ID
 */
import { Prng } from '../../../src/common/index.js';
import {
  type ConfChangeType,
  decodeConfChange,
  type Entry,
  MemoryStorage,
  type Message,
  type NodeId,
  type RaftLogger,
  RawNode,
  type Ready,
} from '../../../src/raft/index.js';

interface Member {
  readonly id: NodeId;
  storage: MemoryStorage;
  node: RawNode;
  applied: string[];
  readonly options: { preVote: boolean; checkQuorum: boolean };
}

export class Interaction {
  private readonly members = new Map<NodeId, Member>();
  /** Messages sent and not yet delivered, per recipient, in send order. */
  private readonly mailboxes = new Map<NodeId, Message[]>();
  private readonly isolated = new Set<NodeId>();
  private out: string[] = [];

  run(command: string): string {
    this.out = [];
    const [verb, ...args] = command.trim().split(/\s+/);
    const positional = args.filter((a) => !a.includes('='));
    const named = new Map(args.filter((a) => a.includes('='))
      .map((a) => a.split('=') as [string, string]));
    const id = Number(positional[0]);
    switch (verb) {
      case 'add-nodes': this.addNodes(id, named); break;
      case 'campaign': this.member(id).node.campaign(); break;
      case 'tick': this.tick(id, Number(positional[1] ?? 1)); break;
      case 'tick-election': this.tickUntil(id, 'election'); break;
      case 'tick-heartbeat': this.tickUntil(id, 'heartbeat'); break;
      case 'propose': this.propose(id, positional[1] ?? ''); break;
      case 'propose-conf-change': this.proposeConfChange(id, positional); break;
      case 'transfer-leadership':
        this.print(`transfer: ${this.member(id).node.transferLeadership(Number(positional[1]))}`);
        break;
      case 'read-index': this.readIndex(id, positional[1] ?? ''); break;
      case 'process-ready': this.processReady(this.member(id)); break;
      case 'deliver-msgs': this.deliver(id, positional[1] === 'drop'); break;
      case 'stabilize': this.stabilize(); break;
      case 'isolate': this.isolated.add(id); break;
      case 'recover': this.isolated.clear(); break;
      case 'compact': this.compact(this.member(id), Number(positional[1])); break;
      case 'restart': this.restart(this.member(id)); break;
      case 'status': this.status(this.member(id)); break;
      case 'raft-log': this.raftLog(this.member(id)); break;
      default: throw new Error(`unknown command ${verb}`);
    }
    return this.out.length === 0 ? 'ok' : this.out.join('\n');
  }

  private tick(id: NodeId, count: number): void {
    for (let i = 0; i < count; i++) this.member(id).node.tick();
  }

  private propose(id: NodeId, data: string): void {
    this.printResult(this.member(id).node.propose(Buffer.from(data)));
  }

  private readIndex(id: NodeId, context: string): void {
    this.print(`read-index: ${this.member(id).node.readIndex(context)}`);
  }

  private print(line: string): void {
    this.out.push(line);
  }

  private member(id: NodeId): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no node ${id}`);
    return m;
  }

  private logger(id: NodeId): RaftLogger {
    const line = (level: string) => (fields: object, message: string): void => {
      const kv = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
      this.print(`${level} ${id}: ${message}${kv === '' ? '' : ` ${kv}`}`);
    };
    return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN') };
  }

  private addNodes(count: number, named: Map<string, string>): void {
    const ids = (key: string, fallback: NodeId[]): NodeId[] => {
      const v = named.get(key);
      return v === undefined ? fallback : v === '' ? [] : v.split(',').map(Number);
    };
    const all = Array.from({ length: count }, (_, i) => i + 1);
    const voters = ids('voters', all);
    const options = {
      preVote: named.get('prevote') !== 'false',
      checkQuorum: named.get('checkquorum') !== 'false',
    };
    for (const id of all) {
      const storage = voters.includes(id) ? MemoryStorage.bootstrap(voters) : new MemoryStorage();
      const node = this.newNode(id, storage, options);
      const member: Member = { id, storage, node, applied: [], options };
      this.members.set(id, member);
      this.mailboxes.set(id, []);
    }
    // Apply the bootstrap entries quietly: every transcript starts from a formed group.
    const output = this.out;
    this.out = [];
    for (const m of this.members.values()) this.processReady(m);
    this.out = output;
  }

  private newNode(id: NodeId, storage: MemoryStorage, options: Member['options']): RawNode {
    // The PRNG is seeded per node: the randomized timeouts are the same on every run.
    return new RawNode({
      id, storage, prng: new Prng(id), logger: this.logger(id), electionTimeoutTicks: 10,
      heartbeatTimeoutTicks: 1, ...options,
    });
  }

  private tickUntil(id: NodeId, what: 'election' | 'heartbeat'): void {
    const n = what === 'election' ? 20 : 1;
    const node = this.member(id).node;
    for (let i = 0; i < n; i++) {
      node.tick();
      if (what === 'election' && node.hasReady()) return;
    }
  }

  private proposeConfChange(id: NodeId, positional: string[]): void {
    const type = positional[1] as ConfChangeType;
    const nodeId = Number(positional[2]);
    this.printResult(this.member(id).node.proposeConfChange({ type, nodeId }));
  }

  private printResult(result: ReturnType<RawNode['propose']>): void {
    this.print(result.accepted
      ? `accepted index=${result.index} term=${result.term}`
      : `refused ${result.reason} leader=${result.leaderId}`);
  }

  private processReady(m: Member): boolean {
    if (!m.node.hasReady()) return false;
    const rd = m.node.ready();
    this.print(`> ${m.id} handling Ready`);
    for (const line of describeReady(rd)) this.print(`  ${line}`);
    if (rd.snapshot !== null) {
      m.storage.applySnapshot(rd.snapshot);
      m.applied = [`snapshot@${rd.snapshot.meta.index}`];
    }
    m.storage.append(rd.entries);
    if (rd.hardState !== null) m.storage.setHardState(rd.hardState);
    for (const msg of rd.messages) this.mailboxes.get(msg.to)?.push(msg);
    for (const e of rd.committedEntries) m.applied.push(describeEntry(e));
    m.node.advance();
    return true;
  }

  private deliver(id: NodeId, drop: boolean): boolean {
    const box = this.mailboxes.get(id) ?? [];
    if (box.length === 0) return false;
    this.mailboxes.set(id, []);
    this.print(`> ${id} ${drop ? 'dropping' : 'receiving'} messages`);
    for (const msg of box) {
      const cut = this.isolated.has(msg.from) || this.isolated.has(msg.to);
      this.print(`  ${describeMessage(msg)}${cut ? ' (isolated: dropped)' : ''}`);
      if (!drop && !cut) this.member(id).node.step(msg);
    }
    return true;
  }

  /** Ready handling and delivery until nothing moves (bounded: a live-lock is a test failure). */
  private stabilize(): void {
    for (let round = 0; round < 100; round++) {
      let moved = false;
      for (const m of this.members.values()) moved = this.processReady(m) || moved;
      for (const id of this.members.keys()) moved = this.deliver(id, false) || moved;
      if (!moved) return;
    }
    throw new Error('stabilize did not settle in 100 rounds');
  }

  private compact(m: Member, index: number): void {
    const data = Buffer.from(m.applied.join(','));
    m.storage.createSnapshot(index, m.node.confState(), data);
    this.print(`compacted ${m.id} to ${index}: first index now ${m.storage.firstIndex()}`);
  }

  /** Loses nothing (everything here is synced) but the volatile state: role, progress. */
  private restart(m: Member): void {
    m.node = this.newNode(m.id, m.storage, m.options);
    m.applied = [];
  }

  private status(m: Member): void {
    const s = m.node.status();
    this.print(`${s.id}: ${s.role} term=${s.term} vote=${s.vote} lead=${s.leaderId} ` +
      `commit=${s.commit} applied=${s.applied} log=[${s.firstIndex}, ${s.lastIndex}] ` +
      `voters=${s.conf.voters.join(',')} ` +
      `learners=${s.conf.learners.join(',')}`);
    for (const [id, pr] of s.progress) {
      const learner = pr.isLearner ? ' learner' : '';
      this.print(`  ${id}: ${pr.state} match=${pr.match} next=${pr.next}${learner}`);
    }
  }

  private raftLog(m: Member): void {
    const s = m.node.status();
    if (s.lastIndex < s.firstIndex) this.print(`log empty after ${s.firstIndex - 1}`);
    for (const e of m.node.entries(s.firstIndex, s.lastIndex + 1)) this.print(describeEntry(e));
  }
}

function describeEntry(e: Entry): string {
  if (e.type === 'confChange') {
    const cc = decodeConfChange(e.data);
    return `${e.index}/${e.term} ${cc.type} ${cc.nodeId}`;
  }
  const data = e.data.length === 0 ? '(empty)' : JSON.stringify(e.data.toString());
  return `${e.index}/${e.term} ${data}`;
}

function describeReady(rd: Ready): string[] {
  const lines: string[] = [];
  if (rd.softState !== null) lines.push(`soft: ${rd.softState.role} lead=${rd.softState.leaderId}`);
  const hs = rd.hardState;
  if (hs !== null) lines.push(`hard: term=${hs.term} vote=${hs.vote} commit=${hs.commit}`);
  const snap = rd.snapshot?.meta;
  if (snap !== undefined) lines.push(`snapshot: ${snap.index}/${snap.term}`);
  if (rd.entries.length > 0) lines.push(`entries: ${rd.entries.map(describeEntry).join(' | ')}`);
  if (rd.committedEntries.length > 0) {
    lines.push(`committed: ${rd.committedEntries.map(describeEntry).join(' | ')}`);
  }
  for (const m of rd.messages) lines.push(`send ${describeMessage(m)}`);
  for (const r of rd.readStates) lines.push(`read-state: index=${r.index} context=${r.context}`);
  if (rd.mustSync) lines.push('sync');
  return lines;
}

function describeMessage(m: Message): string {
  const base = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'append':
      return `${base} prev=${m.index}/${m.logTerm} commit=${m.commit} entries=[` +
        `${m.entries.map((e) => `${e.index}/${e.term}`).join(' ')}]`;
    case 'appendResponse':
      return m.reject
        ? `${base} reject index=${m.index} hint=${m.hintIndex}/${m.hintTerm}`
        : `${base} index=${m.index}`;
    case 'vote':
    case 'preVote':
      return `${base} last=${m.index}/${m.logTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResponse':
    case 'preVoteResponse':
      return `${base}${m.reject ? ' reject' : ''}`;
    case 'heartbeat':
      return `${base} commit=${m.commit}${m.context === '' ? '' : ` context=${m.context}`}`;
    case 'heartbeatResponse':
      return `${base}${m.context === '' ? '' : ` context=${m.context}`}`;
    case 'snapshot':
      return `${base} snapshot=${m.snapshot.meta.index}/${m.snapshot.meta.term} ` +
        `voters=${m.snapshot.meta.conf.voters.join(',')}`;
    case 'readIndex':
      return `${base} context=${m.context}`;
    case 'readIndexResponse':
      return `${base} index=${m.index} context=${m.context}`;
    case 'timeoutNow':
      return base;
  }
}
