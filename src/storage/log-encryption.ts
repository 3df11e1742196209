/**
 * Encryption at rest of one partition log (security/at-rest.ts has the design and the format):
 * the partition directory's data keys, which one encrypts the next batch, and the decryption of
 * what a read returns. The stored batch header stays plaintext, so everything else in storage/
 * (recovery, indexes, retention, the scrubber, producer state) works on stored bytes unchanged.
 *
 * Keys are written before the batches that use them: `prepare` hands the partition log a key
 * file to queue in order ahead of the batch (written and fsynced before it, like the leader-epoch
 * checkpoint), so no batch on disk ever names a key its directory does not hold. A new data key
 * is made on the first encryption of a process run, after a master key rotation, at every segment
 * roll (each segment its own key) and every 2^30 batches; a failed write that may have lost the
 * queued key file makes the next append queue it again.
 */
import { join } from 'node:path';
import { assert, PadoError, PadoErrorCode, type Random } from '../common/index.js';
import { batchLogOverheadBytes, BatchField, readInt64 } from '../protocol/records/index.js';
import {
  type DataKey, DataKeys, decryptBatchInto, encryptBatchInPlace, encryptedBatchOverheadBytes,
  isEncryptedBatch, keyFileName, type MasterKeyRing, prepareBatchEncryption, rewrapKeyFile,
} from '../security/index.js';
import type { FsOps } from './fs-ops.js';

/** What a node with encryption at rest hands storage: its master keys and its randomness. */
export interface AtRestEncryption {
  readonly ring: MasterKeyRing;
  readonly random: Random;
}

/** A batch's encryption decided at append time: its key and nonce (the bytes come later). */
export interface SealPlan {
  readonly key: DataKey;
  readonly nonce: Buffer;
}

export const atRestNeedsKeyMessage = 'holds data encrypted at rest: give its master key ' +
  '(encryption.master.key.file in the config, or PADO_MASTER_KEY_FILE / PADO_MASTER_KEY)';

/** A read's batches after decryption, or the first batch that failed and why. */
export type DecryptedRead =
  | { readonly ok: true; readonly records: Buffer; readonly nextOffset: number | undefined }
  /** The read's first batch failed (a later one ends the read early instead). */
  | { readonly ok: false; readonly offset: number; readonly detail: string };

export class LogEncryption {
  private readonly dir: string;
  private readonly atRest: AtRestEncryption | undefined;
  private readonly keys: DataKeys;
  /** A segment roll since the current key was made: the next batch gets a new key. */
  private rollDue = false;
  /** The key file holding every key made so far is queued or written (false after a failure). */
  private keyFileQueued = true;

  private constructor(dir: string, atRest: AtRestEncryption | undefined, keys: DataKeys) {
    this.dir = dir;
    this.atRest = atRest;
    this.keys = keys;
  }

  /**
   * The partition directory's keys. A directory with a key file but no master key given is a
   * configuration error (PADO_CONFIG_INVALID, naming what to set); a master key that does not
   * match the one the file names is refused by DataKeys.open with both check values.
   */
  static async open(fs: FsOps, dir: string, atRest: AtRestEncryption | undefined):
    Promise<LogEncryption> {
    const file = await fs.readFile(join(dir, keyFileName));
    if (file === undefined) return new LogEncryption(dir, atRest, DataKeys.empty());
    if (atRest === undefined) {
      throw new PadoError(PadoErrorCode.configInvalid, `${dir} ${atRestNeedsKeyMessage}`);
    }
    const keys = DataKeys.open(file, atRest.ring, dir);
    // A rotation (a newer master key in the ring): re-wrap the data keys, no segment touched.
    const rewrapped = rewrapKeyFile(file, atRest.ring, dir);
    if (rewrapped !== undefined) await fs.writeFileDurable(join(dir, keyFileName), rewrapped);
    return new LogEncryption(dir, atRest, keys);
  }

  /** Whether appends are encrypted. */
  get enabled(): boolean {
    return this.atRest !== undefined;
  }

