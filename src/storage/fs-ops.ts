/**
 * The file operations storage uses (DESIGN.md "The I/O boundary": the node's Disk): production
 * wires Node's fs (node/io/system-disk.ts); tests inject faults (ENOSPC on write, counted fsyncs)
 * and the whole-cluster simulator a disk that loses unsynced writes, tears and flips bits.
 */
import type { Clock } from '../common/index.js';
import type { AtRestEncryption } from './log-encryption.js';

export interface StorageFile {
  readonly path: string;
  /** Writes all of `buffers` back to back at `position`, or throws. */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  /**
   * Reads up to `length` bytes at `position` into `into`; returns the bytes read (short at EOF).
   */
  read(into: Buffer, length: number, position: number): Promise<number>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface FsOps {
  /** Opens a file for reading and writing; `create` makes it (emptied) if needed. */
  open(path: string, create: boolean): Promise<StorageFile>;
  /**
   * A small file's bytes (indexes, snapshots, checkpoints), or undefined when it does not exist.
   */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Replaces a small file atomically and durably: temp file, fsync, rename, fsync directory. */
  writeFileDurable(path: string, data: Buffer): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything in it. */
  removeDir(dir: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
  /** Free bytes available to this (unprivileged) process on the file system holding `dir`. */
  freeBytes(dir: string): Promise<number>;
  /** Total bytes of the file system holding `dir` (DescribeLogDirs v4); absent: unknown. */
  totalBytes?(dir: string): Promise<number>;
}

/** What storage is handed: the disk and the node's clock (group commit waits a turn on it). */
export interface StorageIo {
  readonly fs: FsOps;
  readonly clock: Clock;
  /** Encryption at rest of partition logs and stores: absent, data is stored in plaintext. */
  readonly atRest?: AtRestEncryption;
  /** Told how long each group-commit fsync of a partition log took, ms (the node's metrics). */
  readonly flushed?: (ms: number) => void;
  /** A monotonic clock with sub-millisecond resolution for `flushed`, ms (default: the clock). */
  readonly monotonicMs?: () => number;
}

/** Node's ENOSPC/EDQUOT: the disk (or the quota) is full. */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Node's ENOENT: no such file (adapters turn it into `undefined` where the interface says). */
export function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}
