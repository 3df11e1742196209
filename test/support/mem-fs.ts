/**
 * An in-memory FsOps with a crash model, for seeded simulations of the partition log:
 * - every file has what reads see (`current`) and what survives a crash (`durable`);
 * - sync() makes a file's current bytes durable; writeFileDurable is durable at once (temp + fsync +
 *   rename, as the real one does);
 * - crash() keeps, per file, the durable bytes plus a random subset of the writes and truncations
 *   made since its last sync, applied in order, the last kept write possibly torn — so unsynced
 *   data may be missing, partial, or present with holes before it, as on a real disk;
 * - every operation completes after a PRNG-chosen number of event-loop turns, so the interleaving of
 *   the log's asynchronous work follows the seed.
 * After crash() the old instance is dead: its operations reject, so a log still running on it
 * cannot touch the state the next "boot" sees.
 */
import { dirname } from 'node:path';
import type { Prng } from '../../src/common/index.js';
import type { FsOps, StorageFile } from '../../src/storage/index.js';

type Op = { kind: 'write'; position: number; data: Buffer } | { kind: 'truncate'; length: number };

/**
 * A file: its bytes as reads see them in a buffer that grows by doubling (appends copy only what
 * they add), and the writes and truncations since the last sync, each with what it replaced, so
 * the durable bytes are recovered only when a crash asks for them (a sync costs nothing).
 */
class MemFileState {
  private buf: Buffer;
  length: number;
  unsynced: { op: Op; undo: Undo }[] = [];

  constructor(content: Buffer) {
    this.buf = Buffer.from(content);
    this.length = content.length;
  }

  get current(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  apply(op: Op, record: boolean): void {
    const undo = this.applyOnly(op);
    if (record) this.unsynced.push({ op, undo });
  }

  private applyOnly(op: Op): Undo {
    const before = this.length;
    if (op.kind === 'truncate') {
      const removed = op.length < before ? Buffer.from(this.buf.subarray(op.length, before)) : null;
      this.resize(op.length);
      return { length: before, position: op.length, bytes: removed ?? Buffer.alloc(0) };
    }
    const end = op.position + op.data.length;
    const overlapEnd = Math.min(end, before);
    const replaced = op.position < overlapEnd ? Buffer.from(this.buf.subarray(op.position, overlapEnd))
      : Buffer.alloc(0);
    if (end > before) this.resize(end);
    op.data.copy(this.buf, op.position);
    return { length: before, position: op.position, bytes: replaced };
  }

  private resize(length: number): void {
    if (length > this.buf.length) {
      const grown = Buffer.alloc(Math.max(length, this.buf.length * 2, 4096));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    } else if (length > this.length) {
      this.buf.fill(0, this.length, length);
    }
    this.length = length;
  }

  /** The bytes as of the last sync (undoing every write and truncation since, newest first). */
  durable(): Buffer {
    const out = new MemFileState(this.current);
    for (let i = this.unsynced.length - 1; i >= 0; i--) {
      const { undo } = this.unsynced[i]!;
      out.resize(Math.max(out.length, undo.position + undo.bytes.length));
      undo.bytes.copy(out.buf, undo.position);
      out.resize(undo.length);
    }
    return Buffer.from(out.current);
  }

  sync(): void {
    this.unsynced = [];
  }

  /** Flips bits in place, in the bytes now and in every undo record that would restore that byte. */
  flip(position: number, mask: number): void {
    this.buf[position]! ^= mask;
    for (const { undo } of this.unsynced) {
      const at = position - undo.position;
      if (at >= 0 && at < undo.bytes.length) undo.bytes[at]! ^= mask;
    }
  }
}

/** What an op replaced: the file's length before it and the bytes it overwrote or cut, at `position`. */
interface Undo {
  readonly length: number;
  readonly position: number;
  readonly bytes: Buffer;
}

export class MemFs implements FsOps {
  private readonly files: Map<string, MemFileState>;
  private readonly dirs: Set<string>;
  private readonly prng: Prng;
  private dead = false;
  syncCount = 0;
  /**
   * Free space: what `freeBytes` reports, used up by writes that grow files and given back by
   * truncations and deletions. A write that needs more fails with ENOSPC and changes nothing
   * (a test fills the disk by lowering it).
   */
  free = Number.MAX_SAFE_INTEGER;

  /** One scheduling turn: the event loop's by default, the simulator's virtual clock in a world. */
  private readonly yieldTurn: () => Promise<void>;
  /** Waits `ms` (the simulator's virtual clock): how a slow disk takes its time. */
  private readonly sleep: (ms: number) => Promise<void>;
  /** A slow disk: each operation takes up to this long (ms) more; 0 is a healthy disk. */
  slowMs = 0;

