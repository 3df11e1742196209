/**
 * The data directory, checked before anything else starts (issue 16 item 6: a start-up error is
 * one line with the fix): it must be a directory this process can create and write, and no other
 * pado may be using it. The last is the Raft log's lock (LevelDB's, which the operating system
 * releases when a process dies, however it dies), taken here, first, and handed to the quorum —
 * before, a second `pado start` on a busy data directory bound its ports and only then failed.
 */
import { join } from 'node:path';
import { PadoError, PadoErrorCode } from '../common/index.js';
import type { FsOps, KvOpener, KvStore } from '../storage/index.js';

const fix = 'choose another with --data-dir (or "dataDir" in the config file)';

function codeOf(err: unknown): string | undefined {
  return (err as { code?: unknown } | null)?.code as string | undefined;
}

/** Makes `dir` if needed and proves it writable; a PadoError saying what to do otherwise. */
export async function prepareDataDir(dir: string, disk: FsOps): Promise<void> {
  try {
    await disk.mkdir(dir);
  } catch (err) {
    const code = codeOf(err);
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'is a file, not a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'cannot be created: permission denied'
        : code === 'EROFS' ? 'cannot be created: the file system is read-only'
          : code === 'ENOSPC' ? 'cannot be created: the disk is full' : undefined;
    if (why === undefined) throw err;
    throw new PadoError(PadoErrorCode.configInvalid, `data directory ${dir} ${why}; ${fix}`, { cause: err });
  }
  const probe = join(dir, '.pado-write-check');
  try {
    await disk.writeFileDurable(probe, Buffer.from('pado\n'));
    await disk.unlink(probe);
  } catch (err) {
    const code = codeOf(err);
    const why = code === 'EACCES' || code === 'EPERM' ? 'is not writable by this user'
      : code === 'EROFS' ? 'is on a read-only file system'
        : code === 'ENOSPC' || code === 'EDQUOT' ? 'is on a full disk (free some space first)' : undefined;
    if (why === undefined) throw err;
    throw new PadoError(PadoErrorCode.configInvalid, `data directory ${dir} ${why}; run pado as a user ` +
      `who may write there, or ${fix}`, { cause: err });
  }
}

/**
 * Opens the Raft log's store (taking its lock) for the quorum to open later through `openKv`;
 * another process holding the lock is named as such. `release` closes it if start-up fails first.
 */
export async function lockDataDir(dir: string, openKv: KvOpener):
  Promise<{ openKv: KvOpener; release(): Promise<void> }> {
  const path = join(dir, '__raft');
  let db: KvStore;
  try {
    db = await openKv(path);
  } catch (err) {
    const text = `${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
    if (/\block\b|LOCK/.test(text)) {
      throw new PadoError(PadoErrorCode.configInvalid, `data directory ${dir} is in use by another pado ` +
        `(its Raft log ${path} is locked): stop that one, or give this one its own --data-dir`, { cause: err });
    }
    throw err;
  }
  let handed = false;
  return {
    openKv: (p) => {
      if (p !== path || handed) return openKv(p);
      handed = true;
      return Promise.resolve(db);
    },
    release: async () => {
      if (!handed) await db.close();
      handed = true;
    },
  };
}
