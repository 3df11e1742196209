/** Raft: a pure consensus core (see README.md for the Ready contract a driver keeps). */
export * from './types.js';
export {
  applyToConfState, confChangeProblem, decodeConfChange, encodeConfChange, parseConfChange,
} from './conf-change.js';
export { type RaftConfig, type RaftConfigInput, raftConfigDefaults } from './config.js';
export { bootstrapLog, MemoryStorage, type RaftLogStorage } from './storage.js';
export { ProgressState } from './progress.js';
export { type ProposeResult, ProposeRefusal } from './raft.js';
export {
  type ProgressStatus, RawNode, type Ready, type SoftState, type Status,
} from './raw-node.js';
