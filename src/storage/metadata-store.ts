/**
 * The single-node metadata log on level: records in commit order under zero-padded keys, plus the
 * cluster id. One write batch per commit, synced before the commit is acknowledged. With Raft
 * (issue 4/5) this store is replaced by the Raft log; the records stay the same.
 */
import { Level } from 'level';
import type { MetadataRecord } from '../metadata/index.js';
import { PadoError, PadoErrorCode } from '../common/index.js';

const recordPrefix = 'r/';
const clusterIdKey = 'cluster-id';

function recordKey(index: number): string {
  return recordPrefix + String(index).padStart(16, '0');
}

export class MetadataStore {
  private readonly db: Level<string, string>;
  private nextIndex = 0;

  private constructor(db: Level<string, string>) {
    this.db = db;
  }

  static async open(path: string): Promise<MetadataStore> {
    const db = new Level<string, string>(path, { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (cause) {
      throw new PadoError(
        PadoErrorCode.storageIo,
        `cannot open the metadata store at ${path}: is another pado using this data directory?`,
        { cause },
      );
    }
    return new MetadataStore(db);
  }

  /** The cluster id, created on first start. */
  async clusterId(create: () => string): Promise<string> {
    const existing = await this.db.get(clusterIdKey);
    if (existing !== undefined) return existing;
    const id = create();
    await this.db.put(clusterIdKey, id, { sync: true });
    return id;
  }

  /** Every record in commit order. */
  async readAll(): Promise<MetadataRecord[]> {
    const records: MetadataRecord[] = [];
    for await (const value of this.db.values({ gte: recordPrefix, lt: recordPrefix + '~' })) {
      records.push(JSON.parse(value) as MetadataRecord);
    }
    this.nextIndex = records.length;
    return records;
  }

  /** Appends records atomically and durably (one synced batch). */
  async append(records: readonly MetadataRecord[]): Promise<void> {
    const batch = this.db.batch();
    records.forEach((record, i) => batch.put(recordKey(this.nextIndex + i), JSON.stringify(record)));
    await batch.write({ sync: true });
    this.nextIndex += records.length;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
