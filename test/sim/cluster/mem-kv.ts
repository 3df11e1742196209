/**
 * An in-memory KvStore (storage/kv.ts) with LevelDB's crash model: a batch is atomic; one written
 * with `sync` is durable when it resolves; unsynced batches since the last synced one survive a
 * crash as a prefix (LevelDB's log is replayed up to where it was torn), its length chosen by the
 * seed. Each store is one path of one host's disk (`MemKvDisk`).
 */
import type { Prng } from '../../../src/common/index.js';
import type { KvOp, KvOpener, KvStore } from '../../../src/storage/index.js';

interface KvState {
  durable: Map<string, Buffer>;
  current: Map<string, Buffer>;
  /** Batches applied to `current` but not yet durable, oldest first. */
  unsynced: KvOp[][];
  open: boolean;
}

function apply(map: Map<string, Buffer>, ops: readonly KvOp[]): void {
  for (const op of ops) {
    if (op.type === 'put') map.set(op.key, Buffer.from(op.value));
    else map.delete(op.key);
  }
}

export class MemKvDisk {
  private readonly stores: Map<string, KvState>;
  private readonly prng: Prng;
  private readonly yieldTurn: () => Promise<void>;
  private dead = false;

  constructor(prng: Prng, yieldTurn: () => Promise<void>, stores = new Map<string, KvState>()) {
    this.stores = stores;
    this.prng = prng;
    this.yieldTurn = yieldTurn;
  }

  readonly open: KvOpener = async (path) => {
    await this.turn();
    let state = this.stores.get(path);
    if (state === undefined) {
      state = { durable: new Map(), current: new Map(), unsynced: [], open: false };
      this.stores.set(path, state);
    }
    if (state.open) throw Object.assign(new Error(`${path}: LOCK held`), { code: 'LEVEL_LOCKED' });
    state.open = true;
    return this.storeFor(state);
  };

  /** A killed process's stores as its restart sees them: all written, locks released. */
  reopen(): MemKvDisk {
    this.dead = true;
    for (const s of this.stores.values()) s.open = false;
    return new MemKvDisk(this.prng, this.yieldTurn, this.stores);
  }

  /** Power loss: the disk a rebooted host sees (this one dies: its stores reject from now on). */
  crash(): MemKvDisk {
    this.dead = true;
    const next = new MemKvDisk(this.prng, this.yieldTurn);
    for (const [path, s] of this.stores) {
      const durable = new Map(s.durable);
      const kept = this.prng.below(s.unsynced.length + 1);
      for (const batch of s.unsynced.slice(0, kept)) apply(durable, batch);
      next.stores.set(path, { durable, current: new Map(durable), unsynced: [], open: false });
    }
    return next;
  }

  private async turn(): Promise<void> {
    await this.yieldTurn();
    if (this.dead) throw Object.assign(new Error('crashed'), { code: 'EIO' });
  }

  private storeFor(state: KvState): KvStore {
    const disk = this;
    let closed = false;
    const check = (): void => {
      if (closed) throw new Error('store closed');
    };
    return {
      async get(key) {
        await disk.turn();
        check();
        const v = state.current.get(key);
        return v === undefined ? undefined : Buffer.from(v);
      },
      async batch(ops, sync) {
        await disk.turn();
        check();
        apply(state.current, ops);
        state.unsynced.push(ops.map((op) => (op.type === 'put'
          ? { type: 'put', key: op.key, value: Buffer.from(op.value) } : op)));
        if (sync) {
          for (const b of state.unsynced) apply(state.durable, b);
          state.unsynced = [];
        }
      },
      async *range(gte, lt) {
        await disk.turn();
        check();
        const keys = [...state.current.keys()].filter((k) => k >= gte && k < lt).sort();
        for (const k of keys) {
          const v = state.current.get(k);
          if (v !== undefined) yield [k, Buffer.from(v)];
        }
      },
      async close() {
        closed = true;
        state.open = false;
      },
    };
  }
}