  constructor(prng: Prng, files = new Map<string, MemFileState>(), dirs = new Set<string>(),
    yieldTurn: () => Promise<void> = () => new Promise((r) => setImmediate(r)),
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))) {
    this.prng = prng;
    this.files = files;
    this.dirs = dirs;
    this.yieldTurn = yieldTurn;
    this.sleep = sleep;
  }

  async freeBytes(): Promise<number> {
    await this.turn();
    return this.free;
  }

  private async turn(): Promise<void> {
    if (this.slowMs > 0) await this.sleep(1 + this.prng.below(this.slowMs));
    for (let i = this.prng.below(3); i > 0; i--) await this.yieldTurn();
    if (this.dead) throw Object.assign(new Error('crashed'), { code: 'EIO' });
  }

  /** The state a machine would boot with after power loss now; this instance dies. */
  crash(): MemFs {
    this.dead = true;
    const files = new Map<string, MemFileState>();
    for (const [path, f] of this.files) {
      const content = new MemFileState(f.durable());
      const kept = f.unsynced.filter(() => this.prng.chance(0.5)).map((u) => u.op);
      kept.forEach((op, i) => {
        const tear = i === kept.length - 1 && op.kind === 'write' && this.prng.chance(0.5);
        content.apply(tear && op.kind === 'write'
          ? { ...op, data: op.data.subarray(0, this.prng.below(op.data.length + 1)) }
          : op, false);
      });
      files.set(path, content);
    }
    return new MemFs(this.prng, files, new Set(this.dirs), this.yieldTurn, this.sleep);
  }

  /**
   * The disk a restarted process sees after this one was killed (SIGKILL): everything written is
   * there (the page cache survives), nothing more became durable, and this instance dies.
   */
  reopen(): MemFs {
    this.dead = true;
    const next = new MemFs(this.prng, this.files, this.dirs, this.yieldTurn, this.sleep);
    next.free = this.free;
    return next;
  }

  /** Paths of the files, sorted (for a test that picks one to damage). */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** Bytes a file holds now (0 when it does not exist). */
  sizeOf(path: string): number {
    return this.files.get(path)?.length ?? 0;
  }

  /**
   * Bit rot: flips the bits of `mask` in the byte at `position`, on the medium itself (what reads
   * see now and what survives a crash), as a decaying sector does.
   */
  flipByte(path: string, position: number, mask: number): void {
    const f = this.files.get(path);
    if (f === undefined || position >= f.length) return;
    f.flip(position, mask);
  }

  async open(path: string, create: boolean): Promise<StorageFile> {
    await this.turn();
    let state = this.files.get(path);
    if (state === undefined || create) {
      if (state === undefined && !create) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      state = new MemFileState(Buffer.alloc(0));
      this.files.set(path, state);
    }
    return this.file(path, state);
  }

  private file(path: string, state: MemFileState): StorageFile {
    const fs = this;
    const mutate = async (op: Op) => {
      await fs.turn();
      const newLength = op.kind === 'truncate' ? op.length : Math.max(state.length, op.position + op.data.length);
      const grow = newLength - state.length;
      if (grow > fs.free) throw Object.assign(new Error(`ENOSPC: no space left on device, write ${path}`), { code: 'ENOSPC' });
      fs.free -= grow;
      state.apply(op, true);
    };
    return {
      path,
      writev: (buffers, position) => mutate({ kind: 'write', position, data: Buffer.concat(buffers) }),
      async read(into, length, position) {
        await fs.turn();
        const n = Math.max(0, Math.min(length, state.length - position));
        state.current.copy(into, 0, position, position + n);
        return n;
      },
      async sync() {
        await fs.turn();
        fs.syncCount++;
        state.sync();
      },
      truncate: (length) => mutate({ kind: 'truncate', length }),
      async size() {
        await fs.turn();
        return state.length;
      },
      async close() {
        await fs.turn();
      },
    };
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    await this.turn();
    const f = this.files.get(path);
    return f === undefined ? undefined : Buffer.from(f.current);
  }

  async writeFileDurable(path: string, data: Buffer): Promise<void> {
    await this.turn();
    this.files.set(path, new MemFileState(data));
  }

  async readdir(dir: string): Promise<string[]> {
    await this.turn();
    const prefix = `${dir}/`;
    return [...this.files.keys()]
      .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map((p) => p.slice(prefix.length))
      .sort();
  }

  async mkdir(dir: string): Promise<void> {
    await this.turn();
    this.dirs.add(dir);
  }

  async unlink(path: string): Promise<void> {
    await this.turn();
    this.free += this.files.get(path)?.length ?? 0;
    this.files.delete(path);
  }

  async removeDir(dir: string): Promise<void> {
    await this.turn();
    for (const [p, f] of [...this.files]) {
      if (dirname(p) !== dir) continue;
      this.free += f.length;
      this.files.delete(p);
    }
    this.dirs.delete(dir);
  }

  async syncDir(): Promise<void> {
    await this.turn();
  }
}