  /** Stored size of a batch of `plainBytes` bytes. */
  storedBytes(plainBytes: number): number {
    return this.atRest === undefined ? plainBytes : plainBytes + encryptedBatchOverheadBytes;
  }

  /** The next batch goes to a new segment: it gets a new data key. */
  noteRoll(): void {
    this.rollDue = true;
  }

  /** The last write failed, perhaps with the key file queued in it: queue it again. */
  noteFailedWrite(): void {
    this.keyFileQueued = false;
  }

  /**
   * At append, for one batch: the key and a fresh nonce (its use counted), and the key file to
   * queue ahead of the batch when a new key was made or the last key file write may have been
   * lost. The encryption itself waits for the writer (`seal`): offsets and sizes are known now.
   */
  prepare(): { plan: SealPlan; keyFile: { path: string; bytes: Buffer } | undefined } {
    const atRest = this.atRest;
    assert(atRest !== undefined, `${this.dir}: encryption is off`);
    if (this.rollDue || this.keys.needsNewKey(atRest.ring)) {
      this.keys.addNewKey(atRest.ring, atRest.random);
      this.rollDue = false;
      this.keyFileQueued = false;
    }
    const key = this.keys.current;
    assert(key !== undefined, 'a current key after needsNewKey');
    let keyFile: { path: string; bytes: Buffer } | undefined;
    if (!this.keyFileQueued) {
      this.keyFileQueued = true;
      keyFile = { path: join(this.dir, keyFileName), bytes: this.keys.encode(atRest.ring) };
    }
    return { plan: { key, nonce: prepareBatchEncryption(key, atRest.random) }, keyFile };
  }

  /**
   * The stored form of one whole batch (header final) under `plan`, as parts to write back to
   * back; the batch's records are encrypted where they are (`encryptBatchInPlace`): nothing reads
   * an appended batch's bytes but the writer. (A worker thread was tried for large batches: sending a 1 MiB batch cost the event loop
   * as much as encrypting it, 0.85 ms against 0.9 — not kept.)
   */
  seal(batch: Buffer, plan: SealPlan): Buffer[] {
    return encryptBatchInPlace(plan.key.id, plan.key.cipherKey, batch, plan.nonce);
  }

  /**
   * The batches of a read (whole, checked stored batches back to back) as producers sent them.
   * Plaintext batches (written before encryption was turned on) pass as they are; without any
   * encrypted batch the buffer itself is returned. Decryption stops before the first batch that
   * fails (changed bytes, or a key this directory does not hold): `nextOffset` is then that
   * batch's offset; when it is the first batch, the read fails with its offset.
   */
  decryptRead(stored: Buffer): DecryptedRead {
    let encrypted = 0;
    for (let at = 0; at < stored.length; at += batchBytesAt(stored, at)) {
      if (isEncryptedBatch(stored, at)) encrypted++;
    }
    if (encrypted === 0) return { ok: true, records: stored, nextOffset: undefined };
    // One buffer for the whole read, each batch decrypted straight into its place.
    const out = Buffer.allocUnsafe(stored.length - encrypted * encryptedBatchOverheadBytes);
    let written = 0;
    for (let at = 0; at < stored.length;) {
      const size = batchBytesAt(stored, at);
      const batch = stored.subarray(at, at + size);
      if (!isEncryptedBatch(stored, at)) {
        written += batch.copy(out, written);
      } else {
        const failed = decryptBatchInto(this.keys, batch, out, written);
        if (failed !== undefined) {
          const offset = readInt64(stored, at) ?? -1;
          const detail = this.atRest === undefined && failed.error === 'unknownKey'
            ? `encrypted batch at offset ${offset}, and no master key given: the log ` +
              atRestNeedsKeyMessage
            : failed.message;
          if (written === 0) return { ok: false, offset, detail };
          return { ok: true, records: out.subarray(0, written), nextOffset: offset };
        }
        written += size - encryptedBatchOverheadBytes;
      }
      at += size;
    }
    return { ok: true, records: out, nextOffset: undefined };
  }
}

function batchBytesAt(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + BatchField.batchLength) + batchLogOverheadBytes;
}
