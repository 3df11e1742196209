/**
 * Issue 16 item 6: the data directory's problems are one line with the fix (data-dir.ts), each
 * branch driven by the error code the file system gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPadoError } from '../../../src/common/index.js';
import type { FsOps, KvStore } from '../../../src/storage/index.js';
import { lockDataDir, prepareDataDir } from '../../../src/node/data-dir.js';

function failing(on: 'mkdir' | 'write', code: string): FsOps {
  const fail = () => Promise.reject(Object.assign(new Error(`${code}: test`), { code }));
  return {
    mkdir: on === 'mkdir' ? fail : () => Promise.resolve(),
    writeFileDurable: on === 'write' ? fail : () => Promise.resolve(),
    unlink: () => Promise.resolve(),
  } as unknown as FsOps;
}

test('each data-directory problem is a PadoError naming the directory, the cause and --data-dir', async () => {
  const cases: [FsOps, RegExp][] = [
    [failing('mkdir', 'EEXIST'), /data directory \/d is a file, not a directory; choose another with --data-dir/],
    [failing('mkdir', 'ENOTDIR'), /is a file, not a directory/],
    [failing('mkdir', 'EACCES'), /cannot be created: permission denied/],
    [failing('mkdir', 'EROFS'), /cannot be created: the file system is read-only/],
    [failing('write', 'EACCES'), /data directory \/d is not writable by this user; run pado as a user who may write there, or choose another with --data-dir/],
    [failing('write', 'EROFS'), /is on a read-only file system/],
    [failing('write', 'ENOSPC'), /is on a full disk/],
  ];
  for (const [disk, expected] of cases) {
    const err = await prepareDataDir('/d', disk).then(() => undefined, (e: unknown) => e);
    assert.ok(isPadoError(err), String(err));
    assert.match(err.message, expected);
    assert.doesNotMatch(err.message, /\n/, 'one line');
  }
  // Anything else is not guessed at: the error goes on as it came.
  await assert.rejects(prepareDataDir('/d', failing('mkdir', 'EIO')), /EIO: test/);
  await assert.rejects(prepareDataDir('/d', failing('write', 'EIO')), /EIO: test/);
  // A directory that can be made and written: no error.
  const written: string[] = [];
  await prepareDataDir('/d', { mkdir: () => Promise.resolve(), unlink: (p: string) => { written.push(`-${p}`);
    return Promise.resolve(); }, writeFileDurable: (p: string) => { written.push(`+${p}`); return Promise.resolve(); },
  } as unknown as FsOps);
  assert.deepEqual(written, ['+/d/.pado-write-check', '-/d/.pado-write-check'], 'the probe is removed');
});

test('the Raft store is opened once, first, and handed to the quorum; a held lock says who holds it', async () => {
  let opens = 0;
  const db = { close: () => Promise.resolve() } as unknown as KvStore;
  const locked = await lockDataDir('/d', (p) => {
    opens++;
    assert.equal(p, '/d/__raft');
    return Promise.resolve(db);
  });
  assert.equal(await locked.openKv('/d/__raft'), db, 'the open store is handed over');
  assert.equal(opens, 1);
  const busy = await lockDataDir('/d', () => Promise.reject(new Error(
    'Database failed to open: IO error: lock /d/__raft/LOCK: Resource temporarily unavailable')))
    .then(() => undefined, (e: unknown) => e);
  assert.ok(isPadoError(busy));
  assert.match(busy.message, /^data directory \/d is in use by another pado \(its Raft log \/d\/__raft is locked\): stop that one, or give this one its own --data-dir$/);
});
