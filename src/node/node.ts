/**
 * The composition root of one `pado` process: metadata store and image, the partitions it leads,
 * the Kafka listener with every handler, and an orderly stop (stop accepting, let in-flight
 * requests finish within the deadline, close every log with a final fsync, close the store).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { assert, limits } from '../common/index.js';
import { effectiveTopicConfigs, type NodeConfig, type TopicConfigs } from '../config/index.js';
import { createTopics, type ControllerContext } from '../controller/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { brokerHandlers, groupHandlers, KafkaListener, type Broker } from '../server/index.js';
import { GroupSnapshotStore, MetadataStore } from '../storage/index.js';
import { GroupDriver } from './group-driver.js';
import { OffsetsTopicStore, offsetsTopicConfigs } from './offsets-topic.js';
import { offsetsTopicName } from '../groups/index.js';
import type { PartitionReplica } from './partition-replica.js';
import { LocalMetadata } from './local-metadata.js';
import { flushLogger } from './logger.js';
import { openRaftGroup, type RaftGroup } from './raft-group.js';
import { ReplicaManager, topicOverrides } from './replica-manager.js';

export interface RunningNode {
  readonly address: { host: string; port: number };
  stop(): Promise<void>;
}

/** Kafka's Uuid.toString: 16 random bytes, base64url without padding. */
export function newUuid(): string {
  return randomBytes(16).toString('base64url');
}

const partitionsPerTopicMax = 10_000;

export async function startNode(config: NodeConfig, log: Logger): Promise<RunningNode> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = await MetadataStore.open(join(config.dataDir, '__metadata'));
  const clusterId = await store.clusterId(newUuid);
  const metadata = await LocalMetadata.load(store, clusterId, log.child({ module: 'metadata' }));
  const replicas = await ReplicaManager.open(config, log.child({ module: 'partitions' }));
  await replicas.applyImage(emptyLike(metadata.image()), metadata.image());
  await replicas.dropStrays();
  metadata.onChange((previous, next) => replicas.applyImage(previous, next));

  const broker = makeBroker(config, metadata, replicas);
  const listener = new KafkaListener({
    host: config.listen.host,
    port: config.listen.port,
    log: log.child({ module: 'server' }),
    frameBytesMax: config.socketRequestMaxBytes,
    inFlightMax: limits.inFlightRequestsPerConnectionMax,
    connectionsMax: limits.connectionsMax,
  });
  const address = await listener.listen();
  const advertised = config.advertised ?? address;
  await metadata.propose((image) => registration(image, config.nodeId, advertised));
  const groupSnapshots = await GroupSnapshotStore.open(join(config.dataDir, '__group-snapshots'));
  const groups = await openGroups(config, metadata, replicas, groupSnapshots, log);
  // Raft runs only when initial voters are configured: single-node `pado start` is unchanged.
  const raft: RaftGroup | null = config.initialVoters === undefined ? null
    : await openRaftGroup(config, config.initialVoters, log.child({ module: 'raft' }));
  const extra = [...groupHandlers(groups, broker), ...raft?.handlers ?? []];
  listener.serve(brokerHandlers(broker, extra));
  raft?.start();
  replicas.startRetention();
  log.info({ host: address.host, port: address.port, dataDir: config.dataDir, clusterId }, 'kafka listener ready');
  void flushLogger(log);

  let stopping: Promise<void> | null = null;
  return {
    address,
    stop() {
      stopping ??= (async () => {
        log.info('stopping: no new connections; finishing in-flight requests');
        const listenerClosed = listener.close(limits.shutdownMsMax - 1_000);
        // Waiting joins are answered (NOT_COORDINATOR) so their connections can finish.
        await groups.close();
        await raft?.close();
        await listenerClosed;
        await groupSnapshots.close();
        await replicas.close();
        await store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Creates `__consumer_offsets` on first start (offsetsTopicPartitions partitions), then loads every
 * group from it before the listener opens, so no client ever sees a half-loaded coordinator.
 */
async function openGroups(
  config: NodeConfig,
  metadata: LocalMetadata,
  replicas: ReplicaManager,
  snapshots: GroupSnapshotStore,
  log: Logger,
): Promise<GroupDriver> {
  const ctx = {
    newTopicId: newUuid,
    defaultPartitions: config.offsetsTopicPartitions,
    defaultReplicationFactor: config.defaultReplicationFactor,
    partitionsPerTopicMax,
  };
  await metadata.propose((image) => {
    if (image.topicsByName.has(offsetsTopicName)) return { records: [], result: undefined };
    const topic = { name: offsetsTopicName, numPartitions: -1, replicationFactor: -1, assignments: [],
      configs: offsetsTopicConfigs };
    const { results, records } = createTopics(image, [topic], ctx);
    assert(results[0]?.errorCode === 0, `cannot create ${offsetsTopicName}: ${results[0]?.errorMessage}`);
    return { records, result: undefined };
  });
  const topic = metadata.image().topicsByName.get(offsetsTopicName);
  assert(topic !== undefined, `${offsetsTopicName} exists`);
  const partitions = topic.partitions.map((p) => replicas.get(offsetsTopicName, p.partition));
  assert(partitions.every((p) => p !== undefined), `this node leads every ${offsetsTopicName} partition`);
  const store = new OffsetsTopicStore(partitions as PartitionReplica[], snapshots, log.child({ module: 'groups' }));
  return GroupDriver.open({ store, log });
}

function emptyLike(image: MetadataImage): MetadataImage {
  return { ...image, topicsById: new Map(), topicsByName: new Map() };
}

/** Registers (or re-registers, when the address changed) this broker. */
function registration(image: MetadataImage, nodeId: number, at: { host: string; port: number }) {
  const known = image.brokers.get(nodeId);
  const same = known !== undefined && known.host === at.host && known.port === at.port;
  const records = same
    ? []
    : [{ type: 'registerBroker' as const, brokerId: nodeId, host: at.host, port: at.port, rack: null }];
  return { records, result: undefined };
}

function makeBroker(config: NodeConfig, metadata: LocalMetadata, replicas: ReplicaManager): Broker {
  const controllerContext: ControllerContext = {
    newTopicId: newUuid,
    defaultPartitions: config.defaultPartitions,
    defaultReplicationFactor: config.defaultReplicationFactor,
    partitionsPerTopicMax,
  };
  const overrides = (topic: string): Partial<TopicConfigs> => {
    const t = metadata.image().topicsByName.get(topic);
    return t === undefined ? {} : topicOverrides(t);
  };
  return {
    nodeId: config.nodeId,
    clusterId: metadata.image().clusterId,
    autoCreateTopics: config.autoCreateTopics,
    controllerContext,
    nodeConfig: config,
    image: () => metadata.image(),
    propose: (decide) => metadata.propose(decide),
    async autoCreate(names) {
      const wanted = [...new Set(names)].map((name) => ({
        name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [],
      }));
      await metadata.propose((image) => {
        const missing = wanted.filter((t) => !image.topicsByName.has(t.name));
        const { records } = createTopics(image, missing, controllerContext);
        return { records, result: undefined };
      });
    },
    partition: (topic, partition) => replicas.get(topic, partition),
    waitForData: (partitions, timeoutMs, signal) => replicas.waitForData(partitions, timeoutMs, signal),
    topicConfig(topic) {
      if (!metadata.image().topicsByName.has(topic)) return undefined;
      return effectiveTopicConfigs(overrides(topic), config.topicDefaults);
    },
    topicOverrides: overrides,
    nowMs: () => Date.now(),
  };
}
