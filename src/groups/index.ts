/**
 * groups/: the classic-protocol group coordinator and committed offsets, as a pure state machine.
 * The host (node/group-driver.ts) feeds it requests and time and persists its records.
 */
export { GroupCoordinator } from './coordinator.js';
export type { GroupCoordinatorOptions } from './membership.js';
export { defaultGroupConfig, checkGroupConfig, type GroupConfig } from './config.js';
export { GroupStateName, isLegalTransition, type Token } from './group.js';
export type {
  GroupRecord, OffsetCommitRecord, OffsetRemovedRecord, GroupMetadataRecord, GroupMemberRecord,
  GroupRemovedRecord,
} from './records.js';
export { selectProtocol, candidateProtocols, subscribedTopics, type ProtocolOffer } from
  './protocol-selection.js';
export type * from './types.js';
export { offsetsTopicName, partitionForGroup } from './placement.js';
