/**
 * A node's metrics in Prometheus form (issue 16 item 1), named as Kafka's JMX metrics are when
 * exported by the Prometheus JMX exporter (`kafka_server_brokertopicmetrics_bytesin_total`…), so
 * dashboards and alert rules written for Kafka read them; Pado's own have a `pado_` prefix.
 *
 * Two kinds, so the hot paths stay cheap:
 * - counted as it happens (a few per request, each a bound child's `inc`/`observe`: no label
 *   lookup): requests and their latency per API, bytes and records in and out per topic, ISR
 *   shrinks and expands, leader elections, log flush latency;
 * - read when scraped, from the node's state (`NodeState`): partition counts, under-replicated and
 *   under-min-ISR partitions, offline partitions and brokers (on the controller), the Raft
 *   quorum's term, leader and lag, log size per partition, free disk.
 * The process's own (RSS, event-loop delay, heap) are added by the node's I/O wiring.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One partition replica on this node, as a scrape sees it. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** This node leads it (else follows). */
  readonly leader: boolean;
  readonly replicas: number;
  readonly isr: number;
  readonly minIsr: number;
  readonly sizeBytes: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
}

/** What a scrape reads of the node. */
export interface NodeState {
  readonly nodeId: number;
  readonly isController: boolean;
  readonly raft: {
    readonly term: number;
    /** 0: none known. */
    readonly leaderId: number;
    readonly role: string;
    readonly commitIndex: number;
    readonly appliedIndex: number;
    readonly lastIndex: number;
    readonly voters: number;
    readonly observers: number;
  };
  /** Registered brokers, fenced and not (from the metadata image). */
  readonly brokers: { readonly active: number; readonly fenced: number };
  /** Partitions of the cluster without a leader (from the metadata image). */
  readonly offlinePartitions: number;
  readonly partitions: readonly PartitionState[];
  /** Free bytes on the data directory's file system, when measured. */
  readonly diskFreeBytes?: number;
  readonly ready: boolean;
  /**
   * Consumer-group lag of the groups this node coordinates: each committed offset's distance to
   * the partition's high watermark as this node's replica knows it (partitions without a replica
   * here are left out).
   */
  readonly groupLag?: readonly GroupLag[];
}

export interface GroupLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/** Kafka's request names (its `request` label), by API key; others by key. */
export type ApiNames = ReadonlyMap<number, string>;

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const flushBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

