/**
 * The follower side of Kafka's replication throttle (KIP-73, `follower.replication.throttled.rate`)
 * for partition moves (issue 16: `pado cluster partitions move --throttle`). One token bucket per
 * node, shared by all its fetchers: the bytes this node fetches for throttled partitions average
 * at most the rate. A partition is throttled while this node is one of its adding replicas
 * (KIP-455) and not yet in its ISR — Kafka throttles only replicas out of sync too, so an
 * in-sync replica never holds back the high watermark or acks=all. The rate is read from the
 * metadata image on every use (set and removed with `ReplicationThrottle`, key 1012).
 *
 * The bucket holds at most one second of rate; a fetch may overshoot what is left (a batch is
 * never split) and the debt is paid before the next throttled fetch, so over any window longer
 * than a second the rate holds within one fetch's bytes.
 */
import type { MetadataImage } from '../metadata/index.js';

/** Kafka's name; the value is bytes per second. */
export const followerThrottleConfigName = 'follower.replication.throttled.rate';

export class ReplicationThrottle {
  private readonly image: () => MetadataImage;
  private readonly nodeId: number;
  private tokens = 0;
  private lastMs: number | undefined;
  private lastRate: number | undefined;

  constructor(nodeId: number, image: () => MetadataImage) {
    this.nodeId = nodeId;
    this.image = image;
  }

  /** The rate in force (bytes/s), or undefined when there is none. */
  rate(): number | undefined {
    const raw = this.image().brokerConfigs.get(followerThrottleConfigName);
    const rate = raw === undefined ? NaN : Number(raw);
    return Number.isSafeInteger(rate) && rate > 0 ? rate : undefined;
  }

  /** Whether fetches of this partition are throttled now. */
  applies(topic: string, partition: number): boolean {
    if (this.rate() === undefined) return false;
    const p = this.image().topicsByName.get(topic)?.partitions[partition];
    return p !== undefined && p.addingReplicas?.includes(this.nodeId) === true
      && !p.isr.includes(this.nodeId);
  }

  /** Bytes a throttled fetch may ask for now (≤ 0: none until the bucket refills). */
  available(nowMs: number): number {
    const rate = this.rate();
    if (rate === undefined) return Number.MAX_SAFE_INTEGER;
    if (rate !== this.lastRate || this.lastMs === undefined) {
      // A new or changed rate starts with an empty bucket: no burst above it.
      this.lastRate = rate;
      this.lastMs = nowMs;
      this.tokens = Math.min(this.tokens, 0);
    }
    const elapsedMs = Math.max(0, nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.tokens = Math.min(rate, this.tokens + (rate * elapsedMs) / 1000);
    return Math.floor(this.tokens);
  }

  /** A throttled fetch brought `bytes`. */
  charge(bytes: number): void {
    this.tokens -= bytes;
  }
}
