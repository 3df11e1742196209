/**
 * Encryption at rest (issue 15 item 5): the cryptographic core, and the plan for wiring it into
 * storage/. No I/O and no randomness of its own: callers read key files and pass the node's
 * Random (common/random.ts), so storage/ can call it and a seeded simulation replays byte for byte.
 *
 * ## Key hierarchy
 * - **Master keys** (key-encryption keys): 32 bytes each, numbered 1, 2, …; the highest id is
 *   current, older ones stay so what they wrapped can still be read. They come from a key file
 *   (its path from the config or PADO_MASTER_KEY_FILE) or from the PADO_MASTER_KEY variable, read
 *   by node/ and parsed here (`parseMasterKeys`): one bare key (id 1) as 64 hex digits or base64,
 *   lines `<id>:<key>` for several (`,` also separates them, for the variable), or exactly 32 raw
 *   bytes. A master key is never written under a data directory; there it is known only by its id
 *   and its check value (8 bytes of HMAC-SHA-256 under the key), so a wrong key is named, not
 *   guessed at ("this data was encrypted with master key 1; the key given does not match").
 * - **Data keys**: 32 random bytes from the caller's Random, numbered 1, 2, … within their owner:
 *   a partition directory, or a key-value store (the Raft log's, the group snapshots'). Each is
 *   wrapped under the current master key and kept in a key file (`encodeKeyFile`, CRC-sealed:
 *   version, master key id and check value, then per data key its id, the master key current when
 *   it was made, its wrapped bytes): `encryption.keys` in the partition directory; inside a
 *   key-value store as one reserved value (`keyStoreValueKey`), written in the same atomic batch
 *   as the first value sealed with a new key, so a crash can never leave a value whose key is lost.
 * - **Wrapping: AES key wrap** (RFC 3394, NIST SP 800-38F "KW", node's 'id-aes256-wrap'), not GCM.
 *   It is deterministic — no nonce, so `rewrap` needs no Random, and re-running a rotation that a
 *   crash interrupted writes the same bytes — it was made for wrapping keys (a 64-bit integrity
 *   check: a wrong key or a flipped bit fails, never yields a wrong key), and a wrapped key is 40
 *   bytes against GCM's 60. What KW lacks is associated data (GCM could bind a key to its
 *   partition); not needed: a key file moved to another partition only makes its batches fail
 *   authentication — denial, which anyone who can write the directory can cause anyway.
 *   RFC 5649 (KWP) pads odd lengths; our keys are 32 bytes, a multiple of 8.
 *
 * ## Which data key encrypts (`DataKeys.needsNewKey`)
 * A data key encrypts only in the process run that made it, and at most `dataKeyUsesRenew`
 * (2^30) times there; the owner makes a new one (and writes its key file) before encrypting when
 * it has none made in this run, when the master key changed since the key was made (rotation:
 * "new segments use the new key"), or when the count is reached. Random 96-bit nonces are safe for
 * 2^32 encryptions per key (NIST SP 800-38D §8.3); counting in memory is exact because a loaded
 * key is never used to encrypt again, so no counter is ever persisted. Storage should also make a
 * new key at each segment roll: every segment then has its own key (its batches name it), and a
 * key entry dropped when retention deletes the last segment using it makes any copy of that data
 * left on the device (SSD blocks, backups) unreadable. Keys are pruned by id (`removeKeysBelow`
 * the key id of the oldest segment's first batch: ids only grow along the log).
 *
 * ## Batches: what is stored (`encryptBatch`, `decryptBatch`)
 * The 61-byte RecordBatch v2 header stays in plaintext, so storage keeps working on stored bytes
 * without a key — offsets, lengths, the offset and time indexes, retention by time, producer state
 * (id, epoch, sequences), leader epochs, recovery and the scrubber. The records section is
 * AES-256-GCM ciphertext behind a 37-byte envelope:
 * ```
 *  0  61  header: baseOffset, batchLength (+37), leader epoch, magic 2, CRC32C of the stored bytes
 *         from attributes on, attributes | 0x4000 (encrypted), lastOffsetDelta, base and max
 *         timestamps, producer id and epoch, base sequence, record count
 * 61   1  envelope version (1)        62  4  data key id        66 12  nonce (random)
 * 78 4+n  ciphertext of [the producer's CRC32C][the records, n bytes]       78+4+n 16  GCM tag
 * ```
 * - **Plaintext, readable by anyone with the disk**: base offset, batch size (so the records'
 *   size to within 37 bytes), leader epoch, compression codec, transactional and control flags,
 *   record count, first and last timestamps, producer id, epoch and base sequence; plus segment,
 *   index and checkpoint files, and topic names (directory names). Record keys, values, headers
 *   and per-record timestamps are encrypted.
 * - **Authenticated**: the whole header but its CRC field, and the envelope's version and key id,
 *   are GCM additional data: a flipped bit anywhere but the CRC field fails decryption, and a
 *   batch copied to another offset fails too (its base offset is bound). The CRC field is outside
 *   because it covers the ciphertext and tag: storage's existing key-less checks (recovery's scan,
 *   `checkStoredBatch` on every read, the scrubber) still find torn tails and bit rot in stored
 *   bytes, unchanged; a flip in the CRC field alone leaves the decrypted batch exact.
 * - The producer's CRC travels inside the ciphertext (a CRC of the plaintext would let anyone
 *   check guesses of short values), so `decryptBatch` returns the batch byte for byte as sent,
 *   with the base offset and leader epoch storage assigned: its CRC32C still matches.
 * - Attribute bit 14 (0x4000; Kafka uses bits 0–6) marks the stored form, so a log may mix
 *   encrypted and plaintext batches (encryption turned on for an existing partition) and an
 *   encrypted batch reaching a client is caught (`isEncryptedBatch`). A producer's batch with the
 *   bit set is refused (`encryptBatch` throws PADO_INVALID_ARGUMENT; produce validation should
 *   refuse it first, as INVALID_RECORD).
 * - **Nonces are random**, 96 bits per batch, stored (12 of the 37 bytes). An offset-derived
 *   nonce would need no storage, but the same offset is written again with other records after a
 *   follower truncation, a leader failover or torn-tail recovery: under the same key that repeats
 *   a GCM nonce with a different plaintext, which reveals the XOR of the two plaintexts and the
 *   hash key that forges tags. A per-key counter would need persisted state and an fsync protocol
 *   to survive crashes. Overhead: 37 bytes a batch — 3.5 % of a 1 KiB batch, 0.23 % of 16 KiB,
 *   0.004 % of 1 MiB, but 22 % of a lone 100-byte record (a 170-byte batch). Dropping the inner
 *   CRC (recomputed on decryption) would save 4; a per-segment key id another 4.
 *
 * ## Key-value stores (`sealValue`, `openValue`)
 * The Raft log (entries, hard state, snapshots) and the group snapshots: each value becomes
 * [version 1][data key id u32][nonce 12][ciphertext][tag 16] (33 bytes more), with the value's
 * key in the additional data so values cannot be swapped between keys (entry 5 for entry 6). The
 * keys themselves (`e/<index>`, `h`; group ids and topic names in group-store keys) stay
 * plaintext: names, not payload.
 * `__consumer_offsets` is a partition log like any other, so its batches are encrypted as above.
 *
 * ## Rotation (`pado security rotate-key`)
 * 1. The CLI draws a new master key (it may use the system's randomness), appends
 *    `<current id + 1>:<hex>` to the key file (write, fsync, rename), keeping the old lines.
 * 2. The node loads the key ring (on restart or on a reload signal) and rewraps every key file in
 *    its data directories and stores under the new key (`rewrapKeyFile`: unwrap with the old
 *    key, wrap with the new one; write, fsync, rename; 40 bytes per data key, no segment touched).
 *    Interrupted, it reruns: files already rewrapped are skipped, the others read with the old key.
 * 3. From then on `needsNewKey` is true everywhere: the next encryption in each partition or
 *    store makes a data key wrapped under the new master key.
 * 4. Once every key file names the new id (the node reports counts per master key id), the old
 *    line can be removed. A *compromised* old master key may have exposed the data keys it
 *    wrapped: rewrapping does not change those keys; only rewriting the data (or retention ageing
 *    it out) does.
 *
 * ## Replication: plaintext only inside TLS
 * Recommended: the leader decrypts for every Fetch, follower fetches included, and a follower
 * encrypts under its own data keys as it appends. Keys stay local to a node (no cluster-wide key
 * distribution through the metadata log, no key files to keep equal across replicas through
 * truncations and rotations), a follower validates what it receives (the plaintext CRC32C) as
 * peer input must be, and the code path is the one consumers use. The price is CPU: per batch,
 * one decryption on the leader per follower and one encryption per follower, which the leader can
 * cut by serving followers from a small cache of the plaintext it has just appended. Shipping
 * ciphertext would save that CPU, but needs every replica to hold every partition's data keys and
 * gives followers nothing to validate without them. Rule: a node with encryption on refuses to
 * serve a replica fetch of an encrypted partition over a listener without TLS (configuration
 * error at start-up: "at-rest encryption needs an SSL inter-broker listener").
 *
 * ## How storage uses it (storage/log-encryption.ts, storage/encrypted-kv.ts, node/at-rest-keys.ts)
 * - PartitionLog: `encryption.keys` loaded at open (re-wrapped at once if the ring has a newer
 *   master key); a new data key on the first encryption of a run, after a rotation, at each roll,
 *   and its key file queued *before* the batches that use it (like the leader-epoch checkpoint,
 *   and queued again after a failed write). In appendOne, after `rewriteBatchHeader`,
 *   `encryptBatchParts`; the writer `writev`s the parts; `segment.place` takes the stored size.
 * - Recovery, scan, the scrubber, `checkStoredBatch`, locate-by-offset, producer-state rebuilds,
 *   offset-for-timestamp and retention: unchanged, on stored headers and CRCs, without a key.
 * - Read path: after `walkChecked`, `decryptBatchInto` each batch straight into one buffer for the
 *   read; a failure ends the read before it, and is damage when it is the first batch.
 * - RaftStore and the group snapshot store: an `atRestKvOpener` that seals every value (a
 *   plaintext store is sealed in one atomic batch when encryption is turned on).
 * - Produce validation refuses attribute bit 0x4000; node/io draws small randomness in 4 KiB
 *   blocks (a nonce costs a slice, not a `randomBytes(12)` call).
 * - Not done: pruning data keys of segments retention deleted (`removeKeysBelow`); serving
 *   followers from a cache of plaintext just appended (a leader decrypts per follower fetch).
 *
 * ## Cost (bench/README.md "encrypt": CPU time per MiB, shared 2-core machine, quietest run)
 * Encryption: 0.93 ms in 1 MiB batches, 3.0 ms in 16 KiB ones, 21 ms in 1 KiB ones (per-batch
 * costs dominate: half of it is `randomBytes(12)`); with `encryptBatchParts` and block-drawn
 * nonces 0.72, 1.7 and 9.5 ms. Decryption: 0.62, 2.0 and 7.6 ms. The produce bench (1 KiB
 * records in kcat batches of ~1 MB, 202 MiB/s with the broker at 0.81 core, 4.0 ms per MiB) would
 * spend 0.15–0.19 core more: −15 to −19 % of throughput if the broker were CPU-bound, less while
 * it runs at the disk's rate with CPU to spare, as now. `encryptBatchParts` and block randomness
 * are what keeps even the CPU-bound case at about 15 %; measured: bench/README.md "at-rest". Consume
 * (≈ 330 MiB/s) would spend ≈ 0.2 core more on decryption. With RF = 3 a leader decrypts each
 * batch once per follower (0.62 ms per MiB each) unless it serves them from a cache of what it
 * just appended. A Raft value costs ≈ 17 µs to seal and open (100 bytes): ≈ 2–4 % of a core at
 * the raft bench's 2,000 proposals/s.
 */
