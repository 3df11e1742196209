/**
 * Encryption at rest of a key-value store (the Raft log, the group snapshots): every value
 * sealed with AES-256-GCM under the store's data key, its key in the additional data so values
 * cannot be swapped between keys (security/at-rest.ts, `sealValue`). Keys stay plaintext: they are
 * names (`e/<index>`, group ids), not payload. The store's data keys live in it under the reserved
 * key `!keys`, written in the same atomic batch as the first value sealed with a new key, so a
 * crash can never leave a value whose key is lost.
 *
 * A store is all plaintext or all sealed: turning encryption on seals every existing value in
 * one atomic batch at open; a sealed store opened without a master key is refused by name.
 */
import { assert, PadoError, PadoErrorCode } from '../common/index.js';
import {
  DataKeys, keyStoreValueKey, openValue, rewrapKeyFile, sealValue,
} from '../security/index.js';
import type { KvOp, KvOpener, KvStore } from './kv.js';
import { type AtRestEncryption, atRestNeedsKeyMessage } from './log-encryption.js';

/** Every key of a store (keys compare as UTF-16 code units; none start with U+FFFF). */
const allKeysGte = '';
const allKeysLt = '\uffff';

/**
 * Wraps `openKv`: with `atRest` the stores it opens seal their values; without it they are the
 * plain stores, but one that holds sealed values is refused (PADO_CONFIG_INVALID).
 */
export function atRestKvOpener(openKv: KvOpener, atRest: AtRestEncryption | undefined):
  KvOpener {
  return async (path) => {
    const db = await openKv(path);
    try {
      const keyFile = await db.get(keyStoreValueKey);
      if (atRest === undefined) {
        if (keyFile !== undefined) {
          throw new PadoError(PadoErrorCode.configInvalid, `${path} ${atRestNeedsKeyMessage}`);
        }
        return db;
      }
      const keys = keyFile === undefined ? DataKeys.empty()
        : DataKeys.open(keyFile, atRest.ring, path);
      const store = new SealedKv(db, path, atRest, keys);
      if (keyFile === undefined) await store.sealExisting();
      const rewrapped = keyFile === undefined ? undefined
        : rewrapKeyFile(keyFile, atRest.ring, path);
      if (rewrapped !== undefined) {
        await db.batch([{ type: 'put', key: keyStoreValueKey, value: rewrapped }], true);
      }
      return store;
    } catch (error) {
      await db.close();
      throw error;
    }
  };
}

class SealedKv implements KvStore {
  private readonly db: KvStore;
  private readonly path: string;
  private readonly atRest: AtRestEncryption;
  private readonly keys: DataKeys;

  constructor(db: KvStore, path: string, atRest: AtRestEncryption, keys: DataKeys) {
    this.db = db;
    this.path = path;
    this.atRest = atRest;
    this.keys = keys;
  }

  /** Encryption turned on for a plaintext store: every value sealed, in one atomic batch. */
  async sealExisting(): Promise<void> {
    const ops: KvOp[] = [];
    for await (const [key, value] of this.db.range(allKeysGte, allKeysLt)) {
      ops.push({ type: 'put', key, value });
    }
    if (ops.length > 0) await this.batch(ops, true);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const sealed = await this.db.get(key);
    return sealed === undefined ? undefined : this.open(key, sealed);
  }

  async batch(ops: readonly KvOp[], sync: boolean): Promise<void> {
    const { ring, random } = this.atRest;
    const sealedOps: KvOp[] = [];
    if (ops.some((op) => op.type === 'put') && this.keys.needsNewKey(ring)) {
      this.keys.addNewKey(ring, random);
      sealedOps.push({ type: 'put', key: keyStoreValueKey, value: this.keys.encode(ring) });
    }
    const key = this.keys.current;
    for (const op of ops) {
      if (op.key === keyStoreValueKey) {
        throw new PadoError(PadoErrorCode.invalidArgument, `${this.path}: key ${op.key} is ` +
          'reserved for the store\'s data keys');
      }
      if (op.type === 'del') {
        sealedOps.push(op);
      } else {
        assert(key !== undefined, 'a put has a data key (made above)');
        sealedOps.push({ type: 'put', key: op.key, value: sealValue(key, op.value, random, op.key) });
      }
    }
    await this.db.batch(sealedOps, sync);
  }

  async *range(gte: string, lt: string): AsyncIterable<[string, Buffer]> {
    for await (const [key, sealed] of this.db.range(gte, lt)) {
      if (key === keyStoreValueKey) continue;
      yield [key, this.open(key, sealed)];
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private open(key: string, sealed: Buffer): Buffer {
    const result = openValue(this.keys, sealed, key);
    if (result.ok) return result.value;
    throw new PadoError(PadoErrorCode.storageCorrupt, `${this.path}: the value of ${key} does ` +
      `not decrypt: ${result.message}`);
  }
}
