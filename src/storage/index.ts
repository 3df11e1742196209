/** Storage: partition logs (segments + indexes), recovery, retention, disk-space guard. */
export { DiskSpaceGuard, type DiskSpaceGuardOptions } from './disk-space.js';
export {
  type FsOps, isDiskFullError, isMissing, type StorageFile, type StorageIo,
} from './fs-ops.js';
export { checkLogConfig, type LogConfig, logConfigDefaults } from './log-config.js';
export type { LogDamage, LogDamageFinder, LogDamageKind } from './log-damage.js';
export {
  cleanShutdownFileName, type DamageListener, LogManager, type LogManagerOptions, partitionDirName,
} from './log-manager.js';
export { checkStoredBatch, type ReadResult } from './log-reader.js';
export {
  type AppendResult,
  PartitionLog,
  type PartitionLogOptions,
  pendingBatchesMax,
} from './partition-log.js';
export {
  GroupSnapshotStore, type GroupSnapshot, groupRecordKey, encodeGroupRecord, decodeGroupRecord,
} from './group-store.js';
export { RaftStore, type RaftStoreOptions } from './raft-store.js';
export type { KvOp, KvOpener, KvStore } from './kv.js';
export { atRestKvOpener } from './encrypted-kv.js';
export { type AtRestEncryption, atRestNeedsKeyMessage } from './log-encryption.js';
