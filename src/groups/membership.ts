/**
 * Group membership for the classic protocol, as a pure state machine (STYLE.md §2: events in,
 * decisions out). Every call takes `nowMs`; JoinGroup and SyncGroup are held under the caller's
 * token and come out of `takeOutputs()` when complete. `takeRecords()` yields the durable changes
 * the host must persist before it sends the outputs taken with them.
 *
 * Semantics follow Kafka's GroupCoordinator.scala: states Empty → PreparingRebalance →
 * CompletingRebalance → Stable (and Dead); the join completes when every known member rejoined or
 * the rebalance timeout expired (stragglers are removed); an initial delay gathers the first
 * members of an empty group; static members (KIP-345); MEMBER_ID_REQUIRED (KIP-394); members that
 * do not sync within the rebalance timeout are removed (KAFKA-9752).
 */
import { assert, type Prng } from '../common/index.js';
import { KafkaError } from '../protocol/index.js';
import { checkGroupConfig, defaultGroupConfig, type GroupConfig } from './config.js';
import { Group, GroupStateName, type Member, type Token } from './group.js';
import type { GroupRecord } from './records.js';
import { sameProtocols } from './protocol-selection.js';
import { groupRecord, joinError, joinSuccess, syncError, syncOk } from './responses.js';
import type {
  GroupObserver, GroupOutput, HeartbeatInput, JoinInput, JoinResult, LeaveInput, LeaveResult,
  SyncInput, SyncResult,
} from './types.js';

export interface GroupCoordinatorOptions {
  readonly config?: Partial<GroupConfig>;
  /** Member ids are drawn from it; the host seeds it randomly so ids differ across restarts. */
  readonly prng: Prng;
  readonly observer?: GroupObserver;
}

const E = KafkaError;

/** Membership half of the coordinator (GroupCoordinator adds offsets, admin and replay). */
export class GroupMembership {
  readonly config: GroupConfig;
  /** Invariant: no group here is Dead (a Dead group is removed in the same call). */
  protected readonly groups = new Map<string, Group>();
  private outputs: GroupOutput[] = [];
  private records: GroupRecord[] = [];
  private readonly prng: Prng;
  private readonly observer: GroupObserver | null;
  private memberIdCount = 0;

  constructor(options: GroupCoordinatorOptions) {
    this.config = { ...defaultGroupConfig, ...options.config };
    checkGroupConfig(this.config);
    this.prng = options.prng;
    this.observer = options.observer ?? null;
  }

  takeOutputs(): GroupOutput[] {
    const out = this.outputs;
    this.outputs = [];
    return out;
  }

  takeRecords(): GroupRecord[] {
    const out = this.records;
    this.records = [];
    return out;
  }

  protected emitJoin(token: Token, result: JoinResult): void {
    this.outputs.push({ kind: 'join', token, result });
  }

  protected emitSync(token: Token, result: SyncResult): void {
    this.outputs.push({ kind: 'sync', token, result });
  }

  protected emitRecord(record: GroupRecord): void {
    this.records.push(record);
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.groups.keys();
  }

  // ---- JoinGroup -------------------------------------------------------------------------------