import {
  createCipheriv, createDecipheriv, createHmac, createSecretKey, type KeyObject, timingSafeEqual,
} from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import { assert, PadoError, PadoErrorCode, type Random } from '../common/index.js';
import {
  attributeEncryptedAtRest, BatchField, batchCrcStart, batchHeaderBytes, batchLogOverheadBytes, batchMagic, readInt64,
} from '../protocol/records/index.js';

export const masterKeyBytes = 32;
export const dataKeyBytes = 32;
/** RFC 3394: the key plus one 64-bit integrity block. */
export const wrappedKeyBytes = dataKeyBytes + 8;
/** Master key ids are 1..this (a positive int32: easy to type, room for a rotation a second). */
export const masterKeyIdMax = 0x7fff_ffff;
/** Data key ids are u32 in the envelope and the key file. */
export const dataKeyIdMax = 0xffff_ffff;
export const masterKeyEnvironmentVariable = 'PADO_MASTER_KEY';
export const masterKeyFileEnvironmentVariable = 'PADO_MASTER_KEY_FILE';
/** A partition directory's key file. */
export const keyFileName = 'encryption.keys';
/** The reserved key under which a key-value store keeps its key file. */
export const keyStoreValueKey = '!keys';
/** Encryptions after which a data key is renewed (NIST SP 800-38D §8.3 allows 2^32). */
export const dataKeyUsesRenew = 2 ** 30;
export const dataKeyUsesMax = 2 ** 32;
/** Data keys one key file holds: one a segment, a million segments. */
export const keyFileEntriesMax = 1 << 20;

