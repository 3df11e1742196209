/**
 * The metadata log of a single node: decisions run one at a time on the newest image, their
 * records are persisted (synced) and then applied; listeners see every (old, new) image pair in
 * order. Issue 5 replaces the store with the Raft log; the propose/apply shape stays.
 */
import type { Logger } from 'pino';
import { applyRecords, emptyImage, type MetadataImage } from '../metadata/index.js';
import type { Decision } from '../server/index.js';
import type { MetadataStore } from '../storage/index.js';

export type ImageListener = (previous: MetadataImage, next: MetadataImage) => Promise<void>;

export class LocalMetadata {
  private current: MetadataImage;
  private readonly store: MetadataStore;
  private readonly log: Logger;
  private readonly listeners: ImageListener[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(store: MetadataStore, image: MetadataImage, log: Logger) {
    this.store = store;
    this.current = image;
    this.log = log;
  }

  static async load(store: MetadataStore, clusterId: string, log: Logger): Promise<LocalMetadata> {
    const records = await store.readAll();
    const image = applyRecords(emptyImage(clusterId), records);
    log.info({ recordCount: records.length, topics: image.topicsByName.size }, 'metadata loaded');
    return new LocalMetadata(store, image, log);
  }

  image(): MetadataImage {
    return this.current;
  }

  onChange(listener: ImageListener): void {
    this.listeners.push(listener);
  }

  /** Serialised: each decision sees the image left by the one before it. */
  propose<T>(decide: (image: MetadataImage) => Decision<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const { records, result } = decide(this.current);
      if (records.length === 0) return result;
      await this.store.append(records);
      const previous = this.current;
      this.current = applyRecords(previous, records);
      this.log.debug({ recordCount: records.length }, 'metadata committed');
      for (const listener of this.listeners) await listener(previous, this.current);
      return result;
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