  join(token: Token, req: JoinInput, nowMs: number): void {
    const refused = this.refuseJoin(req);
    if (refused !== null) {
      this.emitJoin(token, joinError(refused, req.memberId));
      return;
    }
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      // Only a member without an id may create a group (Kafka: UNKNOWN_MEMBER_ID otherwise).
      if (req.memberId !== '') return this.emitJoin(token, joinError(E.unknownMemberId.code, ''));
      if (this.groups.size >= this.config.groupsMax) {
        return this.emitJoin(token, joinError(E.coordinatorNotAvailable.code, ''));
      }
      group = this.createGroup(req.groupId, nowMs);
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return this.emitJoin(token, joinError(E.inconsistentGroupProtocol.code, req.memberId));
    }
    if (req.memberId === '') this.joinUnknownMember(token, group, req, nowMs);
    else this.joinKnownMember(token, group, req, nowMs);
  }

  private refuseJoin(req: JoinInput): number | null {
    if (req.groupId === '') return E.invalidGroupId.code;
    const { sessionTimeoutMsMin: min, sessionTimeoutMsMax: max } = this.config;
    const session = req.sessionTimeoutMs;
    if (session < min || session > max) return E.invalidSessionTimeout.code;
    if (req.protocolType === '' || req.protocols.length === 0) {
      return E.inconsistentGroupProtocol.code;
    }
    if (req.groupInstanceId === '') return E.invalidRequest.code;
    return null;
  }

  private joinUnknownMember(token: Token, group: Group, req: JoinInput, nowMs: number): void {
    const instanceId = req.groupInstanceId;
    const newMemberId = this.newMemberId(instanceId ?? req.clientId);
    if (instanceId !== null) {
      const oldMemberId = group.staticMembers.get(instanceId);
      if (oldMemberId !== undefined) {
        return this.replaceStaticMember(token, group, oldMemberId, newMemberId, req, nowMs);
      }
    }
    if (group.size() >= this.config.membersPerGroupMax) {
      return this.emitJoin(token, joinError(E.groupMaxSizeReached.code, ''));
    }
    if (instanceId === null && req.requireKnownMemberId) {
      // KIP-394: the id is remembered for a session timeout; the member joins again with it.
      group.pendingMembers.set(newMemberId, nowMs + req.sessionTimeoutMs);
      return this.emitJoin(token, joinError(E.memberIdRequired.code, newMemberId));
    }
    this.addMemberAndRebalance(token, group, newMemberId, req, nowMs);
  }

  private joinKnownMember(token: Token, group: Group, req: JoinInput, nowMs: number): void {
    if (group.pendingMembers.delete(req.memberId)) {
      return this.addMemberAndRebalance(token, group, req.memberId, req, nowMs);
    }
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) {
      return this.emitJoin(token, joinError(E.fencedInstanceId.code, req.memberId));
    }
    const member = group.members.get(req.memberId);
    if (member === undefined) {
      return this.emitJoin(token, joinError(E.unknownMemberId.code, req.memberId));
    }
    switch (group.state) {
      case GroupStateName.preparingRebalance:
        return this.updateMemberAndRebalance(token, group, member, req, nowMs);
      case GroupStateName.completingRebalance:
        // A retried join of the generation being completed: answer it again, unchanged.
        if (sameProtocols(member.protocols, req.protocols)) {
          const isLeader = member.memberId === group.leaderId;
          return this.emitJoin(token, joinSuccess(group, member.memberId, isLeader));
        }
        return this.updateMemberAndRebalance(token, group, member, req, nowMs);
      case GroupStateName.stable:
        // The leader's join means the subscription changed (it must reassign), as do new protocols.
        if (member.memberId === group.leaderId || !sameProtocols(member.protocols, req.protocols)) {
          return this.updateMemberAndRebalance(token, group, member, req, nowMs);
        }
        member.lastHeartbeatMs = nowMs;
        return this.emitJoin(token, joinSuccess(group, member.memberId, false));
      case GroupStateName.empty:
      case GroupStateName.dead:
        return this.emitJoin(token, joinError(E.unknownMemberId.code, req.memberId));
    }
  }

  private addMemberAndRebalance(
    token: Token, group: Group, memberId: string, req: JoinInput, nowMs: number,
  ): void {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: emptyBytes,
      joinToken: null,
      syncToken: null,
      synced: false,
      isNew: true,
      lastHeartbeatMs: nowMs,
    };
    if (group.members.size === 0) group.protocolType = req.protocolType;
    group.members.set(memberId, member);
    if (req.groupInstanceId !== null) group.staticMembers.set(req.groupInstanceId, memberId);
    group.leaderId ??= memberId;
    if (group.initialDelayCheckMs !== null) group.newMemberAdded = true;
    this.awaitJoin(token, group, member, nowMs);
  }

  private updateMemberAndRebalance(
    token: Token, group: Group, member: Member, req: JoinInput, nowMs: number,
  ): void {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    this.awaitJoin(token, group, member, nowMs);
  }

  /** Parks the member's join and moves the group towards (or through) a rebalance. */
  private awaitJoin(token: Token, group: Group, member: Member, nowMs: number): void {
    if (member.joinToken !== null) {
      // A newer JoinGroup from the same member supersedes the one still waiting.
      this.emitJoin(member.joinToken, joinError(E.rebalanceInProgress.code, member.memberId));
    }
    member.joinToken = token;
    member.lastHeartbeatMs = nowMs;
    if (group.state !== GroupStateName.preparingRebalance) this.prepareRebalance(group, nowMs);
    this.tryCompleteJoin(group, nowMs);
  }

  /** KIP-345: a static member restarted with a new id; the old id is fenced. */
  private replaceStaticMember(
    token: Token, group: Group, oldId: string, newId: string, req: JoinInput, nowMs: number,
  ): void {
    const member = group.members.get(oldId);
    assert(member !== undefined, `static member ${oldId} missing from group ${group.groupId}`);
    this.fenceWaiting(member);
    group.members.delete(oldId);
    member.memberId = newId;
    group.members.set(newId, member);
    group.staticMembers.set(req.groupInstanceId ?? '', newId);
    if (group.leaderId === oldId) group.leaderId = newId;
    const unchanged = sameProtocols(member.protocols, req.protocols);
    // A follower that rejoins a stable group unchanged keeps its assignment: no rebalance. (A
    // leader would need skipAssignment, JoinGroup v9+; we rebalance instead, always correct.)
    if (group.state === GroupStateName.stable && unchanged && group.leaderId !== newId) {
      member.lastHeartbeatMs = nowMs;
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      this.emitRecord(groupRecord(group));
      return this.emitJoin(token, joinSuccess(group, newId, false));
    }
    this.updateMemberAndRebalance(token, group, member, req, nowMs);
  }

  private fenceWaiting(member: Member): void {
    if (member.joinToken !== null) {
      this.emitJoin(member.joinToken, joinError(E.fencedInstanceId.code, member.memberId));
      member.joinToken = null;
    }
    if (member.syncToken !== null) {
      this.emitSync(member.syncToken, syncError(E.fencedInstanceId.code));
      member.syncToken = null;
    }
  }

  private prepareRebalance(group: Group, nowMs: number): void {
    if (group.state === GroupStateName.completingRebalance) {
      this.failPendingSyncs(group, E.rebalanceInProgress.code);
    }
    const wasEmpty = group.state === GroupStateName.empty;
    this.transition(group, GroupStateName.preparingRebalance, nowMs);
    const timeoutMs = group.maxRebalanceTimeoutMs();
    for (const m of group.members.values()) m.synced = false;
    if (wasEmpty) {
      // Kafka InitialDelayedJoin: wait `delay`, again while members keep arriving, up to the
      // rebalance timeout.
      const delayMs = this.config.initialRebalanceDelayMs;
      group.rebalanceDeadlineMs = nowMs + Math.max(timeoutMs, delayMs);
      group.initialDelayCheckMs = nowMs + delayMs;
      group.newMemberAdded = false;
    } else {
      group.rebalanceDeadlineMs = nowMs + timeoutMs;
      group.initialDelayCheckMs = null;
    }
  }

  private tryCompleteJoin(group: Group, nowMs: number): void {
    if (group.state !== GroupStateName.preparingRebalance) return;
    if (group.initialDelayCheckMs !== null) {
      if (nowMs < group.initialDelayCheckMs) return;
      if (group.newMemberAdded && nowMs < group.rebalanceDeadlineMs) {
        group.newMemberAdded = false;
        const next = nowMs + this.config.initialRebalanceDelayMs;
        group.initialDelayCheckMs = Math.min(next, group.rebalanceDeadlineMs);
        return;
      }
      this.completeJoin(group, nowMs);
      return;
    }
    if (group.allMembersJoined() || nowMs >= group.rebalanceDeadlineMs) {
      this.completeJoin(group, nowMs);
    }
  }

  /** Kafka onCompleteJoin: drop members that did not rejoin, start the next generation. */
  private completeJoin(group: Group, nowMs: number): void {
    for (const m of group.members.values()) {
      if (m.joinToken === null) this.removeMember(group, m);
    }
    group.initialDelayCheckMs = null;
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.subscribed = new Set();
      this.transition(group, GroupStateName.empty, nowMs);
      this.emitRecord(groupRecord(group));
      return;
    }
    group.protocolName = group.selectProtocol();
    group.computeSubscribed();
    this.transition(group, GroupStateName.completingRebalance, nowMs);
    group.rebalanceDeadlineMs = nowMs + group.maxRebalanceTimeoutMs();
    for (const m of group.members.values()) {
      const token = m.joinToken;
      assert(token !== null, 'every remaining member rejoined');
      m.joinToken = null;
      m.isNew = false;
      m.lastHeartbeatMs = nowMs;
      this.emitJoin(token, joinSuccess(group, m.memberId, m.memberId === group.leaderId));
    }
  }

  // ---- SyncGroup -------------------------------------------------------------------------------

  sync(token: Token, req: SyncInput, nowMs: number): void {
    const group = this.groups.get(req.groupId);
    const refused = this.refuseSync(group, req);
    if (refused !== null || group === undefined) {
      return this.emitSync(token, syncError(refused ?? E.unknownMemberId.code));
    }
    const member = group.members.get(req.memberId);
    assert(member !== undefined, 'refuseSync checked membership');
    if (group.state === GroupStateName.stable) {
      member.lastHeartbeatMs = nowMs;
      return this.emitSync(token, syncOk(group, member));
    }
    assert(group.state === GroupStateName.completingRebalance, `sync in ${group.state}`);
    if (member.syncToken !== null) {
      this.emitSync(member.syncToken, syncError(E.rebalanceInProgress.code));
    }
    member.syncToken = token;
    member.synced = true;
    if (member.memberId === group.leaderId) this.completeSync(group, req.assignments, nowMs);
  }

  private refuseSync(group: Group | undefined, req: SyncInput): number | null {
    if (group === undefined) return E.unknownMemberId.code;
    const fenced = group.isStaticMemberFenced(req.memberId, req.groupInstanceId);
    if (fenced) return E.fencedInstanceId.code;
    if (!group.members.has(req.memberId)) return E.unknownMemberId.code;
    if (req.generationId !== group.generationId) return E.illegalGeneration.code;
    const typeDiffers = req.protocolType !== null && req.protocolType !== group.protocolType;
    const nameDiffers = req.protocolName !== null && req.protocolName !== group.protocolName;
    if (typeDiffers || nameDiffers) return E.inconsistentGroupProtocol.code;
    if (group.state === GroupStateName.empty) return E.unknownMemberId.code;
    if (group.state === GroupStateName.preparingRebalance) return E.rebalanceInProgress.code;
    return null;
  }

  /** The leader's assignment: store it, persist the generation, answer every waiting member. */
  private completeSync(group: Group, assignments: SyncInput['assignments'], nowMs: number): void {
    const given = new Map<string, Buffer>();
    for (const a of assignments) given.set(a.memberId, a.assignment);
    for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? emptyBytes;
    this.transition(group, GroupStateName.stable, nowMs);
    this.emitRecord(groupRecord(group));
    for (const m of group.members.values()) {
      if (m.syncToken === null) continue;
      this.emitSync(m.syncToken, syncOk(group, m));
      m.syncToken = null;
      m.lastHeartbeatMs = nowMs;
    }
  }

  private failPendingSyncs(group: Group, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = emptyBytes;
      if (m.syncToken === null) continue;
      this.emitSync(m.syncToken, syncError(errorCode));
      m.syncToken = null;
    }
  }

  // ---- Heartbeat, LeaveGroup -------------------------------------------------------------------

  heartbeat(req: HeartbeatInput, nowMs: number): number {
    const group = this.groups.get(req.groupId);
    if (group === undefined) return E.unknownMemberId.code;
    const fenced = group.isStaticMemberFenced(req.memberId, req.groupInstanceId);
    if (fenced) return E.fencedInstanceId.code;
    const member = group.members.get(req.memberId);
    if (member === undefined) return E.unknownMemberId.code;
    if (req.generationId !== group.generationId) return E.illegalGeneration.code;
    switch (group.state) {
      case GroupStateName.empty:
      case GroupStateName.dead:
        return E.unknownMemberId.code;
      case GroupStateName.preparingRebalance:
        member.lastHeartbeatMs = nowMs;
        return E.rebalanceInProgress.code;
      case GroupStateName.completingRebalance:
      case GroupStateName.stable:
        member.lastHeartbeatMs = nowMs;
        return E.none.code;
    }
  }

  /** LeaveGroup; v3+ batches members, identified by member id or group.instance.id. */
  leave(req: LeaveInput, nowMs: number): LeaveResult {
    const group = this.groups.get(req.groupId);
    const members = req.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode: group === undefined ? E.unknownMemberId.code : this.leaveOne(group, m, nowMs),
    }));
    return { errorCode: E.none.code, members };
  }

  private leaveOne(
    group: Group, who: LeaveInput['members'][number], nowMs: number,
  ): number {
    let memberId = who.memberId;
    if (who.groupInstanceId !== null) {
      const registered = group.staticMembers.get(who.groupInstanceId);
      if (registered === undefined) return E.unknownMemberId.code;
      if (memberId !== '' && registered !== memberId) return E.fencedInstanceId.code;
      memberId = registered;
    } else if (group.pendingMembers.delete(memberId)) {
      this.tryCompleteJoin(group, nowMs);
      return E.none.code;
    }
    const member = group.members.get(memberId);
    if (member === undefined) return E.unknownMemberId.code;
    this.removeMemberAndUpdateGroup(group, member, nowMs);
    return E.none.code;
  }

  /** Removes a member; its waiting join/sync are answered UNKNOWN_MEMBER_ID. No state change. */
  private removeMember(group: Group, member: Member): void {
    if (member.joinToken !== null) {
      this.emitJoin(member.joinToken, joinError(E.unknownMemberId.code, member.memberId));
      member.joinToken = null;
    }
    if (member.syncToken !== null) {
      this.emitSync(member.syncToken, syncError(E.unknownMemberId.code));
      member.syncToken = null;
    }
    group.members.delete(member.memberId);
    const instanceId = member.groupInstanceId;
    if (instanceId !== null && group.staticMembers.get(instanceId) === member.memberId) {
      group.staticMembers.delete(instanceId);
    }
    if (group.leaderId === member.memberId) {
      group.leaderId = group.members.keys().next().value ?? null;
    }
  }

  private removeMemberAndUpdateGroup(group: Group, member: Member, nowMs: number): void {
    this.removeMember(group, member);
    const settled = group.state === GroupStateName.stable
      || group.state === GroupStateName.completingRebalance;
    if (settled) this.prepareRebalance(group, nowMs);
    this.tryCompleteJoin(group, nowMs);
  }

  // ---- Time ------------------------------------------------------------------------------------

  /** Expires sessions, pending member ids, join and sync deadlines. */
  tickMembership(nowMs: number): void {
    for (const group of this.groups.values()) this.tickGroup(group, nowMs);
  }

  private tickGroup(group: Group, nowMs: number): void {
    for (const [memberId, deadlineMs] of group.pendingMembers) {
      if (nowMs >= deadlineMs) group.pendingMembers.delete(memberId);
    }
    for (const m of group.members.values()) {
      if (!this.keepAlive(m, nowMs)) this.removeMemberAndUpdateGroup(group, m, nowMs);
    }
    if (group.state === GroupStateName.preparingRebalance) this.tryCompleteJoin(group, nowMs);
    if (group.state === GroupStateName.completingRebalance && nowMs >= group.rebalanceDeadlineMs) {
      // The leader or some followers never synced: drop those members, rebalance the rest.
      for (const m of group.members.values()) if (!m.synced) this.removeMember(group, m);
      this.prepareRebalance(group, nowMs);
      this.tryCompleteJoin(group, nowMs);
    }
  }

  /** Kafka MemberMetadata.shouldKeepAlive: waiting requests keep a member, else heartbeats do. */
  private keepAlive(m: Member, nowMs: number): boolean {
    if (m.joinToken !== null) {
      return !m.isNew || nowMs < m.lastHeartbeatMs + this.config.newMemberJoinTimeoutMs;
    }
    if (m.syncToken !== null) return true;
    return nowMs < m.lastHeartbeatMs + m.sessionTimeoutMs;
  }

  // ---- Lifecycle -------------------------------------------------------------------------------

  /** Answers every waiting request with NOT_COORDINATOR (clients find the coordinator again). */
  shutdown(): void {
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) {
        if (m.joinToken !== null) {
          this.emitJoin(m.joinToken, joinError(E.notCoordinator.code, m.memberId));
          m.joinToken = null;
        }
        if (m.syncToken !== null) {
          this.emitSync(m.syncToken, syncError(E.notCoordinator.code));
          m.syncToken = null;
        }
      }
    }
  }

  protected createGroup(groupId: string, nowMs: number): Group {
    assert(!this.groups.has(groupId), `group ${groupId} exists`);
    const group = new Group(groupId, nowMs);
    this.groups.set(groupId, group);
    return group;
  }

  /** Removes a group for good (Kafka: → Dead, then unloaded) and writes its tombstone. */
  protected removeGroup(group: Group, nowMs: number): void {
    this.shutdownGroup(group);
    this.transition(group, GroupStateName.dead, nowMs);
    this.groups.delete(group.groupId);
    this.emitRecord({ type: 'groupRemoved', groupId: group.groupId });
  }

  private shutdownGroup(group: Group): void {
    for (const m of [...group.members.values()]) this.removeMember(group, m);
    group.pendingMembers.clear();
  }

  protected transition(group: Group, to: GroupStateName, nowMs: number): void {
    const from = group.state;
    group.transition(to, nowMs);
    this.observer?.transition(group.groupId, from, to, group.generationId);
  }

  private newMemberId(prefix: string): string {
    // Kafka: clientId (or group.instance.id) + "-" + a random UUID. The counter makes ids unique
    // within this process even if the PRNG repeated.
    this.memberIdCount++;
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    const p = this.prng;
    const random = `${hex(p.u32())}-${hex(p.u32())}-${hex(p.u32())}`;
    return `${prefix}-${random}-${this.memberIdCount.toString(16)}`;
  }
}

const emptyBytes = Buffer.alloc(0);