const gcmNonceBytes = 12;
/** Bytes a cipher is fed at a time (below malloc's mmap threshold: see encryptBatchWithNonce). */
const cipherPieceBytes = 64 * 1024;
const gcmTagBytes = 16;
const checkBytes = 8;
const checkLabel = 'pado master key check v1';
const keyWrapIv = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** Attribute bit marking a stored batch as encrypted (Kafka assigns bits 0–6 only). */
export const encryptedBatchAttribute = attributeEncryptedAtRest;
export const batchEnvelopeVersion = 1;
/** Byte positions of the envelope inside a stored batch. */
export const BatchEnvelope = {
  version: batchHeaderBytes,
  keyId: batchHeaderBytes + 1,
  nonce: batchHeaderBytes + 5,
  ciphertext: batchHeaderBytes + 5 + gcmNonceBytes,
} as const;
/** Version, key id, nonce, the producer's CRC (moved inside) and tag. */
export const encryptedBatchOverheadBytes = 1 + 4 + gcmNonceBytes + 4 + gcmTagBytes;
export const sealedValueVersion = 1;
const sealedValueHeaderBytes = 1 + 4 + gcmNonceBytes;
export const sealedValueOverheadBytes = sealedValueHeaderBytes + gcmTagBytes;

assert(encryptedBatchOverheadBytes === 37, 'batch envelope layout');
assert(dataKeyUsesRenew < dataKeyUsesMax, 'renew before the bound');
assert(BatchEnvelope.ciphertext + 4 + gcmTagBytes ===
  batchHeaderBytes + encryptedBatchOverheadBytes, 'envelope fields in order');

// ---------------------------------------------------------------------------------------------
// Master keys

export interface MasterKey {
  readonly id: number;
  readonly key: Buffer;
  /** 8 bytes of HMAC-SHA-256(key, label): names the key on disk without revealing it. */
  readonly check: Buffer;
}

const keyFormatHelp = 'write one key as 64 hex digits or base64 of 32 bytes ' +
  '(`openssl rand -hex 32`), several as `<id>:<key>` lines (the highest id is current), ' +
  'or exactly 32 raw bytes';

function configInvalid(message: string): PadoError {
  return new PadoError(PadoErrorCode.configInvalid, message);
}

/** A master key from 32 bytes (copied); refuses a key of one repeated byte (a placeholder). */
export function masterKey(id: number, key: Buffer, source = 'master key'): MasterKey {
  if (!Number.isInteger(id) || id < 1 || id > masterKeyIdMax) {
    throw configInvalid(`${source}: id ${id} is not 1–${masterKeyIdMax}`);
  }
  if (key.length !== masterKeyBytes) {
    throw configInvalid(`${source}: master key ${id} is ${key.length} bytes, not 32; ` +
      keyFormatHelp);
  }
  if (key.every((b) => b === key[0])) {
    throw configInvalid(`${source}: master key ${id} is one byte repeated (a placeholder?); ` +
      'make a real one with `openssl rand -hex 32`');
  }
  const copy = Buffer.from(key);
  return { id, key: copy, check: masterKeyCheck(copy) };
}

export function masterKeyCheck(key: Buffer): Buffer {
  return createHmac('sha256', key).update(checkLabel).digest().subarray(0, checkBytes);
}

/** The line `pado security rotate-key` appends to a key file: `<id>:<64 hex digits>`. */
export function formatMasterKeyLine(key: MasterKey): string {
  return `${key.id}:${key.key.toString('hex')}`;
}

/** Master keys by id; the highest id is current. Immutable: rotation makes a new ring. */
export class MasterKeyRing {
  private readonly byId: ReadonlyMap<number, MasterKey>;
  readonly current: MasterKey;

  private constructor(keys: readonly MasterKey[]) {
    const sorted = [...keys].sort((a, b) => a.id - b.id);
    const last = sorted.at(-1);
    assert(last !== undefined, 'a ring holds a key');
    this.byId = new Map(sorted.map((k) => [k.id, k]));
    this.current = last;
  }

  /** Throws PADO_CONFIG_INVALID for no keys, an id twice, or one key under two ids. */
  static of(keys: readonly MasterKey[], source = 'master keys'): MasterKeyRing {
    if (keys.length === 0) throw configInvalid(`${source}: no master key; ${keyFormatHelp}`);
    const seen = new Map<number, MasterKey>();
    for (const k of keys) {
      if (seen.has(k.id)) throw configInvalid(`${source}: master key id ${k.id} appears twice`);
      for (const other of seen.values()) {
        if (timingSafeEqual(other.key, k.key)) {
          throw configInvalid(`${source}: master keys ${other.id} and ${k.id} are the same key; ` +
            'a rotation needs a new one (`openssl rand -hex 32`)');
        }
      }
      seen.set(k.id, k);
    }
    return new MasterKeyRing(keys);
  }

  get(id: number): MasterKey | undefined {
    return this.byId.get(id);
  }

  get ids(): number[] {
    return [...this.byId.keys()];
  }

  /** The ring after a rotation: `key` must have the highest id and be new. */
  withKey(key: MasterKey): MasterKeyRing {
    if (key.id <= this.current.id) {
      throw new PadoError(PadoErrorCode.invalidArgument, `new master key id ${key.id} must be ` +
        `above the current ${this.current.id}`);
    }
    return MasterKeyRing.of([...this.byId.values(), key], 'rotation');
  }
}

/**
 * Parses a key file's bytes or an environment variable's text (`source` names it in errors:
 * "key file /etc/pado/master.key", "PADO_MASTER_KEY"). Throws PADO_CONFIG_INVALID saying what is
 * wrong and what to write; messages never quote key material.
 */
export function parseMasterKeys(input: Buffer | string, source: string): MasterKeyRing {
  if (typeof input !== 'string' && input.length === masterKeyBytes) {
    return MasterKeyRing.of([rawMasterKey(input, source)], source);
  }
  const text = typeof input === 'string' ? input : keyText(input, source);
  const items = keyItems(text);
  if (items.length === 0) throw configInvalid(`${source}: no master key found; ${keyFormatHelp}`);
  const keys = items.map((item) => parseKeyItem(item, items.length, source));
  return MasterKeyRing.of(keys, source);
}

