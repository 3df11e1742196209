/** Builders of the coordinator's answers and records: pure leaves, no state changes. */
import { KafkaError } from '../protocol/index.js';
import type { Group, Member } from './group.js';
import type { GroupMetadataRecord } from './records.js';
import type { JoinedMember, JoinResult, SyncResult } from './types.js';

const emptyBytes = Buffer.alloc(0);

export function joinError(errorCode: number, memberId: string): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

/** The current generation as `memberId` sees it; only the leader gets the member list. */
export function joinSuccess(group: Group, memberId: string, withMembers: boolean): JoinResult {
  const members: JoinedMember[] = [];
  if (withMembers) {
    for (const m of group.members.values()) {
      members.push({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: group.memberMetadata(m),
      });
    }
  }
  return {
    errorCode: KafkaError.none.code,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    memberId,
    members,
  };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: emptyBytes };
}

export function syncOk(group: Group, member: Member): SyncResult {
  return {
    errorCode: KafkaError.none.code,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    assignment: member.assignment,
  };
}

export function groupRecord(group: Group): GroupMetadataRecord {
  const members = [];
  for (const m of group.members.values()) {
    members.push({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      sessionTimeoutMs: m.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      metadata: group.memberMetadata(m),
      assignment: m.assignment,
    });
  }
  return {
    type: 'group',
    groupId: group.groupId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    generationId: group.generationId,
    leaderId: group.leaderId,
    stateSinceMs: group.stateSinceMs,
    members,
  };
}
