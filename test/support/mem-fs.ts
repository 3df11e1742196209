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

interface MemFileState {
  current: Buffer;
  durable: Buffer;
  unsynced: Op[];
}

function applyOp(buf: Buffer, op: Op): Buffer {
  if (op.kind === 'truncate') {
    const out = Buffer.alloc(op.length);
    buf.copy(out, 0, 0, Math.min(op.length, buf.length));
    return out;
  }
  const end = op.position + op.data.length;
  const out = end > buf.length ? Buffer.concat([buf, Buffer.alloc(end - buf.length)]) : Buffer.from(buf);
  op.data.copy(out, op.position);
  return out;
}

export class MemFs implements FsOps {
  private readonly files: Map<string, MemFileState>;
  private readonly dirs: Set<string>;
  private readonly prng: Prng;
  private dead = false;
  syncCount = 0;
  /** What `freeBytes` reports (a test fills the disk by lowering it). */
  free = Number.MAX_SAFE_INTEGER;

  constructor(prng: Prng, files = new Map<string, MemFileState>(), dirs = new Set<string>()) {
    this.prng = prng;
    this.files = files;
    this.dirs = dirs;
  }

  async freeBytes(): Promise<number> {
    await this.turn();
    return this.free;
  }

  private async turn(): Promise<void> {
    for (let i = this.prng.below(3); i > 0; i--) await new Promise((r) => setImmediate(r));
    if (this.dead) throw Object.assign(new Error('crashed'), { code: 'EIO' });
  }

  /** The state a machine would boot with after power loss now; this instance dies. */
  crash(): MemFs {
    this.dead = true;
    const files = new Map<string, MemFileState>();
    for (const [path, f] of this.files) {
      let content: Buffer = Buffer.from(f.durable);
      const kept = f.unsynced.filter(() => this.prng.chance(0.5));
      kept.forEach((op, i) => {
        const tear = i === kept.length - 1 && op.kind === 'write' && this.prng.chance(0.5);
        content = applyOp(content, tear && op.kind === 'write'
          ? { ...op, data: op.data.subarray(0, this.prng.below(op.data.length + 1)) }
          : op);
      });
      files.set(path, { current: content, durable: Buffer.from(content), unsynced: [] });
    }
    return new MemFs(this.prng, files, new Set(this.dirs));
  }

  async open(path: string, create: boolean): Promise<StorageFile> {
    await this.turn();
    let state = this.files.get(path);
    if (state === undefined || create) {
      if (state === undefined && !create) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      state = { current: Buffer.alloc(0), durable: Buffer.alloc(0), unsynced: [] };
      this.files.set(path, state);
    }
    return this.file(path, state);
  }

  private file(path: string, state: MemFileState): StorageFile {
    const fs = this;
    const mutate = async (op: Op) => {
      await fs.turn();
      state.current = applyOp(state.current, op);
      state.unsynced.push(op);
    };
    return {
      path,
      writev: (buffers, position) => mutate({ kind: 'write', position, data: Buffer.concat(buffers) }),
      async read(into, length, position) {
        await fs.turn();
        const n = Math.max(0, Math.min(length, state.current.length - position));
        state.current.copy(into, 0, position, position + n);
        return n;
      },
      async sync() {
        await fs.turn();
        fs.syncCount++;
        state.durable = Buffer.from(state.current);
        state.unsynced = [];
      },
      truncate: (length) => mutate({ kind: 'truncate', length }),
      async size() {
        await fs.turn();
        return state.current.length;
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
    this.files.set(path, { current: Buffer.from(data), durable: Buffer.from(data), unsynced: [] });
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
    this.files.delete(path);
  }

  async removeDir(dir: string): Promise<void> {
    await this.turn();
    for (const p of [...this.files.keys()]) if (dirname(p) === dir) this.files.delete(p);
    this.dirs.delete(dir);
  }

  async syncDir(): Promise<void> {
    await this.turn();
  }
}
