/**
 * A node's metrics and its HTTP admin listener (issue 16 item 1): the NodeMetrics the request
 * path, the logs and the ISR sender count into; the state a scrape reads (the metadata image, the
 * Raft status, this node's replicas); and `/metrics`, `/health`, `/ready` on `httpListen`
 * (127.0.0.1:9644 by default) when the node's I/O has an HTTP adapter (the simulator's has none).
 */
import type { Logger } from 'pino';
import type { Clock } from '../common/index.js';
import { effectiveTopicConfigs, type NodeConfig } from '../config/index.js';
import { replicationFactorOf, type MetadataImage } from '../metadata/index.js';
import {
  adminRoutes, NodeMetrics, type GroupLag, type HttpMount, type NodeState, type PartitionState,
} from '../observability/index.js';
import { apiTable } from '../protocol/index.js';
import { listenError, type RequestObserver } from '../server/index.js';
import type { Status } from '../raft/index.js';
import type { HttpListener } from './io/system-http.js';
import type { NodeIo } from './io/index.js';
import type { ReplicaView } from './replica-manager.js';
import { topicOverrides } from './replica-manager.js';

/** What the scrape reads, once the node has composed its parts. */
export interface ObservedParts {
  readonly nodeId: number;
  readonly image: () => MetadataImage;
  readonly raft: () => Status;
  readonly isController: () => boolean;
  readonly replicas: () => readonly ReplicaView[];
  readonly diskFreeBytes: () => number | undefined;
  /** Committed offsets of the groups this node coordinates (bounded), for the lag metric. */
  readonly groupOffsets: () => readonly { group: string; topic: string; partition: number; offset: number }[];
  /** The topic defaults in force (the node's config with the cluster's dynamic configs). */
  readonly topicDefaults: () => NodeConfig['topicDefaults'];
  /** Null when serving clients, else why not. */
  readonly notReady: () => string | null;
}

export class NodeObservability {
  readonly metrics: NodeMetrics;
  readonly observer: RequestObserver;
  /** For the storage layer: each log fsync's duration. */
  readonly flushed: (ms: number) => void;
  readonly monotonicMs: () => number;
  private parts: ObservedParts | null = null;
  private http: HttpListener | null = null;
  private readonly config: NodeConfig;
  private readonly mounts: HttpMount[] = [];

  constructor(config: NodeConfig, io: NodeIo, clock: Clock) {
    this.config = config;
    const names = new Map<number, string>();
    for (const [key, info] of apiTable) names.set(key, info.name);
    this.metrics = new NodeMetrics(() => this.state(), names);
    io.admin?.collectProcessMetrics(this.metrics.registry);
    const now = io.admin?.monotonicMs ?? (() => clock.now());
    this.monotonicMs = now;
    const metrics = this.metrics;
    this.observer = {
      nowMs: now,
      requestDone: (apiKey, seconds) => metrics.requestDone(apiKey, seconds),
      produced: (topic, bytes, records) => metrics.produced(topic, bytes, records),
      fetched: (topic, bytes, byFollower) => metrics.fetched(topic, bytes, byFollower),
    };
    this.flushed = (ms) => metrics.flushed(ms / 1000);
  }

  /**
   * Binds the HTTP listener (before the node has its parts: /health answers during start-up, and
   * /ready says why not yet). A port in use stops start-up with one line saying what to set.
   */
  async listen(io: NodeIo, log: Logger): Promise<void> {
    const listen = io.admin?.listenHttp;
    if (listen === undefined) return;
    const { host, port } = this.config.httpListen;
    const routes = adminRoutes({ metrics: this.metrics, mounts: this.mounts,
      notReady: () => (this.parts === null ? 'starting' : this.parts.notReady()) });
    try {
      this.http = await listen(host, port, routes, log.child({ module: 'http' }));
    } catch (err) {
      // One line naming the address and the flag, as for the Kafka listener (server.ts).
      throw listenError(err as Error, host, port, { name: ' (HTTP admin listener)', flag: '--http-listen' });
    }
    log.info({ host, port: this.http.port }, 'http listener ready');
  }

  attach(parts: ObservedParts): void {
    this.parts = parts;
  }

  /** Serves `mount.prefix` and what is under it on the HTTP listener from now on. */
  mount(mount: HttpMount): void {
    this.mounts.push(mount);
  }

  async close(): Promise<void> {
    await this.http?.close();
    this.http = null;
  }

  private state(): NodeState | undefined {
    const parts = this.parts;
    if (parts === null) return undefined;
    const image = parts.image();
    const status = parts.raft();
    let offline = 0;
    for (const topic of image.topicsByName.values()) {
      for (const p of topic.partitions) if (p.leader < 0) offline++;
    }
    let fenced = 0;
    for (const b of image.brokers.values()) if (b.fenced) fenced++;
    const minIsrOf = new Map<string, number>();
    const partitions: PartitionState[] = [];
    for (const v of parts.replicas()) {
      const topic = image.topicsByName.get(v.topic);
      const p = topic?.partitions[v.partition];
      let minIsr = minIsrOf.get(v.topic);
      if (minIsr === undefined && topic !== undefined) {
        minIsr = effectiveTopicConfigs(topicOverrides(topic), replicationFactorOf(topic),
          parts.topicDefaults())['min.insync.replicas'];
        minIsrOf.set(v.topic, minIsr);
      }
      partitions.push({ topic: v.topic, partition: v.partition,
        leader: v.role === 'leader' && p?.leader === parts.nodeId,
        replicas: p?.replicas.length ?? 0, isr: p?.isr.length ?? 0, minIsr: minIsr ?? 1,
        sizeBytes: v.sizeBytes, logEndOffset: v.logEndOffset, highWatermark: v.highWatermark });
    }
    // Lag against this node's own replica's high watermark (a follower's trails the leader's by a
    // fetch round): no request to any other node per scrape.
    const hw = new Map(partitions.map((p) => [`${p.partition}\u0000${p.topic}`, p.highWatermark]));
    const groupLag: GroupLag[] = [];
    for (const c of parts.groupOffsets()) {
      const end = hw.get(`${c.partition}\u0000${c.topic}`);
      if (end !== undefined && c.offset >= 0) groupLag.push({ ...c, lag: Math.max(0, end - c.offset) });
    }
    const free = parts.diskFreeBytes();
    return {
      nodeId: parts.nodeId, isController: parts.isController(),
      raft: { term: status.term, leaderId: status.leaderId, role: status.role, commitIndex: status.commit,
        appliedIndex: status.applied, lastIndex: status.lastIndex, voters: status.conf.voters.length,
        observers: status.conf.learners.length },
      brokers: { active: image.brokers.size - fenced, fenced }, offlinePartitions: offline, partitions,
      ...(free === undefined ? {} : { diskFreeBytes: free }),
      ready: parts.notReady() === null, groupLag,
    };
  }
}