function rawMasterKey(bytes: Buffer, source: string): MasterKey {
  // A random key is all printable with odds of 2^-44; text this short is a mistake, not a key.
  if (bytes.every((b) => (b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d)) {
    throw configInvalid(`${source}: 32 characters of text, not a key: as hex that is 16 bytes ` +
      '(AES-128), as base64 24; a master key is 32 bytes: 64 hex digits or 44 base64 ' +
      'characters (`openssl rand -hex 32`)');
  }
  return masterKey(1, bytes, source);
}

function keyText(bytes: Buffer, source: string): string {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') || /[\x00-\x08\x0e-\x1f\x7f]/.test(text)) {
    throw configInvalid(`${source}: ${bytes.length} bytes that are neither text nor a raw key ` +
      `(32 bytes); ${keyFormatHelp}`);
  }
  return text;
}

interface KeyItem {
  readonly text: string;
  readonly where: string;
}

/** Non-empty, non-comment items; lines split further at commas (the variable's separator). */
function keyItems(text: string): KeyItem[] {
  const items: KeyItem[] = [];
  const lines = text.split(/\r?\n/).map((line) => line.replace(/#.*$/, ''));
  const multiline = lines.filter((l) => l.trim() !== '').length > 1;
  lines.forEach((content, lineIndex) => {
    const parts = content.split(',').map((p) => p.trim());
    const several = parts.filter((p) => p !== '').length > 1;
    parts.forEach((part, partIndex) => {
      if (part === '') return;
      const where = [multiline ? `line ${lineIndex + 1}` : '',
        several ? `entry ${partIndex + 1}` : ''].filter((w) => w !== '').join(', ');
      items.push({ text: part, where });
    });
  });
  return items;
}

function parseKeyItem(item: KeyItem, count: number, source: string): MasterKey {
  const where = item.where === '' ? source : `${source}, ${item.where}`;
  const withId = /^([0-9]+)\s*[:=]\s*(.*)$/.exec(item.text);
  if (withId === null && count > 1) {
    throw configInvalid(`${where}: several master keys need ids: write \`1:<key>\`, ` +
      '`2:<key>`, … (the highest id is current)');
  }
  const idText = withId?.[1] ?? '1';
  const id = Number(idText);
  if (!/^[1-9][0-9]*$/.test(idText) || id > masterKeyIdMax) {
    throw configInvalid(`${where}: master key id ${idText} is not 1–${masterKeyIdMax}`);
  }
  const value = withId?.[2]?.trim() ?? item.text;
  if (value === '') throw configInvalid(`${where}: no key after the id; ${keyFormatHelp}`);
  return masterKey(id, decodeKeyValue(value, where), where);
}

function decodeKeyValue(text: string, where: string): Buffer {
  const isHex = /^[0-9a-fA-F]+$/.test(text);
  if (isHex && text.length === masterKeyBytes * 2) return Buffer.from(text, 'hex');
  const isBase64 = /^[A-Za-z0-9+/]+={0,2}$/.test(text) || /^[A-Za-z0-9_-]+={0,2}$/.test(text);
  const base64Chars = text.replace(/=+$/, '').length;
  if (isBase64 && (base64Chars === 43 || !isHex)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === masterKeyBytes && base64Chars === 43) return bytes;
    throw configInvalid(`${where}: base64 of ${bytes.length} bytes; a master key is 32 bytes: ` +
      '44 base64 characters (`openssl rand -base64 32`) or 64 hex digits');
  }
  if (isHex) {
    throw configInvalid(`${where}: ${text.length} hex digits are ${Math.floor(text.length / 2)} ` +
      'bytes; a master key is 32 bytes: 64 hex digits (`openssl rand -hex 32`)');
  }
  const bad = [...text].findIndex((c) => !/[A-Za-z0-9+/=_-]/.test(c));
  throw configInvalid(`${where}: not hex or base64 (an unexpected character at position ` +
    `${bad + 1}); ${keyFormatHelp}`);
}

// ---------------------------------------------------------------------------------------------
// Data keys and their wrapping (AES key wrap, RFC 3394)

/** Wraps a 32-byte data key under a master key: 40 bytes (deterministic: no nonce). */
export function wrapDataKey(dataKey: Buffer, master: MasterKey): Buffer {
  assert(dataKey.length === dataKeyBytes, `a data key is ${dataKeyBytes} bytes`);
  const cipher = createCipheriv('id-aes256-wrap', master.key, keyWrapIv);
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  assert(wrapped.length === wrappedKeyBytes, 'RFC 3394 output is the key plus 8 bytes');
  return wrapped;
}

/**
 * The data key inside `wrapped`. Throws PADO_INVALID_ARGUMENT when it does not unwrap: `master` is
 * not the key it was wrapped with, or the bytes were changed (the RFC's integrity check).
 */
export function unwrapDataKey(wrapped: Buffer, master: MasterKey): Buffer {
  const fail = (): PadoError => new PadoError(PadoErrorCode.invalidArgument,
    `the wrapped data key does not unwrap under master key ${master.id}: it was wrapped under ` +
    'another key, or its bytes were changed');
  if (wrapped.length !== wrappedKeyBytes) throw fail();
  try {
    const decipher = createDecipheriv('id-aes256-wrap', master.key, keyWrapIv);
    const key = Buffer.concat([decipher.update(wrapped), decipher.final()]);
    if (key.length !== dataKeyBytes) throw fail();
    return key;
  } catch (e) {
    throw new PadoError(PadoErrorCode.invalidArgument, fail().message, { cause: e });
  }
}

/** Rotation of one wrapped key: the data key stays, only its wrapping changes. */
export function rewrap(wrapped: Buffer, oldMaster: MasterKey, newMaster: MasterKey): Buffer {
  const key = unwrapDataKey(wrapped, oldMaster);
  try {
    return wrapDataKey(key, newMaster);
  } finally {
    key.fill(0);
  }
}

/** One data key. `uses` counts encryptions in this process run (random nonces: see the top). */
export class DataKey {
  readonly id: number;
  readonly key: Buffer;
  /** The master key that was current when this key was made (rotation renews keys). */
  readonly bornUnderMasterKeyId: number;
  /** Made by this process; a key loaded from a file never encrypts again. */
  readonly madeThisRun: boolean;
  uses = 0;
  private keyObject: KeyObject | undefined;

  constructor(id: number, key: Buffer, bornUnderMasterKeyId: number, madeThisRun: boolean) {
    assert(Number.isInteger(id) && id >= 1 && id <= dataKeyIdMax, `data key id ${id}`);
    assert(key.length === dataKeyBytes, `a data key is ${dataKeyBytes} bytes`);
    this.id = id;
    this.key = key;
    this.bornUnderMasterKeyId = bornUnderMasterKeyId;
    this.madeThisRun = madeThisRun;
  }

  /** The key as node:crypto holds it, imported once rather than on every cipher. */
  get cipherKey(): KeyObject {
    this.keyObject ??= createSecretKey(this.key);
    return this.keyObject;
  }
}

export interface DataKeyLookup {
  dataKey(id: number): DataKey | undefined;
}

/** The data keys of one partition directory or key-value store, with the current one. */
export class DataKeys implements DataKeyLookup {
  private readonly keys = new Map<number, DataKey>();
  /** Wrapped forms by key id, for the master key id they were made under (re-encoding is cheap). */
  private readonly wrapped = new Map<number, { masterKeyId: number; bytes: Buffer }>();
  /** The key with the highest id. Invariant: in `keys` whenever any key is. */
  private currentKey: DataKey | undefined;

  static empty(): DataKeys {
    return new DataKeys();
  }

  /** Opens a key file (`encodeKeyFile`'s bytes) with the master keys given; see openKeyFile. */
  static open(file: Buffer, ring: MasterKeyRing, where: string): DataKeys {
    const decoded = decodeKeyFile(file, where);
    const master = masterFor(decoded, ring, where);
    const keys = new DataKeys();
    for (const entry of decoded.entries) {
      let key: Buffer;
      try {
        key = unwrapDataKey(entry.wrapped, master);
      } catch (e) {
        throw new PadoError(PadoErrorCode.storageCorrupt, `${where}: data key ${entry.id} is ` +
          `damaged (it does not unwrap under master key ${master.id}, whose check value ` +
          'matches): restore the key file from a backup, or rebuild this replica from its peers',
        { cause: e });
      }
      const dataKey = new DataKey(entry.id, key, entry.bornUnderMasterKeyId, false);
      keys.keys.set(entry.id, dataKey);
      keys.wrapped.set(entry.id, { masterKeyId: master.id, bytes: entry.wrapped });
      keys.currentKey = dataKey; // entries are sorted by id
    }
    return keys;
  }

  dataKey(id: number): DataKey | undefined {
    return this.keys.get(id);
  }

  /** The key with the highest id: the one to encrypt with (after `needsNewKey`). */
  get current(): DataKey | undefined {
    return this.currentKey;
  }

  get ids(): number[] {
    return [...this.keys.keys()].sort((a, b) => a - b);
  }

  /**
   * Whether the owner must make a new key (and write its key file) before encrypting: none yet,
   * the current one was loaded (its earlier uses are unknown), made under an older master key,
   * or used `dataKeyUsesRenew` times.
   */
  needsNewKey(ring: MasterKeyRing): boolean {
    const current = this.current;
    return current === undefined || !current.madeThisRun ||
      current.bornUnderMasterKeyId !== ring.current.id || current.uses >= dataKeyUsesRenew;
  }

  /** Makes a new current key from `random`; the caller persists `encode(ring)` before using it. */
  addNewKey(ring: MasterKeyRing, random: Random): DataKey {
    const id = (this.current?.id ?? 0) + 1;
    assert(id <= dataKeyIdMax, 'data key ids exhausted');
    assert(this.keys.size < keyFileEntriesMax, 'too many data keys: prune with removeKeysBelow');
    const bytes = random.bytes(dataKeyBytes);
    assert(bytes.length === dataKeyBytes, 'Random gave the bytes asked for');
    const key = new DataKey(id, Buffer.from(bytes), ring.current.id, true);
    this.keys.set(id, key);
    this.currentKey = key;
    return key;
  }

  /**
   * Forgets keys below `id` (their data is gone), never the current one; how many went. Their
   * data becomes unreadable once the key file is rewritten without them.
   */
  removeKeysBelow(id: number): number {
    let removed = 0;
    for (const k of [...this.keys.values()]) {
      if (k.id >= id || k === this.currentKey) continue;
      this.keys.delete(k.id);
      this.wrapped.delete(k.id);
      removed++;
    }
    return removed;
  }

  /** The key file: every key wrapped under the ring's current master key. */
  encode(ring: MasterKeyRing): Buffer {
    const master = ring.current;
    const entries = this.ids.map((id): KeyFileEntry => {
      const key = this.keys.get(id);
      assert(key !== undefined, 'listed id');
      let wrapped = this.wrapped.get(id);
      if (wrapped?.masterKeyId !== master.id) {
        wrapped = { masterKeyId: master.id, bytes: wrapDataKey(key.key, master) };
        this.wrapped.set(id, wrapped);
      }
      return { id, bornUnderMasterKeyId: key.bornUnderMasterKeyId, wrapped: wrapped.bytes };
    });
    return encodeKeyFile({ masterKeyId: master.id, masterCheck: master.check, entries });
  }
}

// ---------------------------------------------------------------------------------------------
// Key files: [crc32c u32 of the rest]["PDKF"][version u8][master key id u32][check 8 bytes]
// [entry count u32] then per entry [data key id u32][born under master key id u32][wrapped 40]

const keyFileMagic = Buffer.from('PDKF', 'latin1');
export const keyFileVersion = 1;
const keyFileHeaderBytes = 4 + 4 + 1 + 4 + checkBytes + 4;
const keyFileEntryBytes = 4 + 4 + wrappedKeyBytes;

export interface KeyFileEntry {
  readonly id: number;
  readonly bornUnderMasterKeyId: number;
  readonly wrapped: Buffer;
}

export interface KeyFile {
  readonly masterKeyId: number;
  readonly masterCheck: Buffer;
  /** Sorted by id, ids distinct. */
  readonly entries: readonly KeyFileEntry[];
}

export function encodeKeyFile(file: KeyFile): Buffer {
  assert(file.entries.length <= keyFileEntriesMax, 'key file entries within the bound');
  assert(file.masterCheck.length === checkBytes, 'check value size');
  const out = Buffer.alloc(keyFileHeaderBytes + file.entries.length * keyFileEntryBytes);
  keyFileMagic.copy(out, 4);
  out.writeUInt8(keyFileVersion, 8);
  out.writeUInt32BE(file.masterKeyId, 9);
  file.masterCheck.copy(out, 13);
  out.writeUInt32BE(file.entries.length, 21);
  let at = keyFileHeaderBytes;
  let lastId = 0;
  for (const e of file.entries) {
    assert(e.id > lastId && e.wrapped.length === wrappedKeyBytes, 'entries sorted and whole');
    lastId = e.id;
    out.writeUInt32BE(e.id, at);
    out.writeUInt32BE(e.bornUnderMasterKeyId, at + 4);
    e.wrapped.copy(out, at + 8);
    at += keyFileEntryBytes;
  }
  out.writeUInt32BE(crc32c(out.subarray(4)), 0);
  return out;
}

/** Parses a key file without unwrapping; throws PADO_STORAGE_CORRUPT naming `where`. */
export function decodeKeyFile(file: Buffer, where: string): KeyFile {
  const damaged = (why: string): PadoError => new PadoError(PadoErrorCode.storageCorrupt,
    `${where}: the key file is damaged (${why}); the data it protects cannot be read without ` +
    'it: restore it from a backup, or rebuild this replica from its peers');
  if (file.length < keyFileHeaderBytes) throw damaged(`${file.length} bytes`);
  if (crc32c(file.subarray(4)) !== file.readUInt32BE(0)) throw damaged('CRC mismatch');
  if (!file.subarray(4, 8).equals(keyFileMagic)) throw damaged('not a key file');
  const version = file.readUInt8(8);
  if (version !== keyFileVersion) {
    throw new PadoError(PadoErrorCode.storageCorrupt, `${where}: key file format ${version}, ` +
      `this Pado reads ${keyFileVersion}: run the Pado version that wrote it`);
  }
  const count = file.readUInt32BE(21);
  if (count > keyFileEntriesMax || file.length !== keyFileHeaderBytes + count * keyFileEntryBytes) {
    throw damaged(`${count} entries in ${file.length} bytes`);
  }
  const entries: KeyFileEntry[] = [];
  for (let i = 0, at = keyFileHeaderBytes; i < count; i++, at += keyFileEntryBytes) {
    const id = file.readUInt32BE(at);
    if (id <= (entries.at(-1)?.id ?? 0)) throw damaged(`data key ids out of order`);
    entries.push({ id, bornUnderMasterKeyId: file.readUInt32BE(at + 4),
      wrapped: Buffer.from(file.subarray(at + 8, at + keyFileEntryBytes)) });
  }
  return { masterKeyId: file.readUInt32BE(9), masterCheck: Buffer.from(file.subarray(13, 21)),
    entries };
}

/** The master key a key file names, checked: the errors an operator meets with a wrong key. */
function masterFor(file: KeyFile, ring: MasterKeyRing, where: string): MasterKey {
  const master = ring.get(file.masterKeyId);
  if (master === undefined) {
    throw configInvalid(`${where}: this data was encrypted with master key ` +
      `${file.masterKeyId}; the master keys given are ${ring.ids.join(', ')}: add master key ` +
      `${file.masterKeyId} (keep old keys until every key file is rewrapped)`);
  }
  if (!timingSafeEqual(master.check, file.masterCheck)) {
    throw configInvalid(`${where}: this data was encrypted with master key ${master.id}; the ` +
      `key given as master key ${master.id} does not match (check value ` +
      `${master.check.toString('hex')}, the data expects ${file.masterCheck.toString('hex')}): ` +
      `give the master key ${master.id} that was in force when it was written`);
  }
  return master;
}

/** Opens a key file: its data keys, unwrapped. Same as DataKeys.open. */
export function openKeyFile(file: Buffer, ring: MasterKeyRing, where: string): DataKeys {
  return DataKeys.open(file, ring, where);
}

/**
 * Rotation of one key file: the same data keys wrapped under the ring's current master key, or
 * undefined when it already is (so an interrupted rotation can simply run again).
 */
export function rewrapKeyFile(
  file: Buffer, ring: MasterKeyRing, where: string,
): Buffer | undefined {
  const decoded = decodeKeyFile(file, where);
  masterFor(decoded, ring, where);
  if (decoded.masterKeyId === ring.current.id) return undefined;
  return DataKeys.open(file, ring, where).encode(ring);
}

// ---------------------------------------------------------------------------------------------
// AES-256-GCM

/** Why stored bytes did not decrypt: damaged or changed, a key not held, or not encrypted. */
export type AtRestErrorKind = 'corrupt' | 'unknownKey' | 'notEncrypted';
export interface AtRestFailure {
  readonly ok: false;
  readonly error: AtRestErrorKind;
  readonly message: string;
}

function failure(error: AtRestErrorKind, message: string): AtRestFailure {
  return { ok: false, error, message };
}

/** Draws a batch nonce and counts a use of `key`: what `encryptBatchWithNonce` needs first. */
export function prepareBatchEncryption(key: DataKey, random: Random): Buffer {
  const nonce = drawNonce(random);
  noteUse(key);
  return nonce;
}

function drawNonce(random: Random): Buffer {
  const nonce = random.bytes(gcmNonceBytes);
  assert(nonce.length === gcmNonceBytes, 'Random gave the bytes asked for');
  return nonce;
}

/** Encrypts `parts` in order into `out` at `at`, the tag after them; returns the end. */
function gcmSealInto(key: Buffer | KeyObject, nonce: Buffer, aad: Buffer, parts: readonly Buffer[],
  out: Buffer, at: number): number {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: gcmTagBytes });
  cipher.setAAD(aad);
  let end = at;
  for (const part of parts) end += cipher.update(part).copy(out, end);
  end += cipher.final().copy(out, end);
  return end + cipher.getAuthTag().copy(out, end);
}

