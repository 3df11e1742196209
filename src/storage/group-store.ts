/**
 * Durable consumer-group state on level: one key per group and one per committed offset, so the
 * store is compacted by construction (the last record for a key is all that is kept, as log
 * compaction keeps for Kafka's __consumer_offsets) and start-up replays at most one record per
 * live key, however many commits were made. Each append is one synced write batch.
 *
 * With replication (issue 6) group state moves into the replicated `__consumer_offsets` log so
 * the coordinator can follow partition leadership; the record shapes stay the same.
 */
import { Level } from 'level';
import { PadoError, PadoErrorCode } from '../common/index.js';
import type { GroupRecord } from '../groups/index.js';

type Key = string;

function groupKey(groupId: string): Key {
  return JSON.stringify(['g', groupId]);
}

function offsetKey(groupId: string, topic: string, partition: number): Key {
  return JSON.stringify(['o', groupId, topic, partition]);
}

/** Buffers (member metadata, assignments) survive JSON as base64. */
function encode(record: GroupRecord): string {
  return JSON.stringify(record, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer'
      ? { $b64: Buffer.from((v as { data: number[] }).data).toString('base64') }
      : v,
  );
}

function decode(text: string): GroupRecord {
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $b64?: unknown }).$b64 === 'string'
      ? Buffer.from((v as { $b64: string }).$b64, 'base64')
      : v,
  ) as GroupRecord;
}

export class GroupStoreLevel {
  private readonly db: Level<string, string>;

  private constructor(db: Level<string, string>) {
    this.db = db;
  }

  static async open(path: string): Promise<GroupStoreLevel> {
    const db = new Level<string, string>(path, { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (cause) {
      throw new PadoError(PadoErrorCode.storageIo, `cannot open the group store at ${path}`, { cause });
    }
    return new GroupStoreLevel(db);
  }

  /** Group records first, then offsets: one record per live key. */
  async load(): Promise<GroupRecord[]> {
    const groups: GroupRecord[] = [];
    const offsets: GroupRecord[] = [];
    for await (const [key, value] of this.db.iterator()) {
      (key.startsWith('["g"') ? groups : offsets).push(decode(value));
    }
    return [...groups, ...offsets];
  }

  async append(records: readonly GroupRecord[]): Promise<void> {
    if (records.length === 0) return;
    const batch = this.db.batch();
    for (const r of records) {
      switch (r.type) {
        case 'offset':
          batch.put(offsetKey(r.groupId, r.topic, r.partition), encode(r));
          break;
        case 'offsetRemoved':
          batch.del(offsetKey(r.groupId, r.topic, r.partition));
          break;
        case 'group':
          batch.put(groupKey(r.groupId), encode(r));
          break;
        case 'groupRemoved':
          batch.del(groupKey(r.groupId));
          break;
      }
    }
    await batch.write({ sync: true });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
