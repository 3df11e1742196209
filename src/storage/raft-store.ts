/**
 * The Raft log on level: entries, hard state and the latest snapshot (metadata and image). Each
 * Ready is written as one batch — synced when it says mustSync — before its messages may be sent,
 * so a crash leaves either all of a Ready or none of it. Taking a snapshot writes it and deletes
 * the entries it covers in one synced batch.
 *
 * Raft reads its storage synchronously, so the store keeps the log tail (everything after the
 * latest snapshot, which compaction bounds) in a MemoryStorage it updates only after each write
 * succeeds: `storage` is what RawNode reads, and it never shows what the disk does not hold.
 *
 * Layout (keys sort as written): `h` hard state (JSON); `m` snapshot metadata (JSON); `d` snapshot
 * image; `e/<index: 16 hex digits>` one entry: u8 version · u8 type · u48 index · u48 term ·
 * u32 CRC32C of everything else · data. The CRC pairs the write-side assertion with a read-side
 * check: a damaged entry stops start-up with PADO_STORAGE_CORRUPT rather than being replayed.
 *
 * Pair assertions on every value (STYLE.md §7; issue 13): before a write, an assertion that it is
 * one the store can read back as Raft state (terms and indexes below limits.raftStoredNumberMax,
 * the u48 of an entry header; node ids positive integers) — peers cannot get such a value this far
 * (server/raft-wire.ts bounds them below half that), so one here is a bug and the write is not
 * made; after a read, the same checks plus how the parts hang together (commit within the log, no
 * entry of a term above the hard state's), failing start-up with PADO_STORAGE_CORRUPT and what to
 * do, never an assertion deep in Raft.
 */
import { crc32c } from '@node-rs/crc32';
import type { KvOp, KvOpener, KvStore } from './kv.js';
import { assert, limits, PadoError, PadoErrorCode } from '../common/index.js';
import {
  bootstrapLog,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  MemoryStorage,
  type NodeId,
  type Ready,
  type Snapshot,
  type SnapshotMeta,
} from '../raft/index.js';

const hardStateKey = 'h';
const snapshotMetaKey = 'm';
const snapshotDataKey = 'd';
/** This store's directory id (KIP-853's voter directory id): made once, when the store is new. */
const directoryIdKey = 'i';
const entryPrefix = 'e/';
const entryVersion = 1;
const entryHeaderBytes = 1 + 1 + 6 + 6 + 4;

function entryKey(index: Index): string {
  return entryPrefix + index.toString(16).padStart(16, '0');
}

/** A term or index the store can write and read back (u48 in an entry header). */
function isStoredNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 &&
    n < limits.raftStoredNumberMax;
}

function isNodeId(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 0xffff_ffff;
}

/** Why `h` is not a hard state the store may hold, or undefined. */
function hardStateProblem(h: HardState): string | undefined {
  if (typeof h !== 'object' || h === null) return 'not an object';
  if (!isStoredNumber(h.term)) return `term ${String(h.term)} out of range`;
  if (!isStoredNumber(h.commit)) return `commit ${String(h.commit)} out of range`;
  if (h.vote !== 0 && !isNodeId(h.vote)) return `vote ${String(h.vote)} is no node id`;
  return undefined;
}

/** Why `m` is not snapshot metadata the store may hold, or undefined. */
function snapshotMetaProblem(m: SnapshotMeta): string | undefined {
  if (typeof m !== 'object' || m === null) return 'not an object';
  if (!isStoredNumber(m.index) || m.index === 0) return `index ${String(m.index)} out of range`;
  if (!isStoredNumber(m.term)) return `term ${String(m.term)} out of range`;
  const conf = m.conf as ConfState | undefined;
  if (typeof conf !== 'object' || conf === null || !Array.isArray(conf.voters) ||
    !Array.isArray(conf.learners)) return 'no membership';
  const members = [...conf.voters, ...conf.learners];
  if (conf.voters.length === 0 || !members.every(isNodeId) ||
    new Set(members).size !== members.length) return 'bad membership';
  return undefined;
}

export function encodeRaftEntry(e: Entry): Buffer {
  assert(isStoredNumber(e.index) && e.index > 0 && isStoredNumber(e.term),
    `entry ${e.index}/${e.term} out of range`);
  const buf = Buffer.allocUnsafe(entryHeaderBytes + e.data.length);
  buf.writeUInt8(entryVersion, 0);
  buf.writeUInt8(e.type === EntryType.confChange ? 1 : 0, 1);
  buf.writeUIntBE(e.index, 2, 6);
  buf.writeUIntBE(e.term, 8, 6);
  e.data.copy(buf, entryHeaderBytes);
  buf.writeUInt32BE(entryCrc(buf), 14);
  return buf;
}

function entryCrc(buf: Buffer): number {
  return crc32c(buf.subarray(entryHeaderBytes), crc32c(buf.subarray(0, 14))) >>> 0;
}

