/**
 * One classic-protocol group: its state, generation, members and committed offsets. Mutated only
 * by the coordinator; this file keeps the invariants that are local to a group (Kafka
 * GroupMetadata.scala: states and their legal previous states, static member index, votes).
 */
import { assert } from '../common/index.js';
import type { GroupMetadataRecord } from './records.js';
import { candidateProtocols, selectProtocol, subscribedTopics, type ProtocolOffer } from
  './protocol-selection.js';

export const GroupStateName = {
  empty: 'Empty',
  preparingRebalance: 'PreparingRebalance',
  completingRebalance: 'CompletingRebalance',
  stable: 'Stable',
  dead: 'Dead',
} as const;
export type GroupStateName = (typeof GroupStateName)[keyof typeof GroupStateName];

/** Kafka's validPreviousStates: the only transitions a group may take. */
const previousStates: Readonly<Record<GroupStateName, readonly GroupStateName[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export function isLegalTransition(from: GroupStateName, to: GroupStateName): boolean {
  return previousStates[to].includes(from);
}

/** An opaque id the host gives each pending JoinGroup/SyncGroup; answered exactly once. */
export type Token = number;

export interface Member {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly ProtocolOffer[];
  assignment: Buffer;
  /** Pending JoinGroup; Invariant: non-null only while the group is PreparingRebalance. */
  joinToken: Token | null;
  /** Pending SyncGroup; Invariant: non-null only while the group is CompletingRebalance. */
  syncToken: Token | null;
  /** Sent SyncGroup for the current generation (the pending-sync timeout spares it). */
  synced: boolean;
  /** Has not completed a join yet (Kafka MemberMetadata.isNew). */
  isNew: boolean;
  lastHeartbeatMs: number;
}

export interface CommittedOffset {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  readonly commitTimestampMs: number;
  readonly expireTimestampMs: number | null;
}

export class Group {
  state: GroupStateName = GroupStateName.empty;
  /** Invariant: increases by exactly one each time a rebalance completes. */
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  stateSinceMs: number;
  /** Insertion order is join order: the first joined member is the fallback leader. */
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id (KIP-345). Invariant: every value is a key of members. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED (KIP-394) → expiry time. */
  readonly pendingMembers = new Map<string, number>();
  /** topic → partition → offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  offsetCount = 0;
  /** PreparingRebalance: when the join completes regardless; CompletingRebalance: sync deadline. */
  rebalanceDeadlineMs = 0;
  /** Initial delayed join (Kafka InitialDelayedJoin): next check, and whether someone joined. */
  initialDelayCheckMs: number | null = null;
  newMemberAdded = false;
  /** null: unknown (some member's subscription did not parse), so every topic counts. */
  subscribed: Set<string> | null = new Set();

  readonly groupId: string;

  constructor(groupId: string, nowMs: number) {
    this.groupId = groupId;
    this.stateSinceMs = nowMs;
  }

  transition(to: GroupStateName, nowMs: number): void {
    assert(isLegalTransition(this.state, to), `group ${this.groupId}: ${this.state} -> ${to}`);
    this.state = to;
    this.stateSinceMs = nowMs;
  }

  /**
   * Loads a persisted generation into a fresh group: Stable when it has members, else Empty (as
   * Kafka's GroupMetadataManager loads groups). Sessions restart at `nowMs`.
   */
  restore(r: GroupMetadataRecord, nowMs: number): void {
    assert(this.members.size === 0 && this.generationId === 0, 'restore into a fresh group');
    this.state = r.members.length > 0 ? GroupStateName.stable : GroupStateName.empty;
    this.generationId = r.generationId;
    this.protocolType = r.protocolType;
    this.protocolName = r.protocolName;
    this.leaderId = r.leaderId;
    this.stateSinceMs = r.stateSinceMs;
    for (const rm of r.members) {
      const name = r.protocolName;
      const protocols = name === null ? [] : [{ name, metadata: rm.metadata }];
      this.members.set(rm.memberId, {
        memberId: rm.memberId,
        groupInstanceId: rm.groupInstanceId,
        clientId: rm.clientId,
        clientHost: rm.clientHost,
        sessionTimeoutMs: rm.sessionTimeoutMs,
        rebalanceTimeoutMs: rm.rebalanceTimeoutMs,
        protocolType: r.protocolType ?? '',
        protocols,
        assignment: rm.assignment,
        joinToken: null,
        syncToken: null,
        synced: true,
        isNew: false,
        lastHeartbeatMs: nowMs,
      });
      if (rm.groupInstanceId !== null) this.staticMembers.set(rm.groupInstanceId, rm.memberId);
    }
    this.computeSubscribed();
  }

  /** Members plus member ids handed out but not yet used: what group.max.size bounds. */
  size(): number {
    return this.members.size + this.pendingMembers.size;
  }

  /** Kafka supportsProtocols: an empty group takes any; else type and one protocol must match. */
  supportsProtocols(protocolType: string, offers: readonly ProtocolOffer[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && offers.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = new Set(candidateProtocols(this.memberOffers()));
    return offers.some((p) => candidates.has(p.name));
  }

  /** A static member's id differs from the one registered for its instance id (KIP-345). */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const registered = this.staticMembers.get(groupInstanceId);
    return registered !== undefined && registered !== memberId;
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.joinToken === null) return false;
    return true;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  memberOffers(): (readonly ProtocolOffer[])[] {
    const offers: (readonly ProtocolOffer[])[] = [];
    for (const m of this.members.values()) offers.push(m.protocols);
    return offers;
  }

  selectProtocol(): string {
    const name = selectProtocol(this.memberOffers());
    // Every member was admitted by supportsProtocols, so a common protocol exists.
    assert(name !== null, `group ${this.groupId}: no protocol common to all members`);
    return name;
  }

  /** The member's metadata for the group's selected protocol (empty when it has none). */
  memberMetadata(m: Member): Buffer {
    return m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? Buffer.alloc(0);
  }

  /** Kafka computeSubscribedTopics: only "consumer" groups have readable subscriptions. */
  computeSubscribed(): void {
    if (this.protocolType !== 'consumer') {
      this.subscribed = this.members.size === 0 ? new Set() : null;
      return;
    }
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const parsed = subscribedTopics(this.memberMetadata(m));
      if (parsed === null) {
        this.subscribed = null;
        return;
      }
      for (const t of parsed) topics.add(t);
    }
    this.subscribed = topics;
  }

  isSubscribedTo(topic: string): boolean {
    return this.subscribed === null || this.subscribed.has(topic);
  }

  setOffset(topic: string, partition: number, entry: CommittedOffset): void {
    let partitions = this.offsets.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.offsets.set(topic, partitions);
    }
    if (!partitions.has(partition)) this.offsetCount++;
    partitions.set(partition, entry);
  }

  removeOffset(topic: string, partition: number): boolean {
    const partitions = this.offsets.get(topic);
    if (partitions === undefined || !partitions.delete(partition)) return false;
    this.offsetCount--;
    if (partitions.size === 0) this.offsets.delete(topic);
    return true;
  }

  hasOffset(topic: string, partition: number): boolean {
    return this.offsets.get(topic)?.has(partition) ?? false;
  }
}