/** The plaintext, or undefined when the tag does not verify. */
function gcmOpen(
  key: Buffer | KeyObject, nonce: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer,
): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: gcmTagBytes });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(ciphertext);
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return undefined;
  }
}

/** Plain AES-256-GCM (for test vectors and benchmarks): ciphertext and 16-byte tag. */
export function aesGcmSeal(key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer):
  { ciphertext: Buffer; tag: Buffer } {
  const out = Buffer.allocUnsafe(plaintext.length + gcmTagBytes);
  gcmSealInto(key, nonce, aad, [plaintext], out, 0);
  return { ciphertext: out.subarray(0, plaintext.length), tag: out.subarray(plaintext.length) };
}

export function aesGcmOpen(key: Buffer, nonce: Buffer, aad: Buffer, ciphertext: Buffer,
  tag: Buffer): Buffer | undefined {
  return tag.length === gcmTagBytes ? gcmOpen(key, nonce, aad, ciphertext, tag) : undefined;
}

function noteUse(key: DataKey): void {
  assert(key.uses < dataKeyUsesMax,
    `data key ${key.id} used ${key.uses} times: renew it (DataKeys.needsNewKey)`);
  key.uses++;
}

function lookupKey(keys: DataKey | DataKeyLookup, id: number): DataKey | undefined {
  if (keys instanceof DataKey) return keys.id === id ? keys : undefined;
  return keys.dataKey(id);
}