type Child = { inc(n?: number): void };
type Timed = { observe(v: number): void };

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requestTime: Histogram<'request'>;
  private readonly requestTimes = new Map<number, Timed>();
  private readonly bytesIn: Counter<'topic'>;
  private readonly messagesIn: Counter<'topic'>;
  private readonly bytesOut: Counter<'topic'>;
  private readonly replicationBytesOut: Counter<'topic'>;
  private readonly replicationBytesIn: Counter<'topic'>;
  private readonly perTopic = new Map<string, { bytesIn: Child; messagesIn: Child; bytesOut: Child;
    replicationBytesOut: Child; replicationBytesIn: Child }>();
  private readonly isrShrinks: Counter;
  private readonly isrExpands: Counter;
  private readonly elections: Counter;
  private readonly flushTime: Histogram;
  private readonly names: ApiNames;

  constructor(state: () => NodeState | undefined, names: ApiNames) {
    this.names = names;
    const registers = [this.registry];
    this.requestTime = new Histogram({ name: 'kafka_network_requestmetrics_totaltime_seconds',
      help: 'Time from a request\'s arrival to its response, per API (Kafka: RequestMetrics TotalTimeMs); ' +
        '_count is the request count', labelNames: ['request'], buckets: latencyBuckets, registers });
    this.bytesIn = new Counter({ name: 'kafka_server_brokertopicmetrics_bytesin_total',
      help: 'Bytes produced by clients and appended, per topic (Kafka: BytesInPerSec)', labelNames: ['topic'],
      registers });
    this.messagesIn = new Counter({ name: 'kafka_server_brokertopicmetrics_messagesin_total',
      help: 'Records produced by clients and appended, per topic (Kafka: MessagesInPerSec)',
      labelNames: ['topic'], registers });
    this.bytesOut = new Counter({ name: 'kafka_server_brokertopicmetrics_bytesout_total',
      help: 'Bytes fetched by consumers, per topic (Kafka: BytesOutPerSec)', labelNames: ['topic'], registers });
    this.replicationBytesOut = new Counter({
      name: 'kafka_server_brokertopicmetrics_replicationbytesout_total',
      help: 'Bytes fetched by follower replicas from this leader, per topic (Kafka: ReplicationBytesOutPerSec)',
      labelNames: ['topic'], registers });
    this.replicationBytesIn = new Counter({
      name: 'kafka_server_brokertopicmetrics_replicationbytesin_total',
      help: 'Bytes this node\'s followers appended from their leaders, per topic ' +
        '(Kafka: ReplicationBytesInPerSec)', labelNames: ['topic'], registers });
    this.isrShrinks = new Counter({ name: 'kafka_server_replicamanager_isrshrinks_total',
      help: 'ISR shrinks this node asked for as a partition leader', registers });
    this.isrExpands = new Counter({ name: 'kafka_server_replicamanager_isrexpands_total',
      help: 'ISR expands this node asked for as a partition leader', registers });
    this.elections = new Counter({ name: 'kafka_controller_controllerstats_leaderelections_total',
      help: 'Partition leader changes committed while this node was the controller', registers });
    this.flushTime = new Histogram({ name: 'kafka_log_logflushstats_logflush_seconds',
      help: 'Time of one log fsync (Kafka: LogFlushRateAndTimeMs)', buckets: flushBuckets, registers });
    this.scrapeGauges(state, registers);
  }

  /** A request answered `seconds` after it arrived. */
  requestDone(apiKey: number, seconds: number): void {
    let child = this.requestTimes.get(apiKey);
    if (child === undefined) {
      child = this.requestTime.labels(this.names.get(apiKey) ?? `api-${apiKey}`);
      this.requestTimes.set(apiKey, child);
    }
    child.observe(seconds);
  }

  produced(topic: string, bytes: number, records: number): void {
    const t = this.topic(topic);
    t.bytesIn.inc(bytes);
    t.messagesIn.inc(records);
  }

  fetched(topic: string, bytes: number, byFollower: boolean): void {
    if (bytes === 0) return;
    const t = this.topic(topic);
    (byFollower ? t.replicationBytesOut : t.bytesOut).inc(bytes);
  }

  replicated(topic: string, bytes: number): void {
    this.topic(topic).replicationBytesIn.inc(bytes);
  }

  isrChanged(from: number, to: number): void {
    if (to < from) this.isrShrinks.inc();
    else if (to > from) this.isrExpands.inc();
  }

  leadersElected(count: number): void {
    if (count > 0) this.elections.inc(count);
  }

  flushed(seconds: number): void {
    this.flushTime.observe(seconds);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private topic(topic: string) {
    let t = this.perTopic.get(topic);
    if (t === undefined) {
      t = { bytesIn: this.bytesIn.labels(topic), messagesIn: this.messagesIn.labels(topic),
        bytesOut: this.bytesOut.labels(topic), replicationBytesOut: this.replicationBytesOut.labels(topic),
        replicationBytesIn: this.replicationBytesIn.labels(topic) };
      this.perTopic.set(topic, t);
    }
    return t;
  }

  private scrapeGauges(state: () => NodeState | undefined, registers: Registry[]): void {
    // One read of the state per scrape, shared by every gauge (each collect() runs in turn).
    let cached: { at: number; value: NodeState | undefined } | null = null;
    let scrape = 0;
    const read = (): NodeState | undefined => {
      if (cached === null || cached.at !== scrape) cached = { at: scrape, value: state() };
      return cached.value;
    };
    const gauge = (name: string, help: string, value: (s: NodeState) => number): void => {
      new Gauge({ name, help, registers, collect() {
        const s = read();
        if (s !== undefined) this.set(value(s));
      } });
    };
    new Gauge({ name: 'pado_up', help: '1 (and a new scrape begins)', registers, collect() {
      scrape++;
      this.set(1);
    } });
    gauge('pado_ready', '1 when this node serves clients: registered, unfenced, caught up',
      (s) => (s.ready ? 1 : 0));
    const led = (s: NodeState) => s.partitions.filter((p) => p.leader);
    gauge('kafka_server_replicamanager_partitioncount', 'Partition replicas on this node',
      (s) => s.partitions.length);
    gauge('kafka_server_replicamanager_leadercount', 'Partitions this node leads', (s) => led(s).length);
    gauge('kafka_server_replicamanager_underreplicatedpartitions',
      'Partitions this node leads whose ISR is smaller than their replica set',
      (s) => led(s).filter((p) => p.isr < p.replicas).length);
    gauge('kafka_server_replicamanager_underminisrpartitioncount',
      'Partitions this node leads whose ISR is below min.insync.replicas (acks=all produce is refused)',
      (s) => led(s).filter((p) => p.isr < p.minIsr).length);
    gauge('kafka_controller_kafkacontroller_activecontrollercount', '1 on the active controller',
      (s) => (s.isController ? 1 : 0));
    gauge('kafka_controller_kafkacontroller_offlinepartitionscount',
      'Partitions without a leader (reported by the active controller)',
      (s) => (s.isController ? s.offlinePartitions : 0));
    gauge('kafka_controller_kafkacontroller_activebrokercount', 'Unfenced brokers (by the active controller)',
      (s) => (s.isController ? s.brokers.active : 0));
    gauge('kafka_controller_kafkacontroller_fencedbrokercount', 'Fenced brokers (by the active controller)',
      (s) => (s.isController ? s.brokers.fenced : 0));
    gauge('kafka_server_raftmetrics_current_epoch', 'The metadata quorum\'s Raft term as this node knows it',
      (s) => s.raft.term);
    gauge('kafka_server_raftmetrics_current_leader', 'The metadata quorum\'s leader (-1: none known)',
      (s) => (s.raft.leaderId === 0 ? -1 : s.raft.leaderId));
    gauge('kafka_server_raftmetrics_high_watermark', 'Raft commit index of the metadata log',
      (s) => s.raft.commitIndex);
    gauge('kafka_server_raftmetrics_log_end_offset', 'Last index of this node\'s metadata log',
      (s) => s.raft.lastIndex);
    gauge('pado_raft_commit_lag_entries', 'Metadata log entries this node holds beyond the commit index',
      (s) => Math.max(0, s.raft.lastIndex - s.raft.commitIndex));
    gauge('pado_raft_apply_lag_entries', 'Committed metadata entries this node has not applied yet',
      (s) => Math.max(0, s.raft.commitIndex - s.raft.appliedIndex));
    gauge('kafka_server_raftmetrics_number_voters', 'Voters of the metadata quorum', (s) => s.raft.voters);
    gauge('pado_raft_observers', 'Observers (learners) of the metadata quorum', (s) => s.raft.observers);
    new Gauge({ name: 'kafka_server_raftmetrics_current_state',
      help: 'This node\'s Raft role (1 for the role it has)', labelNames: ['state'], registers, collect() {
        const s = read();
        this.reset();
        if (s !== undefined) this.labels(s.raft.role).set(1);
      } });
    const perPartition = (name: string, help: string, value: (p: PartitionState) => number): void => {
      new Gauge({ name, help, labelNames: ['topic', 'partition'], registers, collect() {
        const s = read();
        this.reset();
        if (s === undefined) return;
        for (const p of s.partitions) this.labels(p.topic, String(p.partition)).set(value(p));
      } });
    };
    perPartition('kafka_log_log_size', 'Bytes of the partition\'s log on this node', (p) => p.sizeBytes);
    perPartition('kafka_log_log_logendoffset', 'The partition log\'s end offset on this node',
      (p) => p.logEndOffset);
    perPartition('kafka_cluster_partition_insyncreplicascount', 'In-sync replicas of the partition',
      (p) => p.isr);
    perPartition('kafka_cluster_partition_replicascount', 'Replicas of the partition', (p) => p.replicas);
    new Gauge({ name: 'kafka_consumergroup_lag',
      help: 'Records between a group\'s committed offset and the partition\'s high watermark ' +
        '(groups this node coordinates; kafka_exporter\'s name)',
      labelNames: ['consumergroup', 'topic', 'partition'], registers, collect() {
        this.reset();
        for (const l of read()?.groupLag ?? []) this.labels(l.group, l.topic, String(l.partition)).set(l.lag);
      } });
    new Gauge({ name: 'pado_disk_free_bytes', help: 'Free bytes on the data directory\'s file system',
      registers, collect() {
        const free = read()?.diskFreeBytes;
        if (free !== undefined) this.set(free);
      } });
  }
}
