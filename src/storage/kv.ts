/**
 * The ordered key-value store under the Raft log and the group snapshots (DESIGN.md "The I/O
 * boundary": part of the node's Disk). Production wires LevelDB (node/io/system-kv.ts); the
 * whole-cluster simulator an in-memory store that loses unsynced batches on a crash.
 *
 * Contract: a batch is atomic (after a crash all of it or none of it is there) and applied in
 * order; a batch written with `sync` is durable once it resolves; reads see every batch that
 * resolved; keys compare as UTF-16 code units (ASCII keys: byte order).
 */
export type KvOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer }
  | { readonly type: 'del'; readonly key: string };

export interface KvStore {
  /** The value under `key`, or undefined. */
  get(key: string): Promise<Buffer | undefined>;
  batch(ops: readonly KvOp[], sync: boolean): Promise<void>;
  /** Every entry with gte ≤ key < lt, in key order. */
  range(gte: string, lt: string): AsyncIterable<[string, Buffer]>;
  close(): Promise<void>;
}

/**
 * Opens (creating if missing) the store at `path`. Rejects when it cannot: held by another
 * process, unreadable.
 */
export type KvOpener = (path: string) => Promise<KvStore>;