// ---------------------------------------------------------------------------------------------
// Batches

/** Stored size of a batch of `plainBytes` (whole batch, log overhead included). */
export function encryptedBatchBytes(plainBytes: number): number {
  return plainBytes + encryptedBatchOverheadBytes;
}

/** Whether the batch at `at` carries the encrypted-storage attribute bit. */
export function isEncryptedBatch(buf: Buffer, at = 0): boolean {
  if (buf.length - at < batchHeaderBytes) return false;
  return (buf.readInt16BE(at + BatchField.attributes) & encryptedBatchAttribute) !== 0;
}

/** The data key id a stored batch names, or undefined if it is not an encrypted batch. */
export function encryptedBatchKeyId(stored: Buffer, at = 0): number | undefined {
  if (stored.length - at < batchHeaderBytes + encryptedBatchOverheadBytes) return undefined;
  if (!isEncryptedBatch(stored, at)) return undefined;
  return stored.readUInt32BE(at + BatchEnvelope.keyId);
}

/** The additional data: the stored header without its CRC field, envelope version and key id. */
function batchAad(stored: Buffer): Buffer {
  const aad = Buffer.allocUnsafe(BatchEnvelope.nonce - 4);
  stored.copy(aad, 0, 0, BatchField.crc);
  stored.copy(aad, BatchField.crc, batchCrcStart, BatchEnvelope.nonce);
  return aad;
}

