/** The production Disk: Node's fs (storage/fs-ops.ts has the interface and its contract). */
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import { isMissing, type FsOps, type StorageFile } from '../../storage/index.js';

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

export const systemDisk: FsOps = {
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
    await systemDisk.syncDir(dirname(path));
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
  async freeBytes(dir) {
    const stats = await fsp.statfs(dir);
    return stats.bavail * stats.bsize;
  },
  async totalBytes(dir) {
    const stats = await fsp.statfs(dir);
    return stats.blocks * stats.bsize;
  },
  async syncDir(dir) {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
