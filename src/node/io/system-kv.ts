/** The production KvStore (storage/kv.ts): LevelDB through `level`. */
import { Level } from 'level';
import type { KvOp, KvOpener, KvStore } from '../../storage/index.js';

export const openSystemKv: KvOpener = async (path) => {
  const db = new Level<string, Buffer>(path, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  return new LevelKv(db);
};

class LevelKv implements KvStore {
  private readonly db: Level<string, Buffer>;

  constructor(db: Level<string, Buffer>) {
    this.db = db;
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.db.get(key);
  }

  batch(ops: readonly KvOp[], sync: boolean): Promise<void> {
    return this.db.batch(ops as KvOp[], { sync });
  }

  async *range(gte: string, lt: string): AsyncIterable<[string, Buffer]> {
    for await (const entry of this.db.iterator({ gte, lt })) yield entry;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