/**
 * The stored form of one whole batch (see the top): header in plaintext and authenticated, the
 * producer's CRC and the records encrypted under `key` with a nonce drawn from `random`, a CRC32C
 * of the stored bytes in the CRC field. Base offset and leader epoch must already be final.
 * A batch already carrying the encrypted bit (a producer's) is PADO_INVALID_ARGUMENT.
 */
export function encryptBatch(key: DataKey, batch: Buffer, random: Random): Buffer {
  return Buffer.concat(encryptBatchParts(key, batch, random),
    batch.length + encryptedBatchOverheadBytes);
}

/**
 * The same stored bytes as `encryptBatch`, as parts to write back to back (`writev`): header and
 * envelope, ciphertext, tag. Saves the allocation and copy of one buffer for the whole batch.
 */
export function encryptBatchParts(key: DataKey, batch: Buffer, random: Random): Buffer[] {
  const nonce = drawNonce(random);
  noteUse(key);
  return encryptBatchWithNonce(key.id, key.cipherKey, batch, nonce);
}

/**
 * The counting and randomness-free part of `encryptBatchParts`: the caller drew `nonce` (12 fresh
 * random bytes) and counted the key's use. Leaves `batch` as it was.
 */
export function encryptBatchWithNonce(keyId: number, cipherKey: Buffer | KeyObject, batch: Buffer,
  nonce: Buffer): Buffer[] {
  return sealBatch(keyId, cipherKey, batch, nonce, false);
}

/**
 * `encryptBatchWithNonce`, with the records' ciphertext written over their plaintext in `batch`
 * itself (GCM is a stream mode: each piece of ciphertext is as long as its plaintext), which the
 * caller must not read as records again: the stored parts are a new header, the encrypted CRC,
 * `batch` from its records on, and the tag. The log's writer seals this way: an encrypted
 * produce then holds each batch once, as a plain one does, instead of once more as ciphertext
 * until the write is done; the cipher's 64 KiB outputs die at once and the allocator hands the
 * same memory out again.
 */
export function encryptBatchInPlace(keyId: number, cipherKey: Buffer | KeyObject, batch: Buffer,
  nonce: Buffer): Buffer[] {
  return sealBatch(keyId, cipherKey, batch, nonce, true);
}

function sealBatch(keyId: number, cipherKey: Buffer | KeyObject, batch: Buffer, nonce: Buffer,
  inPlace: boolean): Buffer[] {
  assert(nonce.length === gcmNonceBytes, 'a 96-bit nonce');
  assert(batch.length >= batchHeaderBytes, 'a whole batch');
  assert(batch.readInt32BE(BatchField.batchLength) + batchLogOverheadBytes === batch.length,
    'exactly one batch');
  assert(batch.readInt8(BatchField.magic) === batchMagic, 'a v2 batch');
  const attributes = batch.readInt16BE(BatchField.attributes);
  if ((attributes & encryptedBatchAttribute) !== 0) {
    throw new PadoError(PadoErrorCode.invalidArgument, `batch at base offset ` +
      `${readInt64(batch, 0)}: attribute bit 0x4000 is set, which Pado reserves for encrypted ` +
      'storage; the producer must not set it');
  }
  const head = Buffer.allocUnsafe(BatchEnvelope.ciphertext);
  batch.copy(head, 0, 0, batchHeaderBytes);
  head.writeInt32BE(batch.length + encryptedBatchOverheadBytes - batchLogOverheadBytes,
    BatchField.batchLength);
  head.writeInt16BE(attributes | encryptedBatchAttribute, BatchField.attributes);
  head.writeUInt8(batchEnvelopeVersion, BatchEnvelope.version);
  head.writeUInt32BE(keyId, BatchEnvelope.keyId);
  nonce.copy(head, BatchEnvelope.nonce);
  const cipher = createCipheriv('aes-256-gcm', cipherKey, nonce,
    { authTagLength: gcmTagBytes });
  cipher.setAAD(batchAad(head));
  const parts: Buffer[] = [head, cipher.update(batch.subarray(BatchField.crc, batchCrcStart))];
  // In pieces: each output is a fresh allocation, and one of a MiB is a fresh mapping whose pages
  // the kernel faults in and zeroes; 64 KiB pieces come from the allocator's reused heap.
  for (let at = batchHeaderBytes; at < batch.length; at += cipherPieceBytes) {
    const end = Math.min(batch.length, at + cipherPieceBytes);
    const piece = cipher.update(batch.subarray(at, end));
    if (!inPlace) parts.push(piece);
    else assert(piece.copy(batch, at) === end - at, 'GCM output is as long as its input');
  }
  if (inPlace && batch.length > batchHeaderBytes) parts.push(batch.subarray(batchHeaderBytes));
  parts.push(cipher.final(), cipher.getAuthTag());
  let crc = crc32c(head.subarray(batchCrcStart));
  let bytes = head.length;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as Buffer;
    if (part.length > 0) crc = crc32c(part, crc);
    bytes += part.length;
  }
  assert(bytes === batch.length + encryptedBatchOverheadBytes, 'envelope filled exactly');
  head.writeUInt32BE(crc, BatchField.crc);
  return parts.filter((part) => part.length > 0);
}

function storedWhere(stored: Buffer): string {
  return `encrypted batch at base offset ${readInt64(stored, 0) ?? '(beyond ±2^53)'}`;
}

