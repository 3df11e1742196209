/**
 * The file operations the partition log uses, behind an interface so tests can inject faults
 * (ENOSPC on write, counted fsyncs) without filling a real disk. `nodeFsOps` is the real one.
 */
import * as fsp from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
import { PadoError, PadoErrorCode } from '../common/index.js';

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
}

/** Node's ENOSPC/EDQUOT: the disk (or the quota) is full. */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

class NodeFile implements StorageFile {
  readonly path: string;
  private readonly handle: fsp.FileHandle;

  constructor(path: string, handle: fsp.FileHandle) {
    this.path = path;
    this.handle = handle;
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    let total = 0;
    for (const buffer of buffers) total += buffer.length;
    const { bytesWritten } = await this.handle.writev(buffers as Buffer[], position);
    if (bytesWritten === total) return;
    // A short write to a regular file means the next one would fail; report it as what it is.
    const cause = Object.assign(new Error('short write'), { code: 'ENOSPC' });
    throw new PadoError(
      PadoErrorCode.diskFull,
      `${this.path}: wrote ${bytesWritten} of ${total} bytes`,
    {
      cause,
    });
  }

  async read(into: Buffer, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, 0, length, position);
    return bytesRead;
  }

  /**
   * fdatasync: the data and what is needed to read it back (the file size) reach the disk; the
   * modification time does not, which saves a metadata write per fsync on the produce path.
   */
  sync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export const nodeFsOps: FsOps = {
  async open(path, create) {
    return new NodeFile(path, await fsp.open(path, create ? 'w+' : 'r+'));
  },
  async readFile(path) {
    try {
      return await fsp.readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  async writeFileDurable(path, data) {
    const temp = join(dirname(path), `${basename(path)}.tmp`);
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, path);
    await nodeFsOps.syncDir(dirname(path));
  },
  readdir: (dir) => fsp.readdir(dir),
  async mkdir(dir) {
    await fsp.mkdir(dir, { recursive: true });
  },
  async unlink(path) {
    try {
      await fsp.unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  },
  removeDir: (dir) => fsp.rm(dir, { recursive: true, force: true }),
  async syncDir(dir) {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