export function decodeRaftEntry(buf: Buffer, where: string): Entry {
  const corrupt = (why: string): PadoError => new PadoError(PadoErrorCode.storageCorrupt,
    `raft log entry ${where} is damaged (${why}): restore this node from a peer or a backup`);
  if (buf.length < entryHeaderBytes) throw corrupt(`${buf.length} bytes`);
  if (buf.readUInt8(0) !== entryVersion) throw corrupt(`version ${buf.readUInt8(0)}`);
  if (buf.readUInt32BE(14) !== entryCrc(buf)) throw corrupt('CRC mismatch');
  const typeCode = buf.readUInt8(1);
  if (typeCode > 1) throw corrupt(`type ${typeCode}`);
  return {
    type: typeCode === 1 ? EntryType.confChange : EntryType.normal,
    index: buf.readUIntBE(2, 6),
    term: buf.readUIntBE(8, 6),
    // A copy: level may reuse the buffer it handed us.
    data: Buffer.from(buf.subarray(entryHeaderBytes)),
  };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function putEntry(e: Entry): Op {
  return { type: 'put', key: entryKey(e.index), value: encodeRaftEntry(e) };
}

type Op = KvOp;

export interface RaftStoreOptions {
  /** For a brand-new store only: the first members of a new group (see raft bootstrapLog). */
  readonly bootstrapVoters?: readonly NodeId[];
  /**
   * Makes the directory id of a store that has none (a new one, or one written before ids):
   * stored at once, synced, and never changed. A node that lost its disk comes back with
   * another one, which is how the quorum tells it from the member it was (join.ts).
   */
  readonly newDirectoryId?: () => string;
}

export class RaftStore {
  private readonly db: KvStore;
  /** The durable state as Raft reads it; changed only after a write succeeded. */
  readonly storage: MemoryStorage;
  private readonly path: string;
  /** This store's directory id; null when it has none and none was asked for. */
  directoryId: string | null = null;

  private constructor(db: KvStore, storage: MemoryStorage, path: string) {
    this.db = db;
    this.storage = storage;
    this.path = path;
  }

  static async open(
    path: string, openKv: KvOpener, options: RaftStoreOptions = {},
  ): Promise<RaftStore> {
    let db: KvStore;
    try {
      db = await openKv(path);
    } catch (cause) {
      throw new PadoError(PadoErrorCode.storageIo,
        `cannot open the raft log at ${path}: is another pado using this data directory?`,
        { cause });
    }
    try {
      const storage = await load(db, path);
      const store = new RaftStore(db, storage, path);
      const id = await db.get(directoryIdKey);
      if (id !== undefined) {
        store.directoryId = id.toString();
      } else if (options.newDirectoryId !== undefined) {
        const made = options.newDirectoryId();
        await store.write([{ type: 'put', key: directoryIdKey, value: Buffer.from(made) }], true);
        store.directoryId = made;
      }
      if (storage.lastIndex() === 0 && options.bootstrapVoters !== undefined) {
        await store.bootstrap(options.bootstrapVoters);
      }
      return store;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  private async bootstrap(voters: readonly NodeId[]): Promise<void> {
    const { entries, hardState } = bootstrapLog(voters);
    const ops: Op[] = entries.map(putEntry);
    ops.push({ type: 'put', key: hardStateKey, value: json(hardState) });
    await this.write(ops, true);
    this.storage.append(entries);
    this.storage.setHardState(hardState);
  }

  /** Step 1 of the Ready contract: one batch, fsynced if mustSync, then visible to Raft. */
  async persist(rd: Ready): Promise<void> {
    checkReady(rd);
    const mem = this.storage;
    const ops: Op[] = [];
    // Stored entries this Ready supersedes: all of them under a snapshot; else those after the
    // last new entry (a new leader's log wins over an unreplicated tail). Entries being rewritten
    // need no delete: the puts below come later in the batch and win.
    let deleteFrom = Number.POSITIVE_INFINITY;
    const first = rd.entries[0];
    if (rd.snapshot !== null) {
      ops.push({ type: 'put', key: snapshotMetaKey, value: json(rd.snapshot.meta) });
      ops.push({ type: 'put', key: snapshotDataKey, value: rd.snapshot.data });
      deleteFrom = mem.firstIndex();
    } else if (first !== undefined) {
      deleteFrom = first.index + rd.entries.length;
    }
    for (let i = Math.max(deleteFrom, mem.firstIndex()); i <= mem.lastIndex(); i++) {
      ops.push({ type: 'del', key: entryKey(i) });
    }
    for (const e of rd.entries) ops.push(putEntry(e));
    if (rd.hardState !== null) {
      ops.push({ type: 'put', key: hardStateKey, value: json(rd.hardState) });
    }
    if (ops.length === 0) return;
    await this.write(ops, rd.mustSync);
    if (rd.snapshot !== null) mem.applySnapshot(rd.snapshot);
    mem.append(rd.entries);
    if (rd.hardState !== null) mem.setHardState(rd.hardState);
  }

  /**
   * Records a state-machine image at `index` (≤ applied) with the membership then in force
   * (RawNode.confState()), and deletes the entries it covers: one synced batch.
   */
  async createSnapshot(index: Index, conf: ConfState, data: Buffer): Promise<Snapshot> {
    const mem = this.storage;
    const term = mem.term(index);
    assert(term !== undefined && index >= mem.firstIndex(), `snapshot at ${index} not in the log`);
    const meta: SnapshotMeta = { index, term, conf };
    const problem = snapshotMetaProblem(meta);
    assert(problem === undefined, `snapshot metadata ${problem ?? ''}`);
    const ops: Op[] = [
      { type: 'put', key: snapshotMetaKey, value: json(meta) },
      { type: 'put', key: snapshotDataKey, value: data },
    ];
    for (let i = mem.firstIndex(); i <= index; i++) ops.push({ type: 'del', key: entryKey(i) });
    await this.write(ops, true);
    return mem.createSnapshot(index, conf, data);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async write(ops: Op[], sync: boolean): Promise<void> {
    try {
      await this.db.batch(ops, sync);
    } catch (cause) {
      throw new PadoError(PadoErrorCode.storageIo,
        `cannot write the raft log at ${this.path}: check the disk (space, permissions)`,
        { cause });
    }
  }
}

/**
 * The write-side half of the pair: a Ready whose values the store could not read back is a bug
 * upstream (peer input is bounded before it reaches Raft). Nothing of it is written.
 */
function checkReady(rd: Ready): void {
  if (rd.hardState !== null) {
    const problem = hardStateProblem(rd.hardState);
    assert(problem === undefined, `hard state to persist: ${problem ?? ''}`);
  }
  if (rd.snapshot !== null) {
    const problem = snapshotMetaProblem(rd.snapshot.meta);
    assert(problem === undefined, `snapshot to persist: ${problem ?? ''}`);
  }
  // Entries are checked as they are encoded (encodeRaftEntry), before the batch is written.
}

function corruptState(path: string, what: string): PadoError {
  return new PadoError(PadoErrorCode.storageCorrupt,
    `raft state at ${path} is damaged (${what}): restore this node from a peer or a backup`);
}

/** The JSON value under `key`, or undefined when absent; unparseable JSON is corruption. */
function parseJson(buf: Buffer, path: string, what: string): unknown {
  try {
    return JSON.parse(buf.toString()) as unknown;
  } catch {
    throw corruptState(path, `${what} is not JSON`);
  }
}

/** Reads everything back and checks it hangs together: snapshot, then contiguous entries. */
async function load(db: KvStore, path: string): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  const metaBuf = await db.get(snapshotMetaKey);
  if (metaBuf !== undefined) {
    const meta = parseJson(metaBuf, path, 'snapshot metadata') as SnapshotMeta;
    const problem = snapshotMetaProblem(meta);
    if (problem !== undefined) throw corruptState(path, `snapshot metadata: ${problem}`);
    const data = await db.get(snapshotDataKey);
    if (data === undefined) throw corruptState(path, 'snapshot metadata without its image');
    storage.applySnapshot({ meta, data });
  }
  const entries: Entry[] = [];
  for await (const [key, value] of db.range(entryPrefix, `${entryPrefix}~`)) {
    const e = decodeRaftEntry(value, `${key} in ${path}`);
    const expected = storage.firstIndex() + entries.length;
    if (e.index !== expected || entryKey(e.index) !== key) {
      throw new PadoError(PadoErrorCode.storageCorrupt,
        `raft log at ${path}: found entry ${e.index} under ${key}, expected ${expected}; ` +
        'restore this node from a peer or a backup');
    }
    entries.push(e);
  }
  storage.append(entries);
  const hardBuf = await db.get(hardStateKey);
  if (hardBuf !== undefined) {
    const hard = parseJson(hardBuf, path, 'hard state') as HardState;
    const problem = hardStateProblem(hard) ?? hardStateFitProblem(hard, storage);
    if (problem !== undefined) throw corruptState(path, `hard state: ${problem}`);
    storage.setHardState({ term: hard.term, vote: hard.vote, commit: hard.commit });
  }
  return storage;
}

/** A hard state must fit its log: Raft writes both in one batch and keeps these invariants. */
function hardStateFitProblem(hard: HardState, storage: MemoryStorage): string | undefined {
  if (hard.commit > storage.lastIndex()) {
    return `commit ${hard.commit} beyond the last entry ${storage.lastIndex()}`;
  }
  const lastTerm = storage.term(storage.lastIndex()) ?? 0;
  // §3.3: a node adopts a term before it accepts any entry of it.
  if (hard.term < lastTerm) return `term ${hard.term} below the last entry's term ${lastTerm}`;
  return undefined;
}