/** Framing checks of a stored batch before any key is touched; a failure or undefined. */
function checkStoredFraming(stored: Buffer): AtRestFailure | undefined {
  if (stored.length < batchHeaderBytes + encryptedBatchOverheadBytes) {
    return failure('corrupt', `encrypted batch: ${stored.length} bytes, fewer than the ` +
      `${batchHeaderBytes + encryptedBatchOverheadBytes} of an empty one`);
  }
  const where = storedWhere(stored);
  const size = stored.readInt32BE(BatchField.batchLength) + batchLogOverheadBytes;
  if (size !== stored.length) {
    return failure('corrupt', `${where}: batchLength says ${size} bytes, ${stored.length} given`);
  }
  const magic = stored.readInt8(BatchField.magic);
  if (magic !== batchMagic) return failure('corrupt', `${where}: magic ${magic}`);
  if (!isEncryptedBatch(stored)) {
    return failure('notEncrypted', `${where}: the attributes say it is not encrypted`);
  }
  const version = stored.readUInt8(BatchEnvelope.version);
  if (version !== batchEnvelopeVersion) {
    return failure('corrupt', `${where}: envelope version ${version}, this Pado reads ` +
      `${batchEnvelopeVersion}`);
  }
  return undefined;
}

export type DecryptResult = { readonly ok: true; readonly batch: Buffer } | AtRestFailure;

/**
 * The batch as the producer sent it (with the base offset and epoch storage assigned; its CRC32C
 * matches) from exactly one stored batch, or why not: 'corrupt' (damaged or changed anywhere
 * GCM covers, or malformed), 'unknownKey' (a data key `keys` does not hold), 'notEncrypted'.
 * Never throws on any input. The stored CRC field is not checked: storage checks it, key-less.
 */
export function decryptBatch(keys: DataKey | DataKeyLookup, stored: Buffer): DecryptResult {
  const out = Buffer.allocUnsafe(Math.max(0, stored.length - encryptedBatchOverheadBytes));
  const result = decryptBatchInto(keys, stored, out, 0);
  return result === undefined ? { ok: true, batch: out } : result;
}

/**
 * `decryptBatch` writing the batch into `out` at `at` (it needs stored.length − 37 bytes there):
 * a read of many batches decrypts into one buffer, no copy per batch. Undefined on success.
 */
export function decryptBatchInto(keys: DataKey | DataKeyLookup, stored: Buffer, out: Buffer,
  at: number): AtRestFailure | undefined {
  const bad = checkStoredFraming(stored);
  if (bad !== undefined) return bad;
  const keyId = stored.readUInt32BE(BatchEnvelope.keyId);
  const key = lookupKey(keys, keyId);
  if (key === undefined) {
    return failure('unknownKey', `${storedWhere(stored)}: data key ${keyId} is not in the key ` +
      'file (a key file older than the data, or a damaged key id)');
  }
  const tagAt = stored.length - gcmTagBytes;
  const nonce = stored.subarray(BatchEnvelope.nonce, BatchEnvelope.ciphertext);
  const size = stored.length - encryptedBatchOverheadBytes;
  assert(out.length - at >= size, 'room for the decrypted batch');
  // Decrypted in pieces straight into `out` (see encryptBatchWithNonce on piece size); until the
  // tag verifies, what `out` holds there is not to be used — a failure says so and the caller
  // drops that range.
  let verified = false;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.cipherKey, nonce,
      { authTagLength: gcmTagBytes });
    decipher.setAAD(batchAad(stored));
    decipher.setAuthTag(stored.subarray(tagAt));
    const crc = decipher.update(stored.subarray(BatchEnvelope.ciphertext,
      BatchEnvelope.ciphertext + 4));
    let to = at + batchHeaderBytes;
    for (let from = BatchEnvelope.ciphertext + 4; from < tagAt; from += cipherPieceBytes) {
      to += decipher.update(stored.subarray(from, Math.min(tagAt, from + cipherPieceBytes)))
        .copy(out, to);
    }
    to += decipher.final().copy(out, to);
    verified = crc.length === 4 && to === at + size;
    if (verified) {
      stored.copy(out, at, 0, batchHeaderBytes);
      crc.copy(out, at + BatchField.crc);
    }
  } catch {
    verified = false;
  }
  if (!verified) {
    return failure('corrupt', `${storedWhere(stored)}: authentication failed under data key ` +
      `${keyId}: the stored bytes were changed (bit rot or tampering)`);
  }
  out.writeInt32BE(size - batchLogOverheadBytes, at + BatchField.batchLength);
  const attributes = stored.readInt16BE(BatchField.attributes) & ~encryptedBatchAttribute;
  out.writeInt16BE(attributes, at + BatchField.attributes);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Key-value store values

function valueAad(sealed: Buffer, context: Buffer | string): Buffer {
  const bytes = typeof context === 'string' ? Buffer.from(context, 'utf8') : context;
  return Buffer.concat([sealed.subarray(0, 5), bytes]);
}

/**
 * A value for a key-value store: [version][data key id][nonce][ciphertext][tag]. `context` (the
 * value's key in the store) is authenticated, so a value read under another key fails.
 */
export function sealValue(key: DataKey, value: Buffer, random: Random,
  context: Buffer | string = ''): Buffer {
  const out = Buffer.allocUnsafe(value.length + sealedValueOverheadBytes);
  out.writeUInt8(sealedValueVersion, 0);
  out.writeUInt32BE(key.id, 1);
  const nonce = drawNonce(random);
  nonce.copy(out, 5);
  noteUse(key);
  const end = gcmSealInto(key.cipherKey, nonce, valueAad(out, context), [value], out,
    sealedValueHeaderBytes);
  assert(end === out.length, 'sealed value filled exactly');
  return out;
}

export type OpenResult = { readonly ok: true; readonly value: Buffer } | AtRestFailure;

/** The value `sealValue` sealed under the same `context`, or why not. Never throws. */
export function openValue(keys: DataKey | DataKeyLookup, sealed: Buffer,
  context: Buffer | string = ''): OpenResult {
  if (sealed.length < sealedValueOverheadBytes) {
    return failure('corrupt', `sealed value: ${sealed.length} bytes, fewer than ` +
      `${sealedValueOverheadBytes}`);
  }
  const version = sealed.readUInt8(0);
  if (version !== sealedValueVersion) {
    return failure('corrupt', `sealed value: version ${version}, this Pado reads ` +
      `${sealedValueVersion}`);
  }
  const keyId = sealed.readUInt32BE(1);
  const key = lookupKey(keys, keyId);
  if (key === undefined) {
    return failure('unknownKey', `sealed value: data key ${keyId} is not in the key file`);
  }
  const tagAt = sealed.length - gcmTagBytes;
  const value = gcmOpen(key.cipherKey, sealed.subarray(5, sealedValueHeaderBytes),
    valueAad(sealed, context), sealed.subarray(sealedValueHeaderBytes, tagAt),
    sealed.subarray(tagAt));
  if (value === undefined) {
    return failure('corrupt', `sealed value: authentication failed under data key ${keyId}: ` +
      'changed bytes, or read under another key than it was written');
  }
  return { ok: true, value };
}
