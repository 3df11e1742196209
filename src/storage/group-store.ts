/**
 * Consumer-group records on disk: the key and value encoding used in the `__consumer_offsets` log
 * (one key per group and one per committed offset; a tombstone, value null, removes a key), and
 * the snapshot store that bounds recovery: per `__consumer_offsets` partition, the live records as
 * of an offset, after which the log below that offset can be deleted. Recovery then replays at most
 * one record per live key plus the log written since the snapshot, however many commits were made.
 */
import type { KvOpener, KvStore } from './kv.js';
import { PadoError, PadoErrorCode } from '../common/index.js';
import type { GroupRecord } from '../groups/index.js';

/** The record's key in the log: what later records for the same thing overwrite. */
export function groupRecordKey(r: GroupRecord): string {
  return r.type === 'group' || r.type === 'groupRemoved'
    ? JSON.stringify(['g', r.groupId])
    : JSON.stringify(['o', r.groupId, r.topic, r.partition]);
}

/** The record's value; null for removals (a tombstone: the key alone says what is removed). */
export function encodeGroupRecord(r: GroupRecord): Buffer | null {
  if (r.type === 'offsetRemoved' || r.type === 'groupRemoved') return null;
  return Buffer.from(JSON.stringify(r, bufferReplacer));
}

/** Decodes a key and value written by the two functions above; undefined when not ours. */
export function decodeGroupRecord(key: Buffer, value: Buffer | null): GroupRecord | undefined {
  let parsedKey: unknown;
  try {
    parsedKey = JSON.parse(key.toString());
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsedKey)) return undefined;
  if (value === null) {
    const [kind, groupId, topic, partition] = parsedKey as [string, string, string, number];
    if (kind === 'g') return { type: 'groupRemoved', groupId };
    if (kind === 'o') return { type: 'offsetRemoved', groupId, topic, partition };
    return undefined;
  }
  return JSON.parse(value.toString(), bufferReviver) as GroupRecord;
}

function bufferReplacer(_key: string, v: unknown): unknown {
  return v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer'
    ? { $b64: Buffer.from((v as { data: number[] }).data).toString('base64') }
    : v;
}

function bufferReviver(_key: string, v: unknown): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { $b64?: unknown }).$b64 === 'string'
    ? Buffer.from((v as { $b64: string }).$b64, 'base64')
    : v;
}

export interface GroupSnapshot {
  /** The log offset the snapshot covers up to (exclusive): replay resumes here. */
  readonly offset: number;
  readonly records: readonly GroupRecord[];
}

export class GroupSnapshotStore {
  private readonly db: KvStore;

  private constructor(db: KvStore) {
    this.db = db;
  }

  static async open(path: string, openKv: KvOpener): Promise<GroupSnapshotStore> {
    let db: KvStore;
    try {
      db = await openKv(path);
    } catch (cause) {
      throw new PadoError(PadoErrorCode.storageIo, `cannot open the group snapshot store at ${path}`, {
        cause,
      });
    }
    return new GroupSnapshotStore(db);
  }

  async get(partition: number): Promise<GroupSnapshot | undefined> {
    const text = await this.db.get(String(partition));
    return text === undefined ? undefined
      : (JSON.parse(text.toString('utf8'), bufferReviver) as GroupSnapshot);
  }

  /** Durable before it resolves: the log below `offset` may be deleted afterwards. */
  async put(partition: number, snapshot: GroupSnapshot): Promise<void> {
    const value = Buffer.from(JSON.stringify(snapshot, bufferReplacer), 'utf8');
    await this.db.batch([{ type: 'put', key: String(partition), value }], true);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
